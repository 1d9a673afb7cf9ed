"""Invoice PDFs → invoice records + rejects. Pure: bytes in, records out.

1. A hybrid PDF (ZUGFeRD / Factur-X / XRechnung embedded) is read from its XML: the XML part takes
   precedence over the visual one. If the embedded XML is broken, the PDF is refused with that reason
   (its picture is not trusted as a fallback for a broken e-invoice).
2. Otherwise the page is read by its layout (pdf_words.py: words with positions, pdf_layout.py:
   labels paired with values by geometry, the totals block, the address window, payment terms).
   Whatever is missing or contradictory sends the file to review with a reason that names what was
   found and what is missing ("review: could not find …"); nothing is guessed silently.

Hostile PDFs (encrypted, JavaScript or launch actions, page-count or decompression bombs, malformed
or truncated files) are refused with a reason. pypdf runs under tight resource limits, only a bounded
number of pages is read, and every pypdf failure becomes a Reject.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from ..domain.errors import MahnwerkError
from ..domain.model import InvoiceRecord
from ..domain.reasons import Reason, reason_of
from .einvoice import EInvoiceError, is_einvoice_xml, read_einvoice
from .guard import MALWARE_REASON, MAX_FILE_BYTES, has_malware_signature, malware_in, too_large
from .result import ParseResult, ReviewNeeded, review_fields

#: a PDF with more pages is refused outright (page-count bomb)
MAX_PAGES = 500
#: the text layer is only searched in invoices up to this many pages
MAX_TEXT_PAGES = 30
#: text beyond this many characters (all pages together) is not searched
MAX_TEXT_CHARS = 1_000_000
MAX_ATTACHMENTS = 50
MAX_ACTION_CHAIN = 20
MAX_ANNOTATIONS_PER_PAGE = 500

#: embedded file names of hybrid invoices, in order of preference (compared case-insensitively)
EINVOICE_NAMES = ("factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml")

_PDF_LIMITS: dict[str, Any] = {
    "maximum_declared_stream_length": 30_000_000,
    "zlib_maximum_output_length": 30_000_000,
    "lzw_maximum_output_length": 30_000_000,
    "run_length_maximum_output_length": 30_000_000,
    "array_based_stream_maximum_output_length": 30_000_000,
    "jbig2_maximum_output_length": 30_000_000,
    "brotli_maximum_output_length": 30_000_000,
    "image_maximum_buffer_size": 30_000_000,
    "stream_decoding_work_maximum_length": 100_000_000,
    "stream_parsing_work_maximum_count": 500_000,
    "page_tree_maximum_entries": 10_000,
    "page_tree_maximum_page_entries": 100_000,
    "xform_maximum_invocations_per_extraction": 500,
    "jbig2dec_binary": None,  # never start an external decoder for untrusted images
}

_RAW_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch)(?=[\s/<>\[\]()%{}])")
#: a stream's data: binary (compressed or ASCII85 text) where "/JS>" can occur by chance; the
#: raw scan reads the objects around the streams, the structure walk the objects inside them
_STREAM_DATA = re.compile(rb"(?<![A-Za-z])stream\r?\n.*?endstream", re.S)


class PdfRefused(MahnwerkError, ValueError):
    """The PDF cannot be taken; the message is the Reject reason."""

    code, status, message = "pdf_refused", 400, "the PDF was not accepted"

    def __init__(self, reason: str, review: bool = False,
                 found: dict[str, object] | None = None) -> None:
        super().__init__(reason)
        #: True: the PDF is safe but could not be read for sure; it goes to the review list
        #: (False: refused outright, for safety or because it is damaged)
        self.review = review or getattr(reason, "code", "") == "pdf_review" or reason.startswith("review:")
        #: what was read from the page (pdf_layout.Review.found), to prefill the review form
        self.found = found or {}


# --------------------------------------------------------------------------------------------------
# public API


def parse_invoice_pdf(
    data: bytes,
    file_name: str,
    tenant_id: str,
    default_terms_days: int,
    max_bytes: int = MAX_FILE_BYTES,
) -> ParseResult:
    """One invoice PDF → one record (from the embedded e-invoice or the text), or a reject."""
    try:
        return ParseResult(records=[_read_pdf(data, tenant_id, default_terms_days, max_bytes)])
    except PdfRefused as exc:
        reason = reason_of(exc)
        result = ParseResult.rejected(file_name, reason)
        if exc.review:
            result.reviews.append(ReviewNeeded(file_name, reason, review_fields(exc.found),
                                               hashlib.sha256(data).hexdigest()[:32]))
        return result
    except EInvoiceError as exc:
        return ParseResult.rejected(file_name, reason_of(exc))
    except Exception as exc:  # pypdf raises many kinds of errors on broken files; none may escape
        return ParseResult.rejected(file_name, _unreadable(exc))


def _review(english: str, german: str) -> Reason:
    """The PDF goes to review: the explanation in both languages (German after "Zur Prüfung:")."""
    return Reason("pdf_review", en=english, de=f"Zur Prüfung: {german}")


def _unreadable(exc: BaseException) -> Reason:
    if isinstance(exc, LimitReachedError):
        return Reason("pdf_bomb", detail=str(exc)[:160])
    return Reason("pdf_unreadable", detail=f"{type(exc).__name__}: {str(exc)[:200]}")


def _read_pdf(data: bytes, tenant_id: str, default_terms_days: int, max_bytes: int) -> InvoiceRecord:
    reason = too_large(data, max_bytes)
    if reason:
        raise PdfRefused(reason)
    if has_malware_signature(data):
        raise PdfRefused(MALWARE_REASON)
    if b"%PDF-" not in data[:1024]:
        raise PdfRefused(Reason("not_a_pdf"))
    with apply_configuration(**_PDF_LIMITS):
        return _read_pdf_limited(data, tenant_id, default_terms_days, max_bytes)


def _read_pdf_limited(data: bytes, tenant_id: str, default_terms_days: int, max_bytes: int) -> InvoiceRecord:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError) as exc:
        raise PdfRefused(_unreadable(exc)) from exc
    if reader.is_encrypted:
        raise PdfRefused(Reason("pdf_encrypted"))
    active = _active_content(data, reader)
    if active:
        raise PdfRefused(Reason("pdf_active", what=active))
    pages = len(reader.pages)
    if pages > MAX_PAGES:
        raise PdfRefused(Reason("pdf_too_many_pages", pages=pages, max=MAX_PAGES))
    if pages == 0:
        raise PdfRefused(Reason("pdf_no_pages"))

    embedded = _embedded_einvoice(reader, max_bytes)
    if embedded is not None:
        name, xml = embedded
        try:
            return read_einvoice(xml, tenant_id, default_terms_days, max_bytes=max_bytes)
        except EInvoiceError as exc:
            cause = reason_of(exc)
            raise PdfRefused(Reason("pdf_embedded_invalid", name=name, detail=str(cause),
                                    detail_de=cause.text("de"))) from exc

    if pages > MAX_TEXT_PAGES:
        raise PdfRefused(_review(
            f"the PDF has {pages} pages and no embedded e-invoice; reading the text of more than "
            f"{MAX_TEXT_PAGES} pages is not supported (review by hand)",
            f"das PDF hat {pages} Seiten und keine eingebettete E-Rechnung; der Text von mehr als "
            f"{MAX_TEXT_PAGES} Seiten wird nicht gelesen, bitte von Hand prüfen"), review=True)
    text, failure = _text(reader)
    if not text.strip():
        why = (f"its text could not be read: {failure}" if failure
               else "the PDF has no text layer, perhaps a scan")
        warum = "der Text ist nicht lesbar" if failure else "kein Textlayer (vielleicht ein Scan)"
        raise PdfRefused(_review(
            f"review: could not find invoice number, invoice date, amount, customer ({why}; and "
            "there is no embedded e-invoice)",
            f"{warum} und keine eingebettete E-Rechnung; Rechnungsnummer, Rechnungsdatum, Betrag "
            "und Kunde bitte von Hand erfassen"))
    if failure:
        # a page pypdf could not read within its limits is not handed to the layout reader either
        raise PdfRefused(_review(
            f"review: a page of the PDF could not be read ({failure}; no embedded e-invoice)",
            "eine Seite des PDFs ist nicht lesbar"))
    _check_page_streams(reader)
    return _record_from_layout(data, pages, tenant_id, default_terms_days)


#: decoded bytes of the page resources (fonts, forms) the layout reader may decode, all together
MAX_RESOURCE_BYTES = 60_000_000


def _check_page_streams(reader: PdfReader) -> None:
    """Decode, under pypdf's limits, every font file and form the layout reader could decode.

    pdfminer decodes streams without output limits; each stream it can reach from the pages it
    reads is decoded here first, so a decompression bomb hidden in a font program or a form is
    refused here (LimitReachedError) instead of filling memory there.
    """
    seen: set[int] = set()
    total = 0
    pending: list[tuple[object, int]] = [(page.get("/Resources"), 0)
                                         for page in list(reader.pages)[:MAX_TEXT_PAGES]]
    while pending:
        resources, depth = pending.pop()
        resources = _resolve(resources)
        if not isinstance(resources, DictionaryObject) or depth > 5:
            continue
        streams: list[object] = []
        fonts = _resolve(resources.get("/Font"))
        if isinstance(fonts, DictionaryObject):
            for font in list(fonts.values())[:200]:
                font = _resolve(font)
                if not isinstance(font, DictionaryObject):
                    continue
                descendants = _resolve(font.get("/DescendantFonts"))
                members = [font, *[_resolve(f) for f in descendants][:4]] \
                    if isinstance(descendants, ArrayObject) else [font]
                for member in members:
                    if not isinstance(member, DictionaryObject):
                        continue
                    streams.append(member.get("/ToUnicode"))
                    descriptor = _resolve(member.get("/FontDescriptor"))
                    if isinstance(descriptor, DictionaryObject):
                        streams += [descriptor.get(k) for k in ("/FontFile", "/FontFile2", "/FontFile3")]
                    pending.append((member.get("/Resources"), depth + 1))  # Type3 glyph procedures
        xobjects = _resolve(resources.get("/XObject"))
        if isinstance(xobjects, DictionaryObject):
            for xobject in list(xobjects.values())[:500]:
                resolved = _resolve(xobject)
                if isinstance(resolved, StreamObject) and resolved.get("/Subtype") == "/Form":
                    streams.append(resolved)
                    pending.append((resolved.get("/Resources"), depth + 1))
        for reference in streams:
            key = id(_resolve(reference))
            stream = _resolve(reference)
            if not isinstance(stream, StreamObject) or key in seen:
                continue
            seen.add(key)
            total += len(stream.get_data())  # raises LimitReachedError past pypdf's limits
            if total > MAX_RESOURCE_BYTES:
                raise PdfRefused(Reason("pdf_resources_bomb", max=MAX_RESOURCE_BYTES))


def _record_from_layout(data: bytes, pages: int, tenant_id: str, default_terms_days: int) -> InvoiceRecord:
    """The invoice read by the layout of its words (pdf_layout.py); a Review becomes the reason."""
    from .pdf_layout import Review, read_layout
    from .pdf_words import LayoutLimit, read_pages

    try:
        layout = read_pages(data, max_pages=min(pages, MAX_TEXT_PAGES))
    except LayoutLimit as exc:
        raise PdfRefused(_review(
            f"review: the PDF's layout could not be read ({exc}; no embedded e-invoice)",
            f"das Layout des PDFs ist zu groß oder zu aufwendig ({exc})")) from exc
    except Exception as exc:  # pdfminer raises many kinds of errors on odd files; none may escape
        raise PdfRefused(_review(
            f"review: the PDF's layout could not be read ({type(exc).__name__}: {str(exc)[:120]}; "
            "no embedded e-invoice)", "das Layout des PDFs ist nicht lesbar")) from exc
    if not any(page.phrases for page in layout):
        raise PdfRefused(_review(
            "review: could not find invoice number, invoice date, amount, customer (the words of "
            "the PDF have no positions that can be read; no embedded e-invoice)",
            "kein lesbarer Text"))
    try:
        return read_layout(layout, tenant_id, default_terms_days)
    except Review as exc:
        raise PdfRefused(reason_of(exc), review=True, found=exc.found) from exc


# --------------------------------------------------------------------------------------------------
# hostile content


def _active_content(data: bytes, reader: PdfReader) -> str:
    """What active content the PDF carries ("" if none): JavaScript or launch actions."""
    raw = _RAW_ACTIVE.search(_STREAM_DATA.sub(b"stream endstream", data))
    if raw:
        kind = raw.group().decode("latin-1")
        return "JavaScript" if kind.startswith("/J") else "a launch action"
    root = _resolve(reader.trailer.get("/Root"))
    if not isinstance(root, DictionaryObject):
        raise PdfRefused(Reason("pdf_no_catalog"))
    found = _action_kind(root.get("/OpenAction")) or _actions_kind(root.get("/AA"))
    if found:
        return found
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject) and "/JavaScript" in names:
        return "JavaScript"
    acroform = _resolve(root.get("/AcroForm"))
    if isinstance(acroform, DictionaryObject) and "/XFA" in acroform:
        return "an XFA form"
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES:
            break
        found = _actions_kind(page.get("/AA"))
        if found:
            return found
        annotations = _resolve(page.get("/Annots"))
        if isinstance(annotations, ArrayObject):
            for reference in list(annotations)[:MAX_ANNOTATIONS_PER_PAGE]:
                annotation = _resolve(reference)
                if isinstance(annotation, DictionaryObject):
                    found = _action_kind(annotation.get("/A")) or _actions_kind(annotation.get("/AA"))
                    if found:
                        return found
    return ""


def _resolve(value: object) -> object:
    for _ in range(10):
        if not isinstance(value, IndirectObject):
            return value
        value = value.get_object()
    return None


def _action_kind(action: object) -> str:
    """An action dictionary (with its /Next chain): "JavaScript", "a launch action" or ""."""
    pending = [action]
    seen = 0
    while pending and seen < MAX_ACTION_CHAIN:
        seen += 1
        current = _resolve(pending.pop())
        if isinstance(current, ArrayObject):  # /Next may be an array; /OpenAction may be a destination
            pending.extend(list(current)[:MAX_ACTION_CHAIN])
            continue
        if not isinstance(current, DictionaryObject):
            continue
        kind = current.get("/S")
        if kind == "/JavaScript" or "/JS" in current:
            return "JavaScript"
        if kind == "/Launch":
            return "a launch action"
        if "/Next" in current:
            pending.append(current["/Next"])
    return ""


def _actions_kind(actions: object) -> str:
    """An additional-actions dictionary (/AA): every trigger holds an action."""
    actions = _resolve(actions)
    if not isinstance(actions, DictionaryObject):
        return ""
    for value in list(actions.values())[:MAX_ACTION_CHAIN]:
        found = _action_kind(value)
        if found:
            return found
    return ""


# --------------------------------------------------------------------------------------------------
# embedded e-invoice


def _embedded_einvoice(reader: PdfReader, max_bytes: int) -> tuple[str, bytes] | None:
    """(name, xml) of the embedded e-invoice: a known name first, else any *.xml that is one."""
    known: dict[str, tuple[str, bytes]] = {}
    other_xml: list[tuple[str, bytes]] = []
    for index, attachment in enumerate(reader.attachment_list):
        if index >= MAX_ATTACHMENTS:
            raise PdfRefused(Reason("pdf_too_many_attachments", max=MAX_ATTACHMENTS))
        names = {str(attachment.name or "")}
        with contextlib.suppress(PyPdfError, ValueError, KeyError, TypeError, AttributeError):
            names.add(str(attachment.alternative_name or ""))
        lowered = {n.strip().lower() for n in names if n}
        wanted = [n for n in EINVOICE_NAMES if n in lowered]
        if not wanted and not any(n.endswith(".xml") for n in lowered):
            content = attachment.content
            if has_malware_signature(content):
                raise PdfRefused(malware_in(str(sorted(lowered)[:1])))
            continue
        content = attachment.content
        if len(content) > max_bytes:
            raise PdfRefused(Reason("pdf_attachment_too_large", name=sorted(lowered)[0], max=max_bytes))
        if has_malware_signature(content):
            raise PdfRefused(malware_in(sorted(lowered)[0]))
        if wanted:
            known.setdefault(wanted[0], (wanted[0], content))
        else:
            other_xml.append((sorted(lowered)[0], content))
    for name in EINVOICE_NAMES:
        if name in known:
            return known[name]
    for name, content in other_xml:
        if is_einvoice_xml(content, max_bytes=max_bytes):
            return name, content
    return None


# --------------------------------------------------------------------------------------------------
# the text layer


def _text(reader: PdfReader) -> tuple[str, str]:
    """The text of all pages, and what went wrong on the first page that could not be read."""
    parts: list[str] = []
    failure = ""
    size = 0
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # an unreadable page is skipped; the fields it lacks are reported
            text = ""
            failure = failure or f"{type(exc).__name__}: {str(exc)[:120]}"
        parts.append(text)
        size += len(text)
        if size > MAX_TEXT_CHARS:
            break
    text = "\n".join(parts)[:MAX_TEXT_CHARS]
    return text.encode("utf-8", "replace").decode("utf-8"), failure  # no lone surrogates
