"""The letter's TrueType fonts: parsed once per process, and subset fast into each PDF.

fpdf2 (2.8) parses the font file with fontTools in every ``FPDF.add_font`` and, on output,
subsets it with fontTools' Subsetter, which rewrites the parsed font in place (so it cannot be
reused) and re-encodes every glyph it keeps. For a one-page letter those two steps took most of
the time. Here instead:

- ``FontProgram`` reads a font file once per process: its tables as bytes, its glyphs as byte
  strings and which glyphs a composite glyph is built from;
- ``add_shared_font`` gives a document a ``TTFFont`` that shares everything immutable (the
  parsed font, the character map, the widths) with a per-process template and has its own
  subset map (the characters this document uses);
- ``LetterOutputProducer`` embeds a glyph-keeping subset: the used glyphs (with the components
  of composite glyphs and ``.notdef``) keep their glyph ids and every other glyph is empty.
  Nothing is renumbered, so the character map, the hinting programs and the metric headers go
  in unchanged, and the result is a pure function of the glyphs used: the same letter gives the
  same bytes, whatever the process rendered before.

It relies on fpdf2's output internals (pinned in requirements.txt); any font that is not one of
ours makes the producer fall back to fpdf2's own code path.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import PDFFontDescriptor, SubsetMap, TTFFont
from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR, NBSP, SOFT_HYPHEN
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream

LOGGER = logging.getLogger(__name__)

#: The tables a PDF viewer needs of an embedded TrueType font (PDF 32000-1 §9.9) plus the
#: character map, names and grid-fitting hints; layout tables (GSUB, GPOS, ...) stay out, as
#: in fpdf2's own subsets.
_TABLES = ("OS/2", "cmap", "cvt ", "fpgm", "gasp", "glyf", "head", "hhea", "hmtx", "loca", "maxp",
           "name", "post", "prep")
_REQUIRED = ("glyf", "head", "hhea", "hmtx", "loca", "maxp", "post")

#: characters fpdf2's line breaker treats specially: texts with them take its own path
_PLAIN = frozenset(BREAKING_SPACE_SYMBOLS_STR + NBSP + SOFT_HYPHEN + "\r\x0c") - {" "}
#: fpdf2's FloatTolerance
_TOLERANCE = 1e-9

# composite glyph flags (OpenType glyf table)
_ARGS_ARE_WORDS, _HAS_SCALE, _MORE_COMPONENTS, _HAS_XY_SCALE, _HAS_2X2 = (
    0x0001, 0x0008, 0x0020, 0x0040, 0x0080)


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _checksum(data: bytes) -> int:
    padded = _pad(data)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _components(glyph: bytes) -> tuple[int, ...]:
    """The glyph ids a composite glyph is made of (none for a simple or empty glyph)."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph)[0] >= 0:
        return ()
    found, pos = [], 10
    while True:
        flags, gid = struct.unpack_from(">HH", glyph, pos)
        found.append(gid)
        pos += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        if flags & _HAS_SCALE:
            pos += 2
        elif flags & _HAS_XY_SCALE:
            pos += 4
        elif flags & _HAS_2X2:
            pos += 8
        if not flags & _MORE_COMPONENTS:
            return tuple(found)


