"""Invoice PDFs → invoice records + rejects. Pure: bytes in, records out.

1. A hybrid PDF (ZUGFeRD / Factur-X / XRechnung embedded) is read from its XML: the XML part takes
   precedence over the visual one. If the embedded XML is broken, the PDF is refused with that reason
   (its picture is not trusted as a fallback for a broken e-invoice).
2. Otherwise the text layer is searched for invoice number, dates, amount and customer with German
   and English patterns. Whatever cannot be found is named in a Reject ("review: could not find …");
   nothing is guessed silently.

Hostile PDFs (encrypted, JavaScript or launch actions, page-count or decompression bombs, malformed
or truncated files) are refused with a reason. pypdf runs under tight resource limits, only a bounded
number of pages is read, and every pypdf failure becomes a Reject.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from ..domain.errors import MahnwerkError
from ..domain.model import Address, Customer, InvoiceRecord
from ..domain.money import AmountError
from .csv_invoices import customer_id_from_name
from .einvoice import EInvoiceError, is_einvoice_xml, read_einvoice
from .guard import MALWARE_REASON, MAX_FILE_BYTES, has_malware_signature, too_large
from .result import ParseResult
from .terms import DATE_PATTERN, due_date_from_terms, match_to_date
from .values import parse_amount

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


class PdfRefused(MahnwerkError, ValueError):
    """The PDF cannot be taken; the message is the Reject reason."""

    code, status, message = "pdf_refused", 400, "the PDF was not accepted"


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
    except (PdfRefused, EInvoiceError) as exc:
        return ParseResult.rejected(file_name, str(exc))
    except Exception as exc:  # pypdf raises many kinds of errors on broken files; none may escape
        return ParseResult.rejected(file_name, _unreadable(exc))


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, LimitReachedError):
        return f"the PDF exceeds a safety limit ({str(exc)[:160]}); refused as a possible decompression bomb"
    return f"the PDF could not be read ({type(exc).__name__}: {str(exc)[:200]}); it may be damaged"


def _read_pdf(data: bytes, tenant_id: str, default_terms_days: int, max_bytes: int) -> InvoiceRecord:
    reason = too_large(data, max_bytes)
    if reason:
        raise PdfRefused(reason)
    if has_malware_signature(data):
        raise PdfRefused(MALWARE_REASON)
    if b"%PDF-" not in data[:1024]:
        raise PdfRefused("not a PDF (no %PDF- header)")
    with apply_configuration(**_PDF_LIMITS):
        return _read_pdf_limited(data, tenant_id, default_terms_days, max_bytes)


def _read_pdf_limited(data: bytes, tenant_id: str, default_terms_days: int, max_bytes: int) -> InvoiceRecord:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError) as exc:
        raise PdfRefused(_unreadable(exc)) from exc
    if reader.is_encrypted:
        raise PdfRefused("the PDF is encrypted (password or permissions); please upload an unencrypted copy")
    active = _active_content(data, reader)
    if active:
        raise PdfRefused(f"the PDF contains {active}; such files are refused for safety")
    pages = len(reader.pages)
    if pages > MAX_PAGES:
        raise PdfRefused(f"the PDF has {pages} pages (at most {MAX_PAGES} are accepted)")
    if pages == 0:
        raise PdfRefused("the PDF has no pages")

    embedded = _embedded_einvoice(reader, max_bytes)
    if embedded is not None:
        name, xml = embedded
        try:
            return read_einvoice(xml, tenant_id, default_terms_days, max_bytes=max_bytes)
        except EInvoiceError as exc:
            raise PdfRefused(f"embedded e-invoice {name!r}: {exc}") from exc

    if pages > MAX_TEXT_PAGES:
        raise PdfRefused(f"the PDF has {pages} pages and no embedded e-invoice; reading the text of more "
                         f"than {MAX_TEXT_PAGES} pages is not supported (review by hand)")
    text, failure = _text(reader)
    if not text.strip():
        why = (f"its text could not be read: {failure}" if failure
               else "the PDF has no text layer, perhaps a scan")
        raise PdfRefused("review: could not find invoice number, invoice date, amount, customer "
                         f"({why}; and there is no embedded e-invoice)")
    return record_from_text(text, tenant_id, default_terms_days)


# --------------------------------------------------------------------------------------------------
# hostile content


def _active_content(data: bytes, reader: PdfReader) -> str:
    """What active content the PDF carries ("" if none): JavaScript or launch actions."""
    raw = _RAW_ACTIVE.search(data)
    if raw:
        kind = raw.group().decode("latin-1")
        return "JavaScript" if kind.startswith("/J") else "a launch action"
    root = _resolve(reader.trailer.get("/Root"))
    if not isinstance(root, DictionaryObject):
        raise PdfRefused("the PDF has no document catalog; it is damaged")
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
            raise PdfRefused(f"the PDF has more than {MAX_ATTACHMENTS} attachments; refused")
        names = {str(attachment.name or "")}
        with contextlib.suppress(PyPdfError, ValueError, KeyError, TypeError, AttributeError):
            names.add(str(attachment.alternative_name or ""))
        lowered = {n.strip().lower() for n in names if n}
        wanted = [n for n in EINVOICE_NAMES if n in lowered]
        if not wanted and not any(n.endswith(".xml") for n in lowered):
            content = attachment.content
            if has_malware_signature(content):
                raise PdfRefused(MALWARE_REASON + f" (in attachment {sorted(lowered)[:1]})")
            continue
        content = attachment.content
        if len(content) > max_bytes:
            raise PdfRefused(f"embedded file {sorted(lowered)[0]!r} is larger than {max_bytes:,} bytes")
        if has_malware_signature(content):
            raise PdfRefused(MALWARE_REASON + f" (in attachment {sorted(lowered)[0]!r})")
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


# Every label and its value share a line: patterns allow [ \t] between them, never \s.
_DATE_AFTER = (r"[ \t]*:?[ \t]*(?:vom|von|from|dated|issued(?:[ \t]+(?:at|on))?|of|am|on)?[ \t]*"
               + DATE_PATTERN)
_NUMBER = re.compile(
    r"\b(?:rechnungs[- ]?(?:nummer|nr\.?)|rechnung[ \t]*(?:nr\.?|nummer|#)|beleg(?:nummer|nr\.?)|"
    r"invoice[ \t]*(?:number|no\.?|nr\.?|#|id)|inv\.?[ \t]*no\.?)"
    r"[ \t]*[:#.]?[ \t]*([A-Za-z0-9][A-Za-z0-9\-/_.]{0,62}[A-Za-z0-9]|[0-9])",
    re.IGNORECASE,
)
#: after the number on its line: "Rechnung # RE-1 vom 19.05.2014", "Invoice # 7 issued at 2019-06-10"
_DATE_AFTER_NUMBER = re.compile(r"[ \t]+(?:vom|von|from|dated|issued(?:[ \t]+(?:at|on))?|of)[ \t]+"
                                + DATE_PATTERN, re.IGNORECASE)
_ISSUE_LABEL = re.compile(
    r"\b(?:rechnungsdatum|belegdatum|datum[ \t]+der[ \t]+rechnung|invoice[ \t]+date|date[ \t]+of[ \t]+issue|"
    r"issue[ \t]+date|date[ \t]+issued)" + _DATE_AFTER,
    re.IGNORECASE,
)
#: "Datum"/"Date" alone, unless it is some other date ("Delivery date", "Date of delivery")
_GENERIC_DATE_LABEL = re.compile(
    r"\b(?:datum|date)(?![ \t]+of[ \t]+(?:delivery|supply|service|order|payment))" + _DATE_AFTER,
    re.IGNORECASE,
)
_OTHER_DATE_WORDS = re.compile(r"(?:delivery|due|order|payment|service|supply|liefer|leistungs|bestell|"
                               r"fälligkeits|zahlungs)[ \t]*$", re.IGNORECASE)
_DUE_LABEL = re.compile(
    r"\b(?:fälligkeitsdatum|fällig[ \t]+(?:am|bis(?:[ \t]+zum)?)|fälligkeit|zahlbar[ \t]+bis(?:[ \t]+(?:zum|"
    r"spätestens))?|zahlungsziel|due[ \t]+date|payment[ \t]+due(?:[ \t]+date)?|due[ \t]+(?:on|by)|"
    r"pay[ \t]+by|payable[ \t]+by)" + _DATE_AFTER,
    re.IGNORECASE,
)
_CURRENCY = r"(EUR|€|Euro|USD|US\$|\$|CHF|GBP|£)"
_AMOUNT_VALUE = r"([-−]?[ \t]?\d{1,3}(?:[.,' ]\d{3})*(?:[.,]\d{1,2})?(?!\d)|[-−]?\d+(?:[.,]\d{1,2})?(?!\d))"
#: what is still to pay (after prepayments)
_DUE_AMOUNT_LABELS = (
    r"\b(?:zahlbetrag|zu[ \t]+zahlen(?:der[ \t]+betrag)?|offener[ \t]+betrag|restbetrag|"
    r"amount[ \t]+due|balance[ \t]+due|total[ \t]+due|amount[ \t]+payable|total[ \t]+payable|"
    r"due[ \t]+payable)",
)
#: the invoice total: explicit gross labels first, the generic "Total"/"Summe" only without them
_TOTAL_LABELS = (
    r"\b(?:gesamtbetrag|rechnungsbetrag|endbetrag|bruttobetrag|gesamtsumme|rechnungssumme|"
    r"(?:summe|gesamt|total)[ \t]+brutto|brutto|grand[ \t]+total|invoice[ \t]+total|invoice[ \t]+amount|"
    r"total[ \t]+amount|(?:summe|gesamt|total)[ \t]+(?:incl|inkl|including)\.?[^\n\d€$£:]{0,20})",
    r"\b(?:total|summe|gesamt)",
)
#: a label right after one of these is a partial sum: "Net total", "USt. Gesamt", "Zwischensumme"
_PARTIAL_SUM_WORDS = re.compile(r"(?:\bnet|netto|\bvat|\btax|\bust\.?|mwst\.?|steuer|\bsub|zwischen)[ \t]*$",
                                re.IGNORECASE)
_NOT_GROSS = r"(?![ \t]*(?:netto|net\b|exkl|excl|ohne|zzgl|vat\b|ust\b|mwst|tax\b))"
_CUSTOMER_LABEL = re.compile(
    r"^[ \t]*(?:kunde|kundin|kundenname|rechnungsempfänger(?:in)?|rechnungsadresse|empfänger|"
    r"leistungsempfänger|bill(?:ed)?[ \t]+to|invoice[ \t]+to|sold[ \t]+to|customer(?:[ \t]+name)?|client)"
    r"[ \t]*:[ \t]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_CUSTOMER_ID = re.compile(
    r"\b(?:kunden[- ]?(?:nummer|nr\.?)|kd\.?[- ]?nr\.?|customer[ \t]*(?:id|no\.?|number)|"
    r"client[ \t]*(?:id|no\.?|number)|debitor(?:en)?[- ]?(?:nummer|nr\.?))"
    r"[ \t]*[:#.]?[ \t]*([A-Za-z0-9][A-Za-z0-9\-/_.]{0,62})",
    re.IGNORECASE,
)
_SALUTATION = re.compile(r"^(?:herrn?|frau|firma|an|to|attn\.?|z\.?[ \t]?hd\.?)(?:[ \t]+|$)", re.IGNORECASE)
_RETURN_ADDRESS_PARTS = re.compile(r"[ \t]*[•·|∙▪●◦][ \t]*|,[ \t]+|[ \t]+[-–][ \t]+")
_POSTCODE_CITY = re.compile(r"^(?:[A-Z]{1,2}-)?\d{4,5}[ \t]+\S")
_CREDIT_WORDS = re.compile(r"\b(?:gutschrift|stornorechnung|storno|credit[ \t]+note|rechnungskorrektur)\b",
                           re.IGNORECASE)


@dataclass(frozen=True)
class _Amount:
    value: Decimal
    currency: str


def record_from_text(text: str, tenant_id: str, default_terms_days: int) -> InvoiceRecord:
    """Find the invoice fields in a PDF's text. Every field not found is named in the refusal."""
    head = "\n".join(text.splitlines()[:25])
    if _CREDIT_WORDS.search(head):
        raise PdfRefused("review: the PDF looks like a credit note or correction (no embedded e-invoice); "
                         "import it as an e-invoice or CSV so that the sign is certain")
    number, date_by_number = _find_number(text)
    issue = _find_issue_date(text, date_by_number)
    amounts = _find_amount(text)
    name, address = _find_customer(text)
    missing = [label for label, value in (("invoice number", number), ("invoice date", issue),
                                          ("amount", amounts), ("customer", name)) if not value]
    if missing or issue is None or amounts is None:
        raise PdfRefused(f"review: could not find {', '.join(missing)} in the PDF's text "
                         "(it has no embedded e-invoice)")
    total, due_amount = amounts
    for found in (total, due_amount):
        if found.currency not in ("", "EUR"):
            raise PdfRefused(f"invoice {number}: currency {found.currency} is not supported (only EUR)")
    due, source = _find_due(text, issue, default_terms_days)
    customer_id = _find_customer_id(text) or customer_id_from_name(name)
    customer = Customer(tenant_id=tenant_id, customer_id=customer_id, name=name, email="",
                        address=address, absent=_NOT_IN_PDF)
    return InvoiceRecord(
        number=number, customer=customer, issue_date=issue, due_date=due,
        amount=total.value, open_amount=due_amount.value, currency="EUR", due_date_source=source,
        line=0, source_format="pdf-text",
    )


