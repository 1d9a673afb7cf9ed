"""Our own invoice as an email: a short text in the customer's language, the e-invoice PDF attached."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from ..domain.iban import format_iban
from ..domain.money import ZERO
from .einvoice_out import OutgoingInvoice
from .email import EmailError, _address
from .formatting import ascii_slug, format_date, format_money
from .invoice_pdf import title

_BODY = {
    "de": (
        "Sehr geehrte Damen und Herren,\n\n"
        "anbei erhalten Sie unsere Rechnung {number} vom {date} über {amount}.\n\n"
        "{payment}\n\n"
        "Die angehängte PDF-Datei ist eine E-Rechnung im Format ZUGFeRD/Factur-X (EN 16931): "
        "Ihre Buchhaltung kann die Rechnungsdaten direkt daraus übernehmen.\n\n"
        "Mit freundlichen Grüßen\n{company}\n"
    ),
    "en": (
        "Dear Sir or Madam,\n\n"
        "please find attached our invoice {number} of {date} for {amount}.\n\n"
        "{payment}\n\n"
        "The attached PDF is an e-invoice in the ZUGFeRD/Factur-X format (EN 16931): your "
        "accounting software can read the invoice data directly from it.\n\n"
        "Kind regards\n{company}\n"
    ),
}
_PAYMENT = {
    "de": "Bitte überweisen Sie {payable} bis zum {due} auf unser Konto {iban} und geben Sie "
          "als Verwendungszweck die Rechnungsnummer {number} an.",
    "en": "Please transfer {payable} by {due} to our account {iban}, quoting the invoice number "
          "{number} as the reference.",
}


def invoice_attachment_name(doc: OutgoingInvoice) -> str:
    """``Rechnung-RE-2026-0042.pdf``: ASCII only, so every mail client shows it."""
    return f"{ascii_slug(doc.texts['title'], lower=False)}-{ascii_slug(doc.invoice.number, lower=False)}.pdf"


def invoice_message_id(doc: OutgoingInvoice) -> str:
    """Deterministic per tenant and invoice: a re-sent invoice keeps its id (clients dedupe)."""
    domain = doc.settings.sender_email.rsplit("@", 1)[-1].strip().lower()
    digest = hashlib.sha256(f"{doc.invoice.tenant_id}/invoice/{doc.invoice.number}".encode()).hexdigest()
    return f"<{doc.invoice.issue_date:%Y%m%d}.inv.{digest[:24]}@{domain}>"


def invoice_text(doc: OutgoingInvoice) -> str:
    locale, invoice = doc.locale, doc.invoice
    payment = doc.terms
    if doc.totals.payable > ZERO:
        payment = _PAYMENT[locale].format(
            payable=format_money(doc.totals.payable, locale), due=format_date(invoice.due_date, locale),
            iban=format_iban(doc.settings.bank.iban), number=invoice.number)
    return _BODY[locale].format(
        number=invoice.number, date=format_date(invoice.issue_date, locale),
        amount=format_money(doc.totals.gross, locale), payment=payment,
        company=doc.settings.company.name)


def build_invoice_email(doc: OutgoingInvoice, pdf: bytes, sent_at: datetime,
                        configuration_set: str | None = None) -> EmailMessage:
    """multipart/mixed: the text and the Factur-X PDF. Subject ``Rechnung {number}``."""
    if sent_at.tzinfo is None:
        raise EmailError("sent_at must be timezone-aware")
    company = doc.settings.company
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(company.name, doc.settings.sender_email, "sender_email")
    message["To"] = _address(doc.customer.name, doc.customer.email, "customer email")
    if company.email:
        message["Reply-To"] = _address(company.name, company.email, "company email")
    message["Subject"] = title(doc)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = invoice_message_id(doc)
    if configuration_set:
        message["X-SES-CONFIGURATION-SET"] = configuration_set
    message.set_content(invoice_text(doc), charset="utf-8")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=invoice_attachment_name(doc))
    return message


__all__ = ["build_invoice_email", "invoice_attachment_name", "invoice_text"]
