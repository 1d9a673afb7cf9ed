"""Delivering a letter once — a notice, or an invoice Mahnwerk wrote itself.

Both are reserved first (a notice with the invoices it moves, an invoice send on its own); then a
sender claims the right to send with a lease, sends, and finishes the record. A failure it sees
gives the claim back, so the retry need not wait; a crashed sender's lease expires, so the
redelivered message takes over. An email is noted on its record before it is handed to SES (the
SES-attempt window): a retry after a crash right then waits for SES's confirmation instead of
sending a second copy.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..adapters.aws import SendRefused
from ..domain.notices import FINAL_STATUSES, NoticeStatus
from .bootstrap import Context

#: How long a sender's claim holds. Shorter than the notice queue's visibility timeout (180 s), so
#: a redelivered message finds the lease of a crashed sender expired and takes over.
LEASE = timedelta(seconds=120)

#: How long a retry waits for SES's "Send" event of an earlier attempt before it concludes that
#: SES never took the email and sends it (events arrive within seconds; the notice queue retries
#: a waiting request every 6 minutes, 5 times).
SEND_CONFIRMATION_WAIT = timedelta(minutes=15)

def key_part(text: str) -> str:
    """A notice id or invoice number as a part of an S3 key (letters, archive, post outbox)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


class SendInProgress(RuntimeError):
    """Another worker holds the claim (or SES may still confirm an earlier attempt): retry later
    (the message is not lost)."""


@dataclass(frozen=True)
class Claim:
    """The claim on one record (a notice or an invoice send) through its port."""

    name: str
    take: Callable[[str, datetime, datetime], bool]
    give_back: Callable[[str], None]
    status: Callable[[], NoticeStatus | None]


def notice_claim(ctx: Context, tenant_id: str, notice_id: str) -> Claim:
    def status() -> NoticeStatus | None:
        notice = ctx.notices.get_notice(tenant_id, notice_id)
        return None if notice is None else notice.status

    return Claim(notice_id,
                 lambda owner, now, until: ctx.notices.claim_notice(tenant_id, notice_id, owner,
                                                                   now, until),
                 lambda owner: ctx.notices.release_notice(tenant_id, notice_id, owner), status)


def invoice_send_claim(ctx: Context, tenant_id: str, number: str) -> Claim:
    def status() -> NoticeStatus | None:
        send = ctx.invoice_sends.get_invoice_send(tenant_id, number)
        return None if send is None else send.status

    return Claim(number,
                 lambda owner, now, until: ctx.invoice_sends.claim_invoice_send(
                     tenant_id, number, owner, now, until),
                 lambda owner: ctx.invoice_sends.release_invoice_send(tenant_id, number, owner),
                 status)


def deliver_once[T](claim: Claim, send: Callable[[str], T], done: Callable[[], T]) -> T:
    """``send(owner)`` while holding the claim; ``done()`` when the record was finished by
    someone else already; SendInProgress while another sender holds it."""
    owner = uuid.uuid4().hex
    now = datetime.now(UTC)
    if not claim.take(owner, now, now + LEASE):
        if claim.status() in FINAL_STATUSES:
            return done()
        raise SendInProgress(claim.name)
    try:
        return send(owner)
    except Exception:
        claim.give_back(owner)
        raise


def send_email(ctx: Context, note: Callable[[str], None], raw: bytes, source: str,
               recipient: str, tags: dict[str, str]) -> str:
    """Hand the email to SES inside the SES-attempt window: ``note(moment)`` records the attempt
    on the letter's record first; SES refusing it (nothing went out) clears it again, so the retry
    sends at once. The message id SES gave."""
    note(datetime.now(UTC).isoformat())
    try:
        return ctx.mailer.send_raw(raw, source, [recipient], tags=tags)
    except SendRefused:
        note("")
        raise


def accepted_earlier(name: str, attempt_at: str | None, ses_message_id: str | None) -> str | None:
    """The message id if an earlier attempt's email was accepted by SES; None if there was no
    attempt or SES never took it. SendInProgress while its confirmation may still come."""
    if not attempt_at:
        return None
    if ses_message_id:
        return ses_message_id
    if datetime.now(UTC) - datetime.fromisoformat(attempt_at) < SEND_CONFIRMATION_WAIT:
        raise SendInProgress(f"{name}: waiting for SES to confirm an earlier attempt")
    return None
