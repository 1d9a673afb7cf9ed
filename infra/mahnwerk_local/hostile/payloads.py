"""Hostile payloads: XML, PDF, CSV and bank files built to attack the parsers."""

from __future__ import annotations

import csv
import io
import zlib
from datetime import date
from decimal import Decimal
from typing import Any


def cii(buyer: str = "Müller Bau GmbH", prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
        extra: str = "", number: str = "HX-CII-1") -> bytes:
    ns = ('xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
          'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
          'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" '
          'xmlns:xi="http://www.w3.org/2001/XInclude"')
    return f"""{prolog}
<rsm:CrossIndustryInvoice {ns}>
  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
    <ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260301</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>{extra}
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>Tischlerei Holz KG</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:ID>K-100</ram:ID><ram:Name>{buyer}</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>10115</ram:PostcodeCode>
          <ram:LineOne>Baustraße 7</ram:LineOne><ram:CityName>Berlin</ram:CityName>
          <ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
        <udt:DateTimeString format="102">20260331</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>119.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def ubl(buyer: str = "Stadt Mainz", prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
        extra: str = "") -> bytes:
    return f"""{prolog}
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>HX-UBL-1</cbc:ID><cbc:IssueDate>2026-03-01</cbc:IssueDate><cbc:DueDate>2026-03-31</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>{extra}
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cbc:StreetName>Rathausplatz 1</cbc:StreetName><cbc:CityName>Mainz</cbc:CityName>
      <cbc:PostalZone>55116</cbc:PostalZone></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>{buyer}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>
    <cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>""".encode()


def camt(debtor: str = "Müller Bau GmbH", remittance: str = "RE-1",
         prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    from ..camt import Credit, camt053

    body = camt053("DE02120300000000202051", [Credit(date(2026, 3, 20), Decimal("119.00"),
                                                      remittance, debtor)]).decode()
    return (prolog + body.split("?>", 1)[1]).encode()


def billion_laughs() -> str:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>'


def quadratic_blowup() -> str:
    return f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{"x" * 50_000}">]>'


def deep_xml(depth: int = 100_000) -> bytes:
    return b'<?xml version="1.0"?>' + b"<a>" * depth + b"</a>" * depth


GERMAN = ["Tischlerei Holz KG, Werkstraße 3, 10115 Berlin", "Müller Bau GmbH", "Baustraße 7",
          "12345 Musterstadt", "Kundennummer: K-4711", "Rechnungsnummer: RE-2026-0042",
          "Rechnungsdatum: 02.03.2026", "Gesamtbetrag 1.190,00 €",
          "Zahlbar innerhalb von 14 Tagen ohne Abzug."]


def text_pdf(lines: list[str] = GERMAN, pages: int = 1) -> bytes:
    import fpdf

    pdf = fpdf.FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_font("helvetica", size=10)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _writer(data: bytes | None = None) -> Any:
    from pypdf import PdfReader, PdfWriter

    return PdfWriter(clone_from=PdfReader(io.BytesIO(data or text_pdf())))


def _written(writer: Any) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hybrid_pdf(xml: bytes, name: str = "factur-x.xml") -> bytes:
    writer = _writer()
    writer.add_attachment(name, xml)
    return _written(writer)


def active_pdf(where: str) -> bytes:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = _writer()
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('pwned')")})
    if where == "open":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    elif where == "names":
        tree = DictionaryObject({NameObject("/Names"): ArrayObject(
            [TextStringObject("a"), writer._add_object(action)])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif where == "page":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    else:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    return _written(writer)


def encrypted_pdf(algorithm: str) -> bytes:
    writer = _writer()
    writer.encrypt("geheim", algorithm=algorithm)
    return _written(writer)


def _flate_bomb(size: int = 120_000_000) -> bytes:
    squeeze = zlib.compressobj(9)
    chunk = b"\0" * 4_000_000
    return b"".join([*(squeeze.compress(chunk) for _ in range(size // len(chunk))), squeeze.flush()])


def bomb_attachment_pdf() -> bytes:
    from pypdf.generic import NameObject, StreamObject

    writer = _writer()
    writer.add_attachment("factur-x.xml", b"x")
    for obj in writer._objects:
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/EmbeddedFile":
            obj._data = _flate_bomb()
            obj[NameObject("/Filter")] = NameObject("/FlateDecode")
    return _written(writer)


def bomb_page_pdf() -> bytes:
    from pypdf.generic import NameObject

    writer = _writer()
    content = writer.pages[0]["/Contents"].get_object()
    content._data = _flate_bomb()
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    return _written(writer)


def many_pages_pdf(pages: int = 501) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(10, 10)
    return _written(writer)


def raw_pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n" + body + b"trailer << /Root 1 0 R /Size 5 >>\nstartxref\n0\n%%EOF"


CSV_HEAD = "Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"


def csv_row(number: str = "HX-CSV-1", name: str = "Müller Bau GmbH", city: str = "Berlin") -> bytes:
    return (CSV_HEAD + f"{number};K-500;{name};a@example.org;Weg 1;10115;{city};01.03.2026;"
                       f"31.03.2026;119,00\n").encode()


BANK_CSV_HEAD = "Buchungstag;Valuta;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung\n"


def bank_csv(name: str, remittance: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(
        ["20.03.2026", "20.03.2026", name, "DE89370400440532013000", remittance, "119,00", "EUR"])
    return (BANK_CSV_HEAD + out.getvalue()).encode()


def oversized(prefix: bytes, size: int) -> bytes:
    return prefix + b"x" * (size - len(prefix))
