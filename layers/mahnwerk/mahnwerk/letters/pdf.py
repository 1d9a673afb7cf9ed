"""The notice as a printable PDF letter: A4, DIN 5008 form B, with an EPC payment QR code.

The page (measures, fold marks, footer, text) is page.py, the bank box and its QR code are
payment_block.py, the logo is logo.py; here is what makes the letter a dunning notice: the
letterhead, the window address, the information block, the text, the statement of the overdue
invoices, the closing and the page numbers.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

import segno

from ..domain.dates import BERLIN
from ..domain.dunning import NoticePlan
from ..domain.model import Customer
from ..domain.settings import TenantSettings
from .formatting import country_line, labels
from .logo import logo_image, place_logo
from .page import (
    ACCENT,
    ADDRESS_LINE,
    ADDRESS_W,
    FONT,
    FONT_DIR,
    GREY,
    INFO_W,
    INFO_X,
    INFO_Y,
    LEFT,
    LIGHT,
    PAGE_W,
    RECIPIENT_BOTTOM,
    RECIPIENT_Y,
    RETURN_LINE_H,
    RETURN_LINE_Y,
    RIGHT,
    SUBJECT_Y,
    TEXT_W,
    TOP_MARGIN_NEXT,
    DinPage,
)
from .payment_block import bank_box, bank_rows, join_numbers, payment_qr, qr_png
from .pdffonts import LetterOutputProducer, add_shared_font
from .portal_line import draw_portal_line
from .texts import LetterText, compose
from .view import Statement, statement

LOGGER = logging.getLogger(__name__)

PAGE_NO_Y = 265.5
CONTENT_BOTTOM = 264.0
CONTENT_BOTTOM_SINGLE = 269.0  # above the footer rule (271), where no page number is printed
BODY_SIZE, BODY_LINE = 9.5, 4.6

# The logo sits at the right of the letterhead, in a box above the contact line (y 26).
LOGO_MAX_W, LOGO_MAX_H = 55.0, 15.0
LOGO_TOP = 10.0
LOGO_GAP = 6.0  # between the company name and the logo

#: (label key, width in mm, alignment); the widths add up to the text width of 165 mm.
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("th_invoice", 25.0, "L"),
    ("th_invoice_date", 18.0, "L"),
    ("th_due_date", 18.0, "L"),
    ("th_days_overdue", 15.0, "R"),
    ("th_level", 10.0, "R"),
    ("th_amount", 17.0, "R"),
    ("th_paid", 16.0, "R"),
    ("th_interest", 14.0, "R"),
    ("th_fees", 15.0, "R"),
    ("th_open", 17.0, "R"),
)
ROW_H = 4.8
HEAD_H = 8.0
CELL_PAD = 0.8


class LetterPDF(DinPage):
    """An A4 letter with the tenant's letterhead, fold marks and footer on every page, and a
    running head on continuation pages."""

    def __init__(self, view: Statement, company_name: str, running_head: str) -> None:
        super().__init__(view.footer_groups, CONTENT_BOTTOM)
        self.company_name = company_name
        self.running_head = running_head
        # parsed once per process, subset into each letter (pdffonts)
        add_shared_font(self, FONT, "", FONT_DIR / "DejaVuSans.ttf")
        add_shared_font(self, FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_font(FONT, "", 10)

    # -- every page -------------------------------------------------------------------------

    def header(self) -> None:
        self.marks()
        if self.page_no() == 1:
            return
        # Continuation page: a slim running head instead of the letterhead.
        self.set_text_color(*ACCENT)
        self.set_font(FONT, "B", 9)
        self.put(LEFT, 14, TEXT_W / 2, 5, self.company_name)
        self.set_text_color(*GREY)
        self.set_font(FONT, "", 8)
        self.put(LEFT + TEXT_W / 2, 14, TEXT_W / 2, 5, self.running_head, align="R")
        self.rule(20)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, "", 10)
        self.set_xy(LEFT, TOP_MARGIN_NEXT)


# -- the parts of page one ----------------------------------------------------------------------


def _letterhead(pdf: LetterPDF, settings: TenantSettings) -> None:
    """The company's name, its logo (if any) at the right, the contact line and a rule."""
    company = settings.company
    name_w = TEXT_W
    logo = logo_image(company.logo) if company.logo else None
    if logo is not None:
        w = min(LOGO_MAX_W, LOGO_MAX_H * logo.aspect)
        h = w / logo.aspect
        try:
            place_logo(pdf, logo, PAGE_W - RIGHT - w, LOGO_TOP + (LOGO_MAX_H - h) / 2, w, h)
            name_w = TEXT_W - w - LOGO_GAP
        except Exception as exc:  # see logo_image
            LOGGER.warning("company logo left out of the letter: %s", exc)
    pdf.set_text_color(*ACCENT)
    pdf.fit(company.name, name_w, "B", 18, 14)
    if pdf.width_of(company.name) <= name_w:
        pdf.put(LEFT, 16, name_w, 9, company.name)
    else:
        # A long name takes two lines rather than shrinking into illegibility.
        lines = pdf.wrap(company.name, name_w)
        first = lines[0]
        second = pdf.clip(" ".join(lines[1:]), name_w)
        pdf.put(LEFT, 11, name_w, 6.5, first)
        pdf.put(LEFT, 17.5, name_w, 6.5, second)
    address = company.address
    parts = [
        address.street,
        " ".join(p for p in (address.postal_code, address.city) if p),
        company.phone,
        company.email,
        company.website,
    ]
    contact = "  ·  ".join(p for p in parts if p)
    pdf.set_text_color(*GREY)
    pdf.fit(contact, TEXT_W, "", 8, 6.5)
    pdf.put(LEFT, 26, TEXT_W, 4, pdf.clip(contact, TEXT_W))
    pdf.rule(33, ACCENT, 0.6)
    pdf.set_text_color(0, 0, 0)


