"""A notice as stored: its status, the decided letter (as JSON) and where it went. Also the
record of sending an invoice Mahnwerk wrote itself, which follows the same lifecycle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .dunning import Advance, NoticeLine, NoticePlan
from .model import Channel, InvoiceStatus
from .money import from_str, to_str
from .policy import Action, Tone


class NoticeStatus(StrEnum):
    """reserved → sending (claimed, with a lease) → sent | held | cancelled; or handed_over.
    A letter that needs the owner's approval is reserved as awaiting_approval: approved it becomes
    reserved (and goes the same way), skipped or stale it is cancelled."""

    AWAITING_APPROVAL = "awaiting_approval"
    RESERVED = "reserved"
    SENDING = "sending"
    SENT = "sent"
    HELD = "held"
    HANDED_OVER = "handed_over"
    CANCELLED = "cancelled"


#: a notice (or an invoice send) in one of these is finished: nobody sends it again
FINAL_STATUSES = frozenset({NoticeStatus.SENT, NoticeStatus.HELD, NoticeStatus.HANDED_OVER,
                            NoticeStatus.CANCELLED})
#: reserved, or being sent: a retry resumes it
OPEN_STATUSES = frozenset({NoticeStatus.RESERVED, NoticeStatus.SENDING})


@dataclass(frozen=True)
class Notice:
    """One stored notice. ``plan`` is the decided letter as JSON (``plan_from_json``): a retry
    resumes it, never re-decides."""

    notice_id: str
    status: NoticeStatus
    plan: str
    reserved_at: str
    pdf_key: str | None = None
    message_id: str | None = None
    post_key: str | None = None
    sent_at: str | None = None
    held_reason: str | None = None
    fallback: str | None = None
    #: the email was handed to SES at this moment (a crash may follow before ``message_id``)
    send_attempt_at: str | None = None
    #: SES's "Send" event for this notice arrived: SES accepted the email
    ses_message_id: str | None = None
    #: the owner approved this letter (``policy.approval``) at this moment
    approved_at: str | None = None

    def decided(self) -> NoticePlan:
        return plan_from_json(self.plan)


@dataclass(frozen=True)
class InvoiceSend:
    """Sending one invoice Mahnwerk wrote itself: reserved → sending → sent | held."""

    number: str
    status: NoticeStatus
    reserved_at: str
    pdf_key: str | None = None
    message_id: str | None = None
    post_key: str | None = None
    sent_at: str | None = None
    held_reason: str | None = None
    fallback: str | None = None
    #: the SES-attempt window, as on a notice
    send_attempt_at: str | None = None
    ses_message_id: str | None = None


def plan_to_json(plan: NoticePlan) -> str:
    def enc(value: Any) -> Any:
        if isinstance(value, Decimal):
            return to_str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, tuple | list):
            return [enc(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: enc(getattr(value, k)) for k in value.__dataclass_fields__}
        if hasattr(value, "value"):
            return value.value
        return value

    return json.dumps(enc(plan), ensure_ascii=False, sort_keys=True)


def plan_from_json(text: str) -> NoticePlan:
    doc = json.loads(text)

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    lines = tuple(
        NoticeLine(
            number=ln["number"], issue_date=date.fromisoformat(ln["issue_date"]),
            due_date=date.fromisoformat(ln["due_date"]), amount=from_str(ln["amount"]),
            paid=from_str(ln["paid"]), open_amount=from_str(ln["open_amount"]),
            level=int(ln["level"]), days_overdue=int(ln["days_overdue"]),
            interest=from_str(ln["interest"]), fees=from_str(ln["fees"]),
            flat_fee=from_str(ln.get("flat_fee", "0")), default_from=day(ln.get("default_from")),
            currency=ln.get("currency") or "EUR",  # plans stored before currencies were kept
        )
        for ln in doc["lines"]
    )
    advances = tuple(
        Advance(number=a["number"], from_level=int(a["from_level"]), to_level=int(a["to_level"]),
                next_action_on=day(a["next_action_on"]), status=InvoiceStatus(a["status"]),
                expected_version=int(a["expected_version"]),
                fees_open=from_str(a.get("fees_open", "0")),
                reminder_reached_on=day(a.get("reminder_reached_on")),
                charges_state=a.get("charges_state"),
                last_notice_before=day(a.get("last_notice_before")))
        for a in doc["advances"]
    )
    return NoticePlan(
        tenant_id=doc["tenant_id"], customer_id=doc["customer_id"],
        run_date=date.fromisoformat(doc["run_date"]), level=int(doc["level"]),
        level_name=doc["level_name"], tone=Tone(doc["tone"]),
        channels=tuple(Channel(c) for c in doc["channels"]), action=Action(doc["action"]),
        lines=lines, fee=from_str(doc["fee"]), deadline=date.fromisoformat(doc["deadline"]),
        advances=advances, stale_base_rate=bool(doc.get("stale_base_rate")),
        checks=tuple((str(n), int(v)) for n, v in doc.get("checks", [])),
        kind=doc.get("kind", "dunning"),
        payments=tuple((date.fromisoformat(d), from_str(a)) for d, a in doc.get("payments", [])),
        note=str(doc.get("note", "")),
        undeliverable=str(doc.get("undeliverable") or ""),
        promise_broken=tuple(str(n) for n in doc.get("promise_broken") or ()),
        portal_url=str(doc.get("portal_url") or ""),
        promised_by=day(doc.get("promised_by")),
    )
