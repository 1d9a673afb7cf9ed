"""The debtor's page (portal): the signed link, how long it lives, and what the debtor's answers
do to the dunning schedule. Pure: no clock, no storage.

The link. ``{portal base}/{tenant}/{customer}/{signature}``: the signature is 96 bits of
HMAC-SHA256 under a per-tenant secret over tenant, customer and the customer's link generation.
Revoking raises the generation: every earlier link stops matching, the next letter prints the new
one. Nothing about a link is stored; a tampered one simply does not verify. It is valid while the
customer has something open and for ``LINK_GRACE_DAYS`` after their last activity.

Holds. An answer holds an invoice's dunning through the two fields the daily run already obeys,
``paused_until`` (the invoice is not dunnable until the day after) and ``next_action_on`` (the due
index the planner reads), and names the hold in ``pause_reason``:

- promise to pay until day D: paused until D, the next level due on D+1. Paid by then: kept.
  Not paid: ``promise_broken`` is true from D+1 until the next letter went out; that letter comes
  the next morning even within the cooldown and says that the promise was not kept. It is the
  invoice's next level, exactly once (the notice id is unchanged: customer, run day, level).
- "already paid" on day C: paused until C + ``policy.paid_claim_days``, waiting for the bank
  match. Unmatched by then: ``claim_unmatched`` holds it until the owner decides (resume the
  dunning, or record the payment).
- dispute: the owner action ``dispute`` (domain/actions.py); the owner resolves it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from .model import DomainError, Invoice, InvoiceStatus
from .money import ZERO
from .policy import Policy

#: the link lives this long after the customer's last open item or activity
LINK_GRACE_DAYS = 90
#: characters of the signature in the link (base64url: 6 bits each → 96 bits)
SIGNATURE_CHARS = 16
#: ``pause_reason`` of the holds an answer sets
PROMISE, PAID_CLAIM, PAID_CLAIM_ASK = "portal:promise", "portal:paid_claim", "portal:paid_claim_ask"
HOLDS = (PROMISE, PAID_CLAIM, PAID_CLAIM_ASK)
#: how long an unmatched "already paid" waits for the owner at most (then it asks again)
ASK_DAYS = 366
#: statuses the debtor may answer about
ANSWERABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID})
#: the reasons a dispute may give (the form's list; the words are the page's)
DISPUTE_REASONS = ("amount_wrong", "not_received", "defective", "already_credited", "other")
NOTE_MAX = 500
MAX_AMOUNT = Decimal("10000000")


class PortalInputError(DomainError):
    """A field of a debtor's answer was refused: ``field`` names it, ``kind`` says why (the page
    words it in German or English)."""

    code, status, message = "portal_input_invalid", 400, "the answer was not accepted"

    def __init__(self, field: str, kind: str, detail: str = "") -> None:
        super().__init__(f"{field}: {kind}{': ' + detail if detail else ''}")
        self.field, self.kind, self.detail = field, kind, detail


# --- the link --------------------------------------------------------------------------------------

def signature(secret: bytes, tenant_id: str, customer_id: str, generation: int) -> str:
    mac = hmac.new(secret, "\x1f".join(("portal/1", tenant_id, customer_id, str(generation)))
                   .encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:SIGNATURE_CHARS]


def signature_ok(secret: bytes, tenant_id: str, customer_id: str, generation: int,
                 presented: str) -> bool:
    expected = signature(secret, tenant_id, customer_id, generation)
    return hmac.compare_digest(expected.encode("ascii"), presented.encode("utf-8", "replace"))


def form_token(secret: bytes, tenant_id: str, customer_id: str, generation: int) -> str:
    """The CSRF token of the page's forms, bound to the link (a revoked link's forms die with it)."""
    mac = hmac.new(secret, "\x1f".join(("portal-form/1", tenant_id, customer_id, str(generation)))
                   .encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def link_alive(invoices: Iterable[Invoice], today: date) -> bool:
    """Valid while the customer has an open item, and ``LINK_GRACE_DAYS`` after their last
    activity (last payment, letter, or invoice date) once nothing is open."""
    last: date | None = None
    for inv in invoices:
        if inv.open_amount > ZERO and inv.status in (
                InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.DISPUTED,
                InvoiceStatus.HANDED_OVER):
            return True
        for day in (inv.last_payment_on, inv.last_notice_on, inv.issue_date, inv.due_date):
            if day is not None and (last is None or day > last):
                last = day
    return last is not None and today <= last + timedelta(days=LINK_GRACE_DAYS)


# --- holds -------------------------------------------------------------------------------------------

def answerable(invoice: Invoice) -> bool:
    return invoice.status in ANSWERABLE and invoice.open_amount > ZERO


def promise_broken(invoice: Invoice, today: date) -> bool:
    """The invoice's promise ran out unpaid and no letter went out since: the next letter says so."""
    return (invoice.pause_reason == PROMISE and invoice.paused_until is not None
            and invoice.paused_until < today and answerable(invoice)
            and invoice.due_date <= invoice.paused_until
            and (invoice.last_notice_on is None or invoice.last_notice_on <= invoice.paused_until))