#: what an invoice's printed text does not tell: the stored customer keeps its own
_NOT_IN_PDF = frozenset({"email", "is_consumer"})


def _find_number(text: str) -> tuple[str, date | None]:
    """The invoice number, and the date written right after it ("… vom 19.05.2014") if any."""
    for match in _NUMBER.finditer(text):
        value = match.group(1).rstrip(".")
        if re.search(r"\d", value):
            after = _DATE_AFTER_NUMBER.match(text, match.end())
            return value, match_to_date(after) if after else None
    return "", None


def _find_issue_date(text: str, date_by_number: date | None) -> date | None:
    for match in _ISSUE_LABEL.finditer(text):
        found = match_to_date(match)
        if found is not None:
            return found
    if date_by_number is not None:
        return date_by_number
    for match in _GENERIC_DATE_LABEL.finditer(text):
        if _OTHER_DATE_WORDS.search(text[max(0, match.start() - 20):match.start()]):
            continue
        found = match_to_date(match)
        if found is not None:
            return found
    return None


def _find_due(text: str, issue: date, default_terms_days: int) -> tuple[date, str]:
    for match in _DUE_LABEL.finditer(text):
        found = match_to_date(match)
        if found is not None and found >= issue:
            return found, "invoice"
    for line in text.splitlines():
        due = due_date_from_terms(line, issue, require_payment_words=True)
        if due is not None:
            return due, "terms"
    return issue + timedelta(days=default_terms_days), "default_terms"


