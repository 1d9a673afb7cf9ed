"""Many generated invoice layouts (seeded): each one is read exactly right or sent to review, never
read wrong; and most are read. The generator varies what invoice programs vary — label wording in
German, English and French, the info block beside or as table columns, the window with or without
a return-address line, salutation and attention lines, totals as rows or columns, deposits, terms,
date and amount spellings — not the corpus files."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.intake.pdf_invoice import parse_invoice_pdf

from .test_pdf_layout import Item, r, t
from .test_pdf_layout import pdf as fpdf2_pdf


def reportlab_pdf(*pages: list[Item]) -> bytes:
    """The same page drawn by another PDF library (its own fonts' encoding and text operators)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for items in pages:
        for x, y, text, size, align in items:
            page.setFont("Helvetica", size)
            draw = page.drawRightString if align == "R" else page.drawString
            draw(x * mm, A4[1] - y * mm, text)
        page.showPage()
    page.save()
    return out.getvalue()

LABELS = {
    "de": {"number": ["Rechnungsnr.:", "Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Beleg-Nr."],
           "date": ["Rechnungsdatum:", "Datum:", "Rechnungsdatum", "Belegdatum"],
           "customer_no": ["Kundennr.:", "Kunden-Nr.", "Kundennummer"],
           "due": ["Fällig am:", "Zahlbar bis", "Fälligkeitsdatum"],
           "net": ["Nettobetrag", "Summe netto", "Gesamtbetrag netto", "Zwischensumme"],
           "vat": ["zzgl. 19 % USt", "Umsatzsteuer 19 %", "MwSt. 19%", "19 % USt."],
           "gross": ["Gesamtbetrag", "Endbetrag", "Rechnungsbetrag", "Gesamtbetrag brutto", "Summe brutto"],
           "deposit": ["abzüglich Anzahlung", "abzgl. geleistete Anzahlung", "Bereits gezahlt"],
           "open": ["Zu zahlen", "Restbetrag", "Zahlbetrag", "Offener Betrag"],
           "title": ["Rechnung", "RECHNUNG"], "buyer": ["Rechnungsempfänger:", "Kunde:"]},
    "en": {"number": ["Invoice no.", "Invoice number:", "Invoice #"],
           "date": ["Invoice date", "Date:", "Date of issue"],
           "customer_no": ["Customer no.", "Customer ID:"],
           "due": ["Due date", "Payment due", "Due date:"],
           "net": ["Subtotal", "Net total", "Net amount"],
           "vat": ["VAT 19%", "VAT (19 %)", "Tax 19%"],
           "gross": ["Total", "Invoice total", "Total amount", "Grand total"],
           "deposit": ["Less deposit", "Already paid", "Deposit received"],
           "open": ["Amount due", "Balance due", "Total due"],
           "title": ["INVOICE", "Invoice"], "buyer": ["Bill to:", "Invoice to:"]},
    "fr": {"number": ["Facture n°", "N° de facture", "Numéro de facture"],
           "date": ["Date de facture", "Date :", "Date d'émission"],
           "customer_no": ["N° client", "Code client"],
           "due": ["Date d'échéance", "Échéance"],
           "net": ["Total HT", "Montant HT"],
           "vat": ["TVA 20 %", "TVA (20%)"],
           "gross": ["Total TTC", "Montant TTC"],
           "deposit": ["Acompte versé", "Déjà payé"],
           "open": ["Net à payer", "Reste à payer", "Solde à payer"],
           "title": ["FACTURE", "Facture"], "buyer": ["Facturé à :", "Client :"]},
}
NAMES = ["Bäckerei Sonnenschein GmbH", "Müller & Söhne KG", "Acme Trading Ltd", "Société Dupont SARL",
         "Stadtwerke Nordhausen", "Dr. Anna Berg", "Praxis am Park GbR", "Weingut Rebstock"]
STREETS = [("Hauptstraße 12", "79098 Freiburg"), ("Lindenallee 5a", "10115 Berlin"),
           ("Am Hang 3", "01067 Dresden"), ("Rue de la Paix 12", "75002 Paris")]
SENDER = ("Holzbau Kern GmbH", "Sägewerkweg 4", "79100 Freiburg")


@dataclass
class Expected:
    number: str
    issue: date
    due: date
    amount: Decimal
    open_amount: Decimal
    customer: str


def german(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "§").replace(".", ",").replace("§", ".")


def spell_amount(value: Decimal, lang: str, rng: random.Random) -> str:
    if lang == "en":
        return rng.choice([f"{value:,.2f}", f"EUR {value:,.2f}", f"€{value:,.2f}", f"{value:,.2f} EUR"])
    return rng.choice([f"{german(value)} €", f"{german(value)} EUR", german(value), f"EUR {german(value)}"])


def spell_date(value: date, lang: str, rng: random.Random) -> str:
    forms = {"de": [f"{value:%d.%m.%Y}", value.isoformat(), f"{value.day}.{value.month}.{value:%Y}"],
             "en": [value.isoformat(), f"{value:%B} {value.day}, {value:%Y}", f"{value.day} {value:%B %Y}"],
             "fr": [f"{value:%d/%m/%Y}", value.isoformat()]}
    return rng.choice(forms[lang])


def invoice(rng: random.Random, pdf: Callable[..., bytes] = fpdf2_pdf) -> tuple[bytes, Expected]:
    lang = rng.choice(["de", "de", "de", "en", "fr"])
    labels = LABELS[lang]
    number = rng.choice(["RE-", "2026-", "INV", "F-", ""]) + str(rng.randint(10, 99999))
    issue = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    net = Decimal(rng.randint(1000, 900000)) / 100
    vat = (net * Decimal("0.19")).quantize(Decimal("0.01")) if lang != "fr" else \
        (net * Decimal("0.20")).quantize(Decimal("0.01"))
    gross = net + vat
    deposit = Decimal(rng.randint(1, int(gross) // 2 or 1)) if rng.random() < 0.25 else None
    open_amount = gross - deposit if deposit else gross
    name = rng.choice(NAMES)
    street, city = rng.choice(STREETS)
    letterhead = rng.choice(["right", "left", "block"])
    if letterhead == "right":
        items = [t(130, 15, SENDER[0], 15), t(130, 21, f"{SENDER[1]}, {SENDER[2]}", 8)]
    elif letterhead == "left":
        items = [t(20, 15, SENDER[0], 15), t(20, 21, f"{SENDER[1]} · {SENDER[2]}", 8)]
    else:  # the sender's address as a block at the right, with phone and e-mail
        items = [t(150, 12, SENDER[0], 11), t(150, 17, SENDER[1], 8), t(150, 21, SENDER[2], 8),
                 t(150, 25, "Tel. 0761 123456", 8), t(150, 29, "info@holzbau-kern.de", 8)]

    # the window
    top = rng.choice([45, 50, 27 + 5])
    x = rng.choice([20, 25])
    lines: list[str] = []
    if rng.random() < 0.7:
        items.append(t(x, top, rng.choice([" · ", " • ", " | ", ", "]).join(SENDER), 7))
    elif rng.random() < 0.5:
        items.append(t(x, top - 4, labels["buyer"][0], 8))
    if rng.random() < 0.3:
        lines.append(rng.choice(["Firma", "Herrn", "Frau"]) if lang == "de" else "")
    lines.append(name)
    if rng.random() < 0.3:
        lines.append({"de": "z. Hd. Frau Petra Lang", "en": "Attn. Mr John Smith", "fr": "À l'attention de M. Roux"}[lang])
    lines += [street, city]
    lines = [line for line in lines if line]
    for i, line in enumerate(lines):
        items.append(t(x, top + 8 + 5 * i, line, rng.choice([10, 11])))
    expected_name = name if lines[0] not in ("Herrn", "Frau") else f"{lines[0]} {name}"

    # the info block
    due_mode = rng.choice(["label", "days", "until", "skonto", "none", "immediately"])
    days = rng.choice([7, 10, 14, 30])
    due = issue + timedelta(days=days)
    info = [(rng.choice(labels["number"]), number), (rng.choice(labels["date"]), spell_date(issue, lang, rng))]
    if rng.random() < 0.6:
        info.append((rng.choice(labels["customer_no"]), f"K-{rng.randint(100, 9999)}"))
    if due_mode == "label":
        info.append((rng.choice(labels["due"]), spell_date(due, lang, rng)))
    rng.shuffle(info)
    if rng.random() < 0.7:
        lx, vx = rng.choice([(115, 150), (120, 160), (125, 190)])
        right = vx == 190
        for i, (label, value) in enumerate(info):
            y = 50 + 5 * i
            items.append(t(lx, y, label, 9))
            items.append(r(vx, y, value, 9) if right else t(vx, y, value, 9))
    else:
        for i, (label, value) in enumerate(info):
            items += [t(20 + 42 * i, 88, label, 8), t(20 + 42 * i, 93, value, 10)]
    items.append(t(20, 103, rng.choice(labels["title"]), 15))
    column = rng.choice(["Betrag", "Gesamt", "Summe", "Total", "Montant"])
    items += [t(20, 115, "Pos.", 9), t(35, 115, "Leistung", 9), r(190, 115, column, 9),
              t(20, 122, "1"), t(35, 122, "Arbeiten laut Angebot"), r(190, 122, spell_amount(net, lang, rng))]
    if rng.random() < 0.2:  # a delivery address beside the window
        items += [t(120, 100, {"de": "Lieferanschrift:", "en": "Ship to:", "fr": "Adresse de livraison"}[lang], 8),
                  t(120, 105, "Lager Süd", 9), t(120, 109, "Industriestraße 9", 9), t(120, 113, "79111 Freiburg", 9)]
    if rng.random() < 0.2:  # earlier payments as a small table
        items += [t(20, 205, {"de": "Datum", "en": "Date", "fr": "Date"}[lang], 8),
                  t(50, 205, {"de": "Zahlung", "en": "Payment", "fr": "Paiement"}[lang], 8),
                  t(20, 210, spell_date(issue - timedelta(days=40), lang, rng), 8),
                  t(50, 210, "Vorauskasse Material", 8)]

    # the totals
    rows = [(rng.choice(labels["net"]), net), (rng.choice(labels["vat"]), vat), (rng.choice(labels["gross"]), gross)]
    if deposit:
        rows.append((rng.choice(labels["deposit"]), deposit))
        rows.append((rng.choice(labels["open"]), open_amount))
    elif rng.random() < 0.3:
        rows.append((rng.choice(labels["open"]), open_amount))
    if rng.random() < 0.8 or deposit:
        for i, (label, value) in enumerate(rows):
            items += [t(110, 140 + 6 * i, label), r(190, 140 + 6 * i, spell_amount(value, lang, rng))]
    else:
        for i, (label, value) in enumerate(rows):
            items += [t(60 + 35 * i, 140, label, 8), t(60 + 35 * i, 146, spell_amount(value, lang, rng))]

    # the terms
    terms = {
        "de": {"days": f"Zahlbar innerhalb von {days} Tagen ohne Abzug.",
               "until": f"Bitte zahlen Sie bis zum {due:%d.%m.%Y}.",
               "skonto": f"Zahlbar innerhalb von {days} Tagen netto, innerhalb von 3 Tagen 2 % Skonto.",
               "immediately": "Zahlbar sofort ohne Abzug."},
        "en": {"days": f"Payment due within {days} days.", "until": f"Please pay by {due.isoformat()}.",
               "skonto": f"Payable within {days} days net, 2% discount within 3 days.",
               "immediately": "Payable immediately upon receipt."},
        "fr": {"days": f"Paiement à {days} jours.", "until": f"Paiement avant le {due:%d/%m/%Y}.",
               "skonto": f"Paiement à {days} jours net, escompte de 2 % (skonto) à 3 jours.",
               "immediately": "Paiement comptant à réception."},
    }[lang]
    if due_mode in terms:
        items.append(t(20, 190, terms[due_mode]))
    if due_mode == "immediately":
        due = issue
    elif due_mode == "none":
        due = issue + timedelta(days=14)
    items += [t(20, 280, f"{SENDER[0]} · {SENDER[1]} · {SENDER[2]} · IBAN DE12 6805 0101 0012 3456 78", 7)]
    return pdf(items), Expected(number, issue, due, gross, open_amount, expected_name)


@pytest.mark.parametrize("producer", [fpdf2_pdf, reportlab_pdf], ids=["fpdf2", "reportlab"])
def test_generated_layouts_are_read_right_or_reviewed_never_wrong(producer):
    rng = random.Random(20261203)
    right, reviewed, wrong = 0, [], []
    for _ in range(int(__import__("os").environ.get("VARIANTS", "80"))):
        data, expected = invoice(rng, producer)
        result = parse_invoice_pdf(data, "x.pdf", "t1", 14)
        if result.rejects:
            reviewed.append(result.rejects[0].reason)
            continue
        [record] = result.records
        got = Expected(record.number, record.issue_date, record.due_date, record.amount, record.open_amount,
                       record.customer.name)
        if got == expected:
            right += 1
        else:
            wrong.append(f"{got} != {expected}")
    assert not wrong, "\n".join(wrong)
    assert right >= 0.8 * (right + len(reviewed)), "\n".join(reviewed)


def test_a_return_address_whose_separators_have_no_unicode_is_still_the_sender():
    """reportlab's Helvetica has no Unicode for "·": the return line reads "Holzbau Kern GmbH (cid:127)
    Sägewerkweg 4 …" — still a one-line address, never the customer."""
    page = [t(25, 50, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg", 7),
            t(25, 58, "Bäckerei Sonnenschein GmbH"), t(25, 63, "Hauptstraße 12"), t(25, 68, "79098 Freiburg"),
            t(125, 55, "Rechnungsnr.: 2026-0815", 9), t(125, 60, "Datum: 12.03.2026", 9),
            t(25, 100, "Rechnung", 16), t(120, 153, "Gesamtbetrag"), r(190, 153, "1.000,00 €")]
    result = parse_invoice_pdf(reportlab_pdf(page), "x.pdf", "t1", 14)
    assert result.records[0].customer.name == "Bäckerei Sonnenschein GmbH"
    page[1:2] = []  # no recipient: the return line must not stand in for one
    result = parse_invoice_pdf(reportlab_pdf(page), "x.pdf", "t1", 14)
    assert result.records == [] and "nicht gefunden: Kunde" in result.rejects[0].text("de")
