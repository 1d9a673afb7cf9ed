"""The mail path (SES receiving → mail/ → the intake function): MIME bombs, nested messages, huge
headers, wrong charsets, attachment names with paths, ZIP bombs and ZIP path tricks."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from mahnwerk.domain.reasons import reason_text

from .env import Env, first_line
from .model import EICAR, TENANT, Case, Verdict
from .payloads import csv_row

PATH = "e-mail to the tenant's inbox (SES → mail/)"


def _address(env: Env) -> str:
    from mahnwerk.service.mail import current_inbox, rotate_inbox

    with env.stack.service_context() as ctx:
        return current_inbox(ctx, TENANT) or rotate_inbox(ctx, TENANT, env.stack.now)


def _sender(env: Env) -> str:
    return str(env.settings["company"]["email"])


def _headers(env: Env, msgid: str, extra: str = "") -> bytes:
    return (f"From: <{_sender(env)}>\r\nTo: <{_address(env)}>\r\nSubject: Rechnungen\r\n"
            f"Message-ID: <{msgid}@hostile.example>\r\nMIME-Version: 1.0\r\n{extra}").encode()


def _attachment(name_header: str, data: bytes, ctype: str = "text/csv") -> bytes:
    import base64

    body = base64.encodebytes(data)
    return (f"Content-Type: {ctype}\r\nContent-Disposition: attachment; {name_header}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + body


def _multipart(head: bytes, parts: list[bytes], boundary: str = "b0") -> bytes:
    out = head + f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n".encode()
    for part in parts:
        out += f"--{boundary}\r\n".encode() + part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _mail(env: Env, raw: bytes, msgid: str, check: Callable[[dict[str, Any]], Verdict] | None = None
          ) -> Verdict:
    """Deliver as SES would, let the intake run, read the tenant's mail report."""
    from ..inbox import deliver

    dlq, start = env.dlq(), len(env.stack.invocations)
    deliver(env.stack, raw)
    env.stack.drain()
    errors = [log.error for log in env.stack.invocations[start:] if log.error]
    if errors:
        return Verdict("crashed", first_line(errors[0]))
    if env.dlq() > dlq:
        return Verdict("crashed", "the message went to the intake dead-letter queue")
    s3 = env.stack.client("s3")
    try:
        body = s3.get_object(Bucket=env.stack.bucket,
                             Key=f"reports/{TENANT}/mail/{msgid}@hostile.example.json")["Body"]
    except s3.exceptions.NoSuchKey:
        return Verdict("refused", "the whole message was refused (nothing imported, no reply)")
    report: dict[str, Any] = json.loads(body.read())
    if check is not None:
        return check(report)
    taken = [n for f in report["files"] for n in f["imported"]]
    reasons = "; ".join(_refusals(report))
    if taken:
        return Verdict("accepted", f"{len(taken)} invoice(s) taken" + (f"; {reasons}" if reasons else ""))
    if not reasons:
        return Verdict("accepted", "nothing taken and no reason given")
    return Verdict("refused", reasons)


def _names_safe(report: dict[str, Any]) -> Verdict:
    names = [f["name"] for f in report["files"]]
    if any("/" in n or "\\" in n or n.startswith(".") for n in names):
        return Verdict("accepted", f"a path reached the file name: {names}")
    taken = [n for f in report["files"] for n in f["imported"]]
    return Verdict("defused", f"imported as {', '.join(names)} (paths cut off, {len(taken)} "
                              "invoice(s) taken)")


def _charset_ok(report: dict[str, Any]) -> Verdict:
    taken = [n for f in report["files"] for n in f["imported"]]
    if not taken:
        return Verdict("refused", "; ".join(_refusals(report))
                       or "nothing taken")
    return Verdict("defused", f"the undecodable header and name were read with replacement "
                              f"characters; the CSV itself was imported ({len(taken)} invoice(s))")


def _bomb(env: Env) -> Verdict:
    parts = [b"Content-Type: text/plain\r\n\r\nx" for _ in range(5000)]
    return _mail(env, _multipart(_headers(env, "mime-bomb"), parts), "mime-bomb")


def _deep(env: Env) -> Verdict:
    inner = _attachment('filename="tief.csv"', csv_row(number="DEEP-1"))
    for level in range(60):
        inner = (f"Content-Type: multipart/mixed; boundary=\"d{level}\"\r\n\r\n--d{level}\r\n"
                 .encode() + inner + f"\r\n--d{level}--\r\n".encode())
    return _mail(env, _headers(env, "deep") + inner, "deep")


