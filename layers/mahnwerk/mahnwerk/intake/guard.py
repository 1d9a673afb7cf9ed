"""Checks every uploaded file gets before a parser looks inside. Pure functions over bytes."""

from __future__ import annotations

#: Uploads larger than this are refused unread (20 MB; e-invoices with attachments stay far below).
MAX_FILE_BYTES = 20 * 1024 * 1024

#: The EICAR anti-virus test file (https://www.eicar.org). Any file carrying it is refused: it stands
#: for "a malware scanner would quarantine this", and must never reach storage or a letter.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

MALWARE_REASON = "malware test signature (EICAR) found; the file was not imported"


def has_malware_signature(data: bytes) -> bool:
    if EICAR in data:
        return True
    # the same text in UTF-16 (an XML or CSV saved as "Unicode")
    return EICAR.decode("ascii").encode("utf-16-le") in data or EICAR.decode("ascii").encode(
        "utf-16-be") in data


def too_large(data: bytes, max_bytes: int) -> str | None:
    if len(data) > max_bytes:
        return f"the file is too large ({len(data):,} bytes; at most {max_bytes:,} are accepted)"
    return None
