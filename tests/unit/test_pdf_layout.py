"""Plain invoice PDFs read by their layout (intake/pdf_layout.py): synthetic PDFs in several layouts,
each with exact values; layouts with missing or contradictory values go to review, never read wrong."""

from __future__ import annotations

import io
import zlib
from datetime import date
from decimal import Decimal

import fpdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from mahnwerk.intake import pdf_words
from mahnwerk.intake.pdf_invoice import parse_invoice_pdf

#: (x in mm, y in mm of the baseline, text, font size, "L" or "R": x is the left or the right edge)
Item = tuple[float, float, str, float, str]


def pdf(*pages: list[Item]) -> bytes:
    document = fpdf.FPDF(unit="mm", format="A4")
    document.core_fonts_encoding = "windows-1252"
    for items in pages:
        document.add_page()
        for x, y, text, size, align in items:
            document.set_font("helvetica", size=size)
            left = x - document.get_string_width(text) if align == "R" else x
            document.text(left, y, text)
    return bytes(document.output())


def t(x: float, y: float, text: str, size: float = 10, align: str = "L") -> Item:
    return (x, y, text, size, align)


def r(x: float, y: float, text: str, size: float = 10) -> Item:
    return (x, y, text, size, "R")


def read(data: bytes):
    result = parse_invoice_pdf(data, "rechnung.pdf", "t1", 14)
    assert result.rejects == [], result.rejects
    [record] = result.records
    assert record.source_format == "pdf-text"
    return record


def review(data: bytes) -> str:
    result = parse_invoice_pdf(data, "rechnung.pdf", "t1", 14)
    assert result.records == [], "must not be imported"
    [reject] = result.rejects
    assert reject.reason.code == "pdf_review" and reject.reason.startswith("review:")
    assert reject.text("de").startswith("Zur Prüfung")  # the owner reads German, the API English
    return f"{reject.reason} — {reject.text('de')}"


LETTERHEAD = [t(130, 15, "Holzbau Kern GmbH", 16), t(130, 21, "Sägewerkweg 4, 79100 Freiburg", 9)]
FOOTER = [t(20, 280, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg · Geschäftsführer: Jan Kern", 7),
          t(20, 284, "Sparkasse Freiburg · IBAN DE12 6805 0101 0012 3456 78 · USt-IdNr. DE123456789", 7)]
ITEMS = [t(20, 115, "Pos.", 9), t(35, 115, "Bezeichnung", 9), t(120, 115, "Menge", 9),
         r(160, 115, "Einzelpreis", 9), r(190, 115, "Gesamt", 9),
         t(20, 122, "1"), t(35, 122, "Eichentisch massiv"), t(120, 122, "1"), r(160, 122, "800,00 €"),
         r(190, 122, "800,00 €"),
         t(20, 128, "2"), t(35, 128, "Montage (Std.)"), t(120, 128, "4"), r(160, 128, "50,00 €"),
         r(190, 128, "200,00 €")]


def din_invoice(*, info=None, window=None, totals=None, terms="Zahlbar innerhalb von 14 Tagen ohne Abzug.",
                extra=(), title="Rechnung") -> bytes:
    """A German invoice in DIN 5008 form B: return address and recipient in the window at the left
    (45–90 mm), the info block at the right, the items, the totals block, the terms."""
    window = window if window is not None else [
        t(25, 50, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg", 7),
        t(25, 58, "Firma"),
        t(25, 63, "Bäckerei Sonnenschein GmbH"),
        t(25, 68, "z. Hd. Frau Petra Lang"),
        t(25, 73, "Hauptstraße 12"),
        t(25, 78, "79098 Freiburg"),
    ]
    info = info if info is not None else [
        t(125, 55, "Rechnungsnr.:", 9), t(160, 55, "2026-0815", 9),
        t(125, 60, "Datum:", 9), t(160, 60, "12.03.2026", 9),
        t(125, 65, "Kundennr.:", 9), t(160, 65, "10042", 9),
        t(125, 70, "Lieferdatum:", 9), t(160, 70, "09.03.2026", 9),
    ]
    totals = totals if totals is not None else [
        t(120, 140, "Nettobetrag"), r(190, 140, "1.000,00 €"),
        t(120, 146, "zzgl. 19 % USt"), r(190, 146, "190,00 €"),
        t(120, 153, "Gesamtbetrag", 11), r(190, 153, "1.190,00 €", 11),
    ]
    body = [*LETTERHEAD, *window, *info, t(25, 100, title, 16), *ITEMS, *totals,
            t(25, 170, terms), t(25, 180, "Mit freundlichen Grüßen"), *extra, *FOOTER]
    return pdf(body)


# ------------------------------------------------------------------------------------ read right


def test_din_5008_layout_info_block_right_and_the_window_below_the_return_address():
    record = read(din_invoice())
    assert (record.number, record.issue_date) == ("2026-0815", date(2026, 3, 12))
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 26), "terms")
    assert (record.amount, record.open_amount, record.currency) == (Decimal("1190.00"), Decimal("1190.00"),
                                                                    "EUR")
    # the return-address line is the sender; "Firma" and the "z. Hd." line are not the name
    assert record.customer.name == "Bäckerei Sonnenschein GmbH"
    assert record.customer.customer_id == "10042"
    address = record.customer.address
    assert (address.street, address.postal_code, address.city) == ("Hauptstraße 12", "79098", "Freiburg")


