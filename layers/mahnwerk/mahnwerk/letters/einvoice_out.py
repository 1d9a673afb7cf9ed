"""Our own invoices as EN 16931 e-invoices: Factur-X / ZUGFeRD CII XML, profile EN 16931.

Pure: invoice, customer and settings in, XML bytes out (stdlib only; no AWS, no clock).

What we know of an invoice that arrived as data (a CSV row) is its gross amount, dates, number
and buyer. EN 16931 wants net, VAT and gross that add up, so they are derived (see
:func:`split_gross`) from the tenant's settings:

* standard: one line, VAT category ``S`` at the tenant's rate (default 19 %, §12 Abs. 1 UStG);
  the gross amount is the invoice total, net = gross - VAT;
* small business (§19 UStG): one line, VAT category ``E`` at 0 % with the exemption note.

One line with quantity 1 and net price = net amount keeps the business rules BR-CO-10…16 exact:
line total = sum of lines = tax basis, gross = basis + VAT, due = gross - prepaid.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..domain.iban import compact_iban
from ..domain.model import Customer, DomainError, Invoice
from ..domain.money import ZERO, cents, to_str
from ..domain.settings import TenantSettings
from .formatting import format_date, resolve_locale

#: BT-24 of the Factur-X / ZUGFeRD 2.x profile EN 16931 (formerly "COMFORT")
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
#: UNTDID 1001: commercial invoice
TYPE_INVOICE = "380"
#: UNTDID 4461: SEPA credit transfer
PAYMENT_SEPA_TRANSFER = "58"
#: UN/ECE Rec 20: one unit ("piece")
UNIT_ONE = "C62"

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Rechnung",
        "line_text": "Leistungen gemäß Vereinbarung",
        "terms": "Zahlbar ohne Abzug bis zum {due}.",
        "terms_paid": "Der Rechnungsbetrag ist bereits beglichen.",
        "small_business": "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.",
        "delivery": "Leistungsdatum entspricht dem Rechnungsdatum.",
    },
    "en": {
        "title": "Invoice",
        "line_text": "Services as agreed",
        "terms": "Payable without deduction by {due}.",
        "terms_paid": "This invoice has already been paid.",
        "small_business": "No VAT is charged: small business under § 19 UStG (German VAT act).",
        "delivery": "Date of supply: the invoice date.",
    },
}


class InvoiceDataError(DomainError):
    """The invoice cannot be written as an e-invoice (a setting or a field is missing)."""

    code, status, message = "einvoice_data_missing", 400, "the invoice lacks data an e-invoice needs"


@dataclass(frozen=True)
class Totals:
    """The amounts of one invoice, consistent by construction (EN 16931 BR-CO-10…16)."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    prepaid: Decimal
    payable: Decimal
    rate: Decimal
    #: UNCL 5305 VAT category: "S" standard rated, "E" exempt (§19 UStG)
    category: str
    exemption_reason: str = ""


@dataclass(frozen=True)
class OutgoingInvoice:
    """Everything the XML and the PDF print, decided once so that both say the same."""

    invoice: Invoice
    customer: Customer
    settings: TenantSettings
    locale: str
    totals: Totals
    line_text: str
    terms: str
    #: the free-text notes of the invoice (BT-22): the §19 UStG note, the date of supply
    notes: tuple[str, ...]

    @property
    def texts(self) -> dict[str, str]:
        return TEXTS[self.locale]

    @property
    def delivery_date(self) -> date:
        """BT-72. §14 Abs. 4 Nr. 6 UStG needs the date of supply; our data only has the invoice
        date, and the notes say the two are the same."""
        return self.invoice.issue_date


