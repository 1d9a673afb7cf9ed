"""Our own invoice as a hybrid e-invoice: a PDF/A-3 a person reads, with the Factur-X XML inside.

The visible invoice follows the letters' DIN 5008 form B layout (same fonts, letterhead, window
address, information block and footer) and is in the tenant's name only (white label). fpdf2
writes it as PDF/A-3B (embedded fonts, sRGB output intent); the factur-x library checks the XML
against the Factur-X EN 16931 XSD and embeds it as ``factur-x.xml`` (AFRelationship "Data") with
the Factur-X XMP metadata. The XML part is the legally relevant one; the PDF shows the same data.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from ..domain.dates import BERLIN
from ..domain.money import ZERO
from .einvoice_out import OutgoingInvoice, build_cii_xml
from .formatting import (
    country_line,
    format_date,
    format_money,
    format_number,
    labels,
)
from .page import (
    ACCENT,
    ADDRESS_LINE,
    ADDRESS_W,
    FONT,
    FONT_DIR,
    FOOTER_RULE_Y,
    GREY,
    INFO_W,
    INFO_X,
    INFO_Y,
    LEFT,
    LIGHT,
    RECIPIENT_BOTTOM,
    RECIPIENT_Y,
    RETURN_LINE_H,
    RETURN_LINE_Y,
    SUBJECT_Y,
    TEXT_W,
    DinPage,
)
from .payment_block import bank_box, bank_rows, payment_qr
from .view import footer_groups

#: the invoice ends above the footer rule; a second page is started rather than overprint it
CONTENT_BOTTOM = FOOTER_RULE_Y - 3.0
ROW_H = 5.2

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "invoice_no": "Rechnungsnr.",
        "invoice_date": "Rechnungsdatum",
        "delivery_date": "Leistungsdatum",
        "due_date": "Fällig am",
        "tax_number": "Steuernummer",
        "intro": "Für unsere Leistungen berechnen wir Ihnen:",
        "pos": "Pos.",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "vat": "USt.",
        "line_total": "Gesamt",
        "net": "Nettobetrag",
        "vat_line": "zzgl. {rate} % Umsatzsteuer",
        "gross": "Rechnungsbetrag",
        "prepaid": "bereits bezahlt",
        "payable": "Zu zahlen",
        "pay_hint": "Bitte geben Sie bei der Überweisung die Rechnungsnummer {number} an.",
        "closing": "Vielen Dank für Ihren Auftrag.",
        "regards": "Mit freundlichen Grüßen",
        "einvoice_note": "Diese Rechnung enthält ihre Daten zusätzlich maschinenlesbar als E-Rechnung "
                         "(ZUGFeRD/Factur-X, Profil EN 16931).",
        "amounts_in": "Beträge in EUR",
    },
    "en": {
        "invoice_no": "Invoice no.",
        "invoice_date": "Invoice date",
        "delivery_date": "Date of supply",
        "due_date": "Due date",
        "tax_number": "Tax number",
        "intro": "We invoice you for the following:",
        "pos": "No.",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "vat": "VAT",
        "line_total": "Total",
        "net": "Net amount",
        "vat_line": "plus {rate} % VAT",
        "gross": "Invoice total",
        "prepaid": "already paid",
        "payable": "Amount due",
        "pay_hint": "Please quote the invoice number {number} with your payment.",
        "closing": "Thank you for your business.",
        "regards": "Kind regards",
        "einvoice_note": "This invoice also carries its data in machine-readable form as an e-invoice "
                         "(ZUGFeRD/Factur-X, profile EN 16931).",
        "amounts_in": "Amounts in EUR",
    },
}

#: (label key, width in mm, alignment); 165 mm in all
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("pos", 11.0, "L"),
    ("description", 77.0, "L"),
    ("quantity", 14.0, "R"),
    ("unit_price", 22.0, "R"),
    ("vat", 16.0, "R"),
    ("line_total", 25.0, "R"),
)


class InvoicePDF(DinPage):
    """A4, PDF/A-3B, the tenant's letterhead on page one and the footer on every page."""

    def __init__(self, footer: tuple[tuple[str, ...], ...]) -> None:
        super().__init__(footer, CONTENT_BOTTOM, enforce_compliance="PDF/A-3B")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font(FONT, "", 10)

    def header(self) -> None:
        self.marks()