def test_window_without_return_address_line_at_the_din_position():
    window = [t(25, 58, "Herrn"), t(25, 63, "Dr. Max Weber"), t(25, 68, "Lindenallee 5"), t(25, 73, "10115 Berlin")]
    record = read(din_invoice(window=window))
    assert record.customer.name == "Herrn Dr. Max Weber"
    assert record.customer.address.city == "Berlin"


def test_labels_and_values_in_table_columns():
    info = [t(25, 86, "Rechnungsnummer", 8), t(65, 86, "Rechnungsdatum", 8), t(105, 86, "Kundennummer", 8),
            t(145, 86, "Fällig am", 8),
            t(25, 91, "R-77"), t(65, 91, "01.02.2026"), t(105, 91, "K-9"), t(145, 91, "15.02.2026")]
    totals = [t(100, 140, "Netto", 9), t(130, 140, "USt 19 %", 9), t(160, 140, "Brutto", 9),
              t(100, 146, "1.000,00 €"), t(130, 146, "190,00 €"), t(160, 146, "1.190,00 €")]
    record = read(din_invoice(info=info, totals=totals, terms=""))
    assert (record.number, record.issue_date, record.due_date, record.due_date_source) == (
        "R-77", date(2026, 2, 1), date(2026, 2, 15), "invoice")
    assert (record.amount, record.open_amount) == (Decimal("1190.00"), Decimal("1190.00"))
    assert record.customer.customer_id == "K-9"


def test_english_layout_bill_to_and_english_separators():
    page = [
        t(20, 20, "Northwind Supplies GmbH", 14), t(20, 26, "Hafenstraße 1, 20457 Hamburg", 8),
        t(20, 45, "INVOICE", 18),
        t(20, 60, "Bill to:", 9), t(20, 66, "Acme Trading Ltd"), t(20, 71, "12 Harbour Road"),
        t(20, 76, "Bristol BS1 4QA"),
        t(120, 60, "Invoice no.", 9), r(190, 60, "INV-2026-031", 9),
        t(120, 66, "Invoice date", 9), r(190, 66, "March 5, 2026", 9),
        t(120, 72, "Due date", 9), r(190, 72, "April 4, 2026", 9),
        t(20, 100, "Description"), r(190, 100, "Amount"),
        t(20, 107, "Consulting, 10 hours"), r(190, 107, "1,250.00"),
        t(120, 125, "Subtotal"), r(190, 125, "1,250.00"),
        t(120, 131, "VAT 20%"), r(190, 131, "250.00"),
        t(120, 137, "Total"), r(190, 137, "1,500.00"),
        t(120, 145, "Amount due"), r(190, 145, "EUR 1,500.00"),
        t(20, 160, "Payment due within 30 days."),
    ]
    record = read(pdf(page))
    assert (record.number, record.issue_date, record.due_date, record.due_date_source) == (
        "INV-2026-031", date(2026, 3, 5), date(2026, 4, 4), "invoice")
    assert (record.amount, record.open_amount) == (Decimal("1500.00"), Decimal("1500.00"))
    assert record.customer.name == "Acme Trading Ltd"


def test_french_labels_facture_a_and_net_a_payer():
    page = [
        t(20, 20, "Atelier Durand SAS", 14), t(20, 26, "8 avenue Foch, 69006 Lyon", 8),
        t(20, 45, "Facture n° F-2026-12", 16),
        t(20, 58, "Date de facture :", 9), t(60, 58, "15/01/2026", 9),
        t(120, 58, "Facturé à :", 9), t(120, 64, "Société Dupont SARL"), t(120, 69, "12 rue de la Paix"),
        t(120, 74, "75002 Paris"),
        t(20, 100, "Désignation"), r(190, 100, "Montant"),
        t(20, 107, "Restauration d'une commode"), r(190, 107, "500,00 €"),
        t(120, 125, "Total HT"), r(190, 125, "500,00 €"),
        t(120, 131, "TVA 20 %"), r(190, 131, "100,00 €"),
        t(120, 137, "Total TTC"), r(190, 137, "600,00 €"),
        t(120, 145, "Net à payer"), r(190, 145, "600,00 €"),
        t(20, 160, "Paiement à 30 jours par virement."),
    ]
    record = read(pdf(page))
    assert (record.number, record.issue_date) == ("F-2026-12", date(2026, 1, 15))
    assert (record.due_date, record.due_date_source) == (date(2026, 2, 14), "terms")
    assert (record.amount, record.open_amount) == (Decimal("600.00"), Decimal("600.00"))
    assert record.customer.name == "Société Dupont SARL"


