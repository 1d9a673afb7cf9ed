"""EN 16931 e-invoices as XML → invoice records + rejects. Pure: bytes in, records out.

Syntaxes (root element decides):

* CII, UN/CEFACT D16B ``rsm:CrossIndustryInvoice``: Factur-X / ZUGFeRD 2.x, XRechnung CII;
* UBL 2.1 ``Invoice`` and ``CreditNote``: XRechnung UBL, Peppol;
* ZUGFeRD 1.0 ``rsm:CrossIndustryDocument`` (and its 2014 release candidate ``rsm:Invoice`` in the
  CBFBUY:5 namespace, which early Mustang versions embedded).

The XML is read with defusedxml: a DOCTYPE (and with it every entity, XXE and external DTD) is
refused before anything is expanded or fetched; depth and element count are bounded. Whatever cannot
be taken becomes a :class:`Reject` with the reason; nothing escapes as an exception.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import xml.etree.ElementTree as ET  # only for types and ParseError; parsing goes through defusedxml
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..domain.currency import CurrencyError, check_currency
from ..domain.errors import MahnwerkError
from ..domain.model import Address, Customer, InvoiceRecord
from ..domain.money import ZERO, cents
from ..domain.reasons import Reason, reason_of
from . import profiles
from .csv_invoices import customer_id_from_name
from .guard import EICAR, MALWARE_REASON, MAX_FILE_BYTES, has_malware_signature, malware_in, too_large
from .result import ParseResult
from .terms import due_date_from_terms

MAX_DEPTH = 64
MAX_ELEMENTS = 500_000
MAX_NUMBER_LENGTH = 64
MAX_ID_LENGTH = 64

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_ZF1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"
NS_ZF1_RC = "urn:un:unece:uncefact:data:standard:CBFBUY:5"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

ROOTS: dict[tuple[str, str], str] = {
    (NS_CII, "CrossIndustryInvoice"): "cii",
    (NS_ZF1, "CrossIndustryDocument"): "zugferd1",
    (NS_ZF1_RC, "Invoice"): "zugferd1",
    (NS_UBL_INVOICE, "Invoice"): "ubl",
    (NS_UBL_CREDIT, "CreditNote"): "ubl",
}

#: UNTDID 1001 codes EN 16931 allows for BT-3, by the direction the money goes.
#: Commercial invoices and their kin: the customer owes the amount. 389 is a self-billed invoice
#: (the buyer bills itself for what it owes the seller; a "Gutschrift" in the sense of §14 Abs. 2
#: S. 2 UStG): a claim like 380, dunned like any invoice. 384 (corrected invoice) keeps the signs it
#: has: a correction that lowers the claim comes with negative amounts of its own.
INVOICE_TYPES = frozenset({
    "71", "80", "82", "84", "102", "130", "202", "203", "204", "211", "218", "219", "295", "325",
    "326", "331", "380", "382", "383", "384", "385", "386", "387", "388", "389", "390", "393", "394",
    "395", "456", "457", "527", "553", "575", "623", "633", "751", "780", "817", "870", "875", "876",
    "877", "935",
})
#: Credit notes, as UNTDID 1001 names them: 381 credit note, 261 self-billed credit note, 262
#: consolidated credit note, 396 factored credit note, 532 forwarder's credit note, and the other
#: credit-note codes EN 16931 allows (81 and 83, credit notes related to goods or services and to
#: financial adjustments; 296, 308, 420, 458). They reduce what the customer owes (amounts come out
#: negative). A UBL ``CreditNote`` root is a credit note whatever its ``CreditNoteTypeCode``.
CREDIT_TYPES = frozenset({
    "81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532",
})

_AMOUNT = re.compile(r"[+-]?(?:\d{1,15}(?:\.\d*)?|\.\d+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


#: how the reasons name the values of an e-invoice in German
_WHAT_DE = {"invoice date": "Das Rechnungsdatum", "due date": "Das Fälligkeitsdatum",
            "grand total": "Der Gesamtbetrag", "prepaid amount": "Der angezahlte Betrag",
            "payable amount": "Der Zahlbetrag"}


class EInvoiceError(MahnwerkError, ValueError):
    """The file cannot be taken; the message says why (it becomes the Reject reason)."""

    code, status, message = "einvoice_invalid", 400, "the e-invoice was not accepted"


@dataclass
class _Fields:
    """What we read from the XML, before signs and fallbacks are applied."""

    syntax: str
    profile: str = ""
    number: str = ""
    type_code: str = ""
    credit_root: bool = False
    issue: date | None = None
    due_dates: list[date] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    currency: str = ""
    #: the currencyID attributes of the amounts: the currency when BT-5 is absent
    amount_currencies: set[str] = field(default_factory=set)
    grand_total: Decimal | None = None
    prepaid: Decimal | None = None
    payable: Decimal | None = None
    payment_reference: str = ""
    payment_means: str = ""
    preceding_invoice: str = ""
    buyer_name: str = ""
    buyer_ids: list[str] = field(default_factory=list)
    buyer_reference: str = ""
    email: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""


# --------------------------------------------------------------------------------------------------
# public API


def parse_einvoice_xml(
    data: bytes,
    file_name: str,
    tenant_id: str,
    default_terms_days: int,
    max_bytes: int = MAX_FILE_BYTES,
) -> ParseResult:
    """One e-invoice XML (CII, UBL or ZUGFeRD 1.0) → one record, or one reject with the reason."""
    try:
        record = read_einvoice(data, tenant_id, default_terms_days, max_bytes=max_bytes)
    except EInvoiceError as exc:
        return ParseResult.rejected(file_name, reason_of(exc))
    except Exception as exc:  # a hostile file must never take the import down with it
        return ParseResult.rejected(
            file_name, Reason("einvoice_unreadable", detail=f"{type(exc).__name__}: {str(exc)[:200]}"))
    return ParseResult(records=[record])


def read_einvoice(
    data: bytes, tenant_id: str, default_terms_days: int, *, max_bytes: int = MAX_FILE_BYTES
) -> InvoiceRecord:
    """Like :func:`parse_einvoice_xml` but raising :class:`EInvoiceError` with the reason."""
    root = load_xml(data, max_bytes=max_bytes)
    syntax = einvoice_syntax(root)
    if syntax is None:
        raise EInvoiceError(Reason("einvoice_not_einvoice", root=_describe(root)))
    _strip_namespaces(root)
    _check_embedded_objects(root)
    fields = _read_ubl(root) if syntax == "ubl" else _read_cii(root, syntax)
    return _record(fields, tenant_id, default_terms_days)


def is_einvoice_xml(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> bool:
    """True when ``data`` is safe, well-formed XML whose root is one of the e-invoice syntaxes."""
    try:
        return einvoice_syntax(load_xml(data, max_bytes=max_bytes)) is not None
    except EInvoiceError:
        return False


def load_xml(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> ET.Element:
    """Parse untrusted XML: no DTD, no entities, no network, bounded size, depth and element count."""
    reason = too_large(data, max_bytes)
    if reason:
        raise EInvoiceError(reason)
    if has_malware_signature(data):
        raise EInvoiceError(MALWARE_REASON)
    if not data.strip():
        raise EInvoiceError(Reason("file_empty"))
    depth = count = 0
    try:
        events = iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True,
                           forbid_entities=True, forbid_external=True)
        for event, _element in events:
            if event == "start":
                depth += 1
                count += 1
                if depth > MAX_DEPTH:
                    raise EInvoiceError(Reason("xml_too_deep", max=MAX_DEPTH))
                if count > MAX_ELEMENTS:
                    raise EInvoiceError(Reason("xml_too_many_elements", max=MAX_ELEMENTS))
            else:
                depth -= 1
        root: ET.Element | None = getattr(events, "root", None)
    except DefusedXmlException as exc:
        raise EInvoiceError(
            Reason("xml_doctype", detail=type(exc).__name__)
        ) from exc
    except ET.ParseError as exc:
        raise EInvoiceError(Reason("xml_malformed", detail=str(exc)[:200])) from exc
    except (LookupError, UnicodeError, ValueError) as exc:  # unknown or broken encoding
        raise EInvoiceError(Reason("xml_malformed", detail=str(exc)[:200])) from exc
    if root is None:
        raise EInvoiceError(Reason("xml_malformed", detail="no root element"))
    return root


def einvoice_syntax(root: ET.Element) -> str | None:
    """"cii", "ubl", "zugferd1" or None, from the root element's namespace and name."""
    namespace, local = _split(root.tag)
    return ROOTS.get((namespace, local))


