"""The checks a debtor's attachment (the portal's dispute form) gets before it is stored: the same
guards every upload passes (``guard.py``: size first, the malware test signature) and a type read
from the bytes, never from the name or the browser's word. Pure functions over bytes."""

from __future__ import annotations

import struct

from ..domain.reasons import Reason
from .guard import MALWARE_REASON, Refused, has_malware_signature, too_large

#: an image larger than this many pixels is refused unread (a decompression bomb)
MAX_PIXELS = 40_000_000


def sniff(data: bytes) -> str:
    """The attachment's real type from its bytes ("" when it is none of PDF, JPEG, PNG)."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4:
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 33:
        return "image/png"
    return ""


def check_attachment(data: bytes, declared: str, max_bytes: int, allowed: dict[str, str]) -> str:
    """The file suffix for the type the bytes really have; Refused (with the reason) otherwise."""
    reason = too_large(data, max_bytes)
    if reason:
        raise Refused(reason)
    if not data:
        raise Refused(Reason("attachment_empty"))
    if has_malware_signature(data):
        raise Refused(MALWARE_REASON)
    kind = sniff(data)
    if kind not in allowed:
        raise Refused(Reason("attachment_kind"))
    if declared and declared != kind and declared != "application/octet-stream":
        raise Refused(Reason("attachment_kind_mismatch", kind=kind, declared=declared[:80]))
    if kind == "image/png":
        width, height = struct.unpack(">II", data[16:24])
        if width * height > MAX_PIXELS:
            raise Refused(Reason("attachment_image_too_large"))
    return allowed[kind]