def split_gross(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, VAT) of a gross amount with ``rate`` percent VAT in it; net + VAT == gross exactly.

    EN 16931 BR-CO-17 wants VAT = round(net × rate / 100, 2). Where a net amount exists that
    satisfies this exactly and adds up to the gross, it is taken (the one closest to the exact
    gross / (1 + rate)); some gross amounts have none (at 19 % a net cent adds 0.0119, so one
    gross cent in about six is never hit), and then VAT = round(gross × rate / (100 + rate), 2),
    the usual German way to take VAT out of a gross price. That VAT lies within one cent of
    round(net × rate / 100), inside the tolerance the official EN 16931 schematron allows for
    BR-CO-17 and BR-S-09 (±1 currency unit).
    """
    gross = cents(gross)
    if rate == 0:
        return gross, ZERO
    exact = gross * 100 / (100 + rate)
    nearest = cents(exact)
    for net in sorted((nearest - Decimal("0.01"), nearest, nearest + Decimal("0.01")),
                      key=lambda n: (abs(n - exact), n)):
        if net + cents(net * rate / 100) == gross:
            return net, gross - net
    vat = cents(gross * rate / (100 + rate))
    return gross - vat, vat


def totals_for(invoice: Invoice, settings: TenantSettings, locale: str = "de") -> Totals:
    gross = cents(invoice.amount)
    payable = cents(invoice.open_amount)
    if gross <= ZERO:
        raise InvoiceDataError(f"invoice {invoice.number}: amount {gross} is not positive; credit notes "
                               "are not written as e-invoices")
    if not ZERO <= payable <= gross:
        raise InvoiceDataError(f"invoice {invoice.number}: open amount {payable} is not between 0 and "
                               f"the amount {gross}")
    invoicing = settings.invoicing
    if invoicing.small_business:
        return Totals(net=gross, vat=ZERO, gross=gross, prepaid=gross - payable, payable=payable,
                      rate=Decimal(0), category="E",
                      exemption_reason=TEXTS[locale]["small_business"])
    if invoicing.vat_rate == 0:  # a recurring invoice at 0 %: zero-rated (EN 16931 BR-Z-*)
        return Totals(net=gross, vat=ZERO, gross=gross, prepaid=gross - payable, payable=payable,
                      rate=Decimal(0), category="Z")
    net, vat = split_gross(gross, invoicing.vat_rate)
    return Totals(net=net, vat=vat, gross=gross, prepaid=gross - payable, payable=payable,
                  rate=invoicing.vat_rate, category="S")


def outgoing_invoice(invoice: Invoice, customer: Customer, settings: TenantSettings) -> OutgoingInvoice:
    """The invoice as we write it; :class:`InvoiceDataError` says what is missing."""
    if invoice.currency != "EUR":
        raise InvoiceDataError(f"invoice {invoice.number}: currency {invoice.currency!r}; only EUR")
    if not customer.name.strip():
        raise InvoiceDataError(f"invoice {invoice.number}: the customer has no name")
    if invoice.due_date < invoice.issue_date:
        raise InvoiceDataError(f"invoice {invoice.number}: due date before invoice date")
    company = settings.company
    if not (company.name and company.address.complete):
        raise InvoiceDataError("the company's name and full address are needed on an invoice")
    if not (company.vat_id or settings.invoicing.tax_number):
        raise InvoiceDataError("a VAT id or tax number is needed on an invoice (§14 Abs. 4 Nr. 2 UStG)")
    if not settings.bank.iban:
        raise InvoiceDataError("bank.iban is needed: the invoice is paid by SEPA credit transfer")
    locale = resolve_locale(customer, settings)
    texts = TEXTS[locale]
    totals = totals_for(invoice, settings, locale)
    terms = (texts["terms"].format(due=format_date(invoice.due_date, locale)) if totals.payable > ZERO
             else texts["terms_paid"])
    notes = [texts["delivery"]]
    if totals.category == "E":
        notes.insert(0, texts["small_business"])
    return OutgoingInvoice(
        invoice=invoice, customer=customer, settings=settings, locale=locale, totals=totals,
        line_text=settings.invoicing.line_text or texts["line_text"], terms=terms, notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------------
# XML


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _q(name), attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent: ET.Element, name: str, day: date) -> None:
    _add(_add(parent, name), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return to_str(value)


def _percent(value: Decimal) -> str:
    return f"{value:f}"


def _clean(text: str) -> str:
    """One line of text without control characters (XML 1.0 forbids most of them)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _address(party: ET.Element, street: str, postal_code: str, city: str, country: str) -> None:
    address = _add(party, "ram:PostalTradeAddress")
    if postal_code:
        _add(address, "ram:PostcodeCode", _clean(postal_code))
    if street:
        _add(address, "ram:LineOne", _clean(street))
    if city:
        _add(address, "ram:CityName", _clean(city))
    _add(address, "ram:CountryID", (country or "DE").strip().upper()[:2] or "DE")