# --------------------------------------------------------------------------------------------------
# XML helpers (after _strip_namespaces every tag is its local name; each syntax fixes the namespaces)


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _describe(root: ET.Element) -> str:
    namespace, local = _split(root.tag)
    return f"{local!r} in namespace {namespace!r}"[:200] if namespace else repr(local[:100])


def _strip_namespaces(root: ET.Element) -> None:
    for element in root.iter():
        element.tag = _split(element.tag)[1]


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _lines(element: ET.Element) -> str:
    """Free text (notes, payment terms) with its line breaks kept: they separate clauses."""
    text = "".join(element.itertext())
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _first(element: ET.Element | None, *paths: str) -> str:
    """Text of the first of ``paths`` that has some."""
    if element is None:
        return ""
    for path in paths:
        for found in element.iterfind(path):
            value = _text(found)
            if value:
                return value
    return ""


def _all(element: ET.Element | None, path: str) -> Iterator[ET.Element]:
    if element is not None:
        yield from element.iterfind(path)


def _amount(element: ET.Element | None, path: str, what: str) -> Decimal | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None:
        return None
    text = _text(found)
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        raise EInvoiceError(Reason("einvoice_value_amount", what=what, what_de=_WHAT_DE.get(what, what),
                                   text=text[:40]))
    return cents(Decimal(text))


