"""A received e-mail (raw MIME, as SES stores it) → the invoice files it carries.

Parsed with the standard library's ``email`` package (``policy.default``). Every attachment that
is a PDF, an e-invoice XML, a CSV or a ZIP of those becomes a file for the normal intake; inline
images and signatures are ignored; anything else is refused with a reason. Everything is bounded:
message size, header size, MIME parts and nesting, attachments, and for ZIPs entries, depth,
uncompressed size and compression ratio (a ZIP bomb is refused, never unpacked). Pure: bytes in,
files and refusals out; nothing escapes as an exception.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr

from ..domain.reasons import Reason
from .files import refusal, sniff

MAX_MESSAGE_BYTES = 30 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_PARTS = 200
MAX_DEPTH = 8
MAX_FILES = 25
MAX_ZIP_ENTRIES = 50
MAX_ZIP_DEPTH = 2
MAX_ZIP_RATIO = 100
MAX_ZIP_TOTAL = 50 * 1024 * 1024
_IGNORED_TYPES = {"application/pkcs7-signature", "application/x-pkcs7-signature",
                  "application/pgp-signature", "application/pgp-keys", "text/vcard",
                  "text/x-vcard", "text/calendar"}
_UNSAFE = re.compile(r"[^\w .()+,@=-]+", re.UNICODE)


@dataclass(frozen=True)
class MailFile:
    name: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedMail:
    message: EmailMessage | None
    message_id: str = ""
    sender: str = ""
    subject: str = ""
    files: list[MailFile] = field(default_factory=list)
    #: (attachment name, reason) for attachments that are not taken
    refused: list[tuple[str, Reason]] = field(default_factory=list)
    #: the whole message was refused (too large, malformed beyond use): the reason
    error: str = ""


def safe_name(raw: str | None, fallback: str = "anhang") -> str:
    """An attachment name as a file name of the intake: no path (the last part of / or \\), no
    control or odd characters, at most 120 characters, never empty, "." or ".."."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE.sub("_", text).strip(" .")
    if len(text) > 120:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: 110] + dot + ext[:8]) if dot and len(ext) <= 8 else text[:120]
    return text or fallback


def message_key(message_id: str, raw: bytes) -> str:
    """The Message-ID as a key part (``{message-id}/{attachment}``); a message without one is
    named by the hash of its bytes."""
    text = message_id.strip().strip("<>").strip()
    text = re.sub(r"[^A-Za-z0-9._@+=-]+", "_", text)[:100].strip("._")
    return text or "mail-" + hashlib.sha256(raw).hexdigest()[:32]


def parse_mail(raw: bytes, max_file_bytes: int) -> ParsedMail:
    if len(raw) > MAX_MESSAGE_BYTES:
        return ParsedMail(None, error=f"message too large ({len(raw):,} bytes; at most "
                                      f"{MAX_MESSAGE_BYTES:,})")
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    if (end < 0 and len(raw) > MAX_HEADER_BYTES) or end > MAX_HEADER_BYTES:
        return ParsedMail(None, error=f"headers too large (at most {MAX_HEADER_BYTES:,} bytes)")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        mail = ParsedMail(message, message_id=_header(message, "Message-ID"),
                          sender=parseaddr(_header(message, "From"))[1].strip().lower(),
                          subject=_header(message, "Subject")[:200])
        _walk(message, mail, 0, [0], max_file_bytes)
    except _TooMany:
        return ParsedMail(None, error=f"more than {MAX_PARTS} MIME parts: refused")
    except RecursionError:
        return ParsedMail(None, error="message nested too deeply")
    except Exception as exc:  # a malformed message is refused, never a crash
        return ParsedMail(None, error=f"message not readable ({type(exc).__name__})")
    _unique_names(mail)
    return mail


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot decode counts as absent
        return ""
    return "" if value is None else " ".join(str(value).split())


