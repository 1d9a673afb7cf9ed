"""Every e-invoice in the shared public corpus, through the real entry point ``parse_invoice_file``.

Expected values are read here with plain ElementTree XPath over the XML (or the XML that pypdf takes
out of a hybrid PDF) - not through our parser - so the two readings check each other. Files upstream
marks as failing (``/fail/``) and hostile ones (``other/``: EICAR) must be refused with a reason.
Non-invoice files (README, LICENSE, .md) are not parametrized.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from mahnwerk.intake.files import parse_invoice_file

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
FOLDERS = ("zugferd-corpus", "xrechnung-testsuite")
INVOICE_SUFFIXES = {".xml", ".pdf"}
DEFAULT_TERMS = 14

#: Refusals we know, with the part of the reason we expect. Everything under /fail/ and other/ must
#: be refused anyway; these pin down *why*.
REFUSED = {
    # upstream "fail": the embedded XML declares encoding="UTF-8-W/O-BOM", which is not a legal
    # encoding name, so the XML is not well-formed.
    "zugferd-corpus/ZUGFeRDv2/fail/Mustangproject/factur-x-invalid-xml-encoding-attribute.pdf":
        "not well-formed XML",
    # XRechnung with the EICAR test file as a base64 attachment: a mail scanner would quarantine it.
    "zugferd-corpus/other/eicar.cii.xml": "malware test signature",
    "zugferd-corpus/other/eicar.ubl.xml": "malware test signature",
}

#: Upstream "fail" files we read on purpose, with the warning the import report gives.
ACCEPTED = {
    # the guideline id "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic" uses ":" where
    # the specification identifier has "#…#urn:" - a known variant spelling of Factur-X BASIC;
    # the content is a valid BASIC invoice, so it is read as one, with a warning.
    "zugferd-corpus/ZUGFeRDv2/fail/python-factur-x/python-factur-x.pdf": "variant spelling",
}

#: UNTDID 1001 credit-note codes (those EN 16931 allows for BT-3). Not 389: a self-billed invoice
#: is what the buyer owes the seller, a claim with the signs and due date it states, like 380.
CREDIT_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
EMBEDDED_NAMES = ("factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml")


@dataclass(frozen=True)
class Expected:
    number: str
    issue: date
    buyer: str
    currency: str
    payable: Decimal
    grand: Decimal | None
    due: date | None
    credit: bool


#: No XML inside: values read by hand from the printed invoice (Hetzner, 2016). It is paid by SEPA
#: direct debit ("Bankeinzug"); the parser still reads it as an ordinary invoice with a due date.
TEXT_ONLY = {
    "zugferd-corpus/unstructured/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf": Expected(
        number="R0005532486", issue=date(2016, 1, 19), buyer="Usegroup Inh. Jochen Stärk",
        currency="EUR", payable=Decimal("104.00"), grand=Decimal("104.00"), due=date(2016, 1, 22),
        credit=False),
}


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p.relative_to(CORPUS).as_posix()
        for folder in FOLDERS
        for p in (CORPUS / folder).rglob("*")
        if p.is_file() and p.suffix.lower() in INVOICE_SUFFIXES
    )


def other_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.relative_to(CORPUS).as_posix() for folder in FOLDERS for p in (CORPUS / folder).rglob("*")
                  if p.is_file() and p.suffix.lower() not in INVOICE_SUFFIXES)


def must_refuse(rel: str) -> bool:
    return rel not in ACCEPTED and ("/fail/" in rel or rel.startswith("zugferd-corpus/other/") or rel in REFUSED)


def refused_by_rule(rel: str) -> bool:
    """A file upstream counts as correct that states no currency: neither an invoice currency code
    (BT-5) nor one currency on its amounts. There is nothing to take the currency from."""
    return not expected_for(rel, (CORPUS / rel).read_bytes()).currency


FILES = corpus_files() or ["(corpus missing)"]


def parse(path: Path):
    return parse_invoice_file(path.read_bytes(), path.name, "t1", DEFAULT_TERMS)


# ------------------------------------------------------------------------------------------------
# the expected values, by plain XPath

CII = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
       "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
       "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
ZF1 = {"rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0",
       "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
       "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"}
ZF1_RC = {"rsm": "urn:un:unece:uncefact:data:standard:CBFBUY:5"}
UBL = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
       "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}

#: XPath per syntax: number, issue date, type code, buyer, currency, due date, grand total, prepaid,
#: payable. CII: T = rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement.
_T = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_S = f"{_T}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
CII_PATHS = dict(
    number="rsm:ExchangedDocument/ram:ID",
    issue="rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    type="rsm:ExchangedDocument/ram:TypeCode",
    buyer="rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/ram:Name",
    currency=f"{_T}/ram:InvoiceCurrencyCode",
    due=f"{_T}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    grand=f"{_S}/ram:GrandTotalAmount", prepaid=f"{_S}/ram:TotalPrepaidAmount",
    payable=f"{_S}/ram:DuePayableAmount",
)
_T1 = "rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeSettlement"
_S1 = f"{_T1}/ram:SpecifiedTradeSettlementMonetarySummation"
ZF1_PATHS = dict(
    number="rsm:HeaderExchangedDocument/ram:ID",
    issue="rsm:HeaderExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    type="rsm:HeaderExchangedDocument/ram:TypeCode",
    buyer="rsm:SpecifiedSupplyChainTradeTransaction/ram:ApplicableSupplyChainTradeAgreement/"
          "ram:BuyerTradeParty/ram:Name",
    currency=f"{_T1}/ram:InvoiceCurrencyCode",
    due=f"{_T1}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    grand=f"{_S1}/ram:GrandTotalAmount", prepaid=f"{_S1}/ram:TotalPrepaidAmount",
    payable=f"{_S1}/ram:DuePayableAmount",
)
# The 2014 ZUGFeRD release candidate (root rsm:Invoice in CBFBUY:5) that early Mustang embedded:
# same structure as 1.0, children without namespace, dates as the element text.
_T2 = "rsm:SpecifiedSupplyChainTradeTransaction/ApplicableSupplyChainTradeSettlement"
_S2 = f"{_T2}/SpecifiedTradeSettlementMonetarySummation"
ZF1_RC_PATHS = dict(
    number="rsm:HeaderExchangedDocument/ID",
    issue="rsm:HeaderExchangedDocument/IssueDateTime",
    type="rsm:HeaderExchangedDocument/TypeCode",
    buyer="rsm:SpecifiedSupplyChainTradeTransaction/ApplicableSupplyChainTradeAgreement/BuyerTradeParty/Name",
    currency=f"{_T2}/InvoiceCurrencyCode",
    due=f"{_T2}/SpecifiedTradePaymentTerms/DueDateDateTime",
    grand=f"{_S2}/GrandTotalAmount", prepaid=f"{_S2}/TotalPrepaidAmount", payable=f"{_S2}/DuePayableAmount",
)
UBL_PATHS = dict(
    number="cbc:ID", issue="cbc:IssueDate", type="cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode",
    buyer="cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
    currency="cbc:DocumentCurrencyCode", due="cbc:DueDate|cac:PaymentMeans/cbc:PaymentDueDate",
    grand="cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", prepaid="cac:LegalMonetaryTotal/cbc:PrepaidAmount",
    payable="cac:LegalMonetaryTotal/cbc:PayableAmount",
)
SYNTAXES = {
    f"{{{CII['rsm']}}}CrossIndustryInvoice": (CII, CII_PATHS),
    f"{{{ZF1['rsm']}}}CrossIndustryDocument": (ZF1, ZF1_PATHS),
    f"{{{ZF1_RC['rsm']}}}Invoice": (ZF1_RC, ZF1_RC_PATHS),
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": (UBL, UBL_PATHS),
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": (UBL, UBL_PATHS),
}


def xpath(root: ET.Element, paths: str, ns: dict[str, str]) -> str:
    for path in paths.split("|"):
        found = root.find(path, ns)
        if found is not None and (found.text or "").strip():
            return " ".join(found.text.split())
    return ""


def xml_date(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d" if "-" in text else "%Y%m%d").date()


def money(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


def expected_from_xml(xml: bytes) -> Expected:
    root = ET.fromstring(xml)
    ns, paths = SYNTAXES[root.tag]
    value = {name: xpath(root, path, ns) for name, path in paths.items()}
    # without BT-5 the currency is the one every amount states (currencyID="EUR"), as ZUGFeRD 1.0
    # files have it; none, or several, and the file is refused
    stated = {e.get("currencyID", "").strip().upper() for e in root.iter()} - {""}
    currency = value["currency"] or (min(stated) if len(stated) == 1 else "")
    grand = money(value["grand"]) if value["grand"] else None
    if value["payable"]:
        payable = money(value["payable"])
    else:
        # ZUGFeRD 1.0 BASIC carries no DuePayableAmount: what is payable is the total less prepaid
        assert grand is not None
        payable = grand - (money(value["prepaid"]) if value["prepaid"] else Decimal("0.00"))
    return Expected(
        number=value["number"], issue=xml_date(value["issue"]), buyer=value["buyer"],
        currency=currency, payable=payable, grand=grand,
        due=xml_date(value["due"]) if value["due"] else None,
        credit=root.tag.endswith("}CreditNote") or value["type"] in CREDIT_CODES,
    )


def embedded_xml(pdf: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    attachments = {name.lower(): contents for name, contents in reader.attachments.items()}
    for name in EMBEDDED_NAMES:
        if name in attachments:
            return attachments[name][0]
    raise AssertionError(f"no embedded e-invoice among {sorted(attachments)}")


def expected_for(rel: str, data: bytes) -> Expected:
    if rel in TEXT_ONLY:
        return TEXT_ONLY[rel]
    return expected_from_xml(embedded_xml(data) if rel.lower().endswith(".pdf") else data)


# ------------------------------------------------------------------------------------------------
# the tests


@pytest.mark.corpus
@pytest.mark.parametrize("rel", FILES)
def test_corpus_file(corpus, rel):
    path = corpus / rel
    result = parse(path)
    if must_refuse(rel):
        assert result.records == [], f"{rel} must be refused"
        [reject] = result.rejects
        assert reject.file == path.name and reject.reason
        if rel in REFUSED:
            assert REFUSED[rel] in reject.reason
        return

    expected = expected_for(rel, path.read_bytes())
    if not expected.currency:
        assert result.records == [], f"{rel} states no currency and must be refused"
        [reject] = result.rejects
        assert "the invoice currency is missing" in reject.reason
        return
    assert result.rejects == [], result.rejects
    [record] = result.records
    sign = -1 if expected.credit else 1
    assert record.number == expected.number
    assert record.issue_date == expected.issue
    assert " ".join(record.customer.name.split()) == expected.buyer
    assert record.customer.tenant_id == "t1" and record.customer.customer_id
    assert record.currency == expected.currency == "EUR"
    assert record.open_amount == sign * expected.payable
    if expected.grand is not None:
        assert record.amount == sign * expected.grand
    assert record.credit_note == expected.credit
    if expected.due is not None:
        assert (record.due_date, record.due_date_source) == (expected.due, "invoice")
    else:
        assert record.due_date_source in ("terms", "default_terms")
        assert record.due_date >= record.issue_date
    # a due date before the invoice date is taken as printed, and the import report warns
    overdue_at_once = expected.due is not None and expected.due < expected.issue
    warnings = [w.reason for w in result.warnings]
    assert len(warnings) == overdue_at_once + (rel in ACCEPTED)
    if rel in ACCEPTED:
        assert any(ACCEPTED[rel] in w for w in warnings)


def type_code(rel: str, data: bytes) -> str:
    xml = embedded_xml(data) if rel.lower().endswith(".pdf") else data
    root = ET.fromstring(xml)
    ns, paths = SYNTAXES[root.tag]
    return xpath(root, paths["type"], ns)


@pytest.mark.corpus
def test_self_billed_invoices_are_claims_with_their_due_dates(corpus):
    """UNTDID 1001 389 (self-billed invoice, Gutschrift in the sense of §14 UStG): what the buyer
    owes the seller. The corpus's 389 files come out as positive claims, not credit notes."""
    self_billed = []
    for rel in corpus_files():
        if must_refuse(rel) or rel in TEXT_ONLY:
            continue
        data = (corpus / rel).read_bytes()
        if type_code(rel, data) != "389":
            continue
        self_billed.append(rel)
        [record] = parse(corpus / rel).records
        expected = expected_for(rel, data)
        assert not expected.credit and not record.credit_note, rel
        assert record.document_type == "389"
        assert record.open_amount == expected.payable > 0, rel
        if expected.due is not None:
            assert (record.due_date, record.due_date_source) == (expected.due, "invoice"), rel
        else:
            assert record.due_date_source in ("terms", "default_terms") and \
                record.due_date >= record.issue_date, rel
    # as checked in: the Gutschrift as CII, UBL and Factur-X, and the intra-community supply
    assert len(self_billed) >= 4, self_billed