def _date(element: ET.Element | None, what: str) -> date | None:
    """A CII date (``udt:DateTimeString format="102"`` or the text itself) or a UBL xs:date."""
    if element is None:
        return None
    inner = element.find("DateTimeString")
    source = inner if inner is not None else element
    text = _text(source)
    if not text:
        return None
    fmt = source.get("format", "")
    try:
        if re.fullmatch(r"\d{8}", text) and fmt in ("", "102"):
            return datetime.strptime(text, "%Y%m%d").date()
        iso = _ISO_DATE.fullmatch(text)
        if iso and fmt == "":
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError as exc:
        raise EInvoiceError(Reason("einvoice_value_date", what=what, what_de=_WHAT_DE.get(what, what),
                                   text=text[:40])) from exc
    if fmt not in ("", "102"):
        raise EInvoiceError(Reason("einvoice_date_format", what=what, what_de=_WHAT_DE.get(what, what),
                                   format=fmt[:10]))
    raise EInvoiceError(Reason("einvoice_value_date", what=what, what_de=_WHAT_DE.get(what, what),
                               text=text[:40]))


def _check_embedded_objects(root: ET.Element) -> None:
    """Attachments (UBL EmbeddedDocumentBinaryObject, CII AttachmentBinaryObject) are base64:
    decode them and look for the malware test signature the raw bytes cannot show."""
    for element in root.iter():
        if element.tag not in ("EmbeddedDocumentBinaryObject", "AttachmentBinaryObject",
                               "IncludedBinaryObject"):
            continue
        text = element.text or ""
        if EICAR.decode("ascii") in text:
            raise EInvoiceError(MALWARE_REASON)
        try:
            content = base64.b64decode("".join(text.split()), validate=False)
        except (binascii.Error, ValueError):
            continue
        if has_malware_signature(content):
            raise EInvoiceError(malware_in(element.get("filename", "")[:80]))


# --------------------------------------------------------------------------------------------------
# CII (D16B) and ZUGFeRD 1.0: the same structure under different element names


@dataclass(frozen=True)
class _CiiNames:
    context: str
    document: str
    transaction: str
    agreement: str
    settlement: str
    summation: str


_CII = _CiiNames("ExchangedDocumentContext", "ExchangedDocument", "SupplyChainTradeTransaction",
                 "ApplicableHeaderTradeAgreement", "ApplicableHeaderTradeSettlement",
                 "SpecifiedTradeSettlementHeaderMonetarySummation")
_ZF1 = _CiiNames("SpecifiedExchangedDocumentContext", "HeaderExchangedDocument",
                 "SpecifiedSupplyChainTradeTransaction", "ApplicableSupplyChainTradeAgreement",
                 "ApplicableSupplyChainTradeSettlement", "SpecifiedTradeSettlementMonetarySummation")


