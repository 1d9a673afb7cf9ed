"""Synthetic invoices in the layouts of typical German (and English and French) invoice programs,
drawn with fpdf2 — never copies of corpus files. Each layout is built from a seed (names, numbers,
dates, amounts vary) and states what a person reads on it; the reader must read exactly that or send
the file to review, and never read it wrong (number, issue date, due date, open amount, customer).
Most layouts must be read; the deliberately ambiguous ones must go to review.

Layouts: an info block at the right ("Rechnungsnr." / "Datum" / "Kundennr.", lexoffice-like), a
label column beside a value column (sevDesk-like), a Word/DATEV letter (return-address line above
the window, "z. Hd.", "Ort, den …"), English, French, totals "Nettobetrag / zzgl. 19 % USt /
Gesamtbetrag" with "abzüglich Anzahlung / Restbetrag", terms "innerhalb von 14 Tagen" / "bis zum" /
"sofort" / Skonto, two pages with the totals on page 2, dates in words, a credit note, a correction,
an instalment plan.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.intake.pdf_invoice import parse_invoice_pdf

from .test_pdf_layout import Item, pdf, r, t
from .test_pdf_layout_variants import reportlab_pdf

#: two PDF libraries with their own font encodings and text operators
PRODUCERS = {"fpdf2": pdf, "reportlab": reportlab_pdf}

GERMAN_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                 "Oktober", "November", "Dezember"]
FRENCH_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                 "octobre", "novembre", "décembre"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]
CUSTOMERS = [("Bäckerei Sonnenschein GmbH", "Hauptstraße 12", "79098 Freiburg"),
             ("Müller & Söhne KG", "Lindenallee 5a", "10115 Berlin"),
             ("Praxis am Park GbR", "Am Hang 3", "01067 Dresden"),
             ("Weingut Rebstock", "Kellergasse 7", "67098 Bad Dürkheim")]
SELLERS = [("Holzbau Kern GmbH", "Sägewerkweg 4", "79100 Freiburg"),
           ("Elektro Vogt e.K.", "Am Markt 3", "35037 Marburg"),
           ("Malerbetrieb Sauer", "Farbweg 9", "50667 Köln")]


@dataclass(frozen=True)
class Read:
    number: str
    issue: date
    due: date
    amount: Decimal
    open_amount: Decimal
    customer: str


@dataclass
class Case:
    pages: list[list[Item]]
    expected: Read | None  # None: must go to review
    why: str = ""


def de(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "§").replace(".", ",").replace("§", ".")


def de_date(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def words_de(value: date) -> str:
    return f"{value.day}. {GERMAN_MONTHS[value.month - 1]} {value.year}"


def words_fr(value: date) -> str:
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {FRENCH_MONTHS[value.month - 1]} {value.year}"


def words_en(value: date) -> str:
    return f"{ENGLISH_MONTHS[value.month - 1]} {value.day}, {value.year}"


@dataclass
class Values:
    number: str
    issue: date
    net: Decimal
    vat: Decimal
    gross: Decimal
    customer: tuple[str, str, str]
    seller: tuple[str, str, str]
    customer_no: str


def values(rng: random.Random, vat_rate: str = "0.19") -> Values:
    net = Decimal(rng.randint(5000, 900000)) / 100
    vat = (net * Decimal(vat_rate)).quantize(Decimal("0.01"))
    return Values(number=rng.choice(["RE", "RE-2026-", "2026-", "R"]) + str(rng.randint(100, 99999)),
                  issue=date(2026, 1, 5) + timedelta(days=rng.randint(0, 300)),
                  net=net, vat=vat, gross=net + vat, customer=rng.choice(CUSTOMERS),
                  seller=rng.choice(SELLERS), customer_no=f"{rng.randint(10000, 99999)}")


def footer(v: Values) -> list[Item]:
    name, street, city = v.seller
    return [t(20, 278, name, 7), t(20, 281, street, 7), t(20, 284, city, 7),
            t(80, 278, "Tel. 0761 123456", 7), t(80, 281, "info@example.de", 7),
            t(130, 278, "Sparkasse", 7), t(130, 281, "IBAN DE12 6805 0101 0012 3456 78", 7),
            t(130, 284, "USt-IdNr. DE123456789", 7)]


def items_table(v: Values, y: float = 112, amount: Callable[[Decimal], str] = de) -> list[Item]:
    return [t(20, y, "Pos.", 9), t(32, y, "Beschreibung", 9), t(120, y, "Menge", 9),
            r(160, y, "Einzelpreis", 9), r(190, y, "Gesamtpreis", 9),
            t(20, y + 7, "1"), t(32, y + 7, "Arbeiten laut Angebot"), t(120, y + 7, "1 Pauschal"),
            r(160, y + 7, f"{amount(v.net)} €"), r(190, y + 7, f"{amount(v.net)} €")]


def window(v: Values, top: float = 45, x: float = 25, attention: str = "", prefix: str = "") -> list[Item]:
    """DIN 5008 form B: the return address in small type, then the recipient."""
    sender = " · ".join(v.seller)
    lines = [line for line in (prefix, v.customer[0], attention, v.customer[1], v.customer[2]) if line]
    return [t(x, top + 5, sender, 7)] + [t(x, top + 12 + 5 * i, line) for i, line in enumerate(lines)]


# ------------------------------------------------------------------------------------ the layouts


def lexoffice_like(rng: random.Random) -> Case:
    """Info block at the right, labels with colons and values beside them; totals netto/USt/brutto."""
    v = values(rng)
    days = rng.choice([7, 14, 30])
    page = [t(20, 20, v.seller[0], 16), *window(v),
            t(125, 55, "Rechnungsnr.:", 9), t(160, 55, v.number, 9),
            t(125, 60, "Rechnungsdatum:", 9), t(160, 60, de_date(v.issue), 9),
            t(125, 65, "Lieferdatum:", 9), t(160, 65, de_date(v.issue - timedelta(days=3)), 9),
            t(125, 70, "Kundennr.:", 9), t(160, 70, v.customer_no, 9),
            t(20, 100, f"Rechnung Nr. {v.number}", 14),
            t(20, 106, "Sehr geehrte Damen und Herren, vielen Dank für Ihren Auftrag.", 10),
            *items_table(v),
            t(120, 140, "Gesamtbetrag netto"), r(190, 140, f"{de(v.net)} €"),
            t(120, 146, "zzgl. Umsatzsteuer 19 %"), r(190, 146, f"{de(v.vat)} €"),
            t(120, 153, "Gesamtbetrag brutto", 11), r(190, 153, f"{de(v.gross)} €", 11),
            t(20, 170, f"Zahlungsbedingungen: Zahlung innerhalb von {days} Tagen ab Rechnungseingang ohne "
                       "Abzüge.", 9),
            *footer(v)]
    return Case([page], Read(v.number, v.issue, v.issue + timedelta(days=days), v.gross, v.gross,
                             v.customer[0]))


def sevdesk_like(rng: random.Random) -> Case:
    """A label column and a value column, values right-aligned; "bis zum" terms; Kunden-Nr. as a label."""
    v = values(rng)
    due = v.issue + timedelta(days=rng.choice([10, 14, 21]))
    labels = [("Rechnungs-Nr.", v.number), ("Rechnungsdatum", de_date(v.issue)),
              ("Lieferdatum", de_date(v.issue)), ("Ihre Kundennummer", v.customer_no),
              ("Ihr Ansprechpartner", "Jan Kern")]
    page = [t(130, 18, v.seller[0], 13), t(130, 23, v.seller[1], 8), t(130, 27, v.seller[2], 8),
            *window(v, top=40)]
    for i, (label, value) in enumerate(labels):
        page += [t(120, 62 + 5 * i, label, 9), r(190, 62 + 5 * i, value, 9)]
    page += [t(20, 100, "Rechnung", 15), *items_table(v),
             t(120, 140, "Zwischensumme netto"), r(190, 140, f"{de(v.net)} €"),
             t(120, 146, "Umsatzsteuer 19%"), r(190, 146, f"{de(v.vat)} €"),
             t(120, 153, "Gesamtbetrag", 11), r(190, 153, f"{de(v.gross)} €", 11),
             t(20, 170, f"Bitte überweisen Sie den Rechnungsbetrag bis zum {de_date(due)}.", 10),
             *footer(v)]
    return Case([page], Read(v.number, v.issue, due, v.gross, v.gross, v.customer[0]))


def word_letter(rng: random.Random) -> Case:
    """A Word/DATEV letter: letterhead block at the right, return line above the window, "Firma" and
    "z. Hd." lines, "Ort, den …", the number in the subject line, "zahlbar sofort"."""
    v = values(rng)
    page = [t(140, 15, v.seller[0], 12), t(140, 20, v.seller[1], 9), t(140, 24, v.seller[2], 9),
            t(140, 28, "Telefon 0761 123456", 9),
            *window(v, attention="z. Hd. Herrn Peter Lang", prefix="Firma"),
            t(140, 95, f"{v.seller[2].split()[1]}, den {de_date(v.issue)}", 10),
            t(25, 105, f"Rechnung Nr. {v.number}", 12),
            t(25, 115, "Sehr geehrter Herr Lang,", 10),
            t(25, 121, "für die ausgeführten Arbeiten berechnen wir Ihnen:", 10),
            t(25, 131, "Arbeiten laut Angebot"), r(185, 131, f"{de(v.net)} EUR"),
            t(25, 137, "zzgl. 19 % MwSt."), r(185, 137, f"{de(v.vat)} EUR"),
            t(25, 145, "Rechnungsbetrag", 11), r(185, 145, f"{de(v.gross)} EUR", 11),
            t(25, 160, "Der Rechnungsbetrag ist sofort ohne Abzug zahlbar.", 10),
            t(25, 175, "Mit freundlichen Grüßen", 10), *footer(v)]
    return Case([page], Read(v.number, v.issue, v.issue, v.gross, v.gross, v.customer[0]))


def english(rng: random.Random) -> Case:
    v = values(rng, "0.20")
    due = v.issue + timedelta(days=30)
    name = rng.choice(["Acme Trading Ltd", "Harbour Foods Ltd"])
    page = [t(20, 20, "Northwind Supplies GmbH", 14), t(20, 26, "Hafenstraße 1, 20457 Hamburg", 8),
            t(20, 45, "INVOICE", 18),
            t(20, 60, "Bill to:", 9), t(20, 66, name), t(20, 71, "12 Harbour Road"), t(20, 76, "Bristol BS1 4QA"),
            t(120, 60, "Invoice No.", 9), r(190, 60, v.number, 9),
            t(120, 66, "Invoice Date", 9), r(190, 66, words_en(v.issue), 9),
            t(120, 72, "Due Date", 9), r(190, 72, words_en(due), 9),
            t(20, 100, "Description"), r(190, 100, "Amount"),
            t(20, 107, "Consulting services"), r(190, 107, f"{v.net:,.2f}"),
            t(120, 125, "Subtotal"), r(190, 125, f"{v.net:,.2f}"),
            t(120, 131, "VAT 20%"), r(190, 131, f"{v.vat:,.2f}"),
            t(120, 137, "Total"), r(190, 137, f"{v.gross:,.2f}"),
            t(120, 145, "Amount due"), r(190, 145, f"EUR {v.gross:,.2f}"),
            t(20, 160, "Payment due within 30 days of the invoice date.")]
    return Case([page], Read(v.number, v.issue, due, v.gross, v.gross, name))


def french(rng: random.Random) -> Case:
    v = values(rng, "0.20")
    page = [t(20, 20, "Atelier Durand SAS", 14), t(20, 26, "8 avenue Foch, 69006 Lyon", 8),
            t(20, 45, "FACTURE", 16),
            t(20, 55, "N° de facture :", 9), t(60, 55, v.number, 9),
            t(20, 60, "Date de facture :", 9), t(60, 60, words_fr(v.issue), 9),
            t(120, 58, "Facturé à :", 9), t(120, 64, "Société Dupont SARL"), t(120, 69, "12 rue de la Paix"),
            t(120, 74, "75002 Paris"),
            t(20, 100, "Désignation"), r(190, 100, "Montant"),
            t(20, 107, "Restauration d'une commode"), r(190, 107, f"{de(v.net)} €"),
            t(120, 125, "Total HT"), r(190, 125, f"{de(v.net)} €"),
            t(120, 131, "TVA 20 %"), r(190, 131, f"{de(v.vat)} €"),
            t(120, 137, "Total TTC"), r(190, 137, f"{de(v.gross)} €"),
            t(120, 145, "Net à payer"), r(190, 145, f"{de(v.gross)} €"),
            t(20, 160, "Paiement à 30 jours par virement.")]
    return Case([page], Read(v.number, v.issue, v.issue + timedelta(days=30), v.gross, v.gross,
                             "Société Dupont SARL"))


def deposit_and_skonto(rng: random.Random) -> Case:
    """Nettobetrag / zzgl. 19 % USt / Gesamtbetrag / abzüglich Anzahlung / Restbetrag, a Skonto offer."""
    v = values(rng)
    paid = (v.gross / 3).quantize(Decimal("1"))
    rest = v.gross - paid
    page = [t(20, 20, v.seller[0], 16), *window(v),
            t(125, 55, "Rechnungsnr.:", 9), t(160, 55, v.number, 9),
            t(125, 60, "Datum:", 9), t(160, 60, de_date(v.issue), 9),
            t(125, 65, "Kundennr.:", 9), t(160, 65, v.customer_no, 9),
            t(20, 100, "Schlussrechnung", 15), *items_table(v),
            t(120, 140, "Nettobetrag"), r(190, 140, f"{de(v.net)} €"),
            t(120, 146, "zzgl. 19 % USt"), r(190, 146, f"{de(v.vat)} €"),
            t(120, 152, "Gesamtbetrag"), r(190, 152, f"{de(v.gross)} €"),
            t(120, 158, "abzüglich Anzahlung"), r(190, 158, f"-{de(paid)} €"),
            t(120, 165, "Restbetrag", 11), r(190, 165, f"{de(rest)} €", 11),
            t(20, 180, "Zahlbar innerhalb von 30 Tagen netto, innerhalb von 10 Tagen mit 2 % Skonto.", 9),
            *footer(v)]
    return Case([page], Read(v.number, v.issue, v.issue + timedelta(days=30), v.gross, rest, v.customer[0]))


def two_pages(rng: random.Random) -> Case:
    """The totals and terms on page 2, below a carry-over; "Seite 1 von 2" is no number."""
    v = values(rng)
    first = [t(20, 20, v.seller[0], 16), *window(v),
             t(125, 55, "Rechnungsnummer", 9), r(190, 55, v.number, 9),
             t(125, 60, "Rechnungsdatum", 9), r(190, 60, de_date(v.issue), 9),
             t(125, 65, "Seite", 9), r(190, 65, "1 von 2", 9),
             t(20, 100, "Rechnung", 15), *items_table(v),
             t(120, 260, "Übertrag"), r(190, 260, f"{de(v.net)} €"), *footer(v)]
    second = [t(20, 20, f"Rechnung {v.number} - Seite 2 von 2", 8),
              t(120, 40, "Übertrag"), r(190, 40, f"{de(v.net)} €"),
              t(120, 60, "Summe netto"), r(190, 60, f"{de(v.net)} €"),
              t(120, 66, "MwSt. 19 %"), r(190, 66, f"{de(v.vat)} €"),
              t(120, 72, "Endbetrag", 11), r(190, 72, f"{de(v.gross)} €", 11),
              t(20, 90, "Zahlbar innerhalb von 14 Tagen ohne Abzug."), *footer(v)]
    return Case([first, second], Read(v.number, v.issue, v.issue + timedelta(days=14), v.gross, v.gross,
                                      v.customer[0]))


def dates_in_words(rng: random.Random) -> Case:
    v = values(rng)
    due = v.issue + timedelta(days=21)
    page = [t(20, 20, v.seller[0], 16), *window(v),
            t(125, 55, "Beleg-Nr.", 9), t(160, 55, v.number, 9),
            t(125, 60, "Datum", 9), t(160, 60, words_de(v.issue), 9),
            t(125, 65, "Fällig am", 9), t(160, 65, words_de(due), 9),
            t(20, 100, "Rechnung", 15), *items_table(v),
            t(120, 140, "Summe netto"), r(190, 140, f"{de(v.net)} €"),
            t(120, 146, "USt. 19 %"), r(190, 146, f"{de(v.vat)} €"),
            t(120, 153, "Zu zahlen", 11), r(190, 153, f"{de(v.gross)} €", 11), *footer(v)]
    return Case([page], Read(v.number, v.issue, due, v.gross, v.gross, v.customer[0]))


def credit_note(rng: random.Random) -> Case:
    """A "Gutschrift" with positive amounts (EN 16931's way of writing a credit note): a credit."""
    v = values(rng)
    page = [t(20, 20, v.seller[0], 16), *window(v),
            t(125, 55, "Gutschrift-Nr.:", 9), t(160, 55, "G" + v.number, 9),
            t(125, 60, "Datum:", 9), t(160, 60, de_date(v.issue), 9),
            t(125, 65, "Kundennr.:", 9), t(160, 65, v.customer_no, 9),
            t(20, 100, "Gutschrift", 15),
            t(20, 106, f"zu unserer Rechnung {v.number} vom {de_date(v.issue - timedelta(days=20))}", 10),
            *items_table(v),
            t(120, 140, "Nettobetrag"), r(190, 140, f"{de(v.net)} €"),
            t(120, 146, "zzgl. 19 % USt"), r(190, 146, f"{de(v.vat)} €"),
            t(120, 153, "Gesamtbetrag", 11), r(190, 153, f"{de(v.gross)} €", 11),
            t(20, 170, "Der Betrag wird mit Ihrer nächsten Rechnung verrechnet.", 10), *footer(v)]
    # "Gutschrift-Nr." is no invoice-number label: the number is not certain, review is right too
    return Case([page], Read("G" + v.number, v.issue, v.issue + timedelta(days=14), -v.gross, -v.gross,
                             v.customer[0]))


def english_credit_note(rng: random.Random) -> Case:
    """"CREDIT NOTE" with its own number label and positive amounts."""
    case = english(rng)
    page = [item for item in case.pages[0] if item[2] not in ("INVOICE", "Due Date", "Amount due")
            and not item[2].startswith(("Payment due", "EUR ")) and item[1] != 72]
    page = [(x, y, {"Invoice No.": "Credit Note No."}.get(text, text), size, align)
            for x, y, text, size, align in page]
    page += [t(20, 45, "CREDIT NOTE", 18), t(20, 160, "The amount will be refunded to your account.")]
    e = case.expected
    assert e is not None
    return Case([page], Read(e.number, e.issue, e.issue + timedelta(days=14), -e.amount, -e.amount,
                             e.customer))


def french_avoir(rng: random.Random) -> Case:
    """"AVOIR" with "N° d'avoir" and the amounts printed negative."""
    case = french(rng)
    e = case.expected
    assert e is not None
    page = []
    for x, y, text, size, align in case.pages[0]:
        if text in ("FACTURE", "Paiement à 30 jours par virement."):
            continue
        text = {"N° de facture :": "N° d'avoir :", "Date de facture :": "Date :"}.get(text, text)
        if text.endswith(" €"):
            text = "-" + text
        page.append((x, y, text, size, align))
    page.append(t(20, 45, "AVOIR", 16))
    return Case([page], Read(e.number, e.issue, e.issue + timedelta(days=14), -e.amount, -e.amount,
                             e.customer))


def correction(rng: random.Random) -> Case:
    """A "Rechnungskorrektur" with negative amounts: it lowers the claim."""
    v = values(rng)
    page = [t(20, 20, v.seller[0], 16), *window(v),
            t(125, 55, "Rechnungsnr.:", 9), t(160, 55, "K" + v.number, 9),
            t(125, 60, "Rechnungsdatum:", 9), t(160, 60, de_date(v.issue), 9),
            t(20, 100, "Rechnungskorrektur", 15),
            t(120, 140, "Nettobetrag"), r(190, 140, f"-{de(v.net)} €"),
            t(120, 146, "zzgl. 19 % USt"), r(190, 146, f"-{de(v.vat)} €"),
            t(120, 153, "Gesamtbetrag", 11), r(190, 153, f"-{de(v.gross)} €", 11), *footer(v)]
    return Case([page], Read("K" + v.number, v.issue, v.issue + timedelta(days=14), -v.gross, -v.gross,
                             v.customer[0]))


def instalments(rng: random.Random) -> Case:
    """An instalment plan with its dates: due at the last one (no reminder before all is due)."""
    v = values(rng)
    dates = [v.issue + timedelta(days=30 * k) for k in (1, 2, 3)]
    page = [t(20, 20, v.seller[0], 16), *window(v),
            t(125, 55, "Rechnungsnr.:", 9), t(160, 55, v.number, 9),
            t(125, 60, "Datum:", 9), t(160, 60, de_date(v.issue), 9),
            t(20, 100, "Rechnung", 15), *items_table(v),
            t(120, 140, "Nettobetrag"), r(190, 140, f"{de(v.net)} €"),
            t(120, 146, "zzgl. 19 % USt"), r(190, 146, f"{de(v.vat)} €"),
            t(120, 153, "Gesamtbetrag", 11), r(190, 153, f"{de(v.gross)} €", 11),
            t(20, 170, "Zahlbar in drei Raten zum " + ", ".join(map(de_date, dates[:2]))
              + f" und {de_date(dates[2])}.", 10), *footer(v)]
    return Case([page], Read(v.number, v.issue, dates[2], v.gross, v.gross, v.customer[0]))


# ------------------------------------------------------------------ deliberately ambiguous: review


def two_different_totals(rng: random.Random) -> Case:
    case = lexoffice_like(rng)
    other = case.expected.amount + Decimal("100.00") if case.expected else Decimal(1)
    case.pages[0] += [t(120, 160, "Rechnungsbetrag", 11), r(190, 160, f"{de(other)} €", 11)]
    return Case(case.pages, None, "two different totals")


def two_candidate_customers(rng: random.Random) -> Case:
    case = sevdesk_like(rng)
    case.pages[0] += [t(20, 92, "Rechnungsempfänger: Stadtwerke Nordhausen", 9)]
    return Case(case.pages, None, "two different customers")


def only_the_return_address(rng: random.Random) -> Case:
    v = values(rng)
    page = [t(20, 20, v.seller[0], 16), t(25, 50, " · ".join(v.seller), 7),
            t(125, 55, "Rechnungsnr.:", 9), t(160, 55, v.number, 9),
            t(125, 60, "Datum:", 9), t(160, 60, de_date(v.issue), 9),
            t(20, 100, "Rechnung", 15), *items_table(v),
            t(120, 153, "Gesamtbetrag", 11), r(190, 153, f"{de(v.gross)} €", 11), *footer(v)]
    return Case([page], None, "the return-address line is the only address")


def positive_correction(rng: random.Random) -> Case:
    case = lexoffice_like(rng)
    case.pages[0] = [item for item in case.pages[0] if not item[2].startswith("Rechnung Nr.")]
    case.pages[0].append(t(20, 100, "Rechnungskorrektur", 14))
    return Case(case.pages, None, "a correction with positive amounts: replaces or adds?")


def instalments_without_dates(rng: random.Random) -> Case:
    case = lexoffice_like(rng)
    case.pages[0] = [item for item in case.pages[0] if not item[2].startswith("Zahlungsbedingungen")]
    case.pages[0].append(t(20, 170, "Zahlbar in drei gleichen Monatsraten.", 9))
    return Case(case.pages, None, "instalments without dates")


LAYOUTS = [lexoffice_like, sevdesk_like, word_letter, english, french, deposit_and_skonto, two_pages,
           dates_in_words, credit_note, english_credit_note, french_avoir, correction, instalments]
AMBIGUOUS = [two_different_totals, two_candidate_customers, only_the_return_address, positive_correction,
             instalments_without_dates]
SEEDS = [1, 2, 3]


def outcome(case: Case, producer: str) -> tuple[str, str]:
    """("right" | "review" | "WRONG", detail)."""
    result = parse_invoice_pdf(PRODUCERS[producer](*case.pages), "rechnung.pdf", "t1", 14)
    if result.rejects:
        [reject] = result.rejects
        assert reject.reason.startswith("review") and "Zur Prüfung" in reject.reason.text("de"), reject.reason
        return "review", reject.reason
    [record] = result.records
    got = Read(record.number, record.issue_date, record.due_date, record.amount, record.open_amount,
               record.customer.name)
    if case.expected is None or got != case.expected:
        return "WRONG", f"read {got}, expected {case.expected or 'review'}"
    assert record.credit_note == (record.document_type == "381")
    assert (record.amount < 0) == (case.expected.amount < 0)  # a credit is never dunned
    return "right", ""


@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda f: f.__name__)
def test_typical_layouts_are_read_right(layout, seed, producer):
    verdict, detail = outcome(layout(random.Random(seed)), producer)
    assert verdict == "right", detail


@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layout", AMBIGUOUS, ids=lambda f: f.__name__)
def test_ambiguous_layouts_go_to_review_never_read(layout, seed, producer):
    verdict, detail = outcome(layout(random.Random(seed)), producer)
    assert verdict == "review", detail


@pytest.mark.parametrize("layout", [credit_note, correction], ids=lambda f: f.__name__)
def test_a_credit_read_from_a_pdf_is_booked_as_a_credit_never_dunned(layout):
    """The import treats it as it treats an e-invoice credit note or a CSV credit row: an open
    credit that reduces what the customer owes, with no reminder ever scheduled."""
    from mahnwerk.domain.policy import default_policy
    from mahnwerk.service.intake import new_invoice

    [record] = parse_invoice_pdf(pdf(*layout(random.Random(1)).pages), "g.pdf", "t1", 14).records
    invoice = new_invoice("t1", record, default_policy())
    assert invoice.amount < 0 and invoice.open_amount < 0 and invoice.next_action_on is None
    # a credit note may reuse the invoice's number: kept apart as "-GS", as for e-invoices
    assert invoice.number == record.number + ("-GS" if layout is credit_note else "")
