"""The A4 page every document of ours is printed on: DIN 5008 form B, its measures and colours,
the fold marks, the footer, and fast text placement.

Positions are millimetres from the top-left corner of the page (domain.md §4). Documents are in
the tenant's name only (white label): nothing on them says which software wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy

from .pdffonts import SharedTTFFont

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
FOOTER_LINES = 6

ACCENT = (31, 58, 95)
GREY = (96, 106, 118)
LIGHT = (242, 244, 247)
RULE = (200, 205, 212)


class DinPage(FPDF):
    """What every A4 document of ours draws the same way: fold marks, rules across the text
    width, the company's details in the footer (below the content, never triggering a page
    break), and text.

    Text goes through ``put`` and ``flow``, which print what ``cell`` and ``multi_cell`` would
    (same positions, same line breaks) for plain single-style text; with the shared fonts of
    pdffonts at a fraction of the cost (fpdf2 builds several objects per character there).
    """

    def __init__(self, footer_groups: tuple[tuple[str, ...], ...], content_bottom: float,
                 **kwargs: Any) -> None:
        super().__init__(orientation="P", unit="mm", format="A4", **kwargs)
        # Nothing named in tenant or customer data is ever opened as a file or fetched.
        self.resource_access_policy = ResourceAccessPolicy.NONE
        self.footer_groups = footer_groups
        self.content_bottom = content_bottom
        self.set_margins(LEFT, TOP_MARGIN_NEXT, RIGHT)
        self.set_auto_page_break(True, margin=PAGE_H - content_bottom)

    # -- every page -------------------------------------------------------------------------

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

    def marks(self) -> None:
        """DIN 5008 form B: fold marks for a DL envelope and the hole-punch mark."""
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        for y in FOLD_MARKS:
            self.line(4, y, 9, y)
        self.line(4, HOLE_MARK, 11, HOLE_MARK)

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
            for group in self.footer_groups
            for part in self.wrap("  ·  ".join(group), TEXT_W)
        ]
        for i, line in enumerate(lines[:FOOTER_LINES]):
            self.put(LEFT, FOOTER_RULE_Y + 1.8 + i * 3.2, TEXT_W, 3.2, line, align="C")
        self.set_text_color(0, 0, 0)

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
        return self.content_bottom - self.get_y()

    def ensure_space(self, height: float) -> None:
        if self.space_left() < height:
            self.add_page()


__all__ = ["FONT", "FONT_DIR", "DinPage"]