def test_skonto_terms_give_the_net_date():
    record = read(din_invoice(terms="Zahlbar innerhalb von 30 Tagen netto, bei Zahlung innerhalb von "
                                    "10 Tagen 2 % Skonto."))
    assert (record.due_date, record.due_date_source) == (date(2026, 4, 11), "terms")
    assert record.open_amount == Decimal("1190.00")  # the discount is an offer, not a reduction


@pytest.mark.parametrize("terms, due", [
    ("Bitte überweisen Sie den Betrag bis zum 31.03.2026 auf unser Konto.", date(2026, 3, 31)),
    ("Zahlbar sofort ohne Abzug.", date(2026, 3, 12)),
    ("Zahlungsziel: 21 Tage", date(2026, 4, 2)),
])
def test_payment_terms(terms, due):
    assert read(din_invoice(terms=terms)).due_date == due


def test_no_terms_take_the_tenant_default():
    record = read(din_invoice(terms=""))
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 26), "default_terms")


def test_restbetrag_after_a_deposit_is_the_open_amount():
    totals = [t(110, 140, "Nettobetrag"), r(190, 140, "5.000,00 €"),
              t(110, 146, "zzgl. 19 % MwSt."), r(190, 146, "950,00 €"),
              t(110, 152, "Rechnungsbetrag"), r(190, 152, "5.950,00 €"),
              t(110, 158, "abzüglich Anzahlung vom 01.02.2026"), r(190, 158, "2.000,00 €"),
              t(110, 165, "Restbetrag", 11), r(190, 165, "3.950,00 €", 11)]
    record = read(din_invoice(totals=totals))
    assert (record.amount, record.open_amount, record.prepaid_amount) == (
        Decimal("5950.00"), Decimal("3950.00"), Decimal("2000.00"))


def test_a_deposit_without_a_restbetrag_line_is_subtracted():
    totals = [t(110, 140, "Gesamtbetrag"), r(190, 140, "5.950,00 €"),
              t(110, 146, "abzüglich Anzahlung"), r(190, 146, "- 2.000,00 €")]
    record = read(din_invoice(totals=totals))
    assert (record.amount, record.open_amount) == (Decimal("5950.00"), Decimal("3950.00"))