def _later(day: date | None, earliest: date) -> date | None:
    return None if day is None else max(day, earliest)


def hold_promise(invoice: Invoice, until: date, today: date, policy: Policy,
                 promises_made: int) -> Invoice:
    """The invoice held until ``until`` (the debtor promised to pay by then)."""
    if not answerable(invoice):
        raise PortalInputError("invoice", "not_open")
    if until < today:
        raise PortalInputError("date", "past")
    if until > today + timedelta(days=policy.max_promise_days):
        raise PortalInputError("date", "too_far", str(policy.max_promise_days))
    if promises_made >= policy.promises_per_invoice:
        raise PortalInputError("invoice", "promise_limit")
    nxt = invoice.next_action_on
    after = until + timedelta(days=1)
    if nxt is not None and invoice.due_date > until:
        # promised before the invoice is even overdue: its own schedule stands (a reminder only
        # after its grace), at the earliest the morning after the promised day
        nxt = max(nxt, after)
    elif nxt is not None:
        # overdue: the next level the morning after the promised day, not earlier, not later
        nxt = after
    return invoice.with_changes(paused_until=until, pause_reason=PROMISE, next_action_on=nxt)


def hold_paid_claim(invoice: Invoice, today: date, policy: Policy) -> Invoice:
    """The invoice waits ``paid_claim_days`` for the bank match of the payment the debtor names."""
    if not answerable(invoice):
        raise PortalInputError("invoice", "not_open")
    until = today + timedelta(days=policy.paid_claim_days)
    if invoice.paused_until is not None and invoice.paused_until > until:
        until = invoice.paused_until  # never shortens a longer hold
    return invoice.with_changes(paused_until=until, pause_reason=PAID_CLAIM,
                                next_action_on=_later(invoice.next_action_on,
                                                      until + timedelta(days=1)))


def claim_unmatched(invoice: Invoice, today: date) -> Invoice:
    """No matching payment arrived: dunning waits for the owner's decision (resume or record)."""
    until = today + timedelta(days=ASK_DAYS)
    return invoice.with_changes(paused_until=until, pause_reason=PAID_CLAIM_ASK,
                                next_action_on=_later(invoice.next_action_on,
                                                      until + timedelta(days=1)))


@dataclass(frozen=True)
class Outcome:
    """What became of one hold on a run day: "kept"/"matched" (paid), "broken"/"unmatched" (ran
    out unpaid), "waiting" (still running), "gone" (the owner or another answer replaced it)."""

    number: str
    kind: str
    result: str


def hold_outcome(invoice: Invoice, kind: str, until: date, today: date) -> Outcome:
    """The daily look at one hold the portal set (``kind``: PROMISE or PAID_CLAIM)."""
    paid = invoice.open_amount <= ZERO or invoice.status is InvoiceStatus.PAID
    if paid:
        return Outcome(invoice.number, kind, "kept" if kind == PROMISE else "matched")
    if invoice.pause_reason != kind or invoice.paused_until != until \
            or invoice.status not in ANSWERABLE:
        return Outcome(invoice.number, kind, "gone")
    if today <= until:
        return Outcome(invoice.number, kind, "waiting")
    return Outcome(invoice.number, kind, "broken" if kind == PROMISE else "unmatched")


# --- inputs ------------------------------------------------------------------------------------------

def parse_day(text: str, field: str) -> date:
    text = text.strip()
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        return date.fromisoformat(text[:10]) if len(text) == 10 else _bad(field)
    except ValueError:
        return _bad(field)


def _bad(field: str) -> date:
    raise PortalInputError(field, "date_invalid")


def parse_amount(text: str, field: str = "amount") -> Decimal:
    raw = text.strip().replace(" ", "").replace("€", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    if not raw or len(raw) > 20:
        raise PortalInputError(field, "amount_invalid")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise PortalInputError(field, "amount_invalid") from exc
    if not value.is_finite() or value <= ZERO or value >= MAX_AMOUNT or value != value.quantize(
            Decimal("0.01")):
        raise PortalInputError(field, "amount_invalid")
    return value


def clean_note(text: str, field: str = "note", required: bool = False) -> str:
    text = " ".join(text.split())
    if len(text) > NOTE_MAX:
        raise PortalInputError(field, "too_long", str(NOTE_MAX))
    if required and not text:
        raise PortalInputError(field, "required")
    return text