def _return_line(pdf: LetterPDF, settings: TenantSettings) -> None:
    company = settings.company
    address = company.address
    parts = [
        company.name,
        address.street,
        " ".join(p for p in (address.postal_code, address.city) if p),
    ]
    text = " · ".join(p for p in parts if p)
    pdf.fit(text, ADDRESS_W, "U", 7, 5.5)
    pdf.put(LEFT, RETURN_LINE_Y + 1.0, ADDRESS_W, RETURN_LINE_H - 1.5, pdf.clip(text, ADDRESS_W))
    pdf.set_font(FONT, "", 10)


def _recipient(pdf: LetterPDF, customer: Customer, settings: TenantSettings) -> None:
    address = customer.address
    pdf.set_font(FONT, "", 10)
    name_lines = pdf.wrap(customer.name, ADDRESS_W)
    lines: list[str] = list(name_lines[:2])
    if len(name_lines) > 2:
        lines[1] = pdf.clip(" ".join(name_lines[1:]), ADDRESS_W)
    city = " ".join(p for p in (address.postal_code, address.city) if p)
    country = country_line(address.country, settings.company.address.country)
    lines += [line for line in (address.street, city, country) if line]
    # Six lines fit the recipient zone; a seventh would show outside the envelope window.
    top = RECIPIENT_Y + 0.8
    room = int((RECIPIENT_BOTTOM - top) // ADDRESS_LINE)
    for i, line in enumerate(lines[:room]):
        pdf.put(LEFT, top + i * ADDRESS_LINE, ADDRESS_W, ADDRESS_LINE, pdf.clip(line, ADDRESS_W))


def _info_block(
    pdf: LetterPDF, customer: Customer, settings: TenantSettings, view: Statement
) -> None:
    lab = view.labels
    company = settings.company
    rows = [
        (lab["customer_no"], customer.customer_id),
        (lab["date"], view.run_date),
        (lab["contact"], company.email),
        (lab["phone"], company.phone),
    ]
    label_w, value_x = 24.0, INFO_X + 24.0
    value_w = INFO_X + INFO_W - value_x
    y = INFO_Y + 1.0
    for label, value in rows:
        if not value:
            continue
        pdf.set_text_color(*GREY)
        pdf.set_font(FONT, "", 8)
        pdf.put(INFO_X, y, label_w, 4.5, label)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 8.5)
        if "@" in value and pdf.width_of(value) > value_w:
            # a long address reads better on two lines (local part, @domain) than tiny or cut
            at = value.index("@")
            for part in (value[:at], value[at:]):
                pdf.fit(part, value_w, "", 8.5, 6.5)
                pdf.put(value_x, y, value_w, 4.5, pdf.clip(part, value_w))
                y += 4.0
            y += 0.8
            continue
        pdf.fit(value, value_w, "", 8.5, 6.0)
        pdf.put(value_x, y, value_w, 4.5, pdf.clip(value, value_w))
        y += 4.8


def _body(pdf: LetterPDF, letter: LetterText) -> None:
    pdf.set_xy(LEFT, SUBJECT_Y)
    pdf.set_font(FONT, "B", 11)
    pdf.flow(TEXT_W, 5.5, letter.subject)
    pdf.ln(4)
    pdf.set_font(FONT, "", BODY_SIZE)
    # DIN 5008 wants ragged-right text, not justified.
    pdf.flow(TEXT_W, BODY_LINE, letter.salutation)
    for paragraph in letter.paragraphs:
        pdf.ln(BODY_LINE * 0.5)
        pdf.flow(TEXT_W, BODY_LINE, paragraph)