def test_the_title_with_number_and_date():
    info = [t(125, 55, "Kundennr.:", 9), t(160, 55, "10042", 9)]
    data = pdf([*LETTERHEAD, t(25, 50, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg", 7),
                t(25, 58, "Bäckerei Sonnenschein GmbH"), t(25, 63, "Hauptstraße 12"), t(25, 68, "79098 Freiburg"),
                *info, t(25, 100, "Rechnung Nr. 2026-0815 vom 12.03.2026", 14), *ITEMS,
                t(120, 153, "Endbetrag"), r(190, 153, "1.000,00 €"), *FOOTER])
    record = read(data)
    assert (record.number, record.issue_date, record.amount) == ("2026-0815", date(2026, 3, 12),
                                                                 Decimal("1000.00"))


def test_other_dates_are_not_the_invoice_date():
    info = [t(125, 55, "Rechnungsnummer", 9), t(165, 55, "2026-0815", 9),
            t(125, 60, "Lieferdatum", 9), t(165, 60, "01.03.2026", 9),
            t(125, 65, "Rechnungsdatum", 9), t(165, 65, "12.03.2026", 9),
            t(125, 70, "Bestelldatum", 9), t(165, 70, "20.02.2026", 9)]
    assert read(din_invoice(info=info)).issue_date == date(2026, 3, 12)


# ------------------------------------------------------------------------- review, never wrong


def test_two_different_totals_go_to_review():
    reason = review(din_invoice(extra=[t(120, 190, "Gesamtbetrag"), r(190, 190, "1.290,00 €")]))
    assert "several different totals" in reason and "Gesamtbetrag mehrdeutig" in reason


def test_gross_that_is_not_net_plus_vat_goes_to_review():
    totals = [t(120, 140, "Nettobetrag"), r(190, 140, "1.000,00 €"),
              t(120, 146, "zzgl. 19 % USt"), r(190, 146, "190,00 €"),
              t(120, 153, "Gesamtbetrag"), r(190, 153, "1.209,00 €")]
    reason = review(din_invoice(totals=totals))
    assert "gross is not net + VAT" in reason and "ist nicht Netto" in reason


def test_a_deposit_that_does_not_add_up_goes_to_review():
    totals = [t(110, 140, "Gesamtbetrag"), r(190, 140, "5.950,00 €"),
              t(110, 146, "abzüglich Anzahlung"), r(190, 146, "2.000,00 €"),
              t(110, 152, "Zu zahlen"), r(190, 152, "3.000,00 €")]
    assert "Anzahlung" in review(din_invoice(totals=totals))


def test_missing_number_is_named_with_what_was_found():
    info = [t(125, 60, "Datum:", 9), t(160, 60, "12.03.2026", 9)]
    reason = review(din_invoice(info=info))
    assert reason.startswith("review: could not find invoice number")
    assert "nicht gefunden: Rechnungsnummer" in reason
    assert "gefunden: Rechnungsdatum 12.03.2026" in reason and "Gesamtbetrag 1.190,00 €" in reason
    assert "Kunde Bäckerei Sonnenschein GmbH" in reason


def test_contradictory_numbers_go_to_review():
    extra = [t(25, 190, "Rechnungsnummer: 2026-0816")]
    assert "Rechnungsnummer mehrdeutig" in review(din_invoice(extra=extra))


def test_an_empty_window_never_makes_the_sender_the_customer():
    window = [t(25, 50, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg", 7)]
    reason = review(din_invoice(window=window))
    assert "nicht gefunden: Kunde" in reason and "Holzbau" not in reason.split("gefunden:")[-1]


def test_the_letterhead_alone_is_never_the_customer():
    letterhead = [t(130, 15, "Holzbau Kern GmbH", 12), t(130, 20, "Sägewerkweg 4", 9), t(130, 25, "79100 Freiburg", 9)]
    data = pdf([*letterhead, t(125, 55, "Rechnungsnr.: 2026-0815", 9), t(125, 60, "Datum: 12.03.2026", 9),
                t(25, 100, "Rechnung", 16), *ITEMS, t(120, 153, "Gesamtbetrag"), r(190, 153, "1.000,00 €")])
    assert "nicht gefunden: Kunde" in review(data)


def test_a_labelled_customer_that_contradicts_the_window_goes_to_review():
    extra = [t(25, 190, "Rechnungsempfänger: Konditorei Mond KG")]
    assert "Kunde widersprüchlich" in review(din_invoice(extra=extra))


def test_contradicting_due_dates_go_to_review():
    info = [t(125, 55, "Rechnungsnr.:", 9), t(160, 55, "2026-0815", 9),
            t(125, 60, "Datum:", 9), t(160, 60, "12.03.2026", 9),
            t(125, 65, "Fällig am:", 9), t(160, 65, "31.03.2026", 9)]
    assert "Fälligkeit" in review(din_invoice(info=info))  # the terms say 14 days: 26.03.2026


NEGATIVE_TOTALS = [t(120, 140, "Nettobetrag"), r(190, 140, "-100,00 €"),
                   t(120, 146, "zzgl. 19 % USt"), r(190, 146, "-19,00 €"),
                   t(120, 153, "Gesamtbetrag", 11), r(190, 153, "-119,00 €", 11)]


@pytest.mark.parametrize("title", ["Gutschrift", "GUTSCHRIFT", "Stornorechnung", "Storno-Rechnung",
                                   "Gutschrift Nr. 2026-0815"])
@pytest.mark.parametrize("totals", [None, NEGATIVE_TOTALS], ids=["positive", "negative"])
def test_a_credit_note_is_read_as_a_credit_whatever_the_printed_sign(title, totals):
    """EN 16931 prints a credit note's (381) amounts positive, many programs negative: either way it
    reduces what the customer owes, booked negative as the e-invoice path books a 381 (never dunned)."""
    record = read(din_invoice(title=title, totals=totals))
    want = Decimal("-1190.00") if totals is None else Decimal("-119.00")
    assert (record.number, record.amount, record.open_amount) == ("2026-0815", want, want)
    assert (record.credit_note, record.document_type, record.prepaid_amount) == (True, "381", Decimal("0.00"))
    assert record.customer.name == "Bäckerei Sonnenschein GmbH"


@pytest.mark.parametrize("title", ["Rechnungskorrektur", "RECHNUNGS-KORREKTUR", "Korrekturrechnung",
                                   "Rechnungskorrektur (384) Nr. 2026-0815"])
def test_a_correction_with_negative_totals_lowers_the_claim(title):
    """A corrected invoice (384) keeps its signs, as the e-invoice path does: "-119,00 €" reduces."""
    record = read(din_invoice(title=title, totals=NEGATIVE_TOTALS))
    assert (record.amount, record.open_amount) == (Decimal("-119.00"), Decimal("-119.00"))
    assert (record.credit_note, record.document_type) == (False, "384")


def test_a_correction_with_positive_totals_goes_to_review():
    """It may replace the original invoice or add to it: the page does not say which."""
    assert "positiven Beträgen" in review(din_invoice(title="Rechnungskorrektur"))


def test_credit_notes_with_mixed_signs_or_a_deposit_go_to_review():
    mixed = [*NEGATIVE_TOTALS[:4], t(120, 153, "Gesamtbetrag", 11), r(190, 153, "119,00 €", 11)]
    assert "Vorzeichen" in review(din_invoice(title="Gutschrift", totals=mixed))
    deposit = [*NEGATIVE_TOTALS, t(120, 160, "abzüglich Anzahlung"), r(190, 160, "50,00 €"),
               t(120, 166, "Restbetrag"), r(190, 166, "-69,00 €")]
    assert "Anzahlung" in review(din_invoice(title="Gutschrift", totals=deposit))


def test_an_invoice_title_beside_a_credit_title_goes_to_review():
    extra = [t(25, 108, "Rechnung Nr. 2026-0815", 11)]
    assert "zugleich" in review(din_invoice(title="Gutschrift", extra=extra))


def test_a_credit_word_in_running_text_is_no_title():
    """"Storno bis 14 Tage vor Anreise kostenfrei" on a hotel invoice: an invoice, dunned as one."""
    record = read(din_invoice(extra=[t(25, 107, "Storno bis 14 Tage vor Anreise kostenfrei.", 10)]))
    assert (record.amount, record.credit_note) == (Decimal("1190.00"), False)


def test_negative_totals_without_a_credit_title_go_to_review():
    assert "negative Beträge" in review(din_invoice(totals=NEGATIVE_TOTALS))


def test_an_overpaid_invoice_is_a_credit_where_the_totals_prove_it():
    """EN 16931 BT-115 = BT-112 − BT-113: 1.190,00 − 2.380,00 paid = −1.190,00 due, a credit."""
    totals = [t(120, 140, "Gesamtbetrag"), r(190, 140, "1.190,00 €"),
              t(120, 146, "Erhaltene Anzahlungen"), r(190, 146, "-2.380,00 €"),
              t(120, 153, "Zahlbetrag", 11), r(190, 153, "-1.190,00 €", 11)]
    record = read(din_invoice(totals=totals))
    assert (record.amount, record.open_amount, record.prepaid_amount) == (
        Decimal("1190.00"), Decimal("-1190.00"), Decimal("2380.00"))
    unproven = [*totals[:2], t(120, 153, "Zahlbetrag", 11), r(190, 153, "-1.190,00 €", 11)]
    assert "unstimmig" in review(din_invoice(totals=unproven))


def test_a_self_billed_gutschrift_is_an_invoice():
    record = read(din_invoice(title="Gutschrift (selbst ausgestellte Rechnung)"))
    assert (record.number, record.amount) == ("2026-0815", Decimal("1190.00"))


def test_another_currency_printed_alone_is_read():
    totals = [t(120, 153, "Total amount"), r(190, 153, "USD 1,190.00")]
    [record] = parse_invoice_pdf(din_invoice(totals=totals), "rechnung.pdf", "t1", 14).records
    assert (record.currency, record.amount) == ("USD", Decimal("1190.00"))


def test_reading_the_layout_is_bounded(monkeypatch):
    monkeypatch.setattr(pdf_words, "MAX_CHARS", 50)
    reason = review(din_invoice())
    assert "layout could not be read" in reason and "50 characters" in reason


def test_another_generator_hyphenated_labels_values_right_aligned_and_two_pages():
    """Labels left-aligned and values right-aligned in the info block, the sender line underlined
    far above the name, the totals on the second page below a carry-over."""
    first = [
        t(20, 20, "Elektro Vogt e.K.", 14),
        t(20, 47, "Elektro Vogt e.K. - Am Markt 3 - 35037 Marburg", 6),
        t(20, 56, "Gemeinde Hinterdorf", 11), t(20, 61, "Bauamt"), t(20, 66, "Rathausplatz 1"),
        t(20, 71, "35041 Hinterdorf"),
        t(120, 50, "Rechnungs-Nr.", 9), r(190, 50, "EV-26-0042", 9),
        t(120, 55, "Kunden-Nr.", 9), r(190, 55, "D-1007", 9),
        t(120, 60, "Leistungszeitraum", 9), r(190, 60, "01.03.2026 - 06.03.2026", 9),
        t(120, 75, "Marburg, den 09.03.2026", 9),
        t(20, 95, "Rechnung", 15),
        t(20, 110, "Elektroinstallation Feuerwehrhaus"), r(190, 110, "2.400,00 €"),
        t(120, 260, "Übertrag"), r(190, 260, "2.400,00 €"),
    ]
    second = [
        t(20, 30, "Rechnungs-Nr. EV-26-0042, Seite 2", 8),
        t(120, 60, "Gesamtbetrag netto"), r(190, 60, "2.400,00 €"),
        t(120, 66, "Umsatzsteuer 19 %"), r(190, 66, "456,00 €"),
        t(120, 72, "Gesamtbetrag brutto", 11), r(190, 72, "2.856,00 €", 11),
        t(20, 90, "Bitte zahlen Sie den Rechnungsbetrag bis zum 08.04.2026 ohne Abzug."),
    ]
    record = read(pdf(first, second))
    assert (record.number, record.issue_date, record.due_date) == (
        "EV-26-0042", date(2026, 3, 9), date(2026, 4, 8))
    assert (record.amount, record.open_amount) == (Decimal("2856.00"), Decimal("2856.00"))
    assert (record.customer.name, record.customer.customer_id) == ("Gemeinde Hinterdorf", "D-1007")


def test_reading_the_layout_is_bounded_in_time(monkeypatch):
    monkeypatch.setattr(pdf_words, "TIME_LIMIT", 0.0)
    assert "took longer than" in review(din_invoice())


def _bomb() -> bytes:
    return zlib.compress(b"\0" * 200_000_000, 9)


def test_a_decompression_bomb_in_a_font_program_is_refused_before_the_layout_reader():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(din_invoice())))
    fonts = writer.pages[0]["/Resources"]["/Font"]
    font = next(iter(fonts.values())).get_object()
    bomb = StreamObject()
    bomb._data = _bomb()
    bomb[NameObject("/Filter")] = NameObject("/FlateDecode")
    descriptor = DictionaryObject({NameObject("/Type"): NameObject("/FontDescriptor"),
                                   NameObject("/FontFile2"): writer._add_object(bomb)})
    font[NameObject("/FontDescriptor")] = writer._add_object(descriptor)
    out = io.BytesIO()
    writer.write(out)
    result = parse_invoice_pdf(out.getvalue(), "rechnung.pdf", "t1", 14)
    assert result.records == [] and "decompression bomb" in result.rejects[0].reason


def test_a_bomb_on_the_second_page_stops_the_layout_reader_too():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([t(20, 20, "Rechnung Nr. 1")], [t(20, 20, "x")]))))
    content = writer.pages[1]["/Contents"].get_object()
    content._data = _bomb()
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    out = io.BytesIO()
    writer.write(out)
    reason = review(out.getvalue())
    assert "could not be read" in reason and "LimitReachedError" in reason