def _find_amount(text: str) -> tuple[_Amount, _Amount] | None:
    """(invoice total, amount still due); the same value twice when the invoice shows only one."""
    due = _first_tier(_DUE_AMOUNT_LABELS, text)
    total = _first_tier(_TOTAL_LABELS, text)
    if total is None:
        return None if due is None else (due, due)
    return total, due or total


def _first_tier(labels: tuple[str, ...], text: str) -> _Amount | None:
    for label in labels:
        found = _labelled_amount(label, text)
        if found is not None:
            return found
    return None


def _labelled_amount(label: str, text: str) -> _Amount | None:
    pattern = re.compile(
        label + _NOT_GROSS + r"[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*:?[ \t]*(?:" + _CURRENCY + r"[ \t]*)?"
        + _AMOUNT_VALUE + r"(?:[ \t]*" + _CURRENCY + r")?",
        re.IGNORECASE,
    )
    values: dict[Decimal, str] = {}
    for match in pattern.finditer(text):
        if _PARTIAL_SUM_WORDS.search(text[max(0, match.start() - 20):match.start()]):
            continue
        raw = match.group(2).replace("−", "-").replace(" ", "").replace("\t", "")
        if len(raw) > 20:
            continue
        try:
            value = parse_amount(raw)
        except (AmountError, ArithmeticError):
            continue
        currency = _currency(match.group(1) or match.group(3) or "")
        values.setdefault(value, currency)
    if not values:
        return None
    if len(values) > 1:
        shown = ", ".join(f"{v}" for v in list(values)[:4])
        raise PdfRefused(f"review: the PDF shows several different totals ({shown}); could not find "
                         "one unambiguous amount")
    value, currency = next(iter(values.items()))
    return _Amount(value, currency)