def _letterhead(pdf: InvoicePDF, doc: OutgoingInvoice) -> None:
    company = doc.settings.company
    pdf.set_text_color(*ACCENT)
    pdf.fit(company.name, TEXT_W, "B", 18, 12)
    pdf.set_xy(LEFT, 16)
    pdf.cell(TEXT_W, 9, pdf.clip(company.name, TEXT_W))
    a = company.address
    parts = [a.street, " ".join(p for p in (a.postal_code, a.city) if p), company.phone, company.email,
             company.website]
    contact = "  ·  ".join(p for p in parts if p)
    pdf.set_text_color(*GREY)
    pdf.fit(contact, TEXT_W, "", 8, 6.5)
    pdf.set_xy(LEFT, 26)
    pdf.cell(TEXT_W, 4, pdf.clip(contact, TEXT_W))
    pdf.rule(33, ACCENT, 0.6)
    pdf.set_text_color(0, 0, 0)


def _address(pdf: InvoicePDF, doc: OutgoingInvoice) -> None:
    company, customer = doc.settings.company, doc.customer
    a = company.address
    sender = " · ".join(p for p in (company.name, a.street,
                                    " ".join(p for p in (a.postal_code, a.city) if p)) if p)
    pdf.set_text_color(*GREY)
    pdf.fit(sender, ADDRESS_W, "U", 7, 5.5)
    pdf.set_xy(LEFT, RETURN_LINE_Y + 1.0)
    pdf.cell(ADDRESS_W, RETURN_LINE_H - 1.5, pdf.clip(sender, ADDRESS_W))
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 10)
    b = customer.address
    names = pdf.wrap(" ".join(customer.name.split()), ADDRESS_W)  # no tabs, no hard spaces
    lines = names[:2]
    if len(names) > 2:
        lines[1] = pdf.clip(" ".join(names[1:]), ADDRESS_W)
    city = " ".join(p for p in (b.postal_code, b.city) if p)
    lines += [" ".join(line.split()) for line in (b.street, city, country_line(b.country, a.country))
              if line.strip()]
    top = RECIPIENT_Y + 0.8
    room = int((RECIPIENT_BOTTOM - top) // ADDRESS_LINE)
    for i, line in enumerate(lines[:room]):
        pdf.set_xy(LEFT, top + i * ADDRESS_LINE)
        pdf.cell(ADDRESS_W, ADDRESS_LINE, pdf.clip(line, ADDRESS_W))


def _info_block(pdf: InvoicePDF, doc: OutgoingInvoice, lab: dict[str, str]) -> None:
    common = labels(doc.locale)
    invoice, company, locale = doc.invoice, doc.settings.company, doc.locale
    rows = [
        (lab["invoice_no"], invoice.number, True),
        (lab["invoice_date"], format_date(invoice.issue_date, locale), False),
        (lab["delivery_date"], format_date(doc.delivery_date, locale), False),
        (common["customer_no"], doc.customer.customer_id, False),
        (lab["due_date"], format_date(invoice.due_date, locale), False),
        (common["vat_id"], company.vat_id, False),
        (lab["tax_number"], doc.settings.invoicing.tax_number, False),
    ]  # phone and email stand in the letterhead
    label_w = 27.0
    value_x = INFO_X + label_w
    value_w = INFO_X + INFO_W - value_x
    y = INFO_Y + 1.0
    for label, value, strong in rows:
        if not value:
            continue
        pdf.set_text_color(*GREY)
        pdf.set_font(FONT, "", 8)
        pdf.set_xy(INFO_X, y)
        pdf.cell(label_w, 4.5, label)
        pdf.set_text_color(0, 0, 0)
        pdf.fit(value, value_w, "B" if strong else "", 8.5, 6.0)
        pdf.set_xy(value_x, y)
        pdf.cell(value_w, 4.5, pdf.clip(value, value_w))
        y += 4.6


def _title(pdf: InvoicePDF, doc: OutgoingInvoice, lab: dict[str, str]) -> None:
    pdf.set_xy(LEFT, SUBJECT_Y)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(TEXT_W, 6.5, f"{doc.texts['title']} {doc.invoice.number}", align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(TEXT_W, 4.6, lab["intro"], align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _rate(rate: Decimal, locale: str) -> str:
    text = f"{rate:f}"
    return text.replace(".", ",") if locale == "de" else text


def _table(pdf: InvoicePDF, doc: OutgoingInvoice, lab: dict[str, str]) -> None:
    totals, locale = doc.totals, doc.locale
    head_h = 7.0
    y = pdf.get_y()
    pdf.set_fill_color(*LIGHT)
    pdf.rect(LEFT, y, TEXT_W, head_h, style="F")
    pdf.set_text_color(*GREY)
    pdf.set_font(FONT, "B", 7.5)
    x = LEFT
    for key, width, align in COLUMNS:
        pdf.set_xy(x + 1.0, y)
        pdf.cell(width - 2.0, head_h, lab[key], align=align)
        x += width
    pdf.rule(y + head_h, ACCENT, 0.4)
    pdf.set_text_color(0, 0, 0)
    y += head_h + 1.0
    rate = f"{_rate(totals.rate, locale)} %" if totals.category == "S" else "–"  # §19 UStG: none
    values = ("1", "", "1", format_number(totals.net, locale), rate, format_number(totals.net, locale))
    pdf.set_font(FONT, "", 8.5)
    description_w = COLUMNS[1][1] - 2.0
    lines = pdf.wrap(doc.line_text, description_w)
    height = max(ROW_H, 4.2 * len(lines) + 1.0)
    x = LEFT
    for (_key, width, align), value in zip(COLUMNS, values, strict=True):
        if _key == "description":
            pdf.set_xy(x + 1.0, y + 0.5)
            pdf.multi_cell(description_w, 4.2, doc.line_text, align="L")
        else:
            pdf.set_xy(x + 1.0, y)
            pdf.cell(width - 2.0, ROW_H, value, align=align)
        x += width
    pdf.rule(y + height)
    pdf.set_xy(LEFT, y + height + 1.5)


def _totals(pdf: InvoicePDF, doc: OutgoingInvoice, lab: dict[str, str]) -> None:
    totals, locale = doc.totals, doc.locale

    def money(value: Decimal) -> str:
        return format_money(value, locale)

    rows: list[tuple[str, str, bool]] = []
    if totals.category == "S":
        rows += [(lab["net"], money(totals.net), False),
                 (lab["vat_line"].format(rate=_rate(totals.rate, locale)), money(totals.vat), False)]
    rows.append((lab["gross"], money(totals.gross), totals.prepaid == ZERO))
    if totals.prepaid != ZERO:
        rows += [(lab["prepaid"], money(-totals.prepaid), False),
                 (lab["payable"], money(totals.payable), True)]
    label_x, label_w, value_w = LEFT + 55.0, 80.0, 30.0
    pdf.ensure_space(len(rows) * ROW_H + 4)
    y = pdf.get_y()
    pdf.set_text_color(*GREY)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_xy(LEFT, y)
    pdf.cell(50, ROW_H, lab["amounts_in"])  # the table's numbers; the totals carry the € sign
    pdf.set_text_color(0, 0, 0)
    for label, value, strong in rows:
        if strong:
            pdf.rule(y + 1.0, ACCENT, 0.4, x0=label_x)
            y += 1.6
        pdf.set_font(FONT, "B" if strong else "", 10 if strong else 9)
        pdf.set_xy(label_x, y)
        pdf.cell(label_w, ROW_H + (1.0 if strong else 0), label, align="R")
        pdf.cell(value_w, ROW_H + (1.0 if strong else 0), value, align="R")
        y += ROW_H + (1.0 if strong else 0)
    pdf.set_xy(LEFT, y + 3.0)


def _terms(pdf: InvoicePDF, doc: OutgoingInvoice, lab: dict[str, str]) -> None:
    pdf.set_font(FONT, "", 9.5)
    text = doc.terms
    if doc.totals.payable > ZERO:
        text += " " + lab["pay_hint"].format(number=doc.invoice.number)
    pdf.ensure_space(12)
    pdf.multi_cell(TEXT_W, 4.6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*GREY)
    pdf.set_font(FONT, "", 8)
    for note in doc.notes:
        pdf.ln(1)
        pdf.multi_cell(TEXT_W, 4.0, note, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _bank_box(pdf: InvoicePDF, doc: OutgoingInvoice) -> None:
    """The bank details with the amount due and, beside them, the QR code for paying it (the
    invoice number as remittance)."""
    if not doc.settings.bank.iban:
        return
    common = labels(doc.locale)
    payable = doc.totals.payable
    amount_due = format_money(payable, doc.locale) if payable > ZERO else ""
    rows = bank_rows(common, doc.settings, doc.invoice.number, amount_due)
    bank_box(pdf, common, rows, payment_qr(doc.settings, payable, doc.invoice.number))


def _closing(pdf: InvoicePDF, doc: OutgoingInvoice, lab: dict[str, str]) -> None:
    pdf.ensure_space(24)
    pdf.ln(5)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(TEXT_W, 4.6, lab["closing"], align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(TEXT_W, 4.6, f"{lab['regards']}\n{doc.settings.company.name}", align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_text_color(*GREY)
    pdf.set_font(FONT, "", 7)
    pdf.multi_cell(TEXT_W, 3.5, lab["einvoice_note"], align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def title(doc: OutgoingInvoice) -> str:
    """``Rechnung RE-1`` / ``Invoice RE-1``: the email subject, the PDF title."""
    return f"{doc.texts['title']} {doc.invoice.number}"


def render_visual_pdf(doc: OutgoingInvoice) -> bytes:
    """The human-readable invoice as PDF/A-3B, before the XML is embedded."""
    lab = LABELS[doc.locale]
    pdf = InvoicePDF(footer_groups(doc.settings, doc.locale))
    name = doc.settings.company.name
    pdf.set_title(title(doc))
    pdf.set_author(name)
    pdf.set_creator(name)
    pdf.set_subject(title(doc))
    pdf.set_lang("de-DE" if doc.locale == "de" else "en-GB")
    pdf.set_creation_date(datetime.combine(doc.invoice.issue_date, time(0, 0), tzinfo=BERLIN))
    pdf.add_page()
    _letterhead(pdf, doc)
    _address(pdf, doc)
    _info_block(pdf, doc, lab)
    _title(pdf, doc, lab)
    _table(pdf, doc, lab)
    _totals(pdf, doc, lab)
    _terms(pdf, doc, lab)
    _bank_box(pdf, doc)
    _closing(pdf, doc, lab)
    return bytes(pdf.output())


def render_invoice_pdf(doc: OutgoingInvoice) -> bytes:
    """The Factur-X / ZUGFeRD invoice: PDF/A-3 with ``factur-x.xml`` (EN 16931) embedded.

    Raises ``facturx``'s error if the XML fails the XSD check (never sent half-valid)."""
    from facturx import generate_from_binary

    xml = build_cii_xml(doc)
    metadata = {
        "author": doc.settings.company.name,
        "keywords": "Factur-X, ZUGFeRD, " + doc.texts["title"],
        "title": f"{doc.settings.company.name}: {title(doc)}",
        "subject": f"{title(doc)}, {format_date(doc.invoice.issue_date, doc.locale)}",
    }
    result: bytes = generate_from_binary(
        render_visual_pdf(doc), xml, flavor="factur-x", level="en16931", check_xsd=True,
        pdf_metadata=metadata, lang="de-DE" if doc.locale == "de" else "en-GB",
    )
    return result


__all__ = ["render_invoice_pdf", "render_visual_pdf", "title"]
