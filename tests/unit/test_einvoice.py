"""E-invoice XML (CII, UBL, ZUGFeRD 1.0) → records, and hostile XML → rejects with a reason."""

import base64
import socket
import time
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.intake.einvoice import parse_einvoice_xml
from mahnwerk.intake.files import parse_invoice_file
from mahnwerk.intake.guard import EICAR
from mahnwerk.intake.terms import due_date_from_terms, parse_text_date

CII_NS = ('xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
          'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
          'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"')


def cii(*, number="RE-2026-1", type_code="380", issue="20260301", buyer="Müller Bau GmbH",
        buyer_ids="<ram:ID>K-100</ram:ID>", buyer_reference="", currency="EUR",
        due='<ram:DueDateDateTime><udt:DateTimeString format="102">20260331</udt:DateTimeString>'
            '</ram:DueDateDateTime>',
        terms="", grand="119.00", prepaid="0.00", payable="119.00",
        profile="urn:cen.eu:en16931:2017", prolog='<?xml version="1.0" encoding="UTF-8"?>',
        note="", reference="RE-2026-1 K-100", extra_settlement="", issue_format="102") -> bytes:
    payable_xml = f"<ram:DuePayableAmount>{payable}</ram:DuePayableAmount>" if payable is not None else ""
    return f"""{prolog}
<rsm:CrossIndustryInvoice {CII_NS}>
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{profile}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="{issue_format}">{issue}</udt:DateTimeString>
    </ram:IssueDateTime>
    {note}
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      {buyer_reference}
      <ram:SellerTradeParty><ram:Name>Tischlerei Holz KG</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        {buyer_ids}
        <ram:Name>{buyer}</ram:Name>
        <ram:DefinedTradeContact><ram:EmailURIUniversalCommunication><ram:URIID>buchhaltung@mueller-bau.de</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>10115</ram:PostcodeCode><ram:LineOne>z. Hd. Frau Müller</ram:LineOne>
          <ram:LineTwo>Baustraße 7</ram:LineTwo><ram:CityName>Berlin</ram:CityName>
          <ram:CountryID>DE</ram:CountryID>
        </ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>{reference}</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>{currency}</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode></ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:SpecifiedTradePaymentTerms>{terms}{due}</ram:SpecifiedTradePaymentTerms>
      {extra_settlement}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:GrandTotalAmount>{grand}</ram:GrandTotalAmount>
        <ram:TotalPrepaidAmount>{prepaid}</ram:TotalPrepaidAmount>
        {payable_xml}
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def ubl(*, root="Invoice", type_element="InvoiceTypeCode", type_code="380",
        due="<cbc:DueDate>2026-03-31</cbc:DueDate>", payable="119.00", prepaid="0.00", grand="119.00",
        terms="", currency="EUR", attachment="",
        customization="urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>{customization}</cbc:CustomizationID>
  <cbc:ID>UBL-77</cbc:ID>
  <cbc:IssueDate>2026-03-01</cbc:IssueDate>
  {due}
  <cbc:{type_element}>{type_code}</cbc:{type_element}>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>
  <cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>UBL-70</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>
  {attachment}
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="EM">rechnung@stadt.example</cbc:EndpointID>
    <cac:PostalAddress><cbc:StreetName>Rathausplatz 1</cbc:StreetName><cbc:CityName>Mainz</cbc:CityName>
      <cbc:PostalZone>55116</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Stadt Mainz</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cbc:PaymentID>UBL-77</cbc:PaymentID></cac:PaymentMeans>
  {terms}
  <cac:LegalMonetaryTotal>
    <cbc:TaxInclusiveAmount currencyID="EUR">{grand}</cbc:TaxInclusiveAmount>
    <cbc:PrepaidAmount currencyID="EUR">{prepaid}</cbc:PrepaidAmount>
    <cbc:PayableAmount currencyID="EUR">{payable}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</{root}>""".encode()


