"""Any uploaded invoice file → invoice records + rejects: the one entry point for intake.

The content decides what a file is (a PDF named .csv is still a PDF); the extension only breaks
ties and catches mislabelled uploads. Pure: bytes in, records out, nothing escapes as an exception.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import BinaryIO

from ..domain.reasons import Reason, reason_of
from .csv_invoices import HEAD_BYTES, parse_invoices_csv
from .einvoice import parse_einvoice_xml
from .guard import MAX_FILE_BYTES, GuardedStream, Refused, Rejoined, read_head, too_large
from .pdf_invoice import parse_invoice_pdf
from .result import ParseResult, record_warnings

#: (magic bytes, what it is) for files people upload by mistake
_KNOWN_BINARY = (
    (b"PK\x03\x04", 0),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 1),
    (b"\x89PNG", 2),
    (b"\xff\xd8\xff", 3),
    (b"GIF8", 4),
    (b"II*\x00", 5),
    (b"MM\x00*", 6),
    (b"\x1f\x8b", 7),
    (b"Rar!", 8),
    (b"7z\xbc\xaf", 9),
    (b"MZ", 10),
    (b"\x7fELF", 11),
)
#: what each of them is, in German and English (the reason of the refusal)
_KINDS = (
    ("ein ZIP-Archiv oder eine Excel-/Word-Datei (.xlsx/.docx); bitte exportieren Sie die "
     "Rechnungen als CSV",
     "a ZIP archive or an Excel/Word (.xlsx/.docx) file; please export the invoices as CSV"),
    ("eine alte Excel-/Word-Datei (.xls/.doc); bitte als CSV exportieren",
     "an old Excel/Word (.xls/.doc) file; please export as CSV"),
    ("ein Bild (PNG); gescannte Rechnungen werden nicht gelesen, bitte laden Sie das PDF "
     "oder die E-Rechnung hoch",
     "an image (PNG); scanned invoices are not read, please upload the PDF or e-invoice"),
    ("ein Bild (JPEG); gescannte Rechnungen werden nicht gelesen, bitte laden Sie das PDF "
     "oder die E-Rechnung hoch",
     "an image (JPEG); scanned invoices are not read, please upload the PDF or e-invoice"),
    ("ein Bild (GIF)",
     "an image (GIF)"),
    ("ein Bild (TIFF)",
     "an image (TIFF)"),
    ("ein Bild (TIFF)",
     "an image (TIFF)"),
    ("ein gzip-Archiv",
     "a gzip archive"),
    ("ein RAR-Archiv",
     "a RAR archive"),
    ("ein 7-Zip-Archiv",
     "a 7-Zip archive"),
    ("ein Windows-Programm",
     "a Windows program"),
    ("ein Programm (ELF)",
     "a program (ELF)"),
)
_TEXT_CONTROL_OK = {9, 10, 12, 13}


def sniff(data: bytes, file_name: str) -> str:
    """"pdf", "xml", "csv", or "reject:<reason>" for what the bytes are."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    extension = "." + base.rsplit(".", 1)[1] if "." in base else ""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    head = _text_head(data)
    if head is not None and head.lstrip().startswith("<"):
        return "xml"
    for magic, kind in _KNOWN_BINARY:
        if data.startswith(magic):
            return f"reject:{kind}"
    if extension == ".pdf":
        return "reject:.pdf"
    if extension == ".xml":
        return "reject:.xml"
    if head is None or _looks_binary(head):
        return "reject:binary"
    return "csv"


def parse_invoice_file(
    source: bytes | BinaryIO,
    file_name: str,
    tenant_id: str,
    default_terms_days: int,
    mapping: Mapping[str, str] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> ParseResult:
    """Read one uploaded file (CSV export, e-invoice XML or PDF) into records and rejects.

    ``source`` may be a stream (an S3 object body): a CSV export is then parsed row by row as it
    arrives, never held whole; e-invoices and PDFs are read whole (they are small and need it).
    Size and malware checks run over every byte either way. Records taken as they are but worth
    a look (a due date before the invoice date) are listed in ``warnings``.
    """
    result = _parse_file(source, file_name, tenant_id, default_terms_days, mapping, max_bytes)
    result.warnings.extend(record_warnings(result.records, file_name))
    return result


def _parse_file(source: bytes | BinaryIO, file_name: str, tenant_id: str, default_terms_days: int,
                mapping: Mapping[str, str] | None, max_bytes: int) -> ParseResult:
    if isinstance(source, bytes) and (reason := too_large(source, max_bytes)):
        return ParseResult.rejected(file_name, reason)
    stream = GuardedStream(io.BytesIO(source) if isinstance(source, bytes) else source, max_bytes)
    try:
        head = read_head(stream, HEAD_BYTES)
        if not head.strip() and len(head) < HEAD_BYTES:
            return ParseResult.rejected(file_name, Reason("file_empty"))
        kind = sniff(head, file_name)
        if kind == "csv":
            csv = parse_invoices_csv(Rejoined(head, stream), file_name, tenant_id, default_terms_days,
                                     mapping)
            return ParseResult(records=csv.records, rejects=csv.rejects, warnings=csv.warnings)
        if kind in {"pdf", "xml"}:
            data = head + stream.read()
            if kind == "pdf":
                return parse_invoice_pdf(data, file_name, tenant_id, default_terms_days,
                                         max_bytes=max_bytes)
            return parse_einvoice_xml(data, file_name, tenant_id, default_terms_days, max_bytes=max_bytes)
    except Refused as exc:
        return ParseResult.rejected(file_name, reason_of(exc))
    except Exception as exc:  # the last line of defence: one bad file must not stop an import
        return ParseResult.rejected(
            file_name, Reason("file_unreadable", detail=f"{type(exc).__name__}: {str(exc)[:200]}"))
    return ParseResult.rejected(file_name, refusal(kind))


def refusal(kind: str) -> Reason:
    """Why :func:`sniff` refused a file (its ``reject:<what>``)."""
    what = kind.removeprefix("reject:")
    if what == ".pdf":
        return Reason("named_pdf_not_pdf")
    if what == ".xml":
        return Reason("named_xml_not_xml")
    if what == "binary":
        return Reason("file_binary")
    what_de, what_en = _KINDS[int(what)]
    return Reason("not_invoice_file", what=what_en, what_de=what_de)


def _text_head(data: bytes) -> str | None:
    """The first characters as text (UTF-8, UTF-16 with BOM, else Windows-1252); None if not text."""
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return sample[: len(sample) // 2 * 2].decode("utf-16", errors="strict")
        except UnicodeDecodeError:
            return None
    sample = sample.removeprefix(b"\xef\xbb\xbf")
    try:
        return sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut in two at the end of the sample
            return sample[: exc.start].decode("utf-8")
    return sample.decode("cp1252", errors="replace")


def _looks_binary(head: str) -> bool:
    if "\x00" in head:
        return True
    controls = sum(1 for c in head if ord(c) < 32 and ord(c) not in _TEXT_CONTROL_OK)
    return controls > max(2, len(head) // 100)
