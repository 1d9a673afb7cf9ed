"""Bar charts as inline SVG, built on the server: no script, no library, readable without CSS
(every bar has a <title> and the figures are printed on it), scaled by the viewBox."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 240
TOP = 28  # room for the figure above the tallest bar
BOTTOM = 34  # room for the labels under the bars
SIDE = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    #: what is printed above the bar (the amount, formatted for the reader's language)
    caption: str
    #: CSS class for its colour
    tone: str = "b0"
    href: str = ""


def bar_chart(bars: list[Bar], title: str) -> Markup:
    """Vertical bars, heights proportional to the values (a zero stays a hairline)."""
    if not bars:
        return Markup("")
    top = max((b.value for b in bars), default=Decimal(0))
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * SIDE) / len(bars)
    width = min(72.0, slot * 0.62)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
             f"<title>{escape(title)}</title>",
             f'<line class="axis" x1="{SIDE}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - SIDE}" '
             f'y2="{HEIGHT - BOTTOM}"/>']
    for i, bar in enumerate(bars):
        share = float(bar.value / top) if top > 0 and bar.value > 0 else 0.0
        h = max(2.0, plot * share)
        x = SIDE + slot * i + (slot - width) / 2
        y = HEIGHT - BOTTOM - h
        centre = x + width / 2
        rect = (f'<rect class="bar {escape(bar.tone)}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" rx="3"><title>{escape(bar.label)}: {escape(bar.caption)}</title></rect>')
        if bar.href:
            rect = f'<a href="{escape(bar.href)}">{rect}</a>'
        parts.append(rect)
        if bar.value:  # a zero needs no figure: the empty bar says it (and phones have no room)
            # the outer bars' figures align with their outer edge, so they never leave the chart
            anchor, at = (("start", x) if i == 0 else ("end", x + width) if i == len(bars) - 1
                          else ("middle", centre))
            parts.append(f'<text class="figure" x="{at:.1f}" y="{y - 8:.1f}" text-anchor="{anchor}">'
                         f"{escape(bar.caption)}</text>")
        parts.append(f'<text class="label" x="{centre:.1f}" y="{HEIGHT - BOTTOM + 20}" '
                     f'text-anchor="middle">{escape(bar.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