def _read_cii(root: ET.Element, syntax: str) -> _Fields:
    n = _CII if syntax == "cii" else _ZF1
    f = _Fields(syntax=syntax)
    f.profile = _first(root, f"{n.context}/GuidelineSpecifiedDocumentContextParameter/ID")
    document = root.find(n.document)
    f.number = _first(document, "ID")
    f.type_code = _first(document, "TypeCode")
    f.issue = _date(document.find("IssueDateTime") if document is not None else None, "invoice date")
    f.notes = [_lines(e) for e in _all(document, "IncludedNote/Content")]
    transaction = root.find(n.transaction)
    agreement = transaction.find(n.agreement) if transaction is not None else None
    settlement = transaction.find(n.settlement) if transaction is not None else None

    f.buyer_reference = _first(agreement, "BuyerReference")
    buyer = agreement.find("BuyerTradeParty") if agreement is not None else None
    f.buyer_name = _first(buyer, "Name")
    f.buyer_ids = [v for v in (_first(buyer, "ID"), _first(buyer, "GlobalID")) if v]
    f.email = _first(buyer, "DefinedTradeContact/EmailURIUniversalCommunication/URIID",
                     "URIUniversalCommunication/URIID[@schemeID='EM']")
    address = buyer.find("PostalTradeAddress") if buyer is not None else None
    f.street = _street([_first(address, line) for line in ("LineOne", "LineTwo", "LineThree")])
    f.postal_code = _first(address, "PostcodeCode")
    f.city = _first(address, "CityName")
    f.country = _first(address, "CountryID")

    f.currency = _first(settlement, "InvoiceCurrencyCode")
    f.amount_currencies = _currency_ids(root)
    f.payment_reference = _first(settlement, "PaymentReference")
    f.payment_means = _first(settlement, "SpecifiedTradeSettlementPaymentMeans/TypeCode")
    f.preceding_invoice = _first(settlement, "InvoiceReferencedDocument/IssuerAssignedID")
    for terms in _all(settlement, "SpecifiedTradePaymentTerms"):
        due = _date(terms.find("DueDateDateTime"), "due date")
        if due is not None:
            f.due_dates.append(due)
        f.terms += [_lines(e) for e in terms.iterfind("Description")]
    summation = settlement.find(n.summation) if settlement is not None else None
    f.grand_total = _amount(summation, "GrandTotalAmount", "grand total")
    f.prepaid = _amount(summation, "TotalPrepaidAmount", "prepaid amount")
    f.payable = _amount(summation, "DuePayableAmount", "payable amount")
    return f


def _currency_ids(root: ET.Element) -> set[str]:
    """The currencies the document's amounts state (``currencyID``), upper case."""
    return {c.upper() for e in root.iter() if (c := e.get("currencyID", "").strip())}


def _street(lines: list[str]) -> str:
    """Address line one is sometimes a contact person ("Hans Muster") and the street is line two."""
    present = [line for line in lines if line]
    with_number = [line for line in present if re.search(r"\d", line)]
    return (with_number or present or [""])[0]


# --------------------------------------------------------------------------------------------------
# UBL 2.1


def _read_ubl(root: ET.Element) -> _Fields:
    f = _Fields(syntax="ubl", credit_root=root.tag == "CreditNote")
    f.profile = _first(root, "CustomizationID")
    f.number = _first(root, "ID")
    f.type_code = _first(root, "CreditNoteTypeCode" if f.credit_root else "InvoiceTypeCode")
    f.issue = _date(root.find("IssueDate"), "invoice date")
    for path in ("DueDate", "PaymentMeans/PaymentDueDate"):
        for element in root.iterfind(path):
            due = _date(element, "due date")
            if due is not None:
                f.due_dates.append(due)
    f.terms = [_lines(e) for e in root.iterfind("PaymentTerms/Note")]
    f.notes = [_lines(e) for e in root.iterfind("Note")]
    f.currency = _first(root, "DocumentCurrencyCode")
    f.amount_currencies = _currency_ids(root)
    f.buyer_reference = _first(root, "BuyerReference")
    f.payment_reference = _first(root, "PaymentMeans/PaymentID")
    f.payment_means = _first(root, "PaymentMeans/PaymentMeansCode")
    f.preceding_invoice = _first(root, "BillingReference/InvoiceDocumentReference/ID")

    party = root.find("AccountingCustomerParty/Party")
    f.buyer_name = _first(party, "PartyLegalEntity/RegistrationName", "PartyName/Name")
    f.buyer_ids = [v for v in (_first(party, "PartyIdentification/ID"),
                               _first(party, "PartyLegalEntity/CompanyID")) if v]
    f.email = _first(party, "Contact/ElectronicMail", "EndpointID[@schemeID='EM']")
    address = party.find("PostalAddress") if party is not None else None
    f.street = _street([_first(address, "StreetName"), _first(address, "AdditionalStreetName"),
                        _first(address, "AddressLine/Line")])
    f.postal_code = _first(address, "PostalZone")
    f.city = _first(address, "CityName")
    f.country = _first(address, "Country/IdentificationCode")

    totals = root.find("LegalMonetaryTotal")
    f.grand_total = _amount(totals, "TaxInclusiveAmount", "grand total")
    f.prepaid = _amount(totals, "PrepaidAmount", "prepaid amount")
    f.payable = _amount(totals, "PayableAmount", "payable amount")
    return f


# --------------------------------------------------------------------------------------------------
# fields → record


