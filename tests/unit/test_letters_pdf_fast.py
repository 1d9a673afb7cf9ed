"""The letter PDF's shortcuts print what fpdf2 and segno would: fonts parsed once per process
and subset per letter, fpdf2's line breaks without its per-character objects, segno's QR code
with a faster mask choice."""

from __future__ import annotations

import io
import random
from decimal import Decimal

import pytest
import segno.helpers
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.errors import FPDFException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from mahnwerk.letters import render_notice_pdf
from mahnwerk.letters.page import FONT, FONT_DIR
from mahnwerk.letters.pdf import LetterPDF
from mahnwerk.letters.pdffonts import FontProgram, LetterOutputProducer, SharedTTFFont
from mahnwerk.letters.qr import make_epc_qr
from mahnwerk.letters.view import statement

from .test_letters import make_customer, make_plan, make_settings


def embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    fonts = {}
    for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        data = descriptor["/FontFile2"].get_object().get_data()
        fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(data))
    return fonts


def outlined(font: TTFont) -> set[str]:
    glyf = font["glyf"]
    return {name for name in font.getGlyphOrder() if glyf[name].numberOfContours != 0}


# -- fonts ---------------------------------------------------------------------------------


def test_the_font_cache_carries_no_glyphs_from_one_letter_to_the_next():
    greek, polish = make_customer("Ἀθηνᾶ Ωμέγα", consumer=False), make_customer("Łukasz Şahin")
    plan, settings = make_plan(1), make_settings()
    first = render_notice_pdf(plan, greek, settings)
    second = render_notice_pdf(plan, polish, settings)
    text = PdfReader(io.BytesIO(second)).pages[0].extract_text()
    assert "Łukasz Şahin" in text and "Ωμέγα" not in text
    regular = embedded_fonts(second)["/MPDFAA+DejaVuSansBook"]
    cmap = regular.getBestCmap()
    glyphs = outlined(regular)
    assert cmap[ord("Ł")] in glyphs and cmap[ord("Ş")] in glyphs
    assert cmap[ord("Ω")] not in glyphs and cmap[ord("μ")] not in glyphs
    assert "Ἀθηνᾶ Ωμέγα" in PdfReader(io.BytesIO(first)).pages[0].extract_text()
    # and whatever came before, the same letter gives the same bytes
    assert render_notice_pdf(plan, greek, settings) == first


def test_the_embedded_subset_is_a_valid_font_with_only_the_glyphs_used():
    pdf = render_notice_pdf(make_plan(3), make_customer(), make_settings())
    for name, font in embedded_fonts(pdf).items():
        for tag in sorted(font.keys()):
            font[tag]  # every table parses
        font.reader.file.seek(0)
        raw = font.reader.file.read()
        words = raw + b"\0" * (-len(raw) % 4)
        total = sum(int.from_bytes(words[i:i + 4], "big") for i in range(0, len(words), 4))
        assert total & 0xFFFFFFFF == 0xB1B0AFBA, name  # head.checkSumAdjustment is right
        assert font["post"].formatType == 3.0
        assert "GSUB" not in font and "GPOS" not in font
        assert 20 < len(outlined(font)) < 150, name  # of 2,259
    assert len(pdf) < 60_000


def test_composite_glyphs_bring_their_components():
    program = FontProgram((FONT_DIR / "DejaVuSans.ttf").read_bytes())
    composite = next(iter(program.components))
    kept = program.closure([composite])
    assert {0, composite, *program.components[composite]} <= kept
    font = TTFont(io.BytesIO(program.subset([composite])))
    glyph = font["glyf"][font.getGlyphName(composite)]
    assert glyph.isComposite()
    for component in glyph.getComponentNames(font["glyf"]):
        assert font["glyf"][component].numberOfContours != 0 or component == ".notdef"


def test_other_fonts_take_fpdf2s_own_path():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(40, 10, "Hello")
    out = bytes(pdf.output(output_producer_class=LetterOutputProducer))
    assert "Hello" in PdfReader(io.BytesIO(out)).pages[0].extract_text()


# -- line breaks ---------------------------------------------------------------------------

_WORDS = ["Zahlung", "Ørsted", "a", "", "Ἀθηνᾶ", "€", "1.234,56", "W", "i", "\n", "x\ny",
          "Zahlungsverzugsbenachrichtigungsschreibenausfertigung", "  ", "–", "Łódź"]


@pytest.fixture(scope="module")
def letter_pdf() -> LetterPDF:
    pdf = LetterPDF(statement(make_plan(1), make_settings(), "de"), "X", "y")
    pdf.add_page()
    return pdf


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(_WORDS), max_size=40),
       width=st.floats(min_value=6, max_value=170), size=st.sampled_from([6.5, 7, 8, 9.5, 11, 18]),
       style=st.sampled_from(["", "B"]))
def test_line_breaks_are_fpdf2s(letter_pdf, words, width, size, style):
    text = " ".join(words)
    letter_pdf.set_font(FONT, style, size)
    font = letter_pdf.current_font
    assert isinstance(font, SharedTTFFont)
    ours = font.break_lines(text, letter_pdf.font_size_pt, letter_pdf.k, width, letter_pdf.c_margin)
    if ours is None:  # a character wider than the line: left to fpdf2, which refuses it
        with pytest.raises(FPDFException, match="Not enough horizontal space"):
            letter_pdf.multi_cell(width, 1, text, dry_run=True, output="LINES")
    else:
        assert ours == letter_pdf.multi_cell(width, 1, text, dry_run=True, output="LINES")
    assert letter_pdf.width_of(text) == letter_pdf.get_string_width(text)


def test_texts_with_special_spaces_are_left_to_fpdf2(letter_pdf):
    letter_pdf.set_font(FONT, "", 9.5)
    font = letter_pdf.current_font
    assert isinstance(font, SharedTTFFont)
    for text in ("a\u00adb", "a\tb", "a\u00a0b", "a\u2009b"):
        assert font.break_lines(text, letter_pdf.font_size_pt, letter_pdf.k, 50, 1) is None
        assert letter_pdf.wrap(text, 50) == letter_pdf.multi_cell(50, 1, text, dry_run=True,
                                                                   output="LINES")


# -- the QR code ---------------------------------------------------------------------------


def test_the_qr_code_is_segnos_module_for_module():
    rng = random.Random(20261115)
    alphabet = "abcdefghijklmnopqrstuvwxyzÄÖÜäöüßØŁŞ &-.0123456789"
    seen_masks, seen_versions = set(), set()
    for _ in range(80):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 70))).strip() or "X"
        text = " ".join(f"RE-{rng.randint(1, 10 ** rng.randint(1, 9))}"
                        for _ in range(rng.randint(1, 20)))[:140]
        amount = Decimal(rng.randint(1, 99_999_999_999)) / 100
        bic = rng.choice([None, "COBADEFFXXX", "BYLADEM1"])
        ours = make_epc_qr(name, "DE89370400440532013000", amount, text, bic)
        theirs = segno.helpers.make_epc_qr(name=name, iban="DE89370400440532013000",
                                           amount=amount, text=text, bic=bic, encoding=1)
        assert (ours.version, ours.mask, ours.matrix) == (theirs.version, theirs.mask,
                                                          theirs.matrix)
        seen_masks.add(ours.mask)
        seen_versions.add(ours.version)
    assert len(seen_masks) >= 6 and len(seen_versions) >= 5  # the sample covers the cases


def test_an_invalid_payload_is_refused_as_segno_refuses_it():
    with pytest.raises(ValueError):
        make_epc_qr("X", "DE89370400440532013000", Decimal("0"), "RE-1", None)
