"""The CSV parser's two paths agree: a clean chunk taken column by column gives exactly what
taking its rows one by one gives, and any doubt sends a chunk down the row path.

Generated files mix good rows with every kind of bad or odd cell, in any column order, and are
parsed with chunks of a few rows so that chunk edges fall everywhere.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahnwerk.domain.money import AmountError
from mahnwerk.intake import csv_invoices
from mahnwerk.intake.csv_invoices import CsvResult, _Chunk, parse_invoices_csv
from mahnwerk.intake.values import parse_amount, parse_amounts

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

HEADERS = {
    "number": "Rechnungsnummer", "customer_id": "Kundennummer", "name": "Kunde", "email": "E-Mail",
    "street": "Straße", "postal_code": "PLZ", "city": "Ort", "country": "Land",
    "consumer": "Kundentyp", "issue_date": "Rechnungsdatum", "due_date": "Fällig am",
    "terms_days": "Zahlungsziel", "amount": "Betrag", "open_amount": "Offen", "currency": "Währung",
}
#: cell pools per column: mostly what exports hold, plus the odd and the wrong
CELLS = {
    "number": ["RE-1", "RE-2", "RE-3", "RE-4", "RE-5", "RE-6", " RE-7 ", "", "=HYPERLINK(1)",
               "-12", "R" * 65, "RE 2026/8"],
    "customer_id": ["K-1", "K-2", "K-3", "", " K-1", "@SUM(A1)"],
    "name": ["Anna Schmidt", "Müller GmbH", "", "Jörg  Ünal ", "+49 Kunde"],
    "email": ["a@example.org", "", "x@y.de "],
    "street": ["Weg 1", "", "Hauptstraße 5"],
    "postal_code": ["10115", "", "0"],
    "city": ["Berlin", "München", ""],
    "country": ["", "DE", "at", "Deutschland"],
    "consumer": ["", "ja", "nein", "B2C", "gewerblich", "vielleicht"],
    "issue_date": ["01.10.2026", "2026-10-02", "3.10.26", "", "31.02.2026", "gestern"],
    "due_date": ["15.10.2026", "2026-11-01", "", " ", "01.01.2020", "bald"],
    "terms_days": ["", "14", "30 Tage", "netto", " 7 "],
    "amount": ["1.234,56 €", "12,00", "-5,00", "1,234.56", "99.50", "EUR 99", "1.234", "", "abc",
               "12,00€", "(3,00)", " 7,10 "],
    "open_amount": ["", "5,00", "0,00", "2.000,00", "x"],
    "currency": ["", "EUR", "€", "eur", "USD", "chf", "XYZ", "KWD"],
}


@st.composite
def export(draw: st.DrawFn) -> bytes:
    required = ["number", "amount", "issue_date", draw(st.sampled_from(["customer_id", "name"]))]
    optional = draw(st.lists(st.sampled_from(sorted(set(HEADERS) - set(required))), unique=True))
    columns = draw(st.permutations(required + optional))
    clean = draw(st.booleans())  # half the files are clean but for a few rows
    rows = []
    for index in range(draw(st.integers(0, 14))):
        pool = {name: CELLS[name][:3] if clean and draw(st.integers(0, 9)) else CELLS[name]
                for name in columns}
        row = {name: draw(st.sampled_from(pool[name])) for name in columns}
        if clean and row["number"] in CELLS["number"][:3]:
            row["number"] = f"RE-{index}"  # repeated numbers are a case of their own
        rows.append(list(row.values()))
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    lines = [delimiter.join(HEADERS[name] for name in columns)]
    lines += [delimiter.join(_quoted(cell, delimiter) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _quoted(cell: str, delimiter: str) -> str:
    return f'"{cell}"' if delimiter in cell or cell != cell.strip() else cell


def parse_row_by_row(data: bytes, monkeypatch: pytest.MonkeyPatch) -> CsvResult:
    with monkeypatch.context() as patch:
        patch.setattr(_Chunk, "_clean", lambda self, rows, lines: None)
        return parse_invoices_csv(data, "f.csv", "t1", 14)


@EXAMPLES
@given(data=export(), chunk=st.integers(1, 5))
def test_chunks_and_rows_give_the_same_records_and_rejects(data, chunk, monkeypatch):
    reference = parse_row_by_row(data, monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(csv_invoices, "CHUNK_ROWS", chunk)
        chunked = parse_invoices_csv(data, "f.csv", "t1", 14)
    assert chunked.records == reference.records
    assert chunked.rejects == reference.rejects
    # not part of equality (a customer is the same whatever a row left out), so compared apart
    assert [r.customer.absent for r in chunked.records] == [r.customer.absent for r in reference.records]


def clean_export(rows: int) -> bytes:
    lines = ["Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Zahlungsziel;Betrag;Währung"]
    lines += [f"RE-{i};K-{i % 7};Kunde {i % 7};0{1 + i % 9}.10.2026;{i % 3 * 7 or ''};"
              f"{i:,},50 €;EUR".replace(",", ".", i >= 1000) for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_clean_export_is_taken_chunk_by_chunk(monkeypatch):
    """The fast path is really taken: without this the speed measured would be the row path's."""
    one_by_one: list[int] = []
    original = _Chunk._one_by_one
    monkeypatch.setattr(_Chunk, "_one_by_one",
                        lambda self, rows, lines: one_by_one.append(len(rows)) or original(self, rows, lines))
    result = parse_invoices_csv(clean_export(3000), "f.csv", "t1", 14)
    assert (len(result.records), result.rejects, one_by_one) == (3000, [], [])
    assert result.records[2999].amount == Decimal("2999.50")
    assert {r.due_date_source for r in result.records} == {"terms", "default_terms"}


