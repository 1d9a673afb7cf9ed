"""Invoice PDFs: the embedded e-invoice wins; otherwise the text; hostile PDFs are refused."""

import io
import zlib
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject

from mahnwerk.intake import pdf_invoice
from mahnwerk.intake.guard import EICAR
from mahnwerk.intake.pdf_invoice import parse_invoice_pdf
from mahnwerk_local.hostile.payloads import text_pdf

from .test_einvoice import cii

GERMAN = [
    "Tischlerei Holz KG • Werkstraße 3 • 10115 Berlin",
    "Firma",
    "Müller Bau GmbH",
    "Baustraße 7",
    "12345 Musterstadt",
    "Kundennummer: K-4711",
    "Rechnungsnummer: RE-2026-0042",
    "Rechnungsdatum: 02.03.2026",
    "Lieferdatum: 27.02.2026",
    "Pos Beschreibung Menge Preis Summe",
    "1 Einbauschrank 1 1.000,00 € 1.000,00 €",
    "Summe netto 1.000,00 €",
    "USt. 19 % 190,00 €",
    "Gesamtbetrag 1.190,00 €",
    "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
]
ENGLISH = [
    "Customer: Acme Trading Ltd",
    "Invoice No. INV-7781",
    "Invoice date: 2026-03-02",
    "Due date: 2026-04-01",
    "Net total: 100.00 EUR",
    "VAT total: 19.00 EUR",
    "Total: 119.00 EUR",
    "Amount due: 69.00 EUR",
]


def writer_from(data: bytes) -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(io.BytesIO(data)))


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hybrid(xml: bytes, name="factur-x.xml", lines=GERMAN) -> bytes:
    writer = writer_from(text_pdf(lines))
    writer.add_attachment(name, xml)
    return written(writer)


def parse(data: bytes, **kwargs):
    return parse_invoice_pdf(data, "rechnung.pdf", "t1", 14, **kwargs)


def one(data: bytes):
    result = parse(data)
    assert result.rejects == []
    [record] = result.records
    return record


def rejected(data: bytes, **kwargs) -> str:
    result = parse(data, **kwargs)
    assert result.records == []
    [reject] = result.rejects
    assert reject.file == "rechnung.pdf" and reject.reason
    return reject.reason


# ------------------------------------------------------------------------------------ hybrid PDFs


@pytest.mark.parametrize("name", ["factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml",
                                  "ZUGFeRD-invoice.xml", "FACTUR-X.XML", "rechnung-123.xml"])
def test_embedded_einvoice_wins_over_the_text(name):
    record = one(hybrid(cii(), name=name))
    assert record.number == "RE-2026-1"  # from the XML, not RE-2026-0042 from the text
    assert record.source_format == "cii"
    assert record.amount == Decimal("119.00")


def test_known_name_is_preferred_over_another_xml_attachment():
    writer = writer_from(text_pdf(GERMAN))
    writer.add_attachment("aaa-other.xml", cii(number="FALSCH-1"))
    writer.add_attachment("factur-x.xml", cii(number="RICHTIG-1"))
    assert one(written(writer)).number == "RICHTIG-1"


def test_a_non_invoice_xml_attachment_falls_back_to_the_text():
    record = one(hybrid(b"<stundenzettel><h>3</h></stundenzettel>", name="stunden.xml"))
    assert (record.number, record.source_format) == ("RE-2026-0042", "pdf-text")


def test_broken_embedded_einvoice_refuses_the_pdf_with_the_xml_reason():
    reason = rejected(hybrid(cii(currency="XYZ")))
    assert reason.startswith("embedded e-invoice 'factur-x.xml':") and "XYZ" in reason
    reason = rejected(hybrid(b'<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'))
    assert "DOCTYPE" in reason


def test_eicar_in_an_attachment_is_refused():
    writer = writer_from(text_pdf(GERMAN))
    writer.add_attachment("readme.txt", EICAR)
    assert "malware test signature" in rejected(written(writer))
    assert "malware test signature" in rejected(hybrid(cii(note=f"<!-- {EICAR.decode()} -->")))