def test_a_sender_block_with_contact_lines_is_never_the_customer():
    """The recipient's address has no postcode line the reader knows; the only block with one is the
    sender's at the right, with phone and e-mail: no customer, review."""
    page = [t(120, 40, "Holzbau Kern GmbH", 11), t(120, 45, "Sägewerkweg 4", 9), t(120, 50, "79100 Freiburg", 9),
            t(120, 55, "Tel. 0761 123456", 9), t(120, 60, "E-Mail: info@holzbau-kern.de", 9),
            t(25, 55, "Ranch Vista LLC"), t(25, 60, "PO Box 17"), t(25, 65, "Tucson AZ"),
            t(120, 80, "Rechnungsnr.: 2026-0815", 9), t(120, 85, "Datum: 12.03.2026", 9),
            t(25, 100, "Rechnung", 16), *ITEMS, t(120, 153, "Gesamtbetrag"), r(190, 153, "1.000,00 €")]
    assert "nicht gefunden: Kunde" in review(pdf(page))


def test_the_payee_of_the_bank_details_is_not_the_customer():
    extra = [t(25, 195, "Empfänger: Holzbau Kern GmbH", 8), t(25, 200, "IBAN: DE12 6805 0101 0012 3456 78", 8)]
    assert read(din_invoice(extra=extra)).customer.name == "Bäckerei Sonnenschein GmbH"


