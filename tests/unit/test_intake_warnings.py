"""Product issue #16 part 3, "every valid e-invoice accepted": a due date before the invoice date is
taken as printed with a warning on the import report, and an e-invoice without an invoice currency
code takes the currency its amounts state."""

from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.intake.files import parse_invoice_file

from .test_einvoice import ZUGFERD_1, cii

BACKDATED = ('<ram:DueDateDateTime><udt:DateTimeString format="102">20260201</udt:DateTimeString>'
             '</ram:DueDateDateTime>')
WARNING = ("Rechnung RE-2026-1: das Fälligkeitsdatum 01.02.2026 liegt vor dem Rechnungsdatum "
           "01.03.2026; übernommen wie angegeben, die Rechnung ist damit sofort überfällig")


def parse(data: bytes, name: str = "r.xml"):
    return parse_invoice_file(data, name, "t1", 14)


def amounts_in(grand: str, prepaid: str, payable: str) -> bytes:
    """The CII test invoice with an empty InvoiceCurrencyCode and these currencyIDs on its totals."""
    xml = cii(currency="")
    for tag, currency in (("GrandTotalAmount", grand), ("TotalPrepaidAmount", prepaid),
                          ("DuePayableAmount", payable)):
        xml = xml.replace(f"<ram:{tag}>".encode(), f'<ram:{tag} currencyID="{currency}">'.encode())
    return xml


def test_an_e_invoice_due_before_its_date_is_imported_as_printed_with_a_warning():
    result = parse(cii(due=BACKDATED))
    assert result.rejects == []
    [record] = result.records
    assert (record.issue_date, record.due_date, record.due_date_source) == (
        date(2026, 3, 1), date(2026, 2, 1), "invoice")
    assert [(w.file, w.line, w.text("de")) for w in result.warnings] == [("r.xml", 0, WARNING)]
    assert result.warnings[0].reason.code == "due_before_issue"
    assert parse(cii()).warnings == []  # an ordinary due date gives none


def test_a_csv_row_due_before_its_date_is_imported_with_a_warning_on_its_line():
    csv = ("Rechnungsnummer;Kunde;Rechnungsdatum;Fällig am;Betrag\n"
           "R1;Müller GmbH;01.10.2026;15.10.2026;119,00\n"
           "R2;Müller GmbH;01.10.2026;01.09.2026;50,00\n").encode()
    result = parse(csv, "rechnungen.csv")
    assert result.rejects == []
    assert [(r.number, r.due_date) for r in result.records] == [
        ("R1", date(2026, 10, 15)), ("R2", date(2026, 9, 1))]
    assert [(w.file, w.line) for w in result.warnings] == [("rechnungen.csv", 3)]
    assert "Fälligkeitsdatum 01.09.2026 liegt vor dem Rechnungsdatum 01.10.2026" in result.warnings[0].text("de")


@pytest.mark.parametrize("xml", [
    amounts_in("EUR", "EUR", "EUR"),
    amounts_in("eur", "EUR", " EUR "),
    ZUGFERD_1.replace(b"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", b""),
], ids=["cii", "cii-lower-case", "zugferd1"])
def test_without_an_invoice_currency_code_the_amounts_currency_is_taken(xml):
    result = parse(xml)
    assert result.rejects == []
    [record] = result.records
    assert record.currency == "EUR"
    assert record.open_amount in (Decimal("119.00"), Decimal("559.84"))


def test_amounts_that_state_different_currencies_are_refused():
    result = parse(amounts_in("EUR", "EUR", "USD"))
    assert result.records == []
    [reject] = result.rejects
    assert reject.reason == ("invoice RE-2026-1: the invoice currency is missing and the amounts state "
                             "different currencies (EUR, USD)")


def test_the_amounts_currency_is_taken_when_it_is_not_euro_and_must_be_iso_4217():
    [record] = parse(amounts_in("USD", "USD", "USD")).records
    assert record.currency == "USD"
    [reject] = parse(amounts_in("ABC", "ABC", "ABC")).rejects
    assert "currency 'ABC' is not an ISO 4217 currency code" in reject.reason


def test_no_currency_code_and_no_currency_on_the_amounts_is_refused_saying_both():
    result = parse(cii(currency=""))
    assert result.records == []
    [reject] = result.rejects
    assert reject.reason == ("invoice RE-2026-1: the invoice currency is missing (no currency code and "
                             "no currencyID on the amounts)")