# -- the statement ------------------------------------------------------------------------------


def _heading_size(pdf: LetterPDF, view: Statement) -> float:
    """One font size for all table headings: the largest at which every heading line fits."""
    size = 7.0
    while size > 5.5:
        pdf.set_font(FONT, "B", size)
        if all(
            pdf.width_of(line) <= width - 2 * CELL_PAD
            for key, width, _ in COLUMNS
            for line in view.labels[key].split("\n")
        ):
            break
        size -= 0.25
    return size


def _table_head(pdf: LetterPDF, view: Statement) -> None:
    y = pdf.get_y()
    pdf.set_fill_color(*LIGHT)
    pdf.rect(LEFT, y, TEXT_W, HEAD_H, style="F")
    pdf.set_text_color(*GREY)
    size = _heading_size(pdf, view)
    pdf.set_font(FONT, "B", size)
    line_h = size * 0.45
    x = LEFT
    for key, width, align in COLUMNS:
        lines = view.labels[key].split("\n")
        top = y + (HEAD_H - line_h * len(lines)) / 2
        for i, line in enumerate(lines):
            pdf.put(x + CELL_PAD, top + i * line_h, width - 2 * CELL_PAD, line_h, line, align)
        x += width
    pdf.rule(y + HEAD_H, ACCENT, 0.4)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(LEFT, y + HEAD_H)


def _table(pdf: LetterPDF, view: Statement) -> None:
    pdf.ln(4)
    # Never a lone heading at the foot of a page: it needs at least two rows under it.
    pdf.ensure_space(HEAD_H + 2 * ROW_H)
    _table_head(pdf, view)
    count = len(view.rows)
    for index, row in enumerate(view.rows):
        remaining = count - index
        # The last two rows stay with the totals, so the sum never stands alone on a page.
        needed = ROW_H if remaining > 2 else remaining * ROW_H + _totals_height(view)
        if pdf.space_left() < needed and index > 0:
            pdf.add_page()
            _table_head(pdf, view)
        y = pdf.get_y()
        values = (
            row.number, row.issue_date, row.due_date, row.days_overdue, row.level,
            row.amount, row.paid, row.interest, row.fees, row.open,
        )
        x = LEFT
        for (key, width, align), value in zip(COLUMNS, values, strict=True):
            pdf.set_font(FONT, "B" if key == "th_open" else "", 7.5)
            inner = width - 2 * CELL_PAD
            pdf.put(x + CELL_PAD, y, inner, ROW_H, pdf.clip(value, inner), align)
            x += width
        pdf.rule(y + ROW_H)
        pdf.set_xy(LEFT, y + ROW_H)


def _totals_height(view: Statement) -> float:
    return (len(view.breakdown) * ROW_H if view.breakdown else 0.8 * ROW_H) + 0.8 + ROW_H + 1.5


def _totals(pdf: LetterPDF, view: Statement) -> None:
    """What the total is made of (if more than principal), then the total with the deadline
    beside it."""
    lab = view.labels
    value_w, label_x = 32.0, LEFT + 70.0
    label_w = TEXT_W - 70.0 - value_w
    pdf.ensure_space(_totals_height(view))
    y = pdf.get_y()
    pdf.set_text_color(*GREY)
    pdf.set_font(FONT, "", 6.5)
    pdf.put(LEFT, y, 60, ROW_H, lab["in_currency"])
    pdf.set_text_color(0, 0, 0)
    if view.breakdown:
        for label, value in view.breakdown:
            pdf.set_font(FONT, "", 8)
            # right-aligned from further left: "Offene Hauptforderung (nach Zahlungen von …)"
            pdf.put(LEFT + 35.0, y, TEXT_W - 35.0 - value_w, ROW_H, label, "R")
            pdf.put(label_x + label_w, y, value_w, ROW_H, value, "R")
            y += ROW_H
    else:
        y += 0.8 * ROW_H
    pdf.rule(y + 0.4, ACCENT, 0.4)
    y += 0.8
    height = ROW_H + 1.5
    pdf.set_font(FONT, "B", 9.5)
    pdf.put(LEFT, y, 70.0, height, f"{lab['deadline']}: {view.deadline}")
    pdf.put(label_x, y, label_w, height, lab["total"], "R")
    pdf.put(label_x + label_w, y, value_w, height, view.total, "R")
    pdf.set_xy(LEFT, y + height)


# -- the payment QR code ------------------------------------------------------------------------


def epc_qr(plan: NoticePlan, settings: TenantSettings) -> segno.QRCode | None:
    """The EPC QR code (GiroCode) of the notice, or None when the letter cannot carry one: the
    total to pay, the invoice numbers as remittance."""
    if not plan.lines or plan.currency != "EUR":  # EPC069-12: euro transfers only
        return None
    return payment_qr(settings, plan.total, join_numbers(plan.invoice_numbers))