def test_terms_that_are_printed_but_not_understood_go_to_review():
    reason = review(din_invoice(terms="Zahlung bitte nach Absprache mit 3 Teilbeträgen à 10 Werktage."))
    assert "Zahlungsbedingungen nicht verstanden" in reason


def test_a_due_label_with_a_period_as_its_value():
    info = [t(125, 55, "Rechnungsnr.:", 9), t(160, 55, "2026-0815", 9),
            t(125, 60, "Datum:", 9), t(160, 60, "12.03.2026", 9),
            t(125, 65, "Zahlungsziel:", 9), t(160, 65, "30 Tage netto", 9)]
    record = read(din_invoice(info=info, terms=""))
    assert (record.due_date, record.due_date_source) == (date(2026, 4, 11), "terms")


def test_an_instalment_plan_without_full_dates_goes_to_review():
    reason = review(din_invoice(terms="Zahlbar in drei Raten zu den Fälligkeiten 01.04., 01.05. und 01.06.2026."))
    assert "mehrere Fälligkeiten" in reason
    assert "mehrere Fälligkeiten" in review(din_invoice(terms="Zahlbar in drei Raten."))


@pytest.mark.parametrize("terms", [
    "Zahlbar in drei Raten zum 01.04.2026, 01.05.2026 und 01.06.2026.",
    "Teilzahlung: fällig am 01.04.2026, 01.05.2026 und 01.06.2026.",
    "Payable in instalments on 2026-04-01, 2026-05-01 and 2026-06-01.",
    "Paiement en trois fois : échéances le 01/04/2026, 01/05/2026 et 01/06/2026.",
])
def test_an_instalment_plan_with_its_dates_is_due_at_its_last_instalment(terms):
    """As the e-invoice path takes the last of several due dates: no reminder before all is due."""
    record = read(din_invoice(terms=terms))
    assert (record.due_date, record.due_date_source) == (date(2026, 6, 1), "terms")


