"""Locale, dates, amounts and labels shared by the letter text, the PDF and the email.

Letters speak German or English. Everything printed on a letter is formatted here, so the PDF,
the HTML and the plain-text email never disagree about how a date or an amount looks.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from ..domain.model import Customer
from ..domain.money import format_amount
from ..domain.settings import TenantSettings

SUPPORTED_LOCALES = ("de", "en")
DEFAULT_LOCALE = "de"

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _normalise(locale: str) -> str | None:
    base = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0] if locale else ""
    return base if base in SUPPORTED_LOCALES else None


def resolve_locale(customer: Customer, settings: TenantSettings) -> str:
    """The customer's language if we write it, else the tenant's, else German."""
    return _normalise(customer.locale) or _normalise(settings.locale) or DEFAULT_LOCALE


def format_date(value: date, locale: str) -> str:
    """``31.12.2026`` (de) or ``31 Dec 2026`` (en); never depends on the process locale."""
    if locale == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_money(value: Decimal, locale: str, currency: str = "EUR") -> str:
    """An amount with the currency sign: ``1.234,56 €`` (de), ``€1,234.56`` (en),
    ``1.234,56 CHF``, ``1.235 JPY`` (the currency's minor units)."""
    return format_amount(value, locale, currency)


def format_number(value: Decimal, locale: str, currency: str = "EUR") -> str:
    """An amount without the currency sign, for table cells under an "Amounts in EUR" heading
    (in the currency's minor units)."""
    return format_amount(value, locale, currency, bare=True).strip()


_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue", "ẞ": "SS"})


def ascii_slug(text: str, lower: bool = True) -> str:
    """``1. Mahnung`` -> ``1-mahnung``; ``Übergabe`` -> ``uebergabe``. Safe in file names."""
    plain = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    if lower:
        plain = plain.lower()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")
    return slug or "x"


#: Country names for the last line of a foreign address (Deutsche Post wants it in capitals).
_COUNTRIES = {
    "AT": "ÖSTERREICH", "CH": "SCHWEIZ", "NL": "NIEDERLANDE", "BE": "BELGIEN",
    "LU": "LUXEMBURG", "FR": "FRANKREICH", "DK": "DÄNEMARK", "PL": "POLEN",
    "CZ": "TSCHECHIEN", "IT": "ITALIEN", "ES": "SPANIEN", "GB": "VEREINIGTES KÖNIGREICH",
    "SE": "SCHWEDEN", "NO": "NORWEGEN", "FI": "FINNLAND", "TR": "TÜRKEI",
    "US": "VEREINIGTE STAATEN", "LI": "LIECHTENSTEIN", "IE": "IRLAND", "PT": "PORTUGAL",
}


def country_line(country: str, sender_country: str = "DE") -> str:
    """The country line of a postal address; empty for a domestic letter.

    Post leaving Germany is labelled in German or English capitals; German suffices here because
    the letter is posted in Germany.
    """
    code = (country or "DE").strip().upper()
    if code == (sender_country or "DE").strip().upper():
        return ""
    return _COUNTRIES.get(code, code)


#: Everything printed on a letter that is not tenant text: table headings, captions, labels.
LABELS: dict[str, dict[str, str]] = {
    "de": {
        "customer_no": "Kundennummer",
        "date": "Datum",
        "contact": "Ihr Kontakt",
        "phone": "Telefon",
        "email": "E-Mail",
        "web": "Web",
        "invoice": "Rechnungsnr.",
        "invoice_date": "Rechnungsdatum",
        "due_date": "Fällig am",
        "days_overdue": "Tage überfällig",
        "level": "Stufe",
        "amount": "Betrag",
        "paid": "bezahlt",
        "interest": "Zinsen",
        "fees": "Gebühren",
        "open": "offen",
        "in_currency": "Beträge in {currency}",
        "no_qr_note": "Kein GiroCode: Der EPC-QR-Code gilt nur für Überweisungen in Euro. Bitte "
        "überweisen Sie den Betrag in {currency} an die genannte Bankverbindung.",
        "currency": "Währung",
        "subtotal": "Summe offene Posten",
        "letter_fee": "Mahngebühr für dieses Schreiben",
        "principal_open": "Offene Hauptforderung",
        "principal_after_payments": "Offene Hauptforderung (nach Zahlungen von {paid})",
        "interest_total": "Verzugszinsen",
        "fees_earlier": "Mahngebühren früherer Schreiben",
        "flat_fee": "Verzugspauschale (§ 288 Abs. 5 BGB)",
        "total": "Zu zahlender Gesamtbetrag",
        "deadline": "Zahlungsfrist",
        "deadline_text": "Bitte zahlen Sie bis spätestens {deadline}.",
        "bank_details": "Bankverbindung",
        "account_holder": "Kontoinhaber",
        "iban": "IBAN",
        "bic": "BIC",
        "bank": "Bank",
        "reference": "Verwendungszweck",
        "amount_due": "Betrag",
        "qr_caption": "Bequem bezahlen:\nmit der Banking-App scannen",
        "page": "Seite {page} von {pages}",
        "register": "Registergericht",
        "vat_id": "USt-IdNr.",
        "managing_director": "Geschäftsführung",
        "open_items": "Offene Posten",
        "level_no": "Mahnstufe",
        "attachment_note": "Dieses Schreiben erhalten Sie zusätzlich als PDF im Anhang.",
        "machine_note": "Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift "
        "gültig.",
        # Table headings of the PDF; a line break where a heading wraps in its narrow column.
        "th_invoice": "Rechnungsnr.",
        "th_invoice_date": "Rechnungs-\ndatum",
        "th_due_date": "Fällig am",
        "th_days_overdue": "Tage\nüberfällig",
        "th_level": "Stufe",
        "th_amount": "Betrag",
        "th_paid": "bezahlt",
        "th_interest": "Zinsen",
        "th_fees": "Gebühren",
        "th_open": "offen",
    },
    "en": {
        "customer_no": "Customer no.",
        "date": "Date",
        "contact": "Your contact",
        "phone": "Phone",
        "email": "Email",
        "web": "Web",
        "invoice": "Invoice no.",
        "invoice_date": "Invoice date",
        "due_date": "Due date",
        "days_overdue": "Days overdue",
        "level": "Level",
        "amount": "Amount",
        "paid": "Paid",
        "interest": "Interest",
        "fees": "Fees",
        "open": "Open",
        "in_currency": "Amounts in {currency}",
        "no_qr_note": "No GiroCode: the EPC QR code is for euro transfers only. Please transfer "
        "the amount in {currency} to the account shown.",
        "currency": "Currency",
        "subtotal": "Total open items",
        "letter_fee": "Fee for this reminder",
        "principal_open": "Principal outstanding",
        "principal_after_payments": "Principal outstanding (after payments of {paid})",
        "interest_total": "Default interest",
        "fees_earlier": "Fees of earlier reminders",
        "flat_fee": "Late-payment flat fee (§ 288 (5) BGB)",
        "total": "Total amount due",
        "deadline": "Payment deadline",
        "deadline_text": "Please pay by {deadline} at the latest.",
        "bank_details": "Bank details",
        "account_holder": "Account holder",
        "iban": "IBAN",
        "bic": "BIC",
        "bank": "Bank",
        "reference": "Reference",
        "amount_due": "Amount",
        "qr_caption": "Pay by scanning\nwith your banking app",
        "page": "Page {page} of {pages}",
        "register": "Register",
        "vat_id": "VAT ID",
        "managing_director": "Managing director",
        "open_items": "Open items",
        "level_no": "Reminder level",
        "attachment_note": "You will also find this letter attached as a PDF.",
        "machine_note": "This letter was produced automatically and is valid without a signature.",
        "th_invoice": "Invoice no.",
        "th_invoice_date": "Invoice\ndate",
        "th_due_date": "Due date",
        "th_days_overdue": "Days\noverdue",
        "th_level": "Level",
        "th_amount": "Amount",
        "th_paid": "Paid",
        "th_interest": "Interest",
        "th_fees": "Fees",
        "th_open": "Open",
    },
}


def labels(locale: str, currency: str = "EUR") -> dict[str, str]:
    """The labels in ``locale``, the currency filled in where a label names it."""
    found = LABELS.get(locale, LABELS[DEFAULT_LOCALE])
    return {key: text.replace("{currency}", currency) for key, text in found.items()}