# ------------------------------------------------------------------------------------- text PDFs


def test_german_text_invoice():
    record = one(text_pdf(GERMAN))
    assert (record.number, record.issue_date) == ("RE-2026-0042", date(2026, 3, 2))
    assert (record.amount, record.open_amount, record.currency) == (
        Decimal("1190.00"), Decimal("1190.00"), "EUR")
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 16), "terms")
    assert (record.customer.name, record.customer.customer_id) == ("Müller Bau GmbH", "K-4711")
    address = record.customer.address
    assert (address.street, address.postal_code, address.city) == ("Baustraße 7", "12345", "Musterstadt")
    assert record.source_format == "pdf-text"


def test_english_text_invoice_with_amount_due_and_due_date():
    record = one(text_pdf(ENGLISH))
    assert (record.number, record.issue_date, record.due_date, record.due_date_source) == (
        "INV-7781", date(2026, 3, 2), date(2026, 4, 1), "invoice")
    assert (record.amount, record.open_amount) == (Decimal("119.00"), Decimal("69.00"))
    assert record.customer.name == "Acme Trading Ltd"
    assert record.customer.customer_id == "N-ACME-TRADING-LTD"


def test_no_terms_uses_the_tenant_default():
    record = one(text_pdf(GERMAN[:-1]))
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 16), "default_terms")


@pytest.mark.parametrize("drop, missing", [
    ("Rechnungsnummer", "invoice number"),
    ("Rechnungsdatum", "invoice date"),
    ("Gesamtbetrag", "amount"),
    ("Tischlerei", "customer"),
])
def test_missing_fields_are_named_never_guessed(drop, missing):
    lines = [line for line in GERMAN if not line.startswith(drop)]
    if drop == "Gesamtbetrag":
        lines = [line for line in lines if not line.startswith(("Summe", "Pos"))]
    reason = rejected(text_pdf(lines))
    assert reason.startswith("review: could not find") and missing in reason


def test_two_different_totals_are_not_guessed():
    reason = rejected(text_pdf([*GERMAN, "Gesamtbetrag 2.000,00 €"]))
    assert "several different totals" in reason


def test_a_single_clearly_printed_other_currency_is_read_and_a_bare_dollar_is_not():
    record = one(text_pdf([line.replace("€", "CHF") for line in GERMAN]))
    assert (record.currency, record.amount) == ("CHF", Decimal("1190.00"))
    assert "currency '$'" in rejected(text_pdf([line.replace("€", "$") for line in GERMAN]))
    assert "several currencies" in rejected(text_pdf([*GERMAN, "Gesamtbetrag 1.190,00 CHF"]))


def test_a_text_credit_note_is_not_read_as_an_invoice():
    record = one(text_pdf(["Gutschrift", *GERMAN]))  # a credit, never dunned (as a 381 e-invoice)
    assert (record.credit_note, record.amount, record.open_amount) == (True, Decimal("-1190.00"),
                                                                       Decimal("-1190.00"))


def test_a_pdf_without_text_is_sent_to_review():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    assert rejected(written(writer)).startswith("review: could not find invoice number")


# ---------------------------------------------------------------------------------- hostile PDFs


def test_encrypted_pdf_is_refused():
    writer = writer_from(text_pdf(GERMAN))
    writer.encrypt("geheim", algorithm="RC4-128")
    assert "encrypted" in rejected(written(writer))


def javascript_pdf(where: str) -> bytes:
    writer = writer_from(text_pdf(GERMAN))
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hi')")})
    if where == "open":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    elif where == "names":
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("a"),
                                                                     writer._add_object(action)])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif where == "page":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    elif where == "launch":
        launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                   NameObject("/F"): TextStringObject("cmd.exe")})
        writer._root_object[NameObject("/OpenAction")] = launch
    return written(writer)


@pytest.mark.parametrize("where", ["open", "names", "page", "launch"])
def test_active_content_is_refused(where):
    reason = rejected(javascript_pdf(where))
    assert ("JavaScript" if where != "launch" else "launch action") in reason