def test_an_instalment_table_under_a_due_date_column_goes_to_review():
    extra = [t(25, 190, "Fälligkeit", 9), t(70, 190, "Teilzahlung", 9),
             t(25, 195, "01.04.2026", 9), r(95, 195, "595,00 €", 9),
             t(25, 200, "01.05.2026", 9), r(95, 200, "595,00 €", 9)]
    assert "Fälligkeit mehrdeutig" in review(din_invoice(terms="", extra=extra))


def test_instalments_beside_other_terms_go_to_review():
    terms = "Zahlbar in zwei Raten am 01.04.2026 und 01.05.2026. Zahlbar innerhalb von 14 Tagen."
    assert "zugleich" in review(din_invoice(terms=terms))


@pytest.mark.parametrize("terms, due", [
    ("Zahlbar innerhalb von 2 Wochen.", date(2026, 3, 26)),
    ("Zahlbar innerhalb von 4 Wochen ohne Abzug.", date(2026, 4, 9)),
])
def test_weeks(terms, due):
    assert read(din_invoice(terms=terms)).due_date == due


def test_a_month_is_not_guessed():
    assert "Zahlungsbedingungen nicht verstanden" in review(din_invoice(terms="Zahlbar innerhalb eines Monats, "
                                                                              "spätestens 1 Monat nach Erhalt."))


def test_amounts_with_three_digits_after_one_separator_are_not_read():
    totals = [t(120, 153, "Total"), r(190, 153, "1,190 EUR")]
    assert "Betrag" in review(din_invoice(totals=totals))


def test_slash_dates_on_an_english_invoice_may_be_month_first():
    page = [t(20, 45, "INVOICE", 18), t(20, 60, "Bill to:", 9), t(20, 66, "Acme Trading Ltd"),
            t(20, 71, "12 Harbour Road"), t(20, 76, "Bristol BS1 4QA"),
            t(120, 60, "Invoice no.", 9), r(190, 60, "INV-7", 9),
            t(120, 66, "Invoice date", 9), r(190, 66, "03/04/2026", 9),
            t(120, 125, "Total"), r(190, 125, "1,500.00")]
    assert "nicht gefunden: Rechnungsdatum" in review(pdf(page))


