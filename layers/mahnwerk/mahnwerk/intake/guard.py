"""Checks every uploaded file gets before a parser looks inside. Pure functions over bytes."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from ..domain.errors import MahnwerkError
from ..domain.reasons import Reason

#: Uploads larger than this are refused unread (20 MB; e-invoices with attachments stay far below).
MAX_FILE_BYTES = 20 * 1024 * 1024

#: The EICAR anti-virus test file (https://www.eicar.org). Any file carrying it is refused: it stands
#: for "a malware scanner would quarantine this", and must never reach storage or a letter.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

MALWARE_REASON = Reason("malware", where="", where_de="")


def malware_in(attachment: str) -> Reason:
    """The malware reason, naming the attachment it was found in."""
    return Reason("malware", where=f" (in attachment '{attachment}')",
                  where_de=f" (im Anhang „{attachment}“)")


def has_malware_signature(data: bytes) -> bool:
    if EICAR in data:
        return True
    # the same text in UTF-16 (an XML or CSV saved as "Unicode")
    return EICAR.decode("ascii").encode("utf-16-le") in data or EICAR.decode("ascii").encode(
        "utf-16-be") in data


def too_large(data: bytes, max_bytes: int) -> Reason | None:
    if len(data) > max_bytes:
        return Reason("file_too_large_size", size=len(data), max=max_bytes)
    return None


class Refused(MahnwerkError):
    """A file refused while it was being read (too large, malware signature): the reason is for people."""

    code, status, message = "file_refused", 400, "the file was not accepted"


_SIGNATURES = (EICAR, EICAR.decode("ascii").encode("utf-16-le"), EICAR.decode("ascii").encode("utf-16-be"))
_OVERLAP = max(len(s) for s in _SIGNATURES) - 1


class GuardedStream(io.RawIOBase):
    """A binary stream read chunk by chunk with the checks of a whole file: at most ``max_bytes``,
    and no malware test signature anywhere (also across chunk borders). Raises :class:`Refused`."""

    def __init__(self, source: BinaryIO, max_bytes: int = MAX_FILE_BYTES) -> None:
        self._source = source
        self._max = max_bytes
        self._seen = 0
        self._tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        chunk = self._source.read(len(view))
        if not chunk:
            return 0
        self._seen += len(chunk)
        if self._seen > self._max:
            raise Refused(Reason("file_too_large_stream", max=self._max))
        window = self._tail + chunk
        if any(s in window for s in _SIGNATURES):
            raise Refused(MALWARE_REASON)
        self._tail = window[-_OVERLAP:]
        view[: len(chunk)] = chunk
        return len(chunk)


class Rejoined(io.RawIOBase):
    """The bytes already read to look at a file's head, followed by the rest of its stream."""

    def __init__(self, head: bytes, rest: BinaryIO | io.RawIOBase) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        chunk = self._rest.read(len(view))
        if not chunk:
            return 0
        view[: len(chunk)] = chunk
        return len(chunk)


def read_head(stream: BinaryIO | io.RawIOBase, size: int) -> bytes:
    """Up to ``size`` bytes from the start (a raw stream may return fewer per read)."""
    parts: list[bytes] = []
    want = size
    while want > 0:
        chunk = stream.read(want)
        if not chunk:
            break
        parts.append(chunk)
        want -= len(chunk)
    return b"".join(parts)
