"""Intake reads an uploaded file as a stream: checks that see every byte, rows as they arrive."""

import io
from decimal import Decimal

import pytest

from mahnwerk.intake.csv_invoices import HEAD_BYTES, parse_invoices_csv
from mahnwerk.intake.files import parse_invoice_file
from mahnwerk.intake.guard import EICAR, MALWARE_REASON, GuardedStream, Refused

HEADER = "Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fällig am;Betrag\r\n"


def export(rows: int) -> bytes:
    lines = [f"RE-{i:06d};K-{i % 50};Kunde {i % 50} GmbH;01.10.2026;15.10.2026;{i},50 €\r\n"
             for i in range(rows)]
    return (HEADER + "".join(lines)).encode("utf-8")


class Trickle(io.RawIOBase):
    """An S3 body that hands out a few bytes per read, as a network stream may."""

    def __init__(self, data: bytes, step: int = 997) -> None:
        self.data, self.pos, self.step, self.reads = data, 0, step, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.data[self.pos:self.pos + min(self.step, len(buffer))]
        buffer[: len(chunk)] = chunk
        self.pos += len(chunk)
        self.reads += 1
        return len(chunk)


def test_a_stream_gives_the_same_records_as_the_bytes():
    data = export(5_000)  # several times the head the encoding and delimiter are read from
    assert len(data) > 3 * HEAD_BYTES
    stream = Trickle(data)
    streamed = parse_invoice_file(stream, "r.csv", "t1", 14)
    whole = parse_invoice_file(data, "r.csv", "t1", 14)
    assert streamed.rejects == [] and len(streamed.records) == 5_000
    assert streamed.records == whole.records
    assert stream.reads > len(data) // 997  # read piece by piece, not at once


def test_a_malware_signature_split_across_two_reads_is_found():
    data = export(3_000)
    cut = len(data) - 200
    poisoned = data[:cut] + EICAR + data[cut:]
    for step in (10, 997, 4096):  # the signature lands across chunk borders for some of these
        result = parse_invoice_file(Trickle(poisoned, step), "r.csv", "t1", 14)
        assert result.records == []
        assert [r.reason for r in result.rejects] == [MALWARE_REASON]


def test_a_stream_longer_than_the_limit_is_refused_whole_even_without_a_length():
    data = export(3_000)
    result = parse_invoice_file(Trickle(data), "r.csv", "t1", 14, max_bytes=len(data) - 1)
    assert result.records == []
    [reject] = result.rejects
    assert "too large" in reject.reason and reject.line == 0


def test_the_guard_passes_every_byte_through_unchanged():
    data = bytes(range(256)) * 1000
    assert GuardedStream(Trickle(data, 333), len(data)).read() == data
    with pytest.raises(Refused):
        GuardedStream(io.BytesIO(data), len(data) - 1).read()


def test_a_stray_windows_1252_byte_in_a_utf8_file_is_read_not_lost():
    data = export(2_000) + "RE-X;K-1;Bäckerei Groß;01.10.2026;15.10.2026;7,00\r\n".encode("cp1252")
    result = parse_invoices_csv(data, "r.csv", "t1", 14)
    assert result.rejects == []
    last = result.records[-1]
    assert (last.number, last.customer.name, last.amount) == ("RE-X", "Bäckerei Groß", Decimal("7.00"))


def test_blank_lines_before_the_header_are_skipped_and_lines_still_count():
    data = ("\r\n  \r\n" + HEADER + "R1;K1;A;01.10.2026;15.10.2026;5,00\r\nR2;K1;A;xx;15.10.2026;5\r\n")
    result = parse_invoices_csv(data.encode(), "r.csv", "t1", 14)
    assert [r.line for r in result.records] == [4]
    assert [r.line for r in result.rejects] == [5]


def test_utf16_excel_export_streams_too():
    text = HEADER + "R1;K1;Łukasz Şahin;01.10.2026;15.10.2026;5,00\r\n"
    result = parse_invoice_file(Trickle(text.encode("utf-16")), "r.csv", "t1", 14)
    assert result.rejects == []
    assert result.records[0].customer.name == "Łukasz Şahin"


def test_the_row_plan_orders_cells_as_the_parser_reads_them():
    from mahnwerk.intake.csv_invoices import _CUSTOMER_CELLS, FIELDS, HEADERS, TEXT_FIELDS

    assert FIELDS[: len(TEXT_FIELDS)] == TEXT_FIELDS
    assert FIELDS[_CUSTOMER_CELLS] == ("customer_id", "name", "email", "street", "postal_code",
                                       "city", "country", "consumer")
    assert sorted(FIELDS) == sorted(HEADERS)


def test_the_garbage_collector_is_back_on_after_a_parse_even_a_failing_one():
    import gc

    assert gc.isenabled()
    parse_invoices_csv(export(10), "r.csv", "t1", 14)
    assert gc.isenabled()
    with pytest.raises(Refused):
        parse_invoices_csv(GuardedStream(io.BytesIO(export(10)), 10), "r.csv", "t1", 14)
    assert gc.isenabled()