def test_page_x_of_y_is_not_an_invoice_number():
    info = [t(125, 60, "Datum:", 9), t(160, 60, "12.03.2026", 9)]
    assert "nicht gefunden: Rechnungsnummer" in review(din_invoice(info=info, window=[
        t(25, 50, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg", 7), t(25, 58, "Bäckerei Sonnenschein GmbH"),
        t(25, 63, "Hauptstraße 12"), t(25, 68, "79098 Freiburg")], extra=[t(125, 90, "Rechnung 1 von 2", 16)]))


def test_pdfminer_is_imported_only_when_a_plain_pdf_is_read():
    import subprocess
    import sys

    code = ("import sys; import mahnwerk.intake.files, mahnwerk.intake.pdf_invoice; "
            "print('pdfminer' in sys.modules, 'mahnwerk.intake.pdf_layout' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_slogan_below_the_letterhead_line_is_not_the_customer():
    data = pdf([t(20, 15, "Holzbau Kern GmbH · Sägewerkweg 4 · 79100 Freiburg", 9), t(20, 20, "Ihr Partner für Holz", 9),
                t(125, 55, "Rechnungsnr.: 2026-0815", 9), t(125, 60, "Datum: 12.03.2026", 9),
                t(25, 100, "Rechnung", 16), *ITEMS, t(120, 153, "Gesamtbetrag"), r(190, 153, "1.000,00 €")])
    assert "nicht gefunden: Kunde" in review(data)


def test_a_sub_sum_and_the_final_amount():
    totals = [t(120, 140, "Summe"), r(190, 140, "1.000,00 €"),
              t(120, 146, "MwSt. 19 %"), r(190, 146, "190,00 €"),
              t(120, 153, "Endbetrag"), r(190, 153, "1.190,00 €")]
    assert read(din_invoice(totals=totals)).amount == Decimal("1190.00")


def test_gross_and_final_amount_must_agree():
    totals = [t(120, 140, "Summe brutto"), r(190, 140, "1.190,00 €"),
              t(120, 153, "Endbetrag"), r(190, 153, "1.290,00 €")]
    assert "Gesamtbetrag mehrdeutig" in review(din_invoice(totals=totals))


def test_a_due_date_before_the_invoice_date_is_taken_as_printed_with_a_warning():
    info = [t(125, 55, "Rechnungsnr.:", 9), t(160, 55, "2026-0815", 9),
            t(125, 60, "Datum:", 9), t(160, 60, "12.03.2026", 9),
            t(125, 65, "Fällig am:", 9), t(160, 65, "01.03.2026", 9)]
    result = parse_invoice_pdf(din_invoice(info=info, terms=""), "rechnung.pdf", "t1", 14)
    [record] = result.records
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 1), "invoice")


@pytest.mark.parametrize("terms", ["Zahlbar zum 15. des Folgemonats.", "Paiement à 30 jours fin de mois.",
                                   "Payment due 30 days end of month."])
def test_terms_counted_from_the_end_of_a_month_go_to_review(terms):
    assert "Zur Prüfung" in review(din_invoice(terms=terms))


def test_abbreviated_labels():
    info = [t(125, 55, "Rg.-Nr.", 9), t(160, 55, "2026-0815", 9),
            t(125, 60, "Rg.-Datum", 9), t(160, 60, "12.03.2026", 9),
            t(125, 65, "Ihre Kundennummer", 9), t(160, 65, "10042", 9)]
    record = read(din_invoice(info=info))
    assert (record.number, record.issue_date, record.customer.customer_id) == (
        "2026-0815", date(2026, 3, 12), "10042")


def test_a_credit_line_item_is_no_title():
    """"Gutschrift 10,00 €" among the lines of an invoice titled "Schlussrechnung": still an invoice,
    and a "Gutschrift" phrase beside another invoice title sends it to review, never makes it a credit."""
    extra = [t(25, 108, "Gutschrift -10,00 €", 10)]
    record = read(din_invoice(title="Schlussrechnung", extra=extra))
    assert (record.amount, record.credit_note) == (Decimal("1190.00"), False)
    assert "zugleich" in review(din_invoice(title="Schlussrechnung", extra=[t(25, 108, "Gutschrift", 14)]))


@pytest.mark.parametrize("title", ["Proforma-Rechnung", "Pro-forma-Rechnung Nr. 2026-0815", "Angebot",
                                   "Lieferschein", "Zahlungserinnerung", "2. Mahnung", "Quotation",
                                   "Devis n° 2026-0815", "Buchungshilfe - KEINE Rechnung"])
def test_a_document_that_is_no_invoice_by_its_heading_goes_to_review(title):
    """A pro-forma invoice is no claim (§ 14 UStG), an offer or delivery note neither; a reminder
    repeats an invoice's claim with fees: none is imported as an invoice."""
    assert "keine Rechnung" in review(din_invoice(title=title))


def test_an_offer_named_in_the_info_block_is_no_heading():
    extra = [t(125, 75, "Angebot: AN-2026-12", 9), t(25, 107, "Lieferschein LS-4711 vom 09.03.2026", 10)]
    record = read(din_invoice(extra=extra))
    assert (record.number, record.amount) == ("2026-0815", Decimal("1190.00"))


def test_a_part_payment_in_the_totals_is_no_instalment_plan():
    totals = [t(120, 140, "Gesamtbetrag"), r(190, 140, "1.190,00 €"),
              t(100, 146, "abzgl. Teilzahlung vom 01.03.2026"), r(190, 146, "-500,00 €"),
              t(120, 153, "Restbetrag", 11), r(190, 153, "690,00 €", 11)]
    record = read(din_invoice(totals=totals))
    assert (record.amount, record.open_amount, record.due_date) == (
        Decimal("1190.00"), Decimal("690.00"), date(2026, 3, 26))