def _currency(symbol: str) -> str:
    symbol = symbol.strip().upper()
    return {"€": "EUR", "EURO": "EUR", "$": "USD", "US$": "USD", "£": "GBP"}.get(symbol, symbol)


def _find_customer(text: str) -> tuple[str, Address]:
    """The customer's name, and their address when the lines below the name show one."""
    lines = text.splitlines()
    for match in _CUSTOMER_LABEL.finditer(text):
        index = text.count("\n", 0, match.start())
        if match.group(1).strip():  # "Kunde: Müller GmbH" (but "Customer: 2" is a number, not a name)
            value = _clean_name(match.group(1))
            if value:
                return value, _address_below(lines, index)
            continue
        for offset in (1, 2):  # the label alone on its line, the name below it
            value = _clean_name(lines[index + offset]) if index + offset < len(lines) else ""
            if value:
                return value, _address_below(lines, index + offset)
    # DIN 5008: the window shows the sender's one-line return address ("Firma • Straße 1 • 12345 Ort")
    # and right below it the recipient's name
    for index, line in enumerate(lines[:120]):
        parts = [p for p in _RETURN_ADDRESS_PARTS.split(line.strip()) if p]
        if len(parts) >= 3 and len(line) <= 160 and any(_POSTCODE_CITY.match(p) for p in parts[1:]):
            for below in range(index + 1, min(index + 4, len(lines))):
                value = _clean_name(lines[below])
                if value:
                    return value, _address_below(lines, below)
    return "", Address()


