"""The words of a PDF page with their positions, grouped into phrases (what a person sees as one
piece of text: a label, a value, a table cell).

pdfminer.six is imported here only, lazily: most invoices arrive as e-invoices or CSV and a Lambda
cold start should not pay for it. It runs after pypdf has opened the file under its limits and
found it harmless (pdf_invoice.py), and still under bounds of its own: a page budget, a character
budget and a wall-clock deadline checked on every glyph and path it draws.

Coordinates are PDF points measured from the page's top-left corner (``top`` grows downwards).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import Any

#: glyphs read from one PDF at most (an invoice has a few thousand)
MAX_CHARS = 200_000
#: drawing operations (glyphs, paths, images) at most
MAX_OPERATIONS = 1_000_000
#: seconds the layout reading may take (pypdf has already read the same streams within its limits)
TIME_LIMIT = 8.0


#: stands for a glyph whose character the PDF does not tell (pdfminer's "(cid:N)")
UNKNOWN = "\ufffd"


class LayoutLimit(ValueError):
    """The page is too big or too slow to read by its layout; the message is the reason."""


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass
class Phrase:
    """Words on one baseline with no more than a normal word space between them."""

    words: list[Word]
    page: int
    text: str = ""
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    index: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.text = " ".join(w.text for w in self.words)
        self.x0 = min(w.x0 for w in self.words)
        self.x1 = max(w.x1 for w in self.words)
        self.top = min(w.top for w in self.words)
        self.bottom = max(w.bottom for w in self.words)
        self.size = max(w.size for w in self.words)

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class Page:
    number: int
    width: float
    height: float
    phrases: list[Phrase]


def read_pages(data: bytes, max_pages: int, time_limit: float | None = None) -> list[Page]:
    """The phrases of the first ``max_pages`` pages. Raises :class:`LayoutLimit` past a bound."""
    time_limit = TIME_LIMIT if time_limit is None else time_limit
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer, LTPage
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    deadline = time.monotonic() + time_limit
    budget = {"chars": 0, "ops": 0}

    def spend(kind: str) -> None:
        budget["ops"] += 1
        if kind == "char":
            budget["chars"] += 1
            if budget["chars"] > MAX_CHARS:
                raise LayoutLimit(f"more than {MAX_CHARS:,} characters")
        if budget["ops"] > MAX_OPERATIONS:
            raise LayoutLimit(f"more than {MAX_OPERATIONS:,} drawing operations")
        if budget["ops"] % 256 == 0 and time.monotonic() > deadline:
            raise LayoutLimit(f"reading the layout took longer than {time_limit:.0f} s")

    class Bounded(PDFPageAggregator):
        def render_char(self, *args: Any, **kwargs: Any) -> float:
            spend("char")
            return float(super().render_char(*args, **kwargs))

        def paint_path(self, *args: Any, **kwargs: Any) -> None:
            spend("path")
            super().paint_path(*args, **kwargs)

        def render_image(self, *args: Any, **kwargs: Any) -> None:
            spend("image")
            super().render_image(*args, **kwargs)

    manager = PDFResourceManager(caching=True)
    device = Bounded(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[Page] = []
    for number, pdf_page in enumerate(PDFPage.get_pages(io.BytesIO(data), maxpages=max_pages), start=1):
        if time.monotonic() > deadline:
            raise LayoutLimit(f"reading the layout took longer than {time_limit:.0f} s")
        interpreter.process_page(pdf_page)
        layout: LTPage = device.get_result()
        x_origin, y_origin = layout.x0, layout.y1
        chars: list[Word] = []
        pending: list[Any] = [layout]
        while pending:  # in the order of the content stream (ties in position keep it)
            item = pending.pop()
            if isinstance(item, LTChar):
                if not item.upright:
                    continue  # rotated text (a margin note): never a label or value
                text = item.get_text()
                if not text:
                    continue
                if text.startswith("(cid:"):
                    text = UNKNOWN  # a glyph without a Unicode mapping: never read as a letter
                chars.append(Word(text, item.x0 - x_origin, item.x1 - x_origin, y_origin - item.y1,
                                  y_origin - item.y0, float(item.size)))
            elif isinstance(item, LTContainer):
                pending.extend(reversed(list(item)))
        pages.append(Page(number, layout.width, layout.height, phrases_of(chars, number)))
    return pages


def phrases_of(chars: list[Word], page: int) -> list[Phrase]:
    """Glyphs → words → phrases, in reading order (top to bottom, left to right)."""
    lines = _lines(chars)
    phrases: list[Phrase] = []
    for line in lines:
        words = _words(line)
        current: list[Word] = []
        for word in words:
            if current:
                gap = word.x0 - current[-1].x1
                size = max(min(word.size, current[-1].size), 1.0)
                same_line = abs(word.bottom - current[-1].bottom) <= 0.35 * size
                if gap > 0.9 * size or gap < -0.5 * size or not same_line:
                    phrases.append(Phrase(current, page))
                    current = []
            current.append(word)
        if current:
            phrases.append(Phrase(current, page))
    for index, phrase in enumerate(phrases):
        phrase.index = index
    return phrases


def _lines(chars: list[Word]) -> list[list[Word]]:
    """Glyphs sharing a baseline (within a third of their size), each line sorted left to right."""
    lines: list[list[Word]] = []
    for char in sorted(chars, key=lambda c: round(c.bottom, 1)):  # stable: content order within a line
        if lines:
            last = lines[-1]
            anchor = last[0]
            if abs(char.bottom - anchor.bottom) <= 0.3 * max(min(char.size, anchor.size), 1.0):
                last.append(char)
                continue
        lines.append([char])
    return [sorted(line, key=lambda c: round(c.x0, 2)) for line in lines]


def _words(line: list[Word]) -> list[Word]:
    words: list[Word] = []
    current: list[Word] = []

    def close() -> None:
        if current:
            words.append(Word("".join(c.text for c in current), current[0].x0, current[-1].x1,
                              min(c.top for c in current), max(c.bottom for c in current),
                              max(c.size for c in current)))
            current.clear()

    for char in line:
        if char.text.isspace():
            close()
            continue
        if current:
            gap = char.x0 - current[-1].x1
            if gap > 0.2 * max(min(char.size, current[-1].size), 1.0) or gap < -0.6 * char.size:
                close()
        current.append(char)
    close()
    return words
