"""The notice as a printable PDF letter: A4, DIN 5008 form B, with an EPC payment QR code.

Positions are millimetres from the top-left corner of the page (domain.md §4). The letter is in
the tenant's name only (white label): nothing on it says which software wrote it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import cast

import segno
from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy
from fpdf.image_datastructures import RasterImageInfo
from fpdf.image_parsing import get_img_info

from ..domain.dates import BERLIN
from ..domain.dunning import NoticePlan
from ..domain.logo import parse_logo
from ..domain.model import Customer
from ..domain.money import ZERO
from ..domain.settings import TenantSettings
from .formatting import compact_iban, country_line, epc_name, join_numbers, labels
from .pdffonts import LetterOutputProducer, SharedTTFFont, add_shared_font
from .qr import make_epc_qr
from .texts import LetterText, compose
from .view import Statement, statement

LOGGER = logging.getLogger(__name__)

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"

# DIN 5008 form B (domain.md §4).
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 25.0, 20.0
TEXT_W = PAGE_W - LEFT - RIGHT
RETURN_LINE_Y, RETURN_LINE_H = 45.0, 5.0
RECIPIENT_Y, RECIPIENT_BOTTOM = 62.7, 90.0
ADDRESS_W = 80.0
ADDRESS_LINE = 4.3
INFO_X, INFO_Y = 125.0, 50.0
#: DIN allows the information block up to x 200; we stop at the right margin like the text.
INFO_W = PAGE_W - RIGHT - INFO_X
SUBJECT_Y = 98.46
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5

# Continuation pages and the footer.
TOP_MARGIN_NEXT = 28.0
FOOTER_RULE_Y = 271.0
PAGE_NO_Y = 265.5
CONTENT_BOTTOM = 264.0
CONTENT_BOTTOM_SINGLE = 269.0  # above the footer rule (271), where no page number is printed
FOOTER_LINES = 6
BODY_SIZE, BODY_LINE = 9.5, 4.6

#: EPC069-12 allows at most 999999999.99 EUR.
EPC_MAX_AMOUNT = Decimal("999999999.99")
QR_SIZE = 25.0  # GiroCode: ≥ 20 mm scans reliably; 25 mm leaves margin for print
QR_BORDER = 4  # the quiet zone, in modules (ISO/IEC 18004)
_DARK_RUN = re.compile(rb"\x01+")

# The logo sits at the right of the letterhead, in a box above the contact line (y 26).
LOGO_MAX_W, LOGO_MAX_H = 55.0, 15.0
LOGO_TOP = 10.0
LOGO_GAP = 6.0  # between the company name and the logo

ACCENT = (31, 58, 95)
GREY = (96, 106, 118)
LIGHT = (242, 244, 247)
RULE = (200, 205, 212)

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


class DinPage(FPDF):
    """What every A4 document of ours draws the same way: rules across the text width, and the
    footer area, which lies below the content and must not trigger a page break."""

    @contextmanager
    def below_content(self) -> Iterator[None]:
        """Draw in the footer area without triggering an automatic page break."""
        auto, margin = self.auto_page_break, self.b_margin
        self.set_auto_page_break(False)
        try:
            yield
        finally:
            self.set_auto_page_break(auto, margin=margin)

    def rule(self, y: float, color: tuple[int, int, int] = RULE, width: float = 0.2,
             x0: float = LEFT, x1: float = PAGE_W - RIGHT) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(x0, y, x1, y)


class LetterPDF(DinPage):
    """An A4 letter with the tenant's letterhead, fold marks and footer on every page.

    Text goes through ``put`` and ``flow``, which print what ``cell`` and ``multi_cell`` would
    (same positions, same line breaks) for plain single-style text, at a fraction of the cost:
    fpdf2 builds several objects per character there, and letters are mostly text.
    """

    def __init__(self, view: Statement, company_name: str, running_head: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        # Nothing named in tenant or customer data is ever opened as a file or fetched.
        self.resource_access_policy = ResourceAccessPolicy.NONE
        self.view = view
        self.company_name = company_name
        self.running_head = running_head
        self.set_margins(LEFT, TOP_MARGIN_NEXT, RIGHT)
        self.set_auto_page_break(True, margin=PAGE_H - CONTENT_BOTTOM)
        # parsed once per process, subset into each letter (pdffonts)
        add_shared_font(self, FONT, "", FONT_DIR / "DejaVuSans.ttf")
        add_shared_font(self, FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_font(FONT, "", 10)

    # -- every page -------------------------------------------------------------------------

    def header(self) -> None:
        self._marks()
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

    def footer(self) -> None:
        with self.below_content():
            self._footer()

    def _footer(self) -> None:
        """The company's details, one group per line, centred under a thin rule.

        Lines rather than columns: four columns of typical German register and bank details do
        not fit 165 mm in a legible size of DejaVu Sans.
        """
        self.rule(FOOTER_RULE_Y)
        self.set_text_color(*GREY)
        self.set_font(FONT, "", 6.5)
        lines = [
            part
            for group in self.view.footer_groups
            for part in self.wrap("  ·  ".join(group), TEXT_W)
        ]
        for i, line in enumerate(lines[:FOOTER_LINES]):
            self.put(LEFT, FOOTER_RULE_Y + 1.8 + i * 3.2, TEXT_W, 3.2, line, align="C")
        self.set_text_color(0, 0, 0)

    def _marks(self) -> None:
        # DIN 5008 form B: fold marks for a DL envelope and the hole-punch mark.
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        for y in FOLD_MARKS:
            self.line(4, y, 9, y)
        self.line(4, HOLE_MARK, 11, HOLE_MARK)

    # -- text -------------------------------------------------------------------------------

    def width_of(self, text: str) -> float:
        """``get_string_width(text)``: the same value, without fpdf2's text fragmenting."""
        font = self.current_font
        if isinstance(font, SharedTTFFont):
            return font.units(text) * self.font_size_pt * 0.001 / self.k
        return self.get_string_width(text)

    def put(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        """Print ``text`` as ``cell(w, h, text, align=align)`` at (x, y) would (same baseline,
        same cell margin; no border, no fill), without moving the position."""
        if not text:
            return
        if align == "L":
            dx = self.c_margin
        else:
            width = self.width_of(text)
            dx = w - self.c_margin - width if align == "R" else (w - width) / 2
        self.text(x + dx, y + 0.5 * h + 0.3 * self.font_size, text)

    def flow(self, w: float, h: float, text: str, align: str = "L") -> None:
        """``multi_cell(w, h, text, align=align, new_x="LMARGIN", new_y="NEXT")``: the same
        lines at the same places, page breaks included."""
        lines = None if text.endswith("\n") else self._lines(text, w)
        if lines is None:
            self.multi_cell(w, h, text, align=align, new_x="LMARGIN", new_y="NEXT")
            return
        x = self.x
        for line in lines:
            self._perform_page_break_if_need_be(h)
            self.put(x, self.y, w, h, line, align)
            self.y += h
        self.x = self.l_margin

    def wrap(self, text: str, width: float) -> list[str]:
        """The lines ``text`` breaks into at ``width`` in the current font."""
        lines = self._lines(text, width)
        if lines is None:
            lines = cast(list[str], self.multi_cell(width, 1, text, dry_run=True, output="LINES"))
        return lines

    def _lines(self, text: str, width: float) -> list[str] | None:
        font = self.current_font
        if not isinstance(font, SharedTTFFont):
            return None
        return font.break_lines(text, self.font_size_pt, self.k, width, self.c_margin)

    # -- helpers ----------------------------------------------------------------------------

    def fit(self, text: str, width: float, style: str, size: float, minimum: float) -> float:
        """The largest font size (down to ``minimum``) at which ``text`` fits into ``width``."""
        while size > minimum:
            self.set_font(FONT, style, size)
            if self.width_of(text) <= width:
                return size
            size -= 0.25
        self.set_font(FONT, style, minimum)
        return minimum

    def clip(self, text: str, width: float) -> str:
        """Shorten ``text`` with an ellipsis until it fits the current font into ``width``."""
        if self.width_of(text) <= width:
            return text
        while text and self.width_of(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def space_left(self) -> float:
        return CONTENT_BOTTOM - self.get_y()

    def ensure_space(self, height: float) -> None:
        if self.space_left() < height:
            self.add_page()

    def logo(self, logo: LogoImage, x: float, y: float, w: float, h: float) -> None:
        """Place the prepared logo; its pixels were parsed once per process, not per letter."""
        cache = self.image_cache
        if logo.key not in cache.images:
            info = RasterImageInfo(logo.info)
            info["i"] = len(cache.images) + 1
            info["usages"] = 0
            info["iccp_i"] = None
            iccp = logo.info.get("iccp")
            if iccp is not None:  # as fpdf2's preload_image registers a colour profile
                info["iccp_i"] = cache.icc_profiles.setdefault(
                    cast(bytes, iccp), len(cache.icc_profiles))
                info["iccp"] = None
            cache.images[logo.key] = info
        self.image(logo.data, x=x, y=y, w=w, h=h)


@dataclass(frozen=True)
class LogoImage:
    """The tenant's logo, decoded and converted for the PDF once per process."""

    data: bytes
    #: the name fpdf2 files the image under (md5 of the bytes)
    key: str
    info: RasterImageInfo
    #: width / height
    aspect: float


@lru_cache(maxsize=8)
def logo_image(value: str) -> LogoImage | None:
    """The logo of ``company.logo`` ready for the PDF, or None (and a warning) if it cannot be
    drawn: a broken logo costs the letter its logo, never the letter."""
    try:
        logo = parse_logo(value)
        info = get_img_info("logo", io.BytesIO(logo.data), "AUTO")
        key = hashlib.md5(logo.data.strip(), usedforsecurity=False).hexdigest()
        return LogoImage(data=logo.data, key=key, info=info, aspect=logo.width / logo.height)
    except Exception as exc:  # any failure of a tenant's image: letter without it
        LOGGER.warning("company logo left out of the letter: %s", exc)
        return None


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
            pdf.logo(logo, PAGE_W - RIGHT - w, LOGO_TOP + (LOGO_MAX_H - h) / 2, w, h)
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


def epc_payload_text(plan: NoticePlan) -> str:
    """The remittance text of the QR code: the invoice numbers, so the payment matches itself."""
    return join_numbers(plan.invoice_numbers)


def epc_qr(plan: NoticePlan, settings: TenantSettings) -> segno.QRCode | None:
    """The EPC QR code (GiroCode) of the notice, or None when the letter cannot carry one."""
    iban = compact_iban(settings.bank.iban)
    total = plan.total
    if not iban or total <= ZERO or total > EPC_MAX_AMOUNT or not plan.lines:
        return None
    bic = settings.bank.bic.strip().replace(" ", "")
    return _epc_code(epc_name(settings.company.name), iban, bic if len(bic) in (8, 11) else None,
                     total, epc_payload_text(plan))


@lru_cache(maxsize=64)
def _epc_code(name: str, iban: str, bic: str | None, amount: Decimal, text: str) -> segno.QRCode:
    """segno's code, made faster (qr.py); UTF-8, so names like "Ørsted" or "Łukasz" survive.
    Kept per payload for a letter rendered again (a redelivered notice, a preview)."""
    return make_epc_qr(name, iban, amount, text, bic)


def epc_qr_png(plan: NoticePlan, settings: TenantSettings) -> bytes | None:
    """The EPC QR code as PNG with its quiet zone, or None when the letter cannot carry one."""
    qr = epc_qr(plan, settings)
    if qr is None:
        return None
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4, border=QR_BORDER)
    return buffer.getvalue()


def _draw_qr(pdf: LetterPDF, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """The QR code as vector graphics: a white square with the quiet zone of 4 modules the
    scanners need, and the dark modules as one filled path (sharp at any print resolution; no
    image to encode, so cheaper than a PNG)."""
    matrix = qr.matrix
    unit = size / (len(matrix) + 2 * QR_BORDER)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    runs = []
    for row_no, row in enumerate(matrix):
        for run in _DARK_RUN.finditer(bytes(row)):
            runs.append(f"{run.start() + QR_BORDER} {row_no + QR_BORDER} {run.end() - run.start()} 1 re")
    k = unit * pdf.k
    # a coordinate system of modules, y downwards from the corner of the quiet zone; one fill of
    # all runs together leaves no hairlines between neighbouring modules
    pdf._out(f"q 0 g {k:.5f} 0 0 {-k:.5f} {x * pdf.k:.3f} {(pdf.h - y) * pdf.k:.3f} cm "
             f"{' '.join(runs)} f Q")


def _bank_box(pdf: LetterPDF, view: Statement, qr: segno.QRCode | None) -> None:
    """Bank details and, beside them, the QR code with its caption."""
    if not view.has_bank:
        return
    lab = view.labels
    bic_bank = " · ".join(p for p in (view.bic, view.bank_name) if p)
    rows = [
        (lab["account_holder"], view.account_holder, False),
        (lab["iban"], view.iban, True),
        (f"{lab['bic']} / {lab['bank']}", bic_bank, False),
        (lab["reference"], view.reference, False),
    ]
    rows = [row for row in rows if row[1]]
    pad, line_h, label_w = 4.0, 4.0, 28.0
    qr_w = QR_SIZE + 30.0 if qr else 0.0
    value_w = TEXT_W - 2 * pad - label_w - qr_w
    pdf.set_font(FONT, "", 8)
    counts = [len(pdf.wrap(value, value_w)) for _, value, _ in rows]
    text_h = 2.0 + 4.5 + line_h * sum(counts) + 2.0
    height = max(text_h, QR_SIZE + 3.0 if qr else 0.0)
    pdf.ln(3)
    pdf.ensure_space(height)
    top = pdf.get_y()
    pdf.set_fill_color(*LIGHT)
    pdf.rect(LEFT, top, TEXT_W, height, style="F")
    pdf.set_fill_color(*ACCENT)
    pdf.rect(LEFT, top, 1.0, height, style="F")

    pdf.set_font(FONT, "B", 8.5)
    pdf.put(LEFT + pad, top + 2.0, label_w + value_w, 4.5, lab["bank_details"])
    y = top + 6.5
    for (label, value, strong), count in zip(rows, counts, strict=True):
        pdf.set_text_color(*GREY)
        pdf.set_font(FONT, "", 7.5)
        pdf.put(LEFT + pad, y, label_w, line_h, label)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "B" if strong else "", 8)
        pdf.set_xy(LEFT + pad + label_w, y)
        pdf.flow(value_w, line_h, value)
        y += line_h * count

    if qr:
        qr_x = PAGE_W - RIGHT - 1.5 - QR_SIZE
        qr_y = top + (height - QR_SIZE) / 2
        _draw_qr(pdf, qr, qr_x, qr_y, QR_SIZE)
        pdf.set_text_color(*ACCENT)
        pdf.set_font(FONT, "", 7)
        caption_w = 30.0
        lines = pdf.wrap(lab["qr_caption"], caption_w)
        pdf.set_xy(qr_x - caption_w - 1.5, top + (height - 3.4 * len(lines)) / 2)
        pdf.flow(caption_w, 3.4, lab["qr_caption"], align="R")
        pdf.set_text_color(0, 0, 0)
    pdf.set_xy(LEFT, top + height)


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
    _bank_box(pdf, view, epc_qr(plan, settings))
    _closing(pdf, letter, lab["machine_note"])
    _page_numbers(pdf, lab["page"])
    return bytes(pdf.output(output_producer_class=LetterOutputProducer))


__all__ = ["epc_qr", "epc_qr_png", "logo_image", "render_notice_pdf"]
