"""How to pay, as the notice letter and the invoice print it: the EPC QR code (GiroCode) and
the bank box beside it.

The QR code follows EPC069-12 (version 002, UTF-8): the beneficiary's name and IBAN, the BIC
when it has the form of one, the amount (more than zero, at most 999999999.99 EUR) and the
remittance text (the invoice numbers, so the payment matches itself). A document that cannot
carry a valid code (no IBAN, nothing or too much to pay) carries none.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import segno

from ..domain.iban import compact_iban, format_iban
from ..domain.money import ZERO
from ..domain.settings import TenantSettings
from .page import ACCENT, FONT, GREY, LEFT, LIGHT, PAGE_W, RIGHT, TEXT_W, DinPage
from .qr import make_epc_qr

#: EPC069-12: unstructured remittance information holds at most 140 characters.
EPC_TEXT_MAX = 140
#: EPC069-12: the beneficiary name holds at most 70 characters.
EPC_NAME_MAX = 70
#: EPC069-12 allows at most 999999999.99 EUR.
EPC_MAX_AMOUNT = Decimal("999999999.99")

QR_SIZE = 25.0  # GiroCode: ≥ 20 mm scans reliably; 25 mm leaves margin for print
QR_BORDER = 4  # the quiet zone, in modules (ISO/IEC 18004)
_DARK_RUN = re.compile(rb"\x01+")

#: a row of the bank box: label, value, printed in bold
BankRow = tuple[str, str, bool]


# -- the payload ---------------------------------------------------------------------------------


def join_numbers(numbers: Sequence[str], limit: int = EPC_TEXT_MAX) -> str:
    """Invoice numbers separated by spaces, at most ``limit`` characters.

    If they do not all fit, as many as fit are kept and ``+n`` says how many were left out, so
    the bank statement still names the first invoices and the rest can be matched by amount.
    """
    full = " ".join(numbers)
    if len(full) <= limit:
        return full
    for keep in range(len(numbers) - 1, -1, -1):
        rest = len(numbers) - keep
        text = " ".join([*numbers[:keep], f"+{rest}"])
        if len(text) <= limit:
            return text
    return f"+{len(numbers)}"[:limit]


def epc_name(name: str) -> str:
    """The beneficiary name for the EPC QR code: at most 70 characters and 70 UTF-8 bytes.

    The byte limit keeps the whole payload below the 331 bytes EPC069-12 allows, even for
    names full of non-Latin letters.
    """
    text = " ".join(name.split())[:EPC_NAME_MAX]
    while len(text.encode("utf-8")) > EPC_NAME_MAX:
        text = text[:-1]
    return text.strip()


def payment_qr(settings: TenantSettings, amount: Decimal, text: str) -> segno.QRCode | None:
    """The EPC QR code for paying ``amount`` to the tenant with ``text`` as remittance, or None
    when no valid code can be made (no IBAN, an amount of zero or beyond the EPC limit)."""
    iban = compact_iban(settings.bank.iban)
    if not iban or amount <= ZERO or amount > EPC_MAX_AMOUNT:
        return None
    bic = settings.bank.bic.strip().replace(" ", "")
    return _epc_code(epc_name(settings.company.name), iban, bic if len(bic) in (8, 11) else None,
                     amount, text[:EPC_TEXT_MAX])


@lru_cache(maxsize=64)
def _epc_code(name: str, iban: str, bic: str | None, amount: Decimal, text: str) -> segno.QRCode:
    """segno's code, made faster (qr.py); UTF-8, so names like "Ørsted" or "Łukasz" survive.
    Kept per payload for a document rendered again (a redelivered notice, a preview)."""
    return make_epc_qr(name, iban, amount, text, bic)


def qr_png(qr: segno.QRCode) -> bytes:
    """The QR code as PNG with its quiet zone."""
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4, border=QR_BORDER)
    return buffer.getvalue()


# -- on the page ---------------------------------------------------------------------------------


def draw_qr(pdf: DinPage, qr: segno.QRCode, x: float, y: float, size: float) -> None:
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


def bank_rows(lab: dict[str, str], settings: TenantSettings, reference: str,
              amount_due: str = "") -> list[BankRow]:
    """What the bank box lists: account holder, IBAN, BIC and bank, the reference to quote and
    (on an invoice) the amount; rows without a value are left out."""
    bank = settings.bank
    bic_bank = " · ".join(p for p in (bank.bic.strip(), bank.bank_name) if p)
    rows = [
        (lab["account_holder"], settings.company.name, False),
        (lab["iban"], format_iban(bank.iban) if bank.iban else "", True),
        (f"{lab['bic']} / {lab['bank']}", bic_bank, False),
        (lab["reference"], reference, False),
        (lab["amount_due"], amount_due, True),
    ]
    return [row for row in rows if row[1]]


def bank_box(pdf: DinPage, lab: dict[str, str], rows: list[BankRow],
             qr: segno.QRCode | None) -> None:
    """The bank details on a tinted panel and, beside them, the QR code with its caption."""
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
        draw_qr(pdf, qr, qr_x, qr_y, QR_SIZE)
        pdf.set_text_color(*ACCENT)
        pdf.set_font(FONT, "", 7)
        caption_w = 30.0
        lines = pdf.wrap(lab["qr_caption"], caption_w)
        pdf.set_xy(qr_x - caption_w - 1.5, top + (height - 3.4 * len(lines)) / 2)
        pdf.flow(caption_w, 3.4, lab["qr_caption"], align="R")
        pdf.set_text_color(0, 0, 0)
    pdf.set_xy(LEFT, top + height)


__all__ = ["bank_box", "bank_rows", "epc_name", "join_numbers", "payment_qr", "qr_png"]