class FontProgram:
    """A TrueType font file, split once into what each subset copies."""

    def __init__(self, data: bytes) -> None:
        version, count = struct.unpack_from(">IH", data)
        if version not in (0x00010000, 0x74727565):  # TrueType outlines ("true")
            raise ValueError("not a TrueType font with glyf outlines")
        tables: dict[str, bytes] = {}
        for k in range(count):
            tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * k)
            tables[tag.decode("latin-1")] = data[offset:offset + length]
        missing = [tag for tag in _REQUIRED if tag not in tables]
        if missing:
            raise ValueError(f"font lacks the table(s) {', '.join(missing)}")
        self.num_glyphs: int = struct.unpack_from(">H", tables["maxp"], 4)[0]
        self.num_hmetrics: int = struct.unpack_from(">H", tables["hhea"], 34)[0]
        n = self.num_glyphs
        if struct.unpack_from(">h", tables["head"], 50)[0]:
            offsets = list(struct.unpack_from(f">{n + 1}I", tables["loca"]))
        else:
            offsets = [2 * o for o in struct.unpack_from(f">{n + 1}H", tables["loca"])]
        glyf = tables["glyf"]
        #: each glyph's outline, padded to 4 bytes (the glyf table's alignment)
        self.glyphs = [_pad(glyf[offsets[g]:offsets[g + 1]]) for g in range(n)]
        self.components = {g: c for g in range(n) if (c := _components(self.glyphs[g]))}
        self.hmtx = tables["hmtx"]
        # long offsets in loca; checkSumAdjustment is set per subset
        head = bytearray(tables["head"])
        head[8:12] = b"\0\0\0\0"
        head[50:52] = struct.pack(">h", 1)
        #: the tables every subset copies unchanged, with their checksums
        self.fixed: dict[str, tuple[bytes, int]] = {
            tag: (table, _checksum(table))
            for tag, table in tables.items() if tag in _TABLES and tag not in {"glyf", "loca", "hmtx"}
        }
        self.fixed["head"] = (bytes(head), _checksum(bytes(head)))
        # post format 3: no glyph names (the PDF maps codes to glyph ids itself)
        post = struct.pack(">I", 0x00030000) + tables["post"][4:32]
        self.fixed["post"] = (post, _checksum(post))

    def closure(self, gids: Iterable[int]) -> set[int]:
        """``gids`` with .notdef and, recursively, the components of composite glyphs."""
        keep = {0}
        todo = [g for g in gids if 0 <= g < self.num_glyphs]
        while todo:
            gid = todo.pop()
            if gid not in keep:
                keep.add(gid)
                todo.extend(self.components.get(gid, ()))
        return keep

    def subset(self, gids: Iterable[int]) -> bytes:
        """A complete font file in which only ``gids`` (and what they need) have outlines and
        metrics; all other glyphs are empty (zero length in loca, zero in hmtx)."""
        keep = sorted(self.closure(gids))
        glyphs = self.glyphs
        sizes = [0] * self.num_glyphs
        for gid in keep:
            sizes[gid] = len(glyphs[gid])
        loca = struct.pack(f">{self.num_glyphs + 1}I", *accumulate(sizes, initial=0))
        hmtx = bytearray(len(self.hmtx))
        split = 4 * self.num_hmetrics
        for gid in keep:
            at = 4 * gid if gid < self.num_hmetrics else split + 2 * (gid - self.num_hmetrics)
            width = 4 if gid < self.num_hmetrics else 2
            hmtx[at:at + width] = self.hmtx[at:at + width]
        variable = {"glyf": b"".join([glyphs[gid] for gid in keep]), "loca": loca,
                    "hmtx": bytes(hmtx)}
        tables = {tag: (data, _checksum(data)) for tag, data in variable.items()} | self.fixed
        return _assemble(tables)