_STREET = re.compile(r"^[^\W\d_][^\n\d]{1,60}?[ \t.]\d{1,4}[ \t]?[a-zA-Z]?(?:[-/][ \t]?\d{1,4}[a-zA-Z]?)?$")
_DE_POSTCODE_CITY = re.compile(r"^(?:D-|DE-|DE[ \t])?(\d{5})[ \t]+([^\W\d_][^\n\d]{1,60})$")


def _address_below(lines: list[str], name_index: int) -> Address:
    """Street and "PLZ Ort" in the (at most four) lines after the name; empty if they are not there."""
    street = ""
    for line in lines[name_index + 1:name_index + 5]:
        line = " ".join(line.split())
        postcode_city = _DE_POSTCODE_CITY.match(line)
        if postcode_city:
            if not street:
                break
            return Address(street, postcode_city.group(1), postcode_city.group(2).strip(), "DE")
        if _STREET.match(line):
            street = line
    return Address()


def _clean_name(line: str) -> str:
    """A recipient line as a customer name: "Firma Müller GmbH" → "Müller GmbH"; "" if it is none."""
    value = " ".join(line.split())
    stripped = _SALUTATION.sub("", value).strip(" :,")
    if not stripped or not re.search(r"[^\W\d_]{2}", stripped) or len(stripped) > 120:
        return ""
    if re.match(r"(?:kunden|customer|rechnungs|invoice|datum|date)", stripped, re.IGNORECASE):
        return ""
    if value.lower().startswith(("herr", "frau")):
        return value  # "Herr Jochen Stärk": the salutation belongs to the name on a letter
    return stripped


def _find_customer_id(text: str) -> str:
    for match in _CUSTOMER_ID.finditer(text):
        value = match.group(1).rstrip(".")
        if re.search(r"\d", value):
            return value
    return ""
