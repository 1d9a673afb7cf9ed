"""Letters per second: the PDF notice as we render it (fpdf2), and the same letter drawn on
reportlab's canvas in the same run as the reference. Figures printed, never asserted.

The letter: one A4 page, three invoices, the EPC payment QR code, DejaVu Sans (TTF, subset into
each PDF). Every letter of a run is different (customer, names in several scripts, invoice
numbers, so a different QR code), as on a real day; per-process caches (parsed fonts, compiled
templates) are warm after the first letter, whose time is shown on its own.
Targets: ≥ 100 letters/s on one core, and at least 0.8 × the reportlab reference.

Run: .venv/bin/python benchmarks/letters.py [--letters 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk")]

from pypdf import PdfReader  # noqa: E402

from mahnwerk.domain.dunning import NoticeLine, NoticePlan  # noqa: E402
from mahnwerk.domain.model import Address, Channel, Customer  # noqa: E402
from mahnwerk.domain.policy import Action, Tone  # noqa: E402
from mahnwerk.domain.settings import Bank, Company, TenantSettings  # noqa: E402
from mahnwerk.letters import compose, render_notice_pdf  # noqa: E402
from mahnwerk.letters import page as letter_page  # noqa: E402
from mahnwerk.letters.formatting import labels  # noqa: E402
from mahnwerk.letters.page import FONT_DIR  # noqa: E402
from mahnwerk.letters.payment_block import QR_BORDER, QR_SIZE  # noqa: E402
from mahnwerk.letters.pdf import COLUMNS, epc_qr  # noqa: E402
from mahnwerk.letters.view import statement  # noqa: E402

try:
    from reportlab.lib.colors import Color
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
except ImportError:  # pragma: no cover - the dev extras install it
    Canvas = None  # type: ignore[assignment,misc]

RUN = date(2026, 10, 15)
NAMES = ["Zoë Müller-Groß", "Łukasz Şahin", "Ørsted A/S", "Ἀθηνᾶ Ωμέγα", "Jürgen Weiß",
         "Ivan Petrović", "Café Łódź Sp. z o.o.", "Søren Kierkegaard ApS", "Ana Žužić",
         "Dvořák & Synové s.r.o."]
STREETS = ["Lindenallee 7a", "Hauptstraße 1", "Am Ölberg 12", "Große Straße 99", "Kurfürstendamm 21"]
CITIES = [("50667", "Köln"), ("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg")]

SETTINGS = TenantSettings(
    tenant_id="bench",
    company=Company(
        name="Bäckerei Schmidt & Söhne GmbH",
        address=Address("Hauptstraße 12", "10115", "Berlin"),
        email="buchhaltung@baeckerei-schmidt.de", phone="030 1234567", vat_id="DE123456789",
        register="Amtsgericht Charlottenburg HRB 123456 B", managing_director="Anna Schmidt",
        website="www.baeckerei-schmidt.de",
    ),
    bank=Bank(iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX", bank_name="Commerzbank"),
    sender_email="mahnung@baeckerei-schmidt.de",
)


def letter_input(i: int) -> tuple[NoticePlan, Customer]:
    """The i-th letter of a run: one page, three invoices, a name from one of several scripts."""
    postal, city = CITIES[i % len(CITIES)]
    customer = Customer("bench", f"K-{10000 + i}", f"{NAMES[i % len(NAMES)]} {i}",
                        f"k{i}@example.org", Address(STREETS[i % len(STREETS)], postal, city),
                        is_consumer=i % 3 != 0)
    lines = []
    for k in range(3):
        due = date(2026, 8, 1) + timedelta(days=k + i % 20)
        amount = Decimal("119.45") + 37 * k + i % 50
        lines.append(NoticeLine(
            number=f"RE-{20000 + 3 * i + k}", issue_date=due - timedelta(days=14), due_date=due,
            amount=amount, paid=Decimal("0.00"), open_amount=amount, level=2,
            days_overdue=(RUN - due).days, interest=Decimal("1.23") + k))
    plan = NoticePlan(
        tenant_id="bench", customer_id=customer.customer_id, run_date=RUN, level=2,
        level_name="1. Mahnung", tone=Tone.NEUTRAL, channels=(Channel.EMAIL,), action=Action.LETTER,
        lines=tuple(lines), fee=Decimal("1.50"), deadline=RUN + timedelta(days=10), advances=())
    return plan, customer


# -- the reference: the same letter on reportlab's canvas ---------------------------------------

_registered = False


def _register_fonts() -> None:
    """Once per process, as reportlab is meant to be used (its font registry is global)."""
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        _registered = True


def _rgb(color: tuple[int, int, int]) -> Color:
    return Color(*(c / 255 for c in color))


def reportlab_letter(plan: NoticePlan, customer: Customer, settings: TenantSettings) -> bytes:
    """The notice's content and layout (letterhead, window address, information block, text,
    table, totals, bank box with the EPC QR code, closing, footer) drawn with reportlab."""
    _register_fonts()
    letter = compose(plan, customer, settings)
    view = statement(plan, settings, letter.locale)
    lab = labels(letter.locale)
    company = settings.company
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(letter.subject)
    c.setAuthor(company.name)
    c.setCreator(company.name)
    width = 165 * mm
    left = 25 * mm

    def at(y_mm: float) -> float:  # top-left millimetres → reportlab's bottom-left points
        return A4[1] - y_mm * mm

    def text(x: float, y_mm: float, value: str, font: str, size: float, align: str = "L",
             w: float = 0.0) -> None:
        c.setFont(font, size)
        if align == "R":
            c.drawRightString(x + w, at(y_mm), value)
        elif align == "C":
            c.drawCentredString(x + w / 2, at(y_mm), value)
        else:
            c.drawString(x, at(y_mm), value)

    def paragraph(y_mm: float, value: str, font: str, size: float, line: float) -> float:
        for row in simpleSplit(value, font, size, width):
            text(left, y_mm, row, font, size)
            y_mm += line
        return y_mm

    c.setStrokeColor(_rgb(letter_page.GREY))
    c.setLineWidth(0.2 * mm)
    for y in (105, 210):
        c.line(4 * mm, at(y), 9 * mm, at(y))
    c.line(4 * mm, at(148.5), 11 * mm, at(148.5))
    c.setFillColor(_rgb(letter_page.ACCENT))
    text(left, 22, company.name, "DejaVu-Bold", 18)
    c.setFillColor(_rgb(letter_page.GREY))
    address = company.address
    contact = "  ·  ".join(p for p in (address.street, f"{address.postal_code} {address.city}",
                                       company.phone, company.email, company.website) if p)
    text(left, 29, contact, "DejaVu", 8)
    c.setStrokeColor(_rgb(letter_page.ACCENT))
    c.setLineWidth(0.6 * mm)
    c.line(left, at(33), left + width, at(33))
    c.setFillColor(_rgb((0, 0, 0)))
    text(left, 48.5, f"{company.name} · {address.street} · {address.postal_code} {address.city}",
         "DejaVu", 7)
    recipient = [customer.name, customer.address.street,
                 f"{customer.address.postal_code} {customer.address.city}"]
    for i, line in enumerate(recipient):
        text(left, 66.5 + i * 4.3, line, "DejaVu", 10)
    for i, (label, value) in enumerate(((lab["customer_no"], customer.customer_id),
                                        (lab["date"], view.run_date),
                                        (lab["contact"], company.email),
                                        (lab["phone"], company.phone))):
        c.setFillColor(_rgb(letter_page.GREY))
        text(125 * mm, 54 + i * 4.8, label, "DejaVu", 8)
        c.setFillColor(_rgb((0, 0, 0)))
        text(149 * mm, 54 + i * 4.8, value, "DejaVu", 8.5)
    y = paragraph(102.5, letter.subject, "DejaVu-Bold", 11, 5.5) + 4
    y = paragraph(y, letter.salutation, "DejaVu", 9.5, 4.6)
    for block in letter.paragraphs:
        y = paragraph(y + 2.3, block, "DejaVu", 9.5, 4.6)
    y += 2
    c.setFillColor(_rgb(letter_page.LIGHT))
    c.rect(left, at(y + 8), width, 8 * mm, stroke=0, fill=1)
    c.setFillColor(_rgb(letter_page.GREY))
    x = left
    for key, w, align in COLUMNS:
        for i, line in enumerate(view.labels[key].split("\n")):
            text(x + 0.8 * mm, y + 3.5 + i * 3, line, "DejaVu-Bold", 6.5, align, (w - 1.6) * mm)
        x += w * mm
    c.setStrokeColor(_rgb(letter_page.ACCENT))
    c.setLineWidth(0.4 * mm)
    c.line(left, at(y + 8), left + width, at(y + 8))
    y += 8
    c.setFillColor(_rgb((0, 0, 0)))
    c.setStrokeColor(_rgb(letter_page.RULE))
    c.setLineWidth(0.2 * mm)
    for row in view.rows:
        values = (row.number, row.issue_date, row.due_date, row.days_overdue, row.level,
                  row.amount, row.paid, row.interest, row.fees, row.open)
        x = left
        for (key, w, align), value in zip(COLUMNS, values, strict=True):
            font = "DejaVu-Bold" if key == "th_open" else "DejaVu"
            text(x + 0.8 * mm, y + 3.4, value, font, 7.5, align, (w - 1.6) * mm)
            x += w * mm
        c.line(left, at(y + 4.8), left + width, at(y + 4.8))
        y += 4.8
    for label, value in ((lab["subtotal"], view.subtotal), (lab["letter_fee"], view.letter_fee)):
        text(left + 70 * mm, y + 3.4, label, "DejaVu", 8, "R", 63 * mm)
        text(left + 133 * mm, y + 3.4, value, "DejaVu", 8, "R", 32 * mm)
        y += 4.8
    text(left, y + 4.5, f"{lab['deadline']}: {view.deadline}", "DejaVu-Bold", 9.5)
    text(left + 70 * mm, y + 4.5, lab["total"], "DejaVu-Bold", 9.5, "R", 63 * mm)
    text(left + 133 * mm, y + 4.5, view.total, "DejaVu-Bold", 9.5, "R", 32 * mm)
    y += 9.5
    top, height = y, 28.0
    c.setFillColor(_rgb(letter_page.LIGHT))
    c.rect(left, at(top + height), width, height * mm, stroke=0, fill=1)
    c.setFillColor(_rgb(letter_page.ACCENT))
    c.rect(left, at(top + height), 1 * mm, height * mm, stroke=0, fill=1)
    c.setFillColor(_rgb((0, 0, 0)))
    text(left + 4 * mm, top + 5.5, lab["bank_details"], "DejaVu-Bold", 8.5)
    rows = ((lab["account_holder"], view.account_holder), (lab["iban"], view.iban),
            (f"{lab['bic']} / {lab['bank']}", f"{view.bic} · {view.bank_name}"),
            (lab["reference"], view.reference))
    for i, (label, value) in enumerate(rows):
        text(left + 4 * mm, top + 9.5 + i * 4, label, "DejaVu", 7.5)
        text(left + 32 * mm, top + 9.5 + i * 4, value, "DejaVu", 8)
    # the same QR code as our letter (epc_qr: segno's code), drawn the same way: the quiet zone
    # white, the dark modules as one filled path of horizontal runs
    qr = epc_qr(plan, settings)
    assert qr is not None
    size = QR_SIZE * mm
    x0, y0 = (210 - 20 - 1.5) * mm - size, at(top + (height - QR_SIZE) / 2)
    unit = size / (len(qr.matrix) + 2 * QR_BORDER)
    c.setFillColor(_rgb((255, 255, 255)))
    c.rect(x0, y0 - size, size, size, stroke=0, fill=1)
    path = c.beginPath()
    for r, line in enumerate(qr.matrix):
        for run in re.finditer(rb"\x01+", bytes(line)):
            path.rect(x0 + (run.start() + 4) * unit, y0 - (r + 5) * unit,
                      (run.end() - run.start()) * unit, unit)
    c.setFillColor(_rgb((0, 0, 0)))
    c.drawPath(path, stroke=0, fill=1)
    c.setFillColor(_rgb(letter_page.ACCENT))
    for i, line in enumerate(simpleSplit(lab["qr_caption"], "DejaVu", 7, 30 * mm)):
        text(left, top + 12 + i * 3.4, line, "DejaVu", 7, "R", 133.5 * mm - size)
    c.setFillColor(_rgb((0, 0, 0)))
    y = top + height + 3
    text(left, y + 4, letter.closing, "DejaVu", 9.5)
    text(left, y + 10.6, letter.signature, "DejaVu", 9.5)
    c.setFillColor(_rgb(letter_page.GREY))
    paragraph(y + 15, lab["machine_note"], "DejaVu", 7, 3.5)
    c.setStrokeColor(_rgb(letter_page.RULE))
    c.line(left, at(271), left + width, at(271))
    for i, group in enumerate(view.footer_groups):
        text(left, 275 + i * 3.2, "  ·  ".join(group), "DejaVu", 6.5, "C", width)
    c.showPage()
    c.save()
    return buffer.getvalue()


# -- the run ----------------------------------------------------------------------------------


def rate(render: Callable[[NoticePlan, Customer, TenantSettings], bytes], count: int,
         offset: int) -> tuple[float, int]:
    """Letters per second over ``count`` distinct letters, and the mean PDF size."""
    inputs = [letter_input(offset + i) for i in range(count)]
    size = 0
    began = time.perf_counter()
    for plan, customer in inputs:
        size += len(render(plan, customer, SETTINGS))
    return count / (time.perf_counter() - began), size // count


def cold(render: Callable[[NoticePlan, Customer, TenantSettings], bytes]) -> float:
    """Milliseconds for the renderer's first letter in the process (fonts parsed)."""
    plan, customer = letter_input(0)
    began = time.perf_counter()
    render(plan, customer, SETTINGS)
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    contenders: list[tuple[str, Callable[[NoticePlan, Customer, TenantSettings], bytes]]] = [
        ("fpdf2 (render_notice_pdf)", render_notice_pdf)]
    if Canvas is None:
        print("reportlab is not installed (pip install -e '.[dev]'): no reference")
    else:
        contenders.append(("reportlab canvas (reference)", reportlab_letter))
    # what both share (the letter text templates, the QR encoder's tables) is warmed first, so
    # the first letter shows what each PDF library costs on a cold start
    plan, customer = letter_input(0)
    compose(plan, customer, SETTINGS)
    epc_qr(plan, SETTINGS)
    first = {name: cold(fn) for name, fn in contenders}
    pages = len(PdfReader(io.BytesIO(render_notice_pdf(plan, customer, SETTINGS))).pages)
    # best of a few rounds, interleaved, so both see the same machine load
    best: dict[str, tuple[float, int]] = {}
    for r in range(args.rounds):
        for name, fn in contenders:
            result = rate(fn, args.letters, offset=1 + r * args.letters)
            if name not in best or result[0] > best[name][0]:
                best[name] = result
    reference = best.get("reportlab canvas (reference)", (0.0, 0))[0]
    print(f"Letters: {args.letters:,} distinct letters of {pages} page (3 invoices, EPC QR code, "
          f"DejaVu Sans TTF subset) per round, best of {args.rounds} rounds, one core")
    print(f"{'renderer':<30}{'letters/s':>11}{'ms/letter':>11}{'first ms':>10}{'bytes':>9}"
          f"{'× ref':>8}")
    for name, _ in contenders:
        per_second, size = best[name]
        ratio = f"{per_second / reference:.2f}" if reference else "–"
        print(f"{name:<30}{per_second:>11.1f}{1000 / per_second:>11.2f}{first[name]:>10.1f}"
              f"{size:>9,}{ratio:>8}")
    print("(targets: ≥ 100 letters/s and ≥ 0.8 × the reference; both compose the text and take "
          f"the QR code from epc_qr; Python {sys.version.split()[0]}, {date.today().isoformat()})")


if __name__ == "__main__":
    main()
