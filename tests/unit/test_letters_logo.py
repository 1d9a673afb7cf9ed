"""The tenant's logo: a PNG or JPEG data URI in the settings, drawn in the letterhead."""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
from dataclasses import replace

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from mahnwerk.domain.logo import MAX_BYTES, MAX_SIDE, parse_logo
from mahnwerk.domain.model import DomainError
from mahnwerk.domain.settings_doc import settings_from_dict
from mahnwerk.letters import render_notice_pdf

from ..conftest import ROOT
from .test_letters import make_customer, make_plan, make_settings

DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (300, 100), mode: str = "RGBA") -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((5, 5, size[1] - 5, size[1] - 5), fill=(196, 120, 40))
    draw.rectangle((size[1] + 10, size[1] // 3, size[0] - 10, size[1] // 2), fill=(31, 58, 95))
    if mode != "RGBA":
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def with_logo(logo: str):
    settings = make_settings()
    return replace(settings, company=replace(settings.company, logo=logo))


def images_on(pdf: bytes) -> list[str]:
    names = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        names += [name for name, obj in xobjects.items() if obj.get_object()["/Subtype"] == "/Image"]
    return names


# -- drawn in the letterhead -----------------------------------------------------------------


@pytest.mark.parametrize("kind, mime, mode", [("PNG", "image/png", "RGBA"),
                                              ("JPEG", "image/jpeg", "RGB")])
def test_a_logo_is_drawn_in_the_letterhead(kind, mime, mode):
    logo = data_uri(image_bytes(kind, mode=mode), mime)
    pdf = render_notice_pdf(make_plan(3), make_customer(), with_logo(logo))
    assert len(images_on(pdf)) == 1
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "Bäckerei Schmidt & Söhne GmbH" in text  # the name stays, beside the logo
    assert "mahnwerk" not in text.lower()
    # the image sits in the letterhead, right-aligned at the margin, above the contact line
    placements = []
    page.extract_text(visitor_operand_before=lambda op, args, cm, tm:
                      placements.append(cm) if op == b"Do" else None)
    [(w, _, _, h, x, y)] = placements
    mm = 72 / 25.4
    assert x + w == pytest.approx((210 - 20) * mm, abs=0.1)
    top = 297 - (y + h) / mm
    assert top >= 9.9 and top + h / mm <= 25.1 and w / mm <= 55.1


def test_no_logo_no_image():
    # the QR code is vector graphics, so a letter without a logo has no image at all
    assert images_on(render_notice_pdf(make_plan(3), make_customer(), make_settings())) == []


def test_the_same_logo_gives_the_same_bytes():
    settings = with_logo(data_uri(image_bytes()))
    plan, customer = make_plan(2), make_customer()
    assert render_notice_pdf(plan, customer, settings) == render_notice_pdf(plan, customer, settings)


def test_a_logo_is_on_page_one_only():
    pdf = render_notice_pdf(make_plan(60), make_customer(), with_logo(data_uri(image_bytes())))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert len(images_on(pdf)) == 1


@pytest.mark.parametrize("logo", [
    "not a data uri",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA",  # a PNG cut off after its signature
    "data:image/png;base64,%%%",
    data_uri(b"GIF89a" + bytes(40)),
    "/etc/passwd",
    "https://example.org/logo.png",
])
def test_a_broken_logo_costs_the_logo_not_the_letter(logo, caplog):
    with caplog.at_level(logging.WARNING, logger="mahnwerk.letters.pdf"):
        pdf = render_notice_pdf(make_plan(3), make_customer(), with_logo(logo))
    assert images_on(pdf) == []
    assert "Bäckerei Schmidt & Söhne GmbH" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert any("logo" in record.getMessage() for record in caplog.records)


# -- validated with the settings -------------------------------------------------------------


def settings_with_logo(logo):
    doc = copy.deepcopy(DEMO)
    doc["company"]["logo"] = logo
    return settings_from_dict("t", doc)


def test_settings_accept_png_and_jpeg_data_uris():
    png = data_uri(image_bytes())
    assert settings_with_logo(png).company.logo == png
    jpeg = data_uri(image_bytes("JPEG", mode="RGB"), "image/jpeg")
    assert settings_with_logo(jpeg).company.logo == jpeg
    assert settings_with_logo("").company.logo == ""
    logo = parse_logo(png)
    assert (logo.kind, logo.width, logo.height) == ("png", 300, 100)


@pytest.mark.parametrize("logo, reason", [
    ("logo.png", "data URI"),
    ("data:image/svg+xml;base64,PHN2Zz4=", "data URI"),
    ("data:image/png;base64,@@@@", "not valid base64"),
    (data_uri(image_bytes("JPEG", mode="RGB")), "not a PNG"),
    (data_uri(image_bytes()[:60]), "cannot be decoded"),
    (data_uri(b"\x89PNG\r\n\x1a\n" + bytes(64)), "cannot be decoded"),
    (data_uri(image_bytes(size=(MAX_SIDE + 1, 20), mode="L")), "pixels"),
    (data_uri(bytes(MAX_BYTES + 1)), "larger than"),
])
def test_settings_refuse_a_logo_a_letter_could_not_show(logo, reason):
    with pytest.raises(DomainError, match=r"company\.logo") as caught:
        settings_with_logo(logo)
    assert reason in str(caught.value)


def test_the_published_schema_describes_the_same_logo():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs/settings.schema.json").read_text("utf-8"))

    def schema_ok(logo):
        doc = copy.deepcopy(DEMO)
        doc["company"]["logo"] = logo
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError:
            return False
        return True

    assert schema_ok(data_uri(image_bytes())) and schema_ok("")
    assert schema_ok(data_uri(image_bytes("JPEG", mode="RGB"), "image/jpeg"))
    for refused in ("logo.png", "https://example.org/logo.png", "data:image/gif;base64,R0lG",
                    "data:image/png;base64,@@"):
        assert not schema_ok(refused), refused
        with pytest.raises(DomainError):
            settings_with_logo(refused)