def _walk(part: Message, mail: ParsedMail, depth: int, count: list[int],
          max_file_bytes: int) -> None:
    count[0] += 1
    if count[0] > MAX_PARTS:
        raise _TooMany()
    if depth > MAX_DEPTH:
        mail.refused.append(("", Reason("mail_too_deep", max=MAX_DEPTH)))
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(sub, mail, depth + 1, count, max_file_bytes)
        return
    ctype = part.get_content_type()
    filename = _filename(part)
    if ctype.startswith("image/") or ctype in _IGNORED_TYPES:
        return  # inline images, logos, signatures, vCards
    if filename is None:
        return  # a body text (plain, HTML) or an unnamed part: not an attachment
    name = safe_name(filename)
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        mail.refused.append((name, Reason("attachment_unreadable")))
        return
    _take(name, data, mail, 0, max_file_bytes)


class _TooMany(Exception):
    pass


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a broken RFC 2231 name: still an attachment
        name = "anhang"
    if name is None and part.get_content_disposition() == "attachment":
        name = "anhang"
    return name


def _take(name: str, data: bytes, mail: ParsedMail, zip_depth: int, max_file_bytes: int) -> None:
    if len(mail.files) >= MAX_FILES:
        mail.refused.append((name, Reason("mail_too_many_files", max=MAX_FILES)))
        return
    if len(data) > max_file_bytes:
        mail.refused.append((name, Reason("file_too_large_size", size=len(data), max=max_file_bytes)))
        return
    if data.startswith(b"PK\x03\x04") and not _is_office(data):
        _unzip(name, data, mail, zip_depth + 1, max_file_bytes)
        return
    kind = sniff(data, name)
    if kind.startswith("reject:"):
        mail.refused.append((name, refusal(kind)))
        return
    mail.files.append(MailFile(name, data))


def _is_office(data: bytes) -> bool:
    return b"[Content_Types].xml" in data[:4096]


def _unzip(name: str, data: bytes, mail: ParsedMail, depth: int, max_file_bytes: int) -> None:
    if depth > MAX_ZIP_DEPTH:
        mail.refused.append((name, Reason("zip_too_deep", max=MAX_ZIP_DEPTH)))
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        mail.refused.append((name, Reason("zip_unreadable")))
        return
    if len(entries) > MAX_ZIP_ENTRIES:
        mail.refused.append((name, Reason("zip_too_many_files", max=MAX_ZIP_ENTRIES)))
        return
    declared = sum(i.file_size for i in entries)
    if declared > MAX_ZIP_TOTAL or any(_ratio(i) > MAX_ZIP_RATIO for i in entries):
        mail.refused.append((name, Reason("zip_bomb")))
        return
    taken: list[tuple[str, bytes]] = []
    total = 0
    for info in entries:
        inner = f"{name.rsplit('.', 1)[0]}_{safe_name(info.filename)}"
        limit = min(max_file_bytes, MAX_ZIP_TOTAL - total, max(info.compress_size, 1)
                    * MAX_ZIP_RATIO)
        try:
            if info.flag_bits & 0x1:
                mail.refused.append((inner, Reason("zip_encrypted")))
                continue
            with archive.open(info) as stream:
                content = stream.read(limit + 1)  # never trust the declared size
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError,
                RuntimeError):
            mail.refused.append((inner, Reason("zip_entry_unreadable")))
            continue
        if len(content) > limit:
            mail.refused.append((name, Reason("zip_bomb")))
            return
        total += len(content)
        taken.append((inner, content))
    for inner, content in taken:
        _take(inner, content, mail, depth, max_file_bytes)


def _ratio(info: zipfile.ZipInfo) -> float:
    return info.file_size / max(info.compress_size, 1)


def _unique_names(mail: ParsedMail) -> None:
    seen: dict[str, int] = {}
    files: list[MailFile] = []
    for f in mail.files:
        n = seen.get(f.name.lower(), 0) + 1
        seen[f.name.lower()] = n
        if n > 1:
            stem, dot, ext = f.name.rpartition(".")
            f = MailFile(f"{stem}-{n}{dot}{ext}" if dot else f"{f.name}-{n}", f.data)
        files.append(f)
    mail.files = files