def test_bytes_that_look_like_javascript_inside_a_stream_are_no_active_content():
    # ASCII85 or compressed stream data can hold "/JS>" by chance (reportlab's streams do); only
    # the objects count, so such a PDF is read like any other
    writer = writer_from(text_pdf(GERMAN))
    blob = writer._add_object(StreamObject())
    blob.set_data(b"<~9jqo^/JS>BlbD-/JavaScript Ao/Launch DfTD~>")
    writer._root_object[NameObject("/Blob")] = blob
    data = written(writer)
    assert b"/JS>" in data
    assert pdf_invoice._active_content(data, PdfReader(io.BytesIO(data))) == ""


@pytest.mark.parametrize("where", ["open", "names", "page", "launch"])
def test_active_content_is_found_in_the_structure_too(where):
    # as if the objects sat in a compressed object stream where the raw byte scan cannot see them
    reader = PdfReader(io.BytesIO(javascript_pdf(where)))
    assert pdf_invoice._active_content(b"", reader)


def test_open_action_that_is_only_a_destination_is_fine():
    writer = writer_from(text_pdf(GERMAN))
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")])
    assert one(written(writer)).number == "RE-2026-0042"


def test_page_count_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_invoice, "MAX_PAGES", 20)
    writer = PdfWriter()
    for _ in range(21):
        writer.add_blank_page(10, 10)
    assert "21 pages" in rejected(written(writer))


def test_long_pdf_without_einvoice_is_not_read_page_by_page(monkeypatch):
    monkeypatch.setattr(pdf_invoice, "MAX_TEXT_PAGES", 2)
    assert "review by hand" in rejected(text_pdf(GERMAN, pages=3))


def test_size_limit():
    assert "too large" in rejected(text_pdf(GERMAN), max_bytes=1000)


@pytest.mark.parametrize("data, reason", [
    (b"", "not a PDF"),
    (b"Rechnungsnummer;Betrag\n", "not a PDF"),
    (b"%PDF-1.7\n", "could not be read"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
     "could not be read"),
])
def test_junk_and_truncated_pdfs_are_refused(data, reason):
    assert reason in rejected(data)


def test_truncated_real_pdf_never_raises():
    data = hybrid(cii())
    for cut in (len(data) // 4, len(data) // 2, len(data) - 200, len(data) - 20):
        result = parse(data[:cut])
        assert len(result.records) + len(result.rejects) == 1
        assert all(r.reason for r in result.rejects)


def flate_bomb(size=200_000_000) -> bytes:
    return zlib.compress(b"\0" * size, 9)


def test_decompression_bomb_in_the_attachment_is_refused():
    writer = writer_from(text_pdf(GERMAN))
    writer.add_attachment("factur-x.xml", b"x")
    for obj in writer._objects:
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/EmbeddedFile":
            obj._data = flate_bomb()
            obj[NameObject("/Filter")] = NameObject("/FlateDecode")
    assert "decompression bomb" in rejected(written(writer))


def test_decompression_bomb_in_the_page_is_refused():
    writer = writer_from(text_pdf(GERMAN))
    content = writer.pages[0]["/Contents"].get_object()
    content._data = flate_bomb()
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    assert "its text could not be read: LimitReachedError" in rejected(written(writer))


@pytest.mark.parametrize("body", [
    # a page tree that contains itself
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
    b"3 0 obj << /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >> endobj\n",
    # an action chain that loops
    b"1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >> endobj\n"
    b"4 0 obj << /S /GoTo /Next 4 0 R >> endobj\n",
    # nesting 100 000 deep
    b"1 0 obj << /Type /Catalog /Pages 2 0 R /X " + b"[" * 100_000 + b"]" * 100_000 + b" >> endobj\n",
    # an xref section that claims 99 999 999 entries
    b"xref\n0 99999999\n0000000000 65535 f \n",
])
def test_structural_bombs_end_in_a_reject(body):
    data = b"%PDF-1.4\n" + body + b"trailer << /Root 1 0 R /Size 5 >>\nstartxref\n0\n%%EOF"
    assert rejected(data)
