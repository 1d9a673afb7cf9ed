"""What an owner may do with an invoice by hand, and what each action changes. Pure.

pause       dunning waits until a date (the daily run skips the invoice until the day after)
dispute     the debtor contests the claim: no letters until it is resolved
resolve     the dispute is settled in the owner's favour: the schedule continues where it stood
write_off   the claim is given up (uncollectable); it leaves the receivables
cancel      the invoice was issued in error (Storno); it leaves the receivables
hand_over   the claim goes to a collection agency or lawyer; Mahnwerk sends nothing more
resume      a pause ends early: the schedule continues (undoes ``pause``)
reopen      a handed-over or written-off claim comes back into dunning (undoes ``hand_over`` and
            ``write_off``)

Resolving a dispute: the days spent disputed do not count as grace. The dispute keeps the day it
began and the ``next_action_on`` the invoice had then; resolving sets ``next_action_on`` to the day
of resolution plus the days that were left (next letter due in 5 days when disputed: due 5 days
after the resolution). A letter that was already due when the dispute began (0 days left: the run
had not sent it yet, or a cooldown held it back) is due on the day of resolution and goes out with
the next daily run, at the level it was at: nothing is skipped, no level is repeated. Nothing
scheduled then (None), nothing scheduled now. A pause still running on the day of resolution keeps
the letter back until the day after it, as a pause always does. An invoice disputed before the day
was kept (no ``disputed_on``) continues from its level's scheduled day under ``policy``, and never
before the day of resolution.

Resuming a pause: the pause only ever moved ``next_action_on`` later (to the day after it), so
resuming puts it back on the day the policy's schedule gives for the invoice's level (level 1: its
interval after the due date; level n+1: its interval after level n was sent, a hand-over not before
the day after the announcing letter's deadline), but never before today. A letter goes out with the
next daily run only if it was due by then anyway; nothing is brought forward. A disputed invoice
stays disputed (its schedule is kept for ``resolve``).

Reopening a handed-over or written-off invoice: it is open (or partially paid) again at its level
and continues on the policy's schedule, not before today. When the next step would be the hand-over
again (the invoice was handed over by the last level, or by hand after the last letter) or nothing
is left to send, the owner reopens because the agency sent the claim back or they changed their
mind: the next thing is a letter, not another automatic hand-over the next morning. So the invoice
steps back below the last letter level, and the last letter (the one announcing the hand-over, with
a fresh deadline) goes out again after its own interval, counted from the day of reopening; the
hand-over follows only if that letter's deadline passes unpaid. That letter charges its fee again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .dunning import deadline_of, following_action_on, scheduled_next
from .model import DomainError, Invoice, InvoiceStatus
from .policy import Action, Policy

S = InvoiceStatus
_RECEIVABLE = frozenset({S.OPEN, S.PARTIALLY_PAID})

#: action → statuses it may start from
ALLOWED: dict[str, frozenset[InvoiceStatus]] = {
    "pause": _RECEIVABLE | {S.DISPUTED},
    "dispute": _RECEIVABLE,
    "resolve": frozenset({S.DISPUTED}),
    "write_off": _RECEIVABLE | {S.DISPUTED, S.HANDED_OVER},
    "cancel": _RECEIVABLE | {S.DISPUTED},
    "hand_over": _RECEIVABLE | {S.DISPUTED},
    "resume": _RECEIVABLE | {S.DISPUTED},
    "reopen": frozenset({S.HANDED_OVER, S.WRITTEN_OFF}),
}
#: the actions that need the tenant's policy (``apply_action(policy=…)``)
NEEDS_POLICY = frozenset({"resume", "reopen"})
MAX_PAUSE_DAYS = 366


class NotAllowed(DomainError):
    """The action does not apply to the invoice in its current state (HTTP 409)."""

    code, status, message = "not_allowed_in_state", 409, "not possible in the invoice's current state"


@dataclass(frozen=True)
class ActionResult:
    invoice: Invoice
    #: the timeline entry's kind and detail
    kind: str
    detail: dict[str, Any]


def _not_before(day: date | None, earliest: date | None) -> date | None:
    """``day`` moved to ``earliest`` if it lies before; None (nothing scheduled) stays None."""
    if day is None or earliest is None:
        return day
    return max(day, earliest)


def _resume_after_pause(invoice: Invoice) -> date | None:
    return invoice.paused_until + timedelta(days=1) if invoice.paused_until else None


def resumed_on(invoice: Invoice, today: date, policy: Policy | None = None) -> date | None:
    """The disputed invoice's ``next_action_on`` when its dispute is resolved ``today``: the grace
    left when the dispute began, counted from today (module docstring)."""
    if invoice.disputed_on is not None:
        held = invoice.held_next_action_on
        if held is None:
            return None
        left = max(0, (held - invoice.disputed_on).days)
        return _not_before(today + timedelta(days=left), _resume_after_pause(invoice))
    # disputed before the dispute kept its schedule: the level's scheduled day, if known
    scheduled = scheduled_next(invoice, policy) if policy is not None else None
    nxt = max(scheduled, today) if scheduled is not None else today
    return _not_before(nxt, _resume_after_pause(invoice))


def schedule_day(invoice: Invoice, policy: Policy) -> date | None:
    """The day the invoice's next level falls due by the policy's schedule alone (no pause, no
    cooldown), a hand-over never before the day after the announcing letter's deadline; None when
    nothing more is scheduled or the day of the last letter is unknown."""
    if invoice.level > 0 and invoice.last_notice_on is not None:
        sent = invoice.last_notice_on
        return following_action_on(invoice.level, sent, deadline_of(sent, policy), policy)
    return scheduled_next(invoice, policy)


def last_letter_level(policy: Policy) -> int:
    """The highest level that is a letter (the one before a hand-over level, if there is one)."""
    return policy.top - 1 if policy.level(policy.top).action is Action.HAND_OVER else policy.top


def apply_action(invoice: Invoice, action: str, today: date, *, until: date | None = None,
                 reason: str = "", to: str = "", policy: Policy | None = None) -> ActionResult:
    """``policy`` is read by ``resume`` and ``reopen`` (required), and by ``resolve`` for invoices
    disputed before the dispute kept its schedule."""
    result = _apply(invoice, action, today, until=until, reason=reason, to=to, policy=policy)
    if result.invoice.status is not S.DISPUTED and (result.invoice.disputed_on is not None
                                                  or result.invoice.held_next_action_on is not None):
        # out of the dispute: what it kept is spent
        return ActionResult(result.invoice.with_changes(disputed_on=None, held_next_action_on=None),
                            result.kind, result.detail)
    return result


def _apply(invoice: Invoice, action: str, today: date, *, until: date | None, reason: str,
           to: str, policy: Policy | None) -> ActionResult:
    if action not in ALLOWED:
        raise DomainError(f"unknown action {action!r}")
    if invoice.status not in ALLOWED[action]:
        raise NotAllowed(f"invoice {invoice.number} is {invoice.status.value}; "
                         f"{action.replace('_', ' ')} is not possible")
    reason = reason.strip()[:500]
    detail: dict[str, Any] = {"reason": reason} if reason else {}
    if action == "pause":
        if until is None or until <= today:
            raise DomainError("until: a day after today is required")
        if until > today + timedelta(days=MAX_PAUSE_DAYS):
            raise DomainError(f"until: at most {MAX_PAUSE_DAYS} days ahead")
        changed = invoice.with_changes(paused_until=until, pause_reason=reason)
        changed = changed.with_changes(
            next_action_on=_not_before(invoice.next_action_on, _resume_after_pause(changed)))
        return ActionResult(changed, "paused", {**detail, "until": until.isoformat()})
    if action == "dispute":
        return ActionResult(invoice.with_changes(status=S.DISPUTED, next_action_on=None,
                                                 disputed_on=today,
                                                 held_next_action_on=invoice.next_action_on),
                            "disputed", detail)
    if action == "resolve":
        status = S.PARTIALLY_PAID if invoice.paid_amount > 0 else S.OPEN
        nxt = resumed_on(invoice, today, policy)
        return ActionResult(invoice.with_changes(status=status, next_action_on=nxt),
                            "dispute_resolved",
                            {**detail, "next_action_on": nxt.isoformat() if nxt else None})
    if action == "resume":
        return _resume(invoice, today, detail, policy)
    if action == "reopen":
        return _reopen(invoice, today, detail, policy)
    if action == "write_off":
        return ActionResult(invoice.with_changes(status=S.WRITTEN_OFF, next_action_on=None),
                            "written_off", {**detail, "amount": str(invoice.open_amount)})
    if action == "cancel":
        return ActionResult(invoice.with_changes(status=S.CANCELLED, next_action_on=None),
                            "cancelled", detail)
    to = to.strip()[:200]
    if not to:
        raise DomainError("to: name the collection agency or lawyer")
    return ActionResult(invoice.with_changes(status=S.HANDED_OVER, next_action_on=None),
                        "handed_over", {**detail, "to": to})


def _resume(invoice: Invoice, today: date, detail: dict[str, Any],
            policy: Policy | None) -> ActionResult:
    if invoice.paused_until is None or invoice.paused_until < today:
        raise NotAllowed(f"invoice {invoice.number} is not paused")
    changed = invoice.with_changes(paused_until=None, pause_reason="")
    nxt = invoice.next_action_on
    if invoice.status is not S.DISPUTED and nxt is not None:
        scheduled = schedule_day(invoice, policy) if policy is not None else None
        # unknown schedule (a letter sent before its day was kept): the pause's day stays
        nxt = max(scheduled, today) if scheduled is not None else nxt
    changed = changed.with_changes(next_action_on=nxt)
    return ActionResult(changed, "resumed", {
        **detail, "paused_until": invoice.paused_until.isoformat(),
        "next_action_on": nxt.isoformat() if nxt else None})


def _reopen(invoice: Invoice, today: date, detail: dict[str, Any],
            policy: Policy | None) -> ActionResult:
    if policy is None:
        raise DomainError("reopen needs the tenant's policy")
    if invoice.open_amount <= 0:
        raise NotAllowed(f"invoice {invoice.number} has nothing open to dun")
    status = S.PARTIALLY_PAID if invoice.paid_amount > 0 else S.OPEN
    last_letter = last_letter_level(policy)
    level = invoice.level
    nxt: date | None
    if level + 1 > last_letter:
        # the next step would be the hand-over again (or nothing): the last letter first
        level = max(0, last_letter - 1)
        nxt = today + timedelta(days=policy.level(level + 1).days)
    else:
        scheduled = schedule_day(invoice, policy)
        nxt = max(scheduled, today) if scheduled is not None else today
    nxt = _not_before(nxt, _resume_after_pause(invoice))
    changed = invoice.with_changes(status=status, level=level, next_action_on=nxt)
    return ActionResult(changed, "reopened", {
        **detail, "from": invoice.status.value, "level": level,
        "next_action_on": nxt.isoformat() if nxt else None})