class _Summary:
    """Prints the counts in pytest's terminal summary (registered by test_corpus_counts)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.section("e-invoice corpus")
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.mark.corpus
def test_corpus_counts(corpus, record_property, request):
    files = corpus_files()
    imported = rejected = warned = 0
    lines: list[str] = []
    for rel in files:
        result = parse(corpus / rel)
        imported += bool(result.records)
        rejected += bool(result.rejects)
        warned += bool(result.warnings)
        lines += [f"  rejected {rel}: {reject.reason[:110]}" for reject in result.rejects]
        lines += [f"  warning {rel}: {warning.reason[:110]}" for warning in result.warnings]
    summary = (f"e-invoice corpus: {len(files)} invoice files ({len(other_files())} other files skipped), "
               f"{imported} imported ({warned} with a warning), {rejected} rejected")
    if not request.config.pluginmanager.has_plugin("einvoice-corpus-summary"):
        request.config.pluginmanager.register(_Summary([summary, *lines]), "einvoice-corpus-summary")
    print(summary)
    for name, value in (("files", len(files)), ("imported", imported), ("rejected", rejected),
                        ("warned", warned)):
        record_property(name, value)
    assert imported + rejected == len(files)
    assert rejected == sum(must_refuse(rel) or refused_by_rule(rel) for rel in files)
    pdfs = sum(rel.lower().endswith(".pdf") for rel in files)
    assert pdfs >= 49 and len(files) - pdfs >= 39  # the corpus as checked in: 49 PDF + 39 XML