def _nested_message(env: Env) -> Verdict:
    forwarded = (b"From: <stranger@elsewhere.example>\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
                 + _multipart(b"", [_attachment('filename="eicar.csv"', EICAR)], "n1"))
    raw = _multipart(_headers(env, "nested"), [
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" + forwarded])
    return _mail(env, raw, "nested")


def _huge_headers(env: Env) -> Verdict:
    extra = "".join(f"X-Filler-{i}: {'A' * 900}\r\n" for i in range(1200))
    raw = _multipart(_headers(env, "huge-headers", extra),
                     [_attachment('filename="a.csv"', csv_row(number="HH-1"))])
    return _mail(env, raw, "huge-headers")


def _charset(env: Env) -> Verdict:
    raw = _multipart(_headers(env, "charset", "Subject: =?x-unknown-99?B?w6TDtsO8?=\r\n"),
                     [_attachment("filename*=x-unknown-99''Rechnung%E4%FF.csv",
                                  csv_row(number="CS-1"))])
    return _mail(env, raw, "charset", _charset_ok)


def _paths(env: Env) -> Verdict:
    raw = _multipart(_headers(env, "paths"), [
        _attachment('filename="../../../etc/passwd.csv"', csv_row(number="PATH-1")),
        _attachment('filename="C:\\\\Windows\\\\system32\\\\x.csv"', csv_row(number="PATH-2")),
        _attachment('filename="/abs/.hidden.csv"', csv_row(number="PATH-3")),
    ])
    return _mail(env, raw, "paths", _names_safe)


def _zip_bomb(env: Env) -> Verdict:
    data = _zip({"rechnungen.csv": csv_row(number="ZB-1") + b"0" * (40 * 1024 * 1024)})
    return _mail(env, _multipart(_headers(env, "zip-bomb"),
                                 [_attachment('filename="r.zip"', data, "application/zip")]),
                 "zip-bomb")


def _zip_nested(env: Env) -> Verdict:
    data = csv_row(number="ZN-1")
    for level in range(5):
        data = _zip({f"level{level}.zip" if level else "r.csv": data})
    return _mail(env, _multipart(_headers(env, "zip-nested"),
                                 [_attachment('filename="r.zip"', data, "application/zip")]),
                 "zip-nested")


def _zip_slip(env: Env) -> Verdict:
    data = _zip({"../../../../tmp/evil.csv": csv_row(number="ZS-1")})
    return _mail(env, _multipart(_headers(env, "zip-slip"),
                                 [_attachment('filename="r.zip"', data, "application/zip")]),
                 "zip-slip", _names_safe)


def _too_many(env: Env) -> Verdict:
    parts = [_attachment(f'filename="r{i}.csv"', b"x") for i in range(60)]
    return _mail(env, _multipart(_headers(env, "many"), parts), "many",
                 lambda r: Verdict("refused", "; ".join(
                     sorted({x for x in _refusals(r) if "more than" in x})))
                 if any("more than" in x for x in _refusals(r))
                 else Verdict("accepted", "no bound on the number of attachments"))


def mail_cases() -> Iterator[Case]:
    yield Case("mail-mime-bomb", PATH, "5 000 MIME parts in one message", "s3", run=_bomb,
               timeout=30)
    yield Case("mail-deep-nesting", PATH, "multipart nested 60 levels deep", "s3", run=_deep)
    yield Case("mail-nested-message", PATH, "a forwarded message (message/rfc822) carrying the "
               "EICAR test file", "s3", run=_nested_message)
    yield Case("mail-huge-headers", PATH, "1 MB of headers", "s3", run=_huge_headers, timeout=30)
    yield Case("mail-wrong-charset", PATH, "an unknown charset in the subject and the "
               "attachment name (RFC 2047/2231), undecodable bytes", "s3", run=_charset)
    yield Case("mail-path-names", PATH, "attachment names with paths (../, C:\\, /abs/.hidden)",
               "s3", run=_paths)
    yield Case("mail-zip-bomb", PATH, "a ZIP unpacking 1 000-fold to 40 MB", "s3", run=_zip_bomb,
               timeout=30)
    yield Case("mail-zip-nested", PATH, "ZIPs nested 5 levels deep", "s3", run=_zip_nested)
    yield Case("mail-zip-slip", PATH, "a ZIP entry named ../../../../tmp/evil.csv", "s3",
               run=_zip_slip)
    yield Case("mail-many-attachments", PATH, "60 attachments in one message", "s3",
               run=_too_many)


def _refusals(report: dict[str, Any]) -> list[str]:
    """Every refusal of a mail report, in English (the API's and this report's language)."""
    return [reason_text(x, "en") for f in report["files"] for x in f["refused"]]
