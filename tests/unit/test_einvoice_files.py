"""parse_invoice_file: content sniffing decides between CSV, e-invoice XML and PDF."""

import pytest

from mahnwerk.intake.files import parse_invoice_file, sniff
from mahnwerk.intake.guard import EICAR

from .test_einvoice import cii
from .test_pdf_invoice import GERMAN, hybrid, text_pdf

CSV = "Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\nR1;Müller GmbH;01.10.2026;119,00\n"


def parse(data: bytes, name: str, **kwargs):
    return parse_invoice_file(data, name, "t1", 14, **kwargs)


@pytest.mark.parametrize("data, name, kind", [
    (CSV.encode(), "r.csv", "csv"),
    (CSV.encode("cp1252"), "export.txt", "csv"),
    (b"\xef\xbb\xbf" + CSV.encode(), "r.csv", "csv"),
    (CSV.encode("utf-16"), "r.csv", "csv"),
    (cii(), "r.xml", "xml"),
    (b"\xef\xbb\xbf  \n" + cii(), "rechnung.csv", "xml"),  # content wins over the name
    (cii().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"), "r.xml", "xml"),
    (b"%PDF-1.7\n...", "r.bin", "pdf"),
    (b"junk before the header %PDF-1.4\n", "r.pdf", "pdf"),
])
def test_sniffing(data, name, kind):
    assert sniff(data, name) == kind


def test_csv_file():
    result = parse(CSV.encode(), "rechnungen.csv")
    assert [r.number for r in result.records] == ["R1"]
    assert result.rejects == []


def test_utf16_csv_from_excel():
    result = parse(CSV.replace(";", "\t").encode("utf-16"), "rechnungen.txt")
    assert [r.customer.name for r in result.records] == ["Müller GmbH"]


def test_xml_file():
    [record] = parse(cii(), "rechnung.xml").records
    assert record.number == "RE-2026-1"


def test_pdf_file_with_einvoice_and_plain_pdf():
    assert parse(hybrid(cii()), "a.pdf").records[0].number == "RE-2026-1"
    assert parse(text_pdf(GERMAN), "b.pdf").records[0].number == "RE-2026-0042"


@pytest.mark.parametrize("data, name, reason", [
    (b"", "leer.csv", "empty"),
    (b"PK\x03\x04\x14\x00\x06\x00", "rechnungen.xlsx", "Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "rechnungen.xls", "Excel"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "scan.png", "image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "scan.jpg", "image"),
    (b"MZ\x90\x00\x03\x00", "rechnung.exe", "program"),
    (bytes(range(256)) * 8, "daten.bin", "binary"),
    (b"Rechnungsnummer;Betrag\n", "rechnung.pdf", "named .pdf but is not a PDF"),
    (b"Rechnungsnummer;Betrag\n", "rechnung.xml", "named .xml but is not XML"),
    (b"<html><body>hi</body></html>", "seite.html", "not an e-invoice"),
    (EICAR, "eicar.com", "malware test signature"),
    (CSV.encode() + EICAR, "r.csv", "malware test signature"),
    (EICAR.decode().encode("utf-16-le"), "r.csv", "malware test signature"),
])
def test_unusable_files_are_rejected_with_a_reason(data, name, reason):
    result = parse(data, name)
    assert result.records == []
    [reject] = result.rejects
    assert reject.file == name and reason in reject.reason


def test_size_limit_applies_to_every_kind():
    for data, name in ((CSV.encode(), "r.csv"), (cii(), "r.xml"), (text_pdf(GERMAN), "r.pdf")):
        [reject] = parse(data, name, max_bytes=50).rejects
        assert "too large" in reject.reason


def test_tenant_mapping_reaches_the_csv_parser():
    data = b"Beleg;Abnehmer;Belegdatum;Wert\nB1;Meier;01.10.2026;10\n"
    result = parse(data, "x.csv", mapping={"Abnehmer": "name", "Wert": "amount", "Beleg": "number"})
    assert [r.customer.name for r in result.records] == ["Meier"]