def _seller(agreement: ET.Element, doc: OutgoingInvoice) -> None:
    company = doc.settings.company
    seller = _add(agreement, "ram:SellerTradeParty")
    vat_id = company.vat_id.replace(" ", "")
    tax_number = _clean(doc.settings.invoicing.tax_number)
    if not vat_id and tax_number:
        # BR-CO-26 wants a seller identifier (BT-29/30) or VAT id (BT-31): without a VAT id the tax
        # number serves (a small business often has nothing else)
        _add(seller, "ram:ID", tax_number)
    _add(seller, "ram:Name", _clean(company.name))
    legal = "; ".join(_clean(p) for p in (company.register, company.managing_director) if p.strip())
    if legal:  # BT-33 seller additional legal information
        _add(seller, "ram:Description", legal)
    if company.phone or company.email:
        contact = _add(seller, "ram:DefinedTradeContact")
        _add(contact, "ram:PersonName", _clean(company.name))
        if company.phone:
            _add(_add(contact, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber",
                 _clean(company.phone))
        if company.email:
            _add(_add(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID",
                 _clean(company.email))
    a = company.address
    _address(seller, a.street, a.postal_code, a.city, a.country)
    if company.email:  # BT-34 seller electronic address
        _add(_add(seller, "ram:URIUniversalCommunication"), "ram:URIID", _clean(company.email),
             schemeID="EM")
    if vat_id:  # BT-31
        _add(_add(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_id, schemeID="VA")
    if tax_number:  # BT-32
        _add(_add(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", tax_number, schemeID="FC")


def _buyer(agreement: ET.Element, doc: OutgoingInvoice) -> None:
    customer = doc.customer
    buyer = _add(agreement, "ram:BuyerTradeParty")
    _add(buyer, "ram:ID", _clean(customer.customer_id))  # BT-46: our intake keys customers by it
    _add(buyer, "ram:Name", _clean(customer.name))
    a = customer.address
    _address(buyer, a.street, a.postal_code, a.city, a.country)
    if customer.email:  # BT-49 buyer electronic address
        _add(_add(buyer, "ram:URIUniversalCommunication"), "ram:URIID", _clean(customer.email),
             schemeID="EM")


def _tax(parent: ET.Element, totals: Totals, header: bool) -> None:
    tax = _add(parent, "ram:ApplicableTradeTax")
    if header:
        _add(tax, "ram:CalculatedAmount", _amount(totals.vat))
    _add(tax, "ram:TypeCode", "VAT")
    if header and totals.exemption_reason:
        _add(tax, "ram:ExemptionReason", totals.exemption_reason)  # BR-E-10
    if header:
        _add(tax, "ram:BasisAmount", _amount(totals.net))
    _add(tax, "ram:CategoryCode", totals.category)
    _add(tax, "ram:RateApplicablePercent", _percent(totals.rate))


def _line(transaction: ET.Element, doc: OutgoingInvoice) -> None:
    totals = doc.totals
    item = _add(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _add(_add(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", "1")
    _add(_add(item, "ram:SpecifiedTradeProduct"), "ram:Name", _clean(doc.line_text))
    agreement = _add(item, "ram:SpecifiedLineTradeAgreement")
    _add(_add(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", _amount(totals.net))
    _add(_add(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", "1", unitCode=UNIT_ONE)
    settlement = _add(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, totals, header=False)
    _add(_add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
         _amount(totals.net))


def _settlement(transaction: ET.Element, doc: OutgoingInvoice) -> None:
    invoice, totals, bank = doc.invoice, doc.totals, doc.settings.bank
    settlement = _add(transaction, "ram:ApplicableHeaderTradeSettlement")
    _add(settlement, "ram:PaymentReference", _clean(invoice.number)[:140])  # BT-83
    _add(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    means = _add(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _add(means, "ram:TypeCode", PAYMENT_SEPA_TRANSFER)
    account = _add(means, "ram:PayeePartyCreditorFinancialAccount")
    _add(account, "ram:IBANID", compact_iban(bank.iban))
    _add(account, "ram:AccountName", _clean(doc.settings.company.name))
    bic = bank.bic.replace(" ", "").upper()
    if len(bic) in (8, 11):
        _add(_add(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", bic)
    _tax(settlement, totals, header=True)
    terms = _add(settlement, "ram:SpecifiedTradePaymentTerms")
    _add(terms, "ram:Description", doc.terms)
    _date(terms, "ram:DueDateDateTime", invoice.due_date)  # BT-9
    summation = _add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _add(summation, "ram:LineTotalAmount", _amount(totals.net))  # BT-106 = Σ BT-131 (BR-CO-10)
    _add(summation, "ram:TaxBasisTotalAmount", _amount(totals.net))  # BT-109 (BR-CO-13)
    _add(summation, "ram:TaxTotalAmount", _amount(totals.vat), currencyID=invoice.currency)  # BR-CO-14
    _add(summation, "ram:GrandTotalAmount", _amount(totals.gross))  # BT-112 (BR-CO-15)
    _add(summation, "ram:TotalPrepaidAmount", _amount(totals.prepaid))  # BT-113
    _add(summation, "ram:DuePayableAmount", _amount(totals.payable))  # BT-115 (BR-CO-16)


def build_cii_xml(doc: OutgoingInvoice) -> bytes:
    """The Factur-X / ZUGFeRD XML (``factur-x.xml``) of the invoice, profile EN 16931."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    invoice = doc.invoice
    root = ET.Element(_q("rsm:CrossIndustryInvoice"))
    context = _add(root, "rsm:ExchangedDocumentContext")
    _add(_add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE_EN16931)
    document = _add(root, "rsm:ExchangedDocument")
    _add(document, "ram:ID", _clean(invoice.number))
    _add(document, "ram:TypeCode", TYPE_INVOICE)
    _date(document, "ram:IssueDateTime", invoice.issue_date)
    for note in doc.notes:
        _add(_add(document, "ram:IncludedNote"), "ram:Content", note)

    transaction = _add(root, "rsm:SupplyChainTradeTransaction")
    _line(transaction, doc)
    agreement = _add(transaction, "ram:ApplicableHeaderTradeAgreement")
    _seller(agreement, doc)
    _buyer(agreement, doc)
    delivery = _add(transaction, "ram:ApplicableHeaderTradeDelivery")
    _date(_add(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime",
          doc.delivery_date)
    _settlement(transaction, doc)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


__all__ = [
    "GUIDELINE_EN16931",
    "InvoiceDataError",
    "OutgoingInvoice",
    "Totals",
    "build_cii_xml",
    "outgoing_invoice",
    "split_gross",
    "totals_for",
]