def _assemble(tables: dict[str, tuple[bytes, int]]) -> bytes:
    """The font file of ``tables`` (tag -> data, checksum), with head.checkSumAdjustment set."""
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1,
                         (count - power) * 16)
    offset = 12 + 16 * count
    directory, bodies = [], []
    head_at = 0
    for tag in tags:
        data, checksum = tables[tag]
        if tag == "head":
            head_at = offset
        directory.append(struct.pack(">4sIII", tag.encode("latin-1"), checksum, offset, len(data)))
        padded = _pad(data)
        bodies.append(padded)
        offset += len(padded)
    start = header + b"".join(directory)
    # the file's checksum is the sum of its parts' (all 4-byte aligned); head's counts as 0 here
    total = _checksum(start) + sum(checksum for _, checksum in tables.values())
    font = bytearray(start + b"".join(bodies))
    font[head_at + 8:head_at + 12] = struct.pack(">I", (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(font)


class _Codes(dict[int, str | None]):
    """Character -> its code in the document's subset map, for str.translate; a character
    the map has not seen yet is added to it (SubsetMap.pick) when first met."""

    def __init__(self, subset: SubsetMap) -> None:
        super().__init__()
        self.subset = subset

    def __missing__(self, char: int) -> str | None:
        code = self.subset.pick(char)
        mapped = None if code is None else chr(code)  # None: no glyph, left out as fpdf2 does
        self[char] = mapped
        return mapped


class SharedTTFFont(TTFFont):
    """A document's TTFFont whose parsed, immutable parts are shared within the process."""

    __slots__ = ("_codes", "_last", "glyph_order", "program")

    program: FontProgram
    glyph_order: dict[str, int]
    _last: tuple[str, float]
    _codes: _Codes

    def encode_text(self, text: str) -> str:
        """fpdf2's ``(...) Tj`` for ``text``: each character as its code in this document's
        subset (given out in order of first use), translated by str.translate at C speed."""
        if self.is_symbol:
            return super().encode_text(text)
        return f"({self.escape_text(text.translate(self._codes))}) Tj"

    def get_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        """fpdf2's result, in linear rather than quadratic time while it breaks lines.

        fpdf2's line breaker asks for the width of the line after every character it adds, so
        the same prefix is measured again and again; here a text that extends the previous one
        only adds its new characters. The widths are whole font units, so the sum is exact.
        """
        if text_shaping_params or self.is_symbol:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        cw = self.cw
        if len(text) == 1:
            return 1, cw[ord(text)] * font_size_pt * 0.001
        last, units = self._last
        if last and text.startswith(last):
            units += self.units(text[len(last):])
        else:
            units = self.units(text)
        self._last = (text, units)
        return len(text), units * font_size_pt * 0.001

    def units(self, text: str) -> float:
        """The advance width of ``text`` in font units (1/1000 em; whole numbers)."""
        cw = self.cw
        widths: list[float] = [cw[ord(c)] for c in text]
        return sum(widths)

    def break_lines(self, text: str, size_pt: float, k: float, width: float,
                    c_margin: float) -> list[str] | None:
        """The lines ``multi_cell(width, h, text, dry_run=True, output="LINES")`` returns, or
        None for text this shortcut does not handle (tabs, soft hyphens, special spaces: fpdf2
        breaks those itself).

        The same greedy algorithm on the same floating-point sums as fpdf2's MultiLineBreak
        (break at the last space, else before the character that overflows), without its
        per-character objects: the lines are identical, a test holds the two side by side.
        """
        if not _PLAIN.isdisjoint(text) or self.is_symbol:
            return None
        cw = self.cw
        max_width = width
        for margin in (c_margin, c_margin):
            max_width -= float(margin)
        lines: list[str] = []
        start, units = 0, 0.0
        space = -1  # index of the last space on the line
        i, n = 0, len(text)
        while i < n:
            char = text[i]
            if char == "\n":
                lines.append(text[start:i])
                i += 1
                start, units, space = i, 0.0, -1
                continue
            char_units = cw[ord(char)]
            line_width = units * size_pt * 0.001 / k
            char_width = char_units * size_pt * 0.001 / k
            if line_width + char_width - max_width > _TOLERANCE:
                if char == " ":
                    lines.append(text[start:i])
                    i += 1
                elif space >= 0:
                    lines.append(text[start:space])
                    i = space + 1
                elif i == start:
                    return None  # not even one character fits: fpdf2 raises
                else:
                    lines.append(text[start:i])
                start, units, space = i, 0.0, -1
                continue
            if char == " ":
                space = i
            units += char_units
            i += 1
        if units:
            lines.append(text[start:])
        return lines or [""]


@cache
def _template(path: Path, style: str) -> tuple[TTFFont, FontProgram, dict[str, int]]:
    """The font parsed once per process (fontTools for the metrics, our reader for the subsets)."""
    host = FPDF()
    host.add_font("template", style, str(path))
    font = host.fonts[f"template{style}"]
    assert isinstance(font, TTFFont)
    program = FontProgram(path.read_bytes())
    glyph_order = font.ttfont.getReverseGlyphMap()
    return font, program, glyph_order


def add_shared_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """Like ``pdf.add_font(family, style, path)``, without parsing the font file again."""
    template, program, glyph_order = _template(path, style)
    font = SharedTTFFont.__new__(SharedTTFFont)
    for name in ("type", "ttffile", "is_compressed", "collection_font_number", "scale", "name",
                 "up", "ut", "sp", "ss", "emphasis", "is_cff", "is_cid_keyed", "is_symbol",
                 "cff_ros", "ttfont", "cmap", "cw", "glyph_ids", "palette_index", "color_font"):
        setattr(font, name, getattr(template, name))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font._hbfont = None
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    desc = template.desc
    # the descriptor becomes a PDF object of this document: each document needs its own
    font.desc = PDFFontDescriptor(
        ascent=desc.ascent, descent=desc.descent, cap_height=desc.cap_height, flags=desc.flags,
        font_b_box=desc.font_b_box, italic_angle=desc.italic_angle, stem_v=desc.stem_v,
        missing_width=desc.missing_width)
    font.program = program
    font._last = ("", 0.0)
    font.glyph_order = glyph_order
    font.subset = SubsetMap(font)
    font._codes = _Codes(font.subset)
    pdf.fonts[font.fontkey] = font


class LetterOutputProducer(OutputProducer):
    """fpdf2's producer, embedding our shared fonts as glyph-keeping subsets."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, Any],
        gfxstate_objs_per_name: dict[str, Any],
        pattern_objs_per_name: dict[str, Any],
    ) -> dict[int, Any]:
        fonts = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        if self.fpdf._compliance or not all(isinstance(f, SharedTTFFont) for f in fonts):
            return super()._add_fonts(
                image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name)
        objects: dict[int, Any] = {}
        for font in fonts:
            assert isinstance(font, SharedTTFFont)
            objects[font.i] = self._add_shared_font(font)
        # fpdf2 memoises these per (subset map, argument) for the whole process; as its own
        # producer does, empty them once the document is written (else every letter stays alive)
        SubsetMap.pick.cache_clear()
        SubsetMap.get_glyph.cache_clear()
        return objects

    def _add_shared_font(self, font: SharedTTFFont) -> PDFFont:
        fontname = f"MPDFAA+{font.name}"
        if font.missing_glyphs:
            shown = ", ".join(f"U+{code:04X}" for code in font.missing_glyphs[:10])
            LOGGER.warning("font %s lacks glyphs for %s", font.name, shown)
        # character code in the PDF -> glyph id in the font (unchanged by our subsets)
        code_to_glyph = {
            code: font.glyph_order.get(glyph.glyph_name, 0)
            for glyph, code in font.subset.items() if glyph is not None
        }

        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(subtype="CIDFontType2", base_font=fontname,
                           d_w=font.desc.missing_width, w=_tt_font_widths(font))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        # ToUnicode: lets readers extract and search the text
        entries = []
        for glyph, code in font.subset.items():
            if glyph is None or not isinstance(glyph.unicode, tuple) or not glyph.unicode:
                continue
            unicode = "".join(_utf16_hex(c) for c in glyph.unicode)
            entries.append(f"<{code:04X}> <{unicode}>\n")
        to_unicode = PDFContentStream(
            (
                "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
                "<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n"
                "<0000> <FFFF>\nendcodespacerange\n"
                f"{_build_cmap_blocks(entries, 'bfchar')}"
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
            ).encode("latin-1")
        )
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode

        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        # Codes are handed out from 1 up, so the map ends after the highest code used instead
        # of running on to 0xFFFF: no code beyond it occurs in the document.
        cid_to_gid = bytearray(2 * (max(code_to_glyph, default=0) + 1))
        for code, gid in code_to_glyph.items():
            cid_to_gid[2 * code:2 * code + 2] = struct.pack(">H", gid)
        cid_to_gid_obj = PDFContentStream(contents=bytes(cid_to_gid), compress=True)
        self._add_pdf_obj(cid_to_gid_obj, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_to_gid_obj

        font_file = PDFFontStream(contents=font.program.subset(code_to_glyph.values()))
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file  # type: ignore[attr-defined]
        return composite


def _utf16_hex(code: int) -> str:
    if code > 0xFFFF:
        high, low = 0xD800 | (code - 0x10000) >> 10, 0xDC00 | (code & 0x3FF)
        return f"{high:04X}{low:04X}"
    return f"{code:04X}"


__all__ = ["FontProgram", "LetterOutputProducer", "SharedTTFFont", "add_shared_font"]