def _record(f: _Fields, tenant_id: str, default_terms_days: int) -> InvoiceRecord:
    if not f.profile:
        raise EInvoiceError(Reason("einvoice_no_profile"))
    if profiles.canonical(f.profile) is None:
        raise EInvoiceError(Reason("einvoice_unknown_profile", profile=f.profile[:120]))
    if not f.number:
        raise EInvoiceError(Reason("einvoice_no_number"))
    if len(f.number) > MAX_NUMBER_LENGTH:
        raise EInvoiceError(Reason("einvoice_number_too_long", max=MAX_NUMBER_LENGTH,
                                   text=f.number[:20]))
    if f.issue is None:
        raise EInvoiceError(Reason("einvoice_no_date", number=f.number))
    credit = _is_credit(f)
    try:  # any ISO 4217 currency with at most two decimals (domain.currency)
        currency = check_currency(f.currency.strip() or _currency_of_amounts(f))
    except CurrencyError as exc:
        cause = reason_of(exc)
        raise EInvoiceError(Reason("einvoice_currency", number=f.number, detail=str(cause),
                                   detail_de=cause.text("de"))) from exc
    if not f.buyer_name:
        raise EInvoiceError(Reason("einvoice_no_buyer", number=f.number))

    prepaid = f.prepaid if f.prepaid is not None else ZERO
    if f.payable is not None:
        payable = f.payable
    elif f.grand_total is not None:  # ZUGFeRD 1.0 BASIC has no DuePayableAmount
        payable = f.grand_total - prepaid
    else:
        raise EInvoiceError(Reason("einvoice_no_total", number=f.number))
    amount = f.grand_total if f.grand_total is not None else payable + prepaid
    if credit:
        amount, payable, prepaid = -amount, -payable, -prepaid

    due, source = _due_date(f, f.issue, default_terms_days)  # even before the issue date: as printed
    customer = Customer(
        tenant_id=tenant_id,
        customer_id=_customer_id(f),
        name=f.buyer_name[:200],
        email=f.email if _EMAIL.fullmatch(f.email) else "",
        address=Address(f.street[:200], f.postal_code[:20], f.city[:100],
                        (f.country or "DE").upper()[:2]),
        # an e-invoice does not say whether the buyer is a consumer: the stored customer keeps it
        absent=frozenset({"is_consumer"} if f.country else {"is_consumer", "country"}),
    )
    return InvoiceRecord(
        number=f.number, customer=customer, issue_date=f.issue, due_date=due,
        amount=_plain(amount), open_amount=_plain(payable), currency=currency,
        due_date_source=source, line=0, source_format=f.syntax, profile=f.profile[:200],
        document_type=f.type_code[:10] or "381", credit_note=credit,
        prepaid_amount=_plain(prepaid), payment_reference=f.payment_reference[:140],
        preceding_invoice=f.preceding_invoice[:MAX_NUMBER_LENGTH], payment_means=f.payment_means[:10],
    )


def _currency_of_amounts(f: _Fields) -> str:
    """Without an invoice currency code (BT-5), the currency the amounts state (``currencyID="EUR"``,
    as ZUGFeRD 1.0 files do): taken when every amount states the same one, refused otherwise."""
    if len(f.amount_currencies) > 1:
        raise EInvoiceError(Reason("einvoice_currencies_differ", number=f.number,
                                   currencies=", ".join(sorted(f.amount_currencies))[:60]))
    if not f.amount_currencies:
        raise EInvoiceError(Reason("einvoice_no_currency", number=f.number))
    return next(iter(f.amount_currencies))


def _is_credit(f: _Fields) -> bool:
    if f.credit_root:
        return True
    code = f.type_code
    if not code:
        raise EInvoiceError(Reason("einvoice_no_type", number=f.number))
    if code in CREDIT_TYPES:
        return True
    if code in INVOICE_TYPES:
        return False
    raise EInvoiceError(Reason("einvoice_unknown_type", number=f.number, type=code[:10]))


def _due_date(f: _Fields, issue: date, default_terms_days: int) -> tuple[date, str]:
    if f.due_dates:
        # several (instalments): the last, so that no reminder goes out before everything is due
        return max(f.due_dates), "invoice"
    for texts, strict in ((f.terms, False), (f.notes, True)):
        for text in texts:
            due = due_date_from_terms(text, issue, require_payment_words=strict)
            if due is not None:
                return due, "terms"
    return issue + timedelta(days=default_terms_days), "default_terms"


def _customer_id(f: _Fields) -> str:
    for candidate in (*f.buyer_ids, f.buyer_reference):
        if candidate and len(candidate) <= MAX_ID_LENGTH:
            return candidate
    return customer_id_from_name(f.buyer_name)


def _plain(value: Decimal) -> Decimal:
    """Cents, and never "-0.00"."""
    value = cents(value)
    return value if value != 0 else ZERO
