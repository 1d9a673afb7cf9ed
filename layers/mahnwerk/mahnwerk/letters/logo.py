"""The tenant's logo in a PDF: decoded for fpdf2 once per process, placed on the page.

What a logo may be (a PNG or JPEG data URI, its limits) is the domain's rule (domain/logo.py);
here it becomes pixels. A logo that cannot be drawn costs the document its logo, never the
document.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from fpdf import FPDF
from fpdf.image_datastructures import RasterImageInfo
from fpdf.image_parsing import get_img_info

from ..domain.logo import parse_logo

LOGGER = logging.getLogger(__name__)


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


def place_logo(pdf: FPDF, logo: LogoImage, x: float, y: float, w: float, h: float) -> None:
    """Place the prepared logo; its pixels were parsed once per process, not per letter."""
    cache = pdf.image_cache
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
    pdf.image(logo.data, x=x, y=y, w=w, h=h)


__all__ = ["LogoImage", "logo_image", "place_logo"]
