"""Inbox mail on the local stack, stored as SES's receipt rule stores it: raw MIME under
``mail/`` in the document bucket, SES's verdict headers on top (as passed, unless the message
carries its own), so it reaches the intake function through S3 → IntakeQueue like on AWS."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from mahnwerk.domain.inbox import passed_verdict_headers

_OWN_VERDICT = re.compile(rb"^(x-ses-spam-verdict|x-ses-virus-verdict|authentication-results:"
                          rb"\s*amazonses\.com)", re.IGNORECASE | re.MULTILINE)


def as_ses_stored(raw: bytes) -> bytes:
    """The message with SES's verdict headers prepended (all passed), unless it has its own."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw if end < 0 else raw[:end]
    if _OWN_VERDICT.search(head):
        return raw
    newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
    added = b"".join(f"{name}: {value}".encode() + newline
                     for name, value in passed_verdict_headers())
    return added + raw


def addressed(raw: bytes, address: str) -> bytes:
    """The message as SES delivers it to ``address`` (the envelope recipient, X-Original-To):
    a sample .eml cannot know the random address of the simulated tenant's inbox."""
    newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
    return f"X-Original-To: {address}".encode() + newline + raw


def mail_key(raw: bytes) -> str:
    """SES names the object by its own message id: here, by the hash of the stored bytes."""
    return "mail/" + hashlib.sha256(raw).hexdigest()[:40]


def deliver(stack: Any, raw: bytes) -> str:
    """Store one received message in the stack's bucket (the intake queue is notified); its key."""
    stored = as_ses_stored(raw)
    key = mail_key(stored)
    stack.upload(key, stored)
    return key
