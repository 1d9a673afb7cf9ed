"""The tenant's logo (``company.logo``): a PNG or JPEG image as a ``data:`` URI (RFC 2397).

``data:image/png;base64,iVBORw0KGgo...`` lives in the settings document itself, so a letter
needs nothing but the settings to be drawn and cannot point at a file that is gone, and the
renderer never opens a path or URL that came from a tenant. It is kept small: the settings are
one DynamoDB item (at most 400 KB) and every letter embeds the image.

The checks are rules on bytes, no image library: the size in pixels from the header, and the
structure of the file as an image decoder reads it. PNG: the chunks before the pixels whole with
their CRCs, every row of pixels in the compressed data with a known filter. JPEG: the segments
up to the first scan whole, a frame header among them, an end-of-image marker after it (damaged
compressed data inside a scan shows only in decoding: the letter then leaves the logo out).
Turning the image into pixels for a PDF is ``letters/logo.py``.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from collections.abc import Iterator
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
    try:
        width, height = _png_size(data) if kind == "png" else _jpeg_size(data)
    except _Broken as exc:
        raise DomainError(f"company.logo: the {_FORMAT[kind]} image cannot be decoded "
                          f"({exc})") from exc
    return Logo(data=data, kind=kind, width=width, height=height)


class _Broken(ValueError):
    """The file is cut off or damaged: what is wrong, for the message."""


def _check_side(width: int, height: int) -> None:
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise DomainError(f"company.logo: {width}×{height} pixels; at most {MAX_SIDE}×{MAX_SIDE}")


# -- PNG (ISO/IEC 15948): signature, IHDR, chunks (length, type, data, CRC-32), IEND ----------

#: bit depths allowed per colour type, and the samples per pixel
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: Adam7: (first column, first row, column step, row step) of the seven passes
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
          (0, 1, 1, 2))


def _png_size(data: bytes) -> tuple[int, int]:
    """The header and the chunks before the pixels must be whole, with their CRCs; the pixels
    must decompress to every row, each with a known filter. What follows the last row (the end
    of the stream, IEND) may be cut off, as image decoders accept it."""
    header, pos = _png_header(data)
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", header)
    if depth not in _PNG_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
        raise _Broken("unknown image format in IHDR")
    _check_side(width, height)
    if colour == 3 and not _png_has_palette(data, pos):
        raise _Broken("a palette image without its palette")
    starts, total = _png_rows(width, height, depth * _PNG_SAMPLES[colour], interlace)
    pixels = zlib.decompressobj()
    produced, row = 0, 0
    for body in _png_idat(data, pos):
        try:
            # never more than the rows still missing: like an image decoder, stop at the last
            # row (what follows it, the stream's checksum included, is not read)
            while body and produced < total:
                out = pixels.decompress(body, min(1 << 20, total - produced))
                while row < len(starts) and starts[row] < produced + len(out):
                    if out[starts[row] - produced] > 4:
                        raise _Broken("unknown filter type in the image data")
                    row += 1
                produced += len(out)
                body = pixels.unconsumed_tail
        except zlib.error as exc:
            raise _Broken(f"the compressed pixels are damaged: {exc}") from exc
    if produced < total:
        raise _Broken("the image data is cut off")
    return width, height


def _png_header(data: bytes) -> tuple[bytes, int]:
    """IHDR's data, and where the chunks before the first IDAT end."""
    pos, header = 8, b""
    while True:
        if pos + 8 > len(data):
            raise _Broken("the file is cut off")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT" and header:
            return header, pos
        end = pos + 8 + length
        name = kind.decode("latin-1")
        if end + 4 > len(data):
            raise _Broken(f"the {name} chunk is cut off")
        body = data[pos + 8 : end]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end : end + 4])[0]:
            raise _Broken(f"bad checksum in the {name} chunk")
        if not header:
            if kind != b"IHDR" or length != 13:
                raise _Broken("no IHDR header")
            header = body
        pos = end + 4


def _png_has_palette(data: bytes, end: int) -> bool:
    pos = 8
    while pos < end:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"PLTE":
            return True
        pos += 12 + length
    return False


def _png_idat(data: bytes, pos: int) -> Iterator[bytes]:
    """The data of the consecutive IDAT chunks from ``pos``, as far as the file goes."""
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind != b"IDAT":
            return
        yield data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _png_rows(width: int, height: int, bits: int, interlace: int) -> tuple[list[int], int]:
    """Where each row's filter byte stands in the decompressed data, and its whole length."""
    starts: list[int] = []
    offset = 0
    for x0, y0, dx, dy in _ADAM7 if interlace else ((0, 0, 1, 1),):
        columns = (width - x0 + dx - 1) // dx if width > x0 else 0
        rows = (height - y0 + dy - 1) // dy if height > y0 else 0
        if columns and rows:
            stride = 1 + (columns * bits + 7) // 8
            starts += range(offset, offset + rows * stride, stride)
            offset += rows * stride
    return starts, offset


# -- JPEG (ITU T.81): SOI, segments up to the first scan (a frame header among them), EOI -------

#: SOF0…SOF15 carry the frame header; C4 (DHT), C8 (JPG) and CC (DAC) do not
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: markers without a length: TEM and RST0…RST7
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _jpeg_size(data: bytes) -> tuple[int, int]:
    pos, size = 2, None
    while True:
        while pos < len(data) and data[pos] != 0xFF:  # junk between segments, as decoders skip it
            pos += 1
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise _Broken("the file is cut off")
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker == 0xD9:
            raise _Broken("the image ends before its first scan")
        if pos + 2 > len(data):
            raise _Broken("the file is cut off")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > len(data):
            raise _Broken("a segment is cut off")
        body = data[pos + 2 : pos + length]
        pos += length
        if marker in _JPEG_FRAMES:
            if len(body) < 6:
                raise _Broken("the frame header is cut off")
            height, width = struct.unpack(">HH", body[1:5])
            _check_side(width, height)
            size = (width, height)
        if marker == 0xDA:
            break
    if size is None:
        raise _Broken("no frame header before the scan")
    if b"\xff\xd9" not in data[pos:]:
        raise _Broken("no end-of-image marker: the file is cut off")
    return size


__all__ = ["MAX_BYTES", "MAX_SIDE", "Logo", "parse_logo"]
