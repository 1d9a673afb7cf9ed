"""Payment matching in the pure core, figures printed (never asserted).

A seeded tenant of 100,000 open invoices over 20,000 customers and 10,000 bank entries:
60 % naming invoices (in varied spellings, some as RF references, some mistyped), 20 % with no
reference but exact amount and the customer's name (half from a known IBAN), 20 % unknown payers.
Prints the index build time, entries matched per second, the share per method and how often
the match was right.

Run: .venv/bin/python benchmarks/reconcile_core.py [--entries N] [--invoices N] [--customers N]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk")]

from mahnwerk.domain.matching import MatchMethod, match_payment  # noqa: E402
from mahnwerk.domain.open_book import OpenBook, OpenItem  # noqa: E402
from mahnwerk.domain.references import rf_reference  # noqa: E402
from mahnwerk.intake.bank_model import BankEntry  # noqa: E402

SEED = 20261102
BOOKED = date(2026, 11, 2)
SURNAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
    "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
    "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
    "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger",
    "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon",
    "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger",
    "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf",
]
FIRST = ["Anna", "Hans", "Peter", "Maria", "Jürgen", "Sabine", "Thomas", "Ute", "Klaus", "Petra",
         "Stefan", "Monika", "Andreas", "Karin", "Michael", "Birgit", "Jörg", "Susanne", "Uwe", "Eva"]
TRADES = ["Bau", "Elektro", "Sanitär", "Dachdeckerei", "Bäckerei", "Metzgerei", "Autohaus",
          "Malerbetrieb", "Gartenbau", "Logistik", "Software", "Druckerei", "Tischlerei", "Optik",
          "Immobilien", "Reisebüro", "Catering", "Steuerberatung", "Zahnarztpraxis", "Friseur"]
PLACES = ["Nord", "Süd", "Rhein", "Main", "Elbe", "Harz", "Allgäu", "Spree", "Isar", "Ruhr", "Weser"]
FORMS = ["GmbH", "GmbH & Co. KG", "AG", "KG", "e.K.", "OHG", "UG (haftungsbeschränkt)", ""]
WORDS = ["Danke", "Zahlung", "Miete", "Abschlag", "Vorauszahlung", "Beitrag", "Spende", "Rest",
         "Gutschrift", "Erstattung", "Kaution", "Auftrag", "Bestellung", "Lieferung"]


def customer_name(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
    if kind < 0.7:
        return f"{rng.choice(SURNAMES)} {rng.choice(TRADES)} {rng.choice(FORMS)}".strip()
    return f"{rng.choice(TRADES)} {rng.choice(SURNAMES)} {rng.choice(PLACES)} {rng.choice(FORMS)}".strip()


def bank_name(name: str, rng: random.Random) -> str:
    """How a bank prints the payer: upper case, umlauts spelt out, legal form dropped, cut."""
    variant = name
    if rng.random() < 0.5:
        variant = variant.upper()
    if rng.random() < 0.5:
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "AE"), ("Ö", "OE"),
                     ("Ü", "UE")):
            variant = variant.replace(a, b)
    if rng.random() < 0.3:
        for form in FORMS[:-1]:
            variant = variant.replace(form, "").replace(form.upper(), "")
    if rng.random() < 0.2:
        variant = variant[:27]
    return " ".join(variant.split())


def iban(rng: random.Random) -> str:
    return f"DE{rng.randrange(10, 99)}{rng.randrange(10**17, 10**18)}"


def spell(number: str, rng: random.Random) -> str:
    """RE-2026-00123 the ways debtors write it."""
    _, year, seq = number.split("-")
    return rng.choice([
        number, f"RE {year}-{seq}", f"re{year}{seq}", f"Rechnung Nr. {year}/{seq}",
        f"Rg. {year}-{seq}", f"Rechnungsnr. {number}", f"INV {year}.{seq}", f"RG{year}{seq}",
    ])


def typo(number: str, rng: random.Random) -> str:
    """One digit of the running number changed or two swapped."""
    prefix, year, seq = number.split("-")
    digits = list(seq)
    i = rng.randrange(len(digits))
    if rng.random() < 0.5 and i + 1 < len(digits) and digits[i] != digits[i + 1]:
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    else:
        digits[i] = str((int(digits[i]) + rng.randrange(1, 10)) % 10)
    return f"{prefix}-{year}-{''.join(digits)}"


def generate(invoices: int, customers: int, entries: int, rng: random.Random) -> tuple[
        list[OpenItem], list[tuple[str, BankEntry, tuple[str, ...]]]]:
    names = [customer_name(rng) for _ in range(customers)]
    ibans = [frozenset({iban(rng)}) if rng.random() < 0.6 else frozenset() for _ in range(customers)]
    items = []
    for i in range(invoices):
        cid = rng.randrange(customers)
        principal = Decimal(rng.randrange(2_000, 500_000)) / 100
        extras = Decimal(rng.randrange(0, 6_000)) / 100 if rng.random() < 0.3 else Decimal(0)
        year = 2025 if i < invoices // 3 else 2026
        items.append(OpenItem(
            number=f"RE-{year}-{i:06d}", customer_id=f"K{cid:05d}",
            due_date=BOOKED - timedelta(days=rng.randrange(1, 200)),
            claim_total=principal + extras, open_principal=principal,
            customer_name=names[cid], ibans=ibans[cid]))
    by_customer: dict[str, list[OpenItem]] = {}
    for it in items:
        by_customer.setdefault(it.customer_id, []).append(it)

    def booking(**kw: object) -> BankEntry:
        return BankEntry(account_iban="DE00OWN", booking_date=BOOKED, value_date=BOOKED,
                         currency="EUR", credit=True, **kw)  # type: ignore[arg-type]

    out: list[tuple[str, BankEntry, tuple[str, ...]]] = []
    for _ in range(entries):
        roll = rng.random()
        it = rng.choice(items)
        cid = int(it.customer_id[1:])
        payer = bank_name(names[cid], rng)
        payer_iban = next(iter(ibans[cid]), "") if rng.random() < 0.5 else iban(rng)
        if roll < 0.6:
            group = [it]
            siblings = by_customer[it.customer_id]
            if rng.random() < 0.15 and len(siblings) > 1:
                group = rng.sample(siblings, 2)
            amount = sum((g.claim_total for g in group), Decimal(0))
            if rng.random() < 0.2:
                amount = sum((g.open_principal for g in group), Decimal(0))
            elif rng.random() < 0.1:
                amount = (amount * Decimal(rng.randrange(20, 90)) / 100).quantize(Decimal("0.01"))
            expected = tuple(g.number for g in group)
            if rng.random() < 0.1:  # mistyped reference, exact amount and name
                kind = "reference (typo)"
                amount = it.claim_total
                expected = (it.number,)
                entry = booking(amount=amount, remittance=f"Rechnung {typo(it.number, rng)}",
                                debtor_name=payer, debtor_iban=iban(rng))
            elif rng.random() < 0.1 and len(group) == 1:
                kind = "reference (RF)"
                entry = booking(amount=amount, structured_reference=rf_reference(it.number),
                                debtor_name=payer, debtor_iban=payer_iban)
            else:
                kind = "reference"
                text = " ".join(spell(g.number, rng) for g in group)
                entry = booking(amount=amount, remittance=f"{text} {rng.choice(WORDS)}",
                                debtor_name=payer, debtor_iban=payer_iban)
        elif roll < 0.8:
            kind = "amount+name"
            entry = booking(amount=it.claim_total, remittance=rng.choice(WORDS),
                            debtor_name=payer, debtor_iban=payer_iban)
            expected = (it.number,)
        else:
            kind = "unknown"
            entry = booking(amount=Decimal(rng.randrange(100, 900_000)) / 100,
                            remittance=f"{rng.choice(WORDS)} {rng.randrange(1, 10**6)}",
                            debtor_name=f"{rng.choice(FIRST)} Unbekannt-{rng.randrange(10**6)}",
                            debtor_iban=iban(rng))
            expected = ()
        out.append((kind, entry, expected))
    return items, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()

    rng = random.Random(SEED)
    items, entries = generate(args.invoices, args.customers, args.entries, rng)

    t0 = time.perf_counter()
    book = OpenBook(items)
    build = time.perf_counter() - t0
    gc.disable()  # the same build without cyclic GC passes over the 100k-item heap, for scale
    t0 = time.perf_counter()
    OpenBook(items)
    build_no_gc = time.perf_counter() - t0
    gc.enable()

    t0 = time.perf_counter()
    matches = [match_payment(entry, book) for _, entry, _ in entries]
    elapsed = time.perf_counter() - t0

    print(f"open invoices {len(items):,}, customers {args.customers:,}, bank entries {len(entries):,}")
    print(f"index build (OpenBook incl. InvoiceIndex): {build * 1000:.0f} ms "
          f"({build_no_gc * 1000:.0f} ms with the garbage collector off)")
    print(f"matching: {elapsed * 1000:.0f} ms, {len(entries) / elapsed:,.0f} entries/s "
          f"({elapsed / len(entries) * 1e6:.0f} µs per entry; target ≥ 5,000/s)")

    methods = Counter(m.method for m in matches)
    print("share per method:")
    for method in MatchMethod:
        print(f"  {method:<12} {methods[method] / len(matches):6.1%}")

    print("by generated kind: right / wrong / unmatched (wrong = other invoices than generated)")
    table: dict[str, Counter[str]] = {}
    for (kind, _, expected), m in zip(entries, matches, strict=True):
        row = table.setdefault(kind, Counter())
        if not m.matched:
            row["unmatched"] += 1
        elif not expected or set(m.numbers) != set(expected):
            row["wrong"] += 1
        else:
            row["right"] += 1
    for kind, row in sorted(table.items()):
        total = sum(row.values())
        print(f"  {kind:<17} n={total:>5}  right {row['right'] / total:6.1%}  "
              f"wrong {row['wrong'] / total:6.1%}  unmatched {row['unmatched'] / total:6.1%}")
    unmatched = [m for m in matches if not m.matched]
    with_suggestions = sum(1 for m in unmatched if m.suggestions)
    print(f"unmatched with suggestions: {with_suggestions:,} of {len(unmatched):,}")


if __name__ == "__main__":
    main()