def epc_qr_png(plan: NoticePlan, settings: TenantSettings) -> bytes | None:
    """The EPC QR code as PNG with its quiet zone, or None when the letter cannot carry one."""
    qr = epc_qr(plan, settings)
    return None if qr is None else qr_png(qr)


def _bank_box(pdf: LetterPDF, view: Statement, settings: TenantSettings,
              qr: segno.QRCode | None) -> None:
    """Bank details and, beside them, the QR code with its caption."""
    if view.has_bank:
        rows = bank_rows(view.labels, settings, view.reference)
        if not view.has_girocode:
            # no GiroCode for another currency: the amount with its currency, and why
            rows += [(view.labels["amount_due"], view.total, True),
                     (view.labels["currency"], view.currency, True),
                     ("", view.labels["no_qr_note"], False)]
        bank_box(pdf, view.labels, rows, qr)


def _closing(pdf: LetterPDF, letter: LetterText, note: str) -> None:
    gap = 3.0
    pdf.set_font(FONT, "", BODY_SIZE)
    signature = pdf.wrap(letter.signature, TEXT_W)
    height = BODY_LINE + 2.0 + BODY_LINE * len(signature) + 1.0 + 3.5
    # A one-page letter prints no page number, so its closing may use that line's space too
    # rather than spill alone onto a second page.
    spare = (CONTENT_BOTTOM_SINGLE - CONTENT_BOTTOM) if pdf.page == 1 else 0.0
    if pdf.space_left() + spare < gap + height:
        pdf.add_page()
    else:
        pdf.ln(gap)
    with pdf.below_content():
        pdf.set_font(FONT, "", BODY_SIZE)
        pdf.put(pdf.x, pdf.y, TEXT_W, BODY_LINE, letter.closing)
        pdf.ln(BODY_LINE)
        pdf.ln(2)
        pdf.flow(TEXT_W, BODY_LINE, letter.signature)
        pdf.ln(1)
        pdf.set_text_color(*GREY)
        pdf.set_font(FONT, "", 7)
        pdf.flow(TEXT_W, 3.5, note)
        pdf.set_text_color(0, 0, 0)


def _page_numbers(pdf: LetterPDF, template: str) -> None:
    """Page numbers ("Seite 1 von 2") on every page, but only when there is more than one."""
    pages = pdf.pages_count
    if pages < 2:
        return
    current = pdf.page
    with pdf.below_content():
        for number in range(1, pages + 1):
            pdf.page = number
            pdf.set_text_color(*GREY)
            pdf.set_font(FONT, "", 7.5)
            pdf.put(LEFT, PAGE_NO_Y, TEXT_W, 4, template.format(page=number, pages=pages), "R")
    pdf.page = current


def _metadata(
    pdf: LetterPDF, plan: NoticePlan, letter: LetterText, settings: TenantSettings
) -> None:
    name = settings.company.name
    pdf.set_title(letter.subject)
    pdf.set_author(name)
    pdf.set_creator(name)
    pdf.set_subject(letter.subject)
    pdf.set_keywords(" ".join(plan.invoice_numbers[:20]))
    pdf.set_lang("de-DE" if letter.locale == "de" else "en-GB")
    # Deterministic: the same plan renders byte-identical PDFs (idempotent re-sends, tests).
    pdf.set_creation_date(datetime.combine(plan.run_date, time(0, 0), tzinfo=BERLIN))


def render_notice_pdf(
    plan: NoticePlan,
    customer: Customer,
    settings: TenantSettings,
    *,
    letter: LetterText | None = None,
) -> bytes:
    """The notice as a PDF letter (DIN 5008 form B). Same plan in, same bytes out."""
    letter = letter or compose(plan, customer, settings)
    view = statement(plan, settings, letter.locale)
    lab = labels(letter.locale)
    running_head = f"{lab['customer_no']} {customer.customer_id} · {view.run_date}"
    pdf = LetterPDF(view, settings.company.name, running_head)
    _metadata(pdf, plan, letter, settings)
    pdf.add_page()
    _letterhead(pdf, settings)
    _return_line(pdf, settings)
    _recipient(pdf, customer, settings)
    _info_block(pdf, customer, settings, view)
    _body(pdf, letter)
    _table(pdf, view)
    _totals(pdf, view)
    _bank_box(pdf, view, settings, epc_qr(plan, settings))
    draw_portal_line(pdf, plan.portal_url, letter.locale)
    _closing(pdf, letter, lab["machine_note"])
    _page_numbers(pdf, lab["page"])
    return bytes(pdf.output(output_producer_class=LetterOutputProducer))


__all__ = ["LetterPDF", "epc_qr", "epc_qr_png", "render_notice_pdf"]
