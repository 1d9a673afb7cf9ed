"""A realistic, reproducible book of invoices for simulations and benchmarks.

Deterministic for a seed: the same seed always writes the same CSV, so simulate runs over it are
comparable run to run.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

FIRST = ["Anna", "Ben", "Clara", "Deniz", "Emil", "Fatma", "Greta", "Hannes", "Ilse", "Jonas",
         "Katarzyna", "Łukasz", "Mia", "Noah", "Ørjan", "Paula", "Quentin", "Rosa", "Şule", "Till"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Koch", "Richter", "Wolf", "Schröder", "Neumann", "Zieliński"]
TRADES = ["Bäckerei", "Café", "Hausverwaltung", "Kanzlei", "Praxis", "Autohaus", "Gärtnerei",
          "Elektro", "Druckerei", "Architekturbüro"]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße",
           "Am Markt", "Kirchgasse", "Uferweg"]
CITIES = [("10115", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("50667", "Köln"),
          ("04109", "Leipzig"), ("01067", "Dresden"), ("70173", "Stuttgart")]
HEADER = ["Rechnungsnummer", "Kundennummer", "Kunde", "E-Mail", "Straße", "PLZ", "Ort",
          "Kundentyp", "Rechnungsdatum", "Fällig am", "Betrag", "Offen"]


def book_csv(customers: int = 60, invoices: int = 240, start: date = date(2026, 7, 1),
             days: int = 75, seed: int = 7) -> bytes:
    """German-style CSV (semicolons, decimal commas) of ``invoices`` spread over ``customers``.

    About 40 % consumers; about 15 % without an email (post only); about 10 % partly paid before
    the import (the "Offen" column); issue dates spread over ``days`` from ``start``; terms of
    14 or 30 days.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not security
    people = []
    for i in range(customers):
        consumer = rng.random() < 0.4
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}" if consumer else f"{rng.choice(TRADES)} {last} GmbH"
        plz, city = rng.choice(CITIES)
        email = "" if rng.random() < 0.15 else f"kunde{i + 1}@example.org"
        people.append((f"K-{1001 + i}", name, email, f"{rng.choice(STREETS)} {rng.randint(1, 99)}",
                       plz, city, "privat" if consumer else "gewerblich"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(invoices):
        person = people[n % customers] if n < customers else rng.choice(people)
        issued = start + timedelta(days=rng.randrange(days))
        due = issued + timedelta(days=rng.choice((14, 14, 30)))
        amount = Decimal(rng.randrange(2_000, 250_000)) / 100
        open_amount = amount
        if rng.random() < 0.1:
            open_amount = (amount * Decimal(rng.choice((25, 50, 75))) / 100).quantize(Decimal("0.01"))
        writer.writerow([f"RE-{issued.year}-{5000 + n}", *person, issued.strftime("%d.%m.%Y"),
                         due.strftime("%d.%m.%Y"), _de(amount), _de(open_amount)])
    return out.getvalue().encode("utf-8")


def _de(value: Decimal) -> str:
    whole, frac = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + frac
