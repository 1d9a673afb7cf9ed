"""What an owner may do with an invoice by hand, and what each action changes. Pure.

pause       dunning waits until a date (the daily run skips the invoice until the day after)
dispute     the debtor contests the claim: no letters until it is resolved
resolve     the dispute is settled in the owner's favour: dunning resumes from today
write_off   the claim is given up (uncollectable); it leaves the receivables
cancel      the invoice was issued in error (Storno); it leaves the receivables
hand_over   the claim goes to a collection agency or lawyer; Mahnwerk sends nothing more
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .model import DomainError, Invoice, InvoiceStatus

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
}
MAX_PAUSE_DAYS = 366


class NotAllowed(DomainError):
    """The action does not apply to the invoice in its current state (HTTP 409)."""


@dataclass(frozen=True)
class ActionResult:
    invoice: Invoice
    #: the timeline entry's kind and detail
    kind: str
    detail: dict[str, Any]


def apply_action(invoice: Invoice, action: str, today: date, *, until: date | None = None,
                 reason: str = "", to: str = "") -> ActionResult:
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
        resume = until + timedelta(days=1)
        nxt = invoice.next_action_on
        changed = invoice.with_changes(
            paused_until=until, pause_reason=reason,
            next_action_on=max(nxt, resume) if nxt is not None else None)
        return ActionResult(changed, "paused", {**detail, "until": until.isoformat()})
    if action == "dispute":
        return ActionResult(invoice.with_changes(status=S.DISPUTED, next_action_on=None),
                            "disputed", detail)
    if action == "resolve":
        status = S.PARTIALLY_PAID if invoice.paid_amount > 0 else S.OPEN
        return ActionResult(invoice.with_changes(status=status, next_action_on=today),
                            "dispute_resolved", detail)
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