ZUGFERD_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
    <ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:basic</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument>
    <ram:ID>ZF1-9</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20140519</udt:DateTimeString></ram:IssueDateTime>
    <ram:IncludedNote>
      <ram:Content>Lieferung innerhalb 5 Tagen. Zahlbar innerhalb 14 Tagen ohne Abzug.</ram:Content>
    </ram:IncludedNote>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:BuyerTradeParty><ram:Name>Theodor Est</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:GrandTotalAmount currencyID="EUR">559.84</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>"""


def parse(data: bytes, **kwargs):
    return parse_einvoice_xml(data, "rechnung.xml", "t1", 14, **kwargs)


def one(data: bytes):
    result = parse(data)
    assert result.rejects == []
    [record] = result.records
    return record


def rejected(data: bytes, **kwargs) -> str:
    result = parse(data, **kwargs)
    assert result.records == []
    [reject] = result.rejects
    assert reject.file == "rechnung.xml"
    assert reject.reason
    return reject.reason


# ---------------------------------------------------------------------------------------------- CII


def test_cii_invoice_fields_customer_and_explicit_due_date():
    record = one(cii())
    assert record.number == "RE-2026-1"
    assert record.issue_date == date(2026, 3, 1)
    assert record.due_date == date(2026, 3, 31)
    assert record.due_date_source == "invoice"
    assert (record.amount, record.open_amount, record.prepaid_amount) == (
        Decimal("119.00"), Decimal("119.00"), Decimal("0.00"))
    assert record.currency == "EUR"
    assert (record.document_type, record.credit_note) == ("380", False)
    assert (record.source_format, record.profile) == ("cii", "urn:cen.eu:en16931:2017")
    assert record.payment_reference == "RE-2026-1 K-100"
    assert record.payment_means == "58"
    customer = record.customer
    assert (customer.tenant_id, customer.customer_id, customer.name) == ("t1", "K-100", "Müller Bau GmbH")
    assert customer.email == "buchhaltung@mueller-bau.de"
    # line one is a contact person: the street is the line with a house number
    assert (customer.address.street, customer.address.postal_code, customer.address.city,
            customer.address.country) == ("Baustraße 7", "10115", "Berlin", "DE")


def test_customer_id_falls_back_to_buyer_reference_then_to_the_name():
    assert one(cii(buyer_ids="", buyer_reference="<ram:BuyerReference>04011000-1-2</ram:BuyerReference>")
               ).customer.customer_id == "04011000-1-2"
    assert one(cii(buyer_ids="")).customer.customer_id == "N-MULLER-BAU-GMBH"
    assert one(cii(buyer_ids='<ram:GlobalID schemeID="0088">4000001987658</ram:GlobalID>')
               ).customer.customer_id == "4000001987658"


@pytest.mark.parametrize("terms, expected", [
    ("Zahlbar innerhalb 30 Tagen", date(2026, 3, 31)),
    ("zahlbar innerhalb von 10 Tagen ohne Abzug", date(2026, 3, 11)),
    ("30 days net", date(2026, 3, 31)),
    ("Net 45", date(2026, 4, 15)),
    ("Zahlbar innerhalb 30 Tagen netto bis 04.04.2026, 3% Skonto innerhalb 10 Tagen bis 11.03.2026",
     date(2026, 4, 4)),
    ("Zahlbar sofort ohne Abzug.", date(2026, 3, 1)),
    ("#SKONTO#TAGE=7#PROZENT=2.00#\nZahlbar bis 20.03.2026", date(2026, 3, 20)),
])
def test_due_date_from_payment_terms_text(terms, expected):
    record = one(cii(due="", terms=f"<ram:Description>{terms}</ram:Description>"))
    assert (record.due_date, record.due_date_source) == (expected, "terms")


def test_no_due_date_and_no_terms_uses_tenant_default_and_says_so():
    terms = "<ram:Description>Bitte überweisen Sie innerhalb von […] Tagen.</ram:Description>"
    record = one(cii(due="", terms=terms))
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 15), "default_terms")


def test_credit_note_comes_out_negative():
    record = one(cii(type_code="381", reference="",
                     extra_settlement="<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>RE-2026-0"
                                      "</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>"))
    assert (record.amount, record.open_amount) == (Decimal("-119.00"), Decimal("-119.00"))
    assert (record.credit_note, record.document_type, record.preceding_invoice) == (True, "381", "RE-2026-0")


def test_self_billed_invoice_389_is_a_claim_with_its_due_date():
    """UNTDID 1001 389: the buyer bills itself for what it owes the seller (Gutschrift, §14 UStG)."""
    record = one(cii(type_code="389"))
    assert (record.amount, record.open_amount, record.credit_note, record.document_type) == (
        Decimal("119.00"), Decimal("119.00"), False, "389")
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 31), "invoice")


@pytest.mark.parametrize("code", ["381", "261", "262", "396", "532"])
def test_credit_note_codes_come_out_negative(code):
    record = one(cii(type_code=code))
    assert (record.amount, record.open_amount, record.credit_note, record.document_type) == (
        Decimal("-119.00"), Decimal("-119.00"), True, code)


def test_corrected_invoice_keeps_the_signs_it_has():
    record = one(cii(type_code="384", grand="-8.79", payable="-8.79"))
    assert (record.amount, record.open_amount, record.credit_note) == (
        Decimal("-8.79"), Decimal("-8.79"), False)
    claim = one(cii(type_code="384"))  # a correction that raises the claim is a claim
    assert (claim.open_amount, claim.credit_note) == (Decimal("119.00"), False)


def test_payable_zero_means_already_paid():
    record = one(cii(grand="500.00", prepaid="500.00", payable="0.00"))
    assert (record.amount, record.open_amount, record.prepaid_amount) == (
        Decimal("500.00"), Decimal("0.00"), Decimal("500.00"))
    assert str(one(cii(type_code="381", payable="0")).open_amount) == "0.00"  # never "-0.00"


def test_negative_payable_amount_stays_negative():
    record = one(cii(grand="529.87", prepaid="1059.74", payable="-529.87"))
    assert (record.amount, record.open_amount) == (Decimal("529.87"), Decimal("-529.87"))


def test_partial_prepayment_leaves_the_rest_open():
    record = one(cii(grand="197.65", prepaid="50.00", payable="147.65"))
    assert (record.amount, record.open_amount) == (Decimal("197.65"), Decimal("147.65"))


def test_missing_payable_amount_is_grand_total_minus_prepaid():
    record = one(cii(grand="200.00", prepaid="50.00", payable=None))
    assert record.open_amount == Decimal("150.00")


@pytest.mark.parametrize("profile", [
    "urn:factur-x.eu:1p0:minimum",
    "urn:factur-x.eu:1p0:basicwl",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#"
    "urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
    "urn:zugferd.de:2p0:minimum",
])
def test_known_profiles_are_accepted(profile):
    assert one(cii(profile=profile)).profile == profile


@pytest.mark.parametrize("printed, meant", [
    # ":" where the guideline has "#…#urn:" (python-factur-x, early ZUGFeRD 2.0 tools)
    ("urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic",
     "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic"),
    ("urn:cen.eu:en16931:2017:conformant:urn:factur-x.eu:1p0:extended",
     "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"),
    ("urn:cen.eu:en16931:2017:compliant:xoev-de:kosit:standard:xrechnung_1.2",
     "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2"),
    # upper case (a URN's namespace is case-insensitive)
    ("URN:FACTUR-X.EU:1P0:MINIMUM", "urn:factur-x.eu:1p0:minimum"),
])
def test_variant_spellings_of_known_profiles_are_read_with_a_warning(printed, meant):
    result = parse_invoice_file(cii(profile=printed), "r.xml", "t1", 14)
    [record] = result.records
    assert record.number and not result.rejects
    [warning] = result.warnings
    assert f"„{meant}“" in warning.text("de") and "abweichende Schreibweise" in warning.text("de")
    assert repr(meant) in warning.reason  # the API: English


@pytest.mark.parametrize("changes, reason", [
    ({"currency": "XYZ"}, "currency 'XYZ' is not an ISO 4217 currency code"),
    ({"currency": "KWD"}, "currency KWD has more than two decimals"),
    ({"currency": ""}, "currency is missing"),
    ({"buyer": ""}, "buyer's name is missing"),
    ({"number": ""}, "invoice number is missing"),
    ({"number": "R" * 65}, "longer than 64"),
    ({"issue": ""}, "invoice date is missing"),
    ({"issue": "20261341"}, "invoice date is not a valid date"),
    ({"issue": "202603", "issue_format": "610"}, "date format '610'"),
    ({"type_code": "999"}, "unknown document type code '999'"),
    ({"type_code": ""}, "document type code (BT-3) is missing"),
    ({"profile": "urn:cen.eu:en16931:2017:draft"}, "unknown e-invoice profile"),
    ({"profile": "urn:factur-x.eu:1p0:fancy"}, "unknown e-invoice profile"),
    ({"profile": "urn:cen.eu:en16931:2018"}, "unknown e-invoice profile"),
    ({"profile": ""}, "profile, BT-24) is missing"),
    ({"grand": "1.234,56"}, "grand total is not an amount"),
    ({"payable": "12 EUR"}, "payable amount is not an amount"),
    ({"payable": None, "grand": ""}, "neither a payable amount nor a grand total"),
])
def test_invalid_invoices_are_rejected_with_the_reason(changes, reason):
    assert reason in rejected(cii(**changes))


# ---------------------------------------------------------------------------------------------- UBL


def test_ubl_invoice():
    record = one(ubl())
    assert (record.number, record.issue_date, record.due_date, record.due_date_source) == (
        "UBL-77", date(2026, 3, 1), date(2026, 3, 31), "invoice")
    assert (record.amount, record.open_amount, record.source_format) == (
        Decimal("119.00"), Decimal("119.00"), "ubl")
    assert record.customer.name == "Stadt Mainz"
    assert record.customer.customer_id == "04011000-12345-03"  # the Leitweg-ID (BuyerReference)
    assert record.customer.email == "rechnung@stadt.example"
    assert record.customer.address.street == "Rathausplatz 1"
    assert (record.payment_reference, record.preceding_invoice) == ("UBL-77", "UBL-70")


def test_ubl_credit_note_root_is_negative():
    record = one(ubl(root="CreditNote", type_element="CreditNoteTypeCode", type_code="381", due=""))
    assert (record.amount, record.open_amount, record.credit_note) == (
        Decimal("-119.00"), Decimal("-119.00"), True)
    assert record.due_date_source == "default_terms"


def test_ubl_self_billed_invoice_389_is_a_claim_with_its_due_date():
    record = one(ubl(type_code="389"))
    assert (record.amount, record.open_amount, record.credit_note, record.document_type) == (
        Decimal("119.00"), Decimal("119.00"), False, "389")
    assert (record.due_date, record.due_date_source) == (date(2026, 3, 31), "invoice")


@pytest.mark.parametrize("code", ["381", "261", "262", "396", "532"])
def test_ubl_credit_note_codes_come_out_negative(code):
    for root, element in (("Invoice", "InvoiceTypeCode"), ("CreditNote", "CreditNoteTypeCode")):
        record = one(ubl(root=root, type_element=element, type_code=code))
        assert (record.amount, record.open_amount, record.credit_note) == (
            Decimal("-119.00"), Decimal("-119.00"), True), root


def test_ubl_terms_note_and_paid_invoice():
    terms = "<cac:PaymentTerms><cbc:Note>Zahlbar innerhalb 14 Tagen</cbc:Note></cac:PaymentTerms>"
    record = one(ubl(due="", terms=terms, prepaid="119.00", payable="0"))
    assert (record.due_date, record.due_date_source, record.open_amount) == (
        date(2026, 3, 15), "terms", Decimal("0.00"))


def test_ubl_in_another_currency_is_imported_in_that_currency():
    assert one(ubl(currency="chf")).currency == "CHF"
    assert "not an ISO 4217 currency code" in rejected(ubl(currency="SFR"))


# -------------------------------------------------------------------------------------- ZUGFeRD 1.0


def test_zugferd_1_cross_industry_document():
    record = one(ZUGFERD_1)
    assert (record.number, record.issue_date, record.source_format) == (
        "ZF1-9", date(2014, 5, 19), "zugferd1")
    assert record.customer.name == "Theodor Est"
    assert record.open_amount == Decimal("559.84")  # BASIC has no DuePayableAmount
    # terms only in a free note: the delivery clause is not taken for the payment term
    assert (record.due_date, record.due_date_source) == (date(2014, 6, 2), "terms")


# --------------------------------------------------------------------------------------- hostile XML


def test_xxe_file_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    data = cii(prolog=f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>',
               buyer="&xxe;")
    reason = rejected(data)
    assert "DOCTYPE" in reason and "TOP-SECRET" not in reason


def test_external_dtd_and_parameter_entities_are_never_fetched(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the parser tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for prolog in ('<!DOCTYPE rsm:CrossIndustryInvoice SYSTEM "http://127.0.0.1:9/evil.dtd">',
                   '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
                   '<!DOCTYPE r PUBLIC "-//X//Y" "http://127.0.0.1:9/x.dtd">'):
        assert "DOCTYPE" in rejected(cii(prolog=prolog))


def test_billion_laughs_is_refused_without_expanding():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    data = cii(prolog=f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>', buyer="&lol9;")
    started = time.perf_counter()
    assert "entity-expansion" in rejected(data)
    assert time.perf_counter() - started < 2


def test_xinclude_is_not_processed():
    data = cii(buyer='Kunde<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
                     'parse="text"/>')
    assert "root:" not in one(data).customer.name


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"Rechnungsnummer;Betrag\nR1;5\n", "not well-formed XML"),
    (bytes(range(256)) * 4, "not well-formed XML"),
    (b"<rsm:CrossIndustryInvoice", "not well-formed XML"),
    (cii()[:-40], "not well-formed XML"),
    (b"<a>" * 5000 + b"</a>" * 5000, "nested more than"),
    (b"<html><body>Rechnung</body></html>", "not an e-invoice"),
    (b'<Invoice xmlns="urn:example:other"/>', "not an e-invoice"),
    (b'<?xml version="1.0" encoding="UTF-8-W/O-BOM"?><r/>', "not well-formed XML"),
    (b'<?xml version="1.0" encoding="no-such-codec"?><r/>', "not well-formed XML"),
])
def test_junk_is_rejected_with_a_reason(data, reason):
    assert reason in rejected(data)


def test_size_limit():
    assert "too large" in rejected(cii(), max_bytes=1000)


def test_eicar_in_the_xml_text_is_refused():
    data = cii(note=f"<ram:IncludedNote><ram:Content>{EICAR.decode()}</ram:Content></ram:IncludedNote>")
    assert "malware test signature" in rejected(data)


def test_eicar_in_a_base64_attachment_is_refused():
    attachment = (
        '<cac:AdditionalDocumentReference><cbc:ID>a</cbc:ID><cac:Attachment>'
        '<cbc:EmbeddedDocumentBinaryObject mimeCode="application/octet-stream" filename="eicar.com">'
        f"{base64.b64encode(EICAR).decode()}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
        "</cac:AdditionalDocumentReference>")
    assert "malware test signature" in rejected(ubl(attachment=attachment))


def test_harmless_attachment_is_fine():
    attachment = (
        '<cac:AdditionalDocumentReference><cbc:ID>a</cbc:ID><cac:Attachment>'
        '<cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain" filename="a.txt">'
        f"{base64.b64encode(b'Stundenzettel').decode()}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
        "</cac:AdditionalDocumentReference>")
    assert one(ubl(attachment=attachment)).number == "UBL-77"


def test_utf16_and_latin1_encodings():
    utf16 = cii().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert one(utf16).number == "RE-2026-1"
    latin1 = cii().decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert one(latin1).customer.name == "Müller Bau GmbH"


# ------------------------------------------------------------------------------------ payment terms


@pytest.mark.parametrize("text, expected", [
    ("Zahlbar innerhalb 30 Tagen netto bis 04.04.2018, 3% Skonto innerhalb 10 Tagen bis 15.03.2018",
     date(2018, 4, 4)),
    ("Zahlbar innerhalb 30 Tagen netto", date(2018, 4, 4)),
    ("3% Skonto bei Zahlung innerhalb 10 Tagen, 30 Tage netto", date(2018, 4, 4)),
    ("14 Tage", date(2018, 3, 19)),
    ("Fällig sofort, ohne Abzug", date(2018, 3, 5)),
    ("Payment due within 30 days", date(2018, 4, 4)),
    ("Net 30 days, 2% discount 10 days", date(2018, 4, 4)),
    ("Bis zum 14.08.2018 ohne Abzug", date(2018, 8, 14)),
    ("Wir bitten um Zahlung von 120,00 € innerhalb von 14 Tagen unter Angabe der Nr. 1234/78/901.",
     date(2018, 3, 19)),
    ("Bitte überweisen Sie bis zum 24.01.2015.", None),  # before the invoice date: not believed
    ("Die Zahlung ist monatlich zum letzten Werktag fällig.", None),
    ("innerhalb von […] Tagen", None),
    ("", None),
])
def test_payment_terms_text(text, expected):
    assert due_date_from_terms(text, date(2018, 3, 5)) == expected


def test_free_notes_need_payment_words():
    issue = date(2018, 3, 5)
    assert due_date_from_terms("Lieferung innerhalb 14 Tagen", issue, require_payment_words=True) is None
    assert due_date_from_terms("Rechnung gemäß Bestellung vom 01.04.2018.", issue,
                               require_payment_words=True) is None
    assert due_date_from_terms("Zahlbar innerhalb 14 Tagen", issue,
                               require_payment_words=True) == date(2018, 3, 19)


@pytest.mark.parametrize("text, expected", [
    ("04.04.2018", date(2018, 4, 4)), ("4.4.18", date(2018, 4, 4)), ("2018-04-04", date(2018, 4, 4)),
    ("04/04/2018", date(2018, 4, 4)), ("4. April 2018", date(2018, 4, 4)), ("4 März 2018", date(2018, 3, 4)),
    ("April 4, 2018", date(2018, 4, 4)), ("31.02.2018", None), ("Nr. 1234/78/901", None),
])
def test_text_dates(text, expected):
    assert parse_text_date(text) == expected