def test_a_due_date_before_the_invoice_date_keeps_the_chunk_on_the_fast_path(monkeypatch):
    """Such a row is taken as printed (the import report warns): no doubt for the row path."""
    lines = ["Rechnungsnummer;Kunde;Rechnungsdatum;Fällig am;Betrag"]
    lines += [f"RE-{i};Kunde;05.10.2026;{'01.10.2026' if i == 5 else '20.10.2026'};1,00" for i in range(9)]
    one_by_one: list[int] = []
    original = _Chunk._one_by_one
    monkeypatch.setattr(_Chunk, "_one_by_one",
                        lambda self, rows, lines: one_by_one.append(len(rows)) or original(self, rows, lines))
    result = parse_invoices_csv(("\n".join(lines) + "\n").encode(), "f.csv", "t1", 14)
    assert (len(result.records), result.rejects, one_by_one) == (9, [], [])
    assert result.records[5].due_date == date(2026, 10, 1)


def test_one_bad_row_sends_only_its_chunk_down_the_row_path(monkeypatch):
    lines = clean_export(3000).split(b"\n")
    assert lines[2501].startswith(b"RE-2500;K-1;Kunde 1;08.10.2026;")  # file line 2502
    lines[2501] = lines[2501].replace(b"08.10.2026", b"06.13.2026")
    data = b"\n".join(lines)
    one_by_one: list[int] = []
    original = _Chunk._one_by_one
    monkeypatch.setattr(_Chunk, "_one_by_one",
                        lambda self, rows, lines: one_by_one.append(len(rows)) or original(self, rows, lines))
    result = parse_invoices_csv(data, "f.csv", "t1", 14)
    assert one_by_one == [3000 - 2 * 1024]  # the third chunk, the rest of the file
    assert len(result.records) == 2999
    assert [(r.line, r.reason) for r in result.rejects] == [
        (2502, "not a date: '06.13.2026' (expected e.g. 31.12.2026 or 2026-12-31)")]


def test_rejects_stay_in_line_order_across_chunks_and_unreadable_lines(monkeypatch):
    """An unreadable line is reported as it is read, a chunk's rows when the chunk is full."""
    monkeypatch.setattr(csv_invoices, "CHUNK_ROWS", 3)
    data = (b"Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\n"
            b"R1;A;01.10.2026;1,00\n"
            b"R2;A;01.10.2026;x\n"
            b"R3;" + b"A" * 140_000 + b";01.10.2026;1,00\n"  # over csv's field size limit
            b"R4;A;01.10.2026;\n"
            b"R5;A;01.10.2026;2,00\n"
            b"R1;B;01.10.2026;1,00\n")
    result = parse_invoices_csv(data, "f.csv", "t1", 14)
    expected = [(3, "amount is not a number"), (4, "unreadable CSV row: field larger"),
                (5, "amount is empty"), (7, "invoice R1 appears twice")]
    assert [(r.line, r.reason[:len(reason)]) for r, (_, reason) in zip(result.rejects, expected,
                                                                        strict=True)] == expected
    assert [r.number for r in result.records] == ["R1", "R5"]


AMOUNT_TEXTS = st.lists(st.one_of(
    st.sampled_from(CELLS["amount"] + ["1,00\n2,00", "0,01", "-0,00", "1.000.000,00", "1,000,000.00",
                                       "12.345,67 €", "1.23,45", "12,3", "12.345"]),
    st.from_regex(r"-?\d{1,7}([.,]\d{3})*[.,]\d{2}( ?€)?", fullmatch=True)), max_size=12)


@EXAMPLES
@given(texts=AMOUNT_TEXTS)
def test_a_column_of_amounts_reads_as_each_amount_would(texts):
    try:
        expected: list[Decimal] | type[AmountError] = [parse_amount(text) for text in texts]
    except AmountError:
        expected = AmountError
    try:
        got: list[Decimal] | type[AmountError] = parse_amounts(texts)
    except AmountError:
        got = AmountError
    assert got == expected
    if isinstance(got, list):
        assert [str(a) for a in got] == [str(a) for a in expected]  # the same exponent too
