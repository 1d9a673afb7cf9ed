"""The PDF letter: content, Unicode, pagination, determinism and the EPC payment QR code."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from mahnwerk.domain.policy import Tone
from mahnwerk.domain.settings import Bank
from mahnwerk.letters import compose, render_notice_pdf
from mahnwerk.letters.page import FONT_DIR
from mahnwerk.letters.pdf import epc_qr_png

from .test_letters import make_customer, make_plan, make_settings


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def german_amount(value: Decimal) -> str:
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + f",{cents} €"


def decode_qr(pdf: bytes, tmp_path: Path, page: int = 1) -> list[str]:
    """Render one page at 200 dpi and read the QR code on it with zbarimg."""
    missing = [tool for tool in ("pdftoppm", "zbarimg") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (apt-get install poppler-utils zbar-tools)")
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "200", "-f", str(page), "-l", str(page), source, prefix],
        check=True,
    )
    [png] = tmp_path.glob("page*.png")
    # -Sbinary: the raw bytes (UTF-8 per the EPC charset line), not zbar's guess at a charset.
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", png], capture_output=True, check=False
    )
    if result.returncode not in (0, 4):  # an old zbar without -Sbinary
        result = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, check=False)
    assert result.returncode == 0, f"no QR code found on page {page}: {result.stderr!r}"
    return result.stdout.decode("utf-8").rstrip("\n").split("\n")


# -- content ---------------------------------------------------------------------------------


def test_fonts_ship_with_their_licence():
    names = {p.name for p in FONT_DIR.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"} <= names
    assert "Bitstream" in (FONT_DIR / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_letter_shows_tenant_customer_invoices_and_total():
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    pdf = render_notice_pdf(plan, customer, settings)
    assert pdf.startswith(b"%PDF-")
    [text] = pages_text(pdf)
    for expected in (
        "Bäckerei Schmidt & Söhne GmbH",
        "Zoë Müller-Groß",
        "Lindenallee 7a",
        "50667 Köln",
        "1. Mahnung – Kundennummer K-10042",
        "Kundennummer",
        "15.10.2026",
        "Zahlungsfrist: 25.10.2026",
        german_amount(plan.total),
        "Mahngebühr für dieses Schreiben",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        "Amtsgericht Charlottenburg HRB 123456 B",
        "USt-IdNr. DE123456789",
        "Geschäftsführung: Anna Schmidt",
        "Bequem bezahlen:",
    ):
        assert expected in text, expected
    for number in plan.invoice_numbers:
        assert number in text
    assert "Seite 1 von" not in text  # one page: no page numbers


def test_white_label_nothing_names_the_software():
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    pdf = render_notice_pdf(plan, customer, settings)
    reader = PdfReader(io.BytesIO(pdf))
    assert "mahnwerk" not in " ".join(pages_text(pdf)).lower()
    meta = reader.metadata
    assert meta is not None
    assert meta.author == "Bäckerei Schmidt & Söhne GmbH"
    assert meta.creator == "Bäckerei Schmidt & Söhne GmbH"
    assert meta.title == "1. Mahnung – Kundennummer K-10042"
    assert "mahnwerk" not in str(dict(meta)).lower()
    assert meta.creation_date is not None and meta.creation_date.date() == plan.run_date


@pytest.mark.parametrize("name", ["Łukasz Şahin", "Ørsted A/S", "Zoë Müller-Groß", "Ἀθηνᾶ Ωμέγα"])
def test_unicode_names_print_correctly(name):
    pdf = render_notice_pdf(make_plan(1), make_customer(name, consumer=False), make_settings())
    assert name in pages_text(pdf)[0]


def test_english_letter():
    plan = make_plan(2, Tone.FRIENDLY)
    pdf = render_notice_pdf(plan, make_customer("Łukasz Şahin", locale="en"), make_settings())
    text = pages_text(pdf)[0]
    assert "Payment reminder – Customer no. K-10042" in text
    assert "Dear Łukasz Şahin," in text
    assert f"€{plan.total:.2f}" in text
    assert "Payment deadline: 25 Oct 2026" in text
    assert "Pay by scanning" in text
    assert "Mahngebühr" not in text and "Fee for this reminder" not in text


def test_foreign_address_gets_a_country_line():
    customer = make_customer("Ørsted A/S", consumer=False, country="DK")
    text = pages_text(render_notice_pdf(make_plan(1), customer, make_settings()))[0]
    assert "DÄNEMARK" in text


def test_the_letter_is_small():
    pdf = render_notice_pdf(make_plan(3), make_customer(), make_settings())
    assert len(pdf) < 60_000  # fonts are subset, not embedded whole (760 KB each)


def test_same_plan_same_bytes():
    plan, customer, settings = make_plan(5, Tone.FIRM), make_customer(), make_settings()
    first = render_notice_pdf(plan, customer, settings)
    assert render_notice_pdf(plan, customer, settings) == first
    later = replace(plan, run_date=plan.run_date.replace(day=16))
    assert render_notice_pdf(later, customer, settings) != first


def test_a_passed_letter_text_is_used():
    plan, customer, settings = make_plan(1), make_customer(), make_settings()
    letter = compose(plan, customer, settings)
    letter = replace(letter, paragraphs=["Ein eigener Absatz."])
    text = pages_text(render_notice_pdf(plan, customer, settings, letter=letter))[0]
    assert "Ein eigener Absatz." in text and "trotz unseres letzten Schreibens" not in text


# -- pagination ------------------------------------------------------------------------------


def test_sixty_invoices_paginate_with_repeated_headings():
    plan = make_plan(60, Tone.FIRM)
    pdf = render_notice_pdf(plan, make_customer(), make_settings())
    pages = pages_text(pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in text
        assert "Bäckerei Schmidt & Söhne GmbH" in text  # running head / footer on every page
        assert "Amtsgericht Charlottenburg" in text
    assert "Rechnungsnr." in pages[1]  # the table heading is repeated
    everything = "\n".join(pages)
    for number in plan.invoice_numbers:
        assert everything.count(number + " ") >= 1, number
    assert german_amount(plan.total) in pages[-1]
    assert "Mit freundlichen Grüßen" in pages[-1]


def test_english_page_numbers():
    pdf = render_notice_pdf(make_plan(60), make_customer(locale="en"), make_settings())
    assert "Page 2 of" in pages_text(pdf)[1]


def test_long_names_and_addresses_do_not_break_the_layout():
    name = "Gemeinnützige Wohnungsbaugesellschaft Nordrhein-Westfalen mbH & Co. KG " * 3
    settings = make_settings(name="Ein sehr langer Firmenname für eine Bäckerei GmbH & Co. KG " * 2)
    pdf = render_notice_pdf(make_plan(2), make_customer(name.strip(), consumer=False), settings)
    assert len(pages_text(pdf)) >= 1


# -- the EPC QR code -------------------------------------------------------------------------


def test_qr_code_decodes_to_an_epc_credit_transfer(tmp_path):
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    lines = decode_qr(render_notice_pdf(plan, customer, settings), tmp_path)
    assert lines[:5] == ["BCD", "002", "1", "SCT", "COBADEFFXXX"]
    assert lines[5] == "Bäckerei Schmidt & Söhne GmbH"
    assert lines[6] == "DE89370400440532013000"
    assert lines[7].startswith("EUR") and Decimal(lines[7][3:]) == plan.total
    assert lines[-1] == "RE-1001 RE-1002 RE-1003"


def test_qr_code_of_a_long_statement_names_the_first_invoices(tmp_path):
    plan = make_plan(60)
    pdf = render_notice_pdf(plan, make_customer(), make_settings())
    last_page = len(PdfReader(io.BytesIO(pdf)).pages)
    lines = decode_qr(pdf, tmp_path, page=last_page)
    reference = lines[-1]
    assert len(reference) <= 140
    assert reference.startswith("RE-1001 RE-1002 ")
    assert reference.split()[-1].startswith("+")
    assert Decimal(lines[7][3:]) == plan.total


def test_no_qr_code_without_iban_or_amount():
    settings = replace(make_settings(), bank=Bank())
    assert epc_qr_png(make_plan(1), settings) is None
    pdf = render_notice_pdf(make_plan(1), make_customer(), settings)
    text = pages_text(pdf)[0]
    assert "Bequem bezahlen" not in text and "Bankverbindung" not in text
    assert epc_qr_png(make_plan(0), make_settings()) is None


def test_qr_code_is_a_png_of_at_least_25_mm():
    png = epc_qr_png(make_plan(3), make_settings())
    assert png is not None and png.startswith(b"\x89PNG")
    from mahnwerk.letters.payment_block import QR_SIZE

    assert QR_SIZE >= 25
