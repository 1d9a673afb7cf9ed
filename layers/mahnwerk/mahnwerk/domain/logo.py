"""The tenant's logo (``company.logo``): a PNG or JPEG image as a ``data:`` URI (RFC 2397).

``data:image/png;base64,iVBORw0KGgo...`` lives in the settings document itself, so a letter
needs nothing but the settings to be drawn and cannot point at a file that is gone, and the
renderer never opens a path or URL that came from a tenant. It is kept small: the settings are
one DynamoDB item (at most 400 KB) and every letter embeds the image.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from functools import lru_cache

from .model import DomainError

#: decoded size; a crisp letterhead logo is a few KB to a few dozen (base64 adds a third)
MAX_BYTES = 100_000
#: width and height in pixels: enough for 600 dpi across the letterhead, far from a pixel bomb
MAX_SIDE = 4000

_DATA_URI = re.compile(r"data:image/(png|jpeg);base64,")
_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}
_FORMAT = {"png": "PNG", "jpeg": "JPEG"}


@dataclass(frozen=True)
class Logo:
    data: bytes
    #: "png" or "jpeg"
    kind: str
    #: pixels
    width: int
    height: int


def parse_logo(value: str) -> Logo:
    """The logo of a ``data:`` URI, decoded and checked; DomainError says what is wrong."""
    return _parse(value.strip())


@lru_cache(maxsize=16)
def _parse(value: str) -> Logo:
    match = _DATA_URI.match(value)
    if not match:
        raise DomainError("company.logo: expected a PNG or JPEG image as a data URI "
                          "(data:image/png;base64,... or data:image/jpeg;base64,...)")
    kind = match.group(1)
    payload = re.sub(r"\s+", "", value[match.end():])
    too_large = DomainError(f"company.logo: larger than {MAX_BYTES // 1000} KB")
    if len(payload) > (MAX_BYTES + 2) // 3 * 4:
        raise too_large  # before decoding
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError("company.logo: the data after 'base64,' is not valid base64") from exc
    if len(data) > MAX_BYTES:
        raise too_large
    if not data.startswith(_MAGIC[kind]):
        raise DomainError(f"company.logo: the data is not a {_FORMAT[kind]} image")
    width, height = _decode(data, kind)
    return Logo(data=data, kind=kind, width=width, height=height)


def _decode(data: bytes, kind: str) -> tuple[int, int]:
    """Decode the whole image once, so a truncated or corrupt file is refused here."""
    from PIL import Image  # fpdf2's dependency; imported only where logos are read

    try:
        with Image.open(io.BytesIO(data), formats=[_FORMAT[kind]]) as image:
            width, height = image.size
            if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
                raise DomainError(f"company.logo: {width}×{height} pixels; at most "
                                  f"{MAX_SIDE}×{MAX_SIDE}")
            image.load()
    except DomainError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DomainError(f"company.logo: the {_FORMAT[kind]} image cannot be decoded "
                          f"({exc})") from exc
    return width, height


__all__ = ["MAX_BYTES", "MAX_SIDE", "Logo", "parse_logo"]
