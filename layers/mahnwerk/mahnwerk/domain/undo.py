"""Undoing a booked payment on its invoices ("unassign"). Pure.

A payment is stored with what it paid on each invoice (principal, fees, flat fee, interest) and,
since this module exists, the invoice's state just before the booking (``snapshot``). Unassigning
it gives every invoice back what the payment took off, so the claim is what it would be had the
money never been assigned:

- principal, fees, the §288 Abs. 5 flat fee and interest paid are owed again; interest booked up to
  the payment day stays (it was accrued on the principal open then) and runs on from there;
- an invoice the payment paid in full goes back to the status it had (open, partially paid, handed
  over or disputed); its residual charge (waived, claimed or awaiting a decision) is undone with it,
  and its fees are those it had before the payment, including fees of letters sent after the
  payment day that the assignment dropped; a dunnable invoice continues on the day its schedule
  gave (never before today, and not during a pause);
- an invoice the payment paid only in part keeps its status and schedule (dunning went on), and is
  open again rather than partially paid when nothing is left paid on it;
- the invoice's "last payment" (the next letter acknowledges it) is the one before.

Payments are undone last one first: an invoice on which a later payment was booked refuses
(``NotAllowed``), as its state depends on the later one too. Payments booked before the snapshot
was stored are undone from their amounts alone: fees written off with a residual charge then stay
written off.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .actions import NotAllowed, schedule_day
from .dates import parse_day
from .model import DUNNABLE, Invoice, InvoiceStatus
from .money import ZERO, from_str, to_str
from .policy import Policy

S = InvoiceStatus


def snapshot(inv: Invoice) -> dict[str, Any]:
    """What a booking changes on an invoice beyond the amounts it pays, as it was before."""
    return {
        "status": inv.status.value, "level": inv.level,
        "next_action_on": inv.next_action_on.isoformat() if inv.next_action_on else None,
        "fees_open": to_str(inv.fees_open), "charges_open": to_str(inv.charges_open),
        "charges_waived": to_str(inv.charges_waived), "charges_state": inv.charges_state,
        "last_payment_id": inv.last_payment_id,
        "last_payment_on": inv.last_payment_on.isoformat() if inv.last_payment_on else None,
        "last_payment_amount": to_str(inv.last_payment_amount),
    }


def _money(line: Mapping[str, Any], key: str) -> Decimal:
    return from_str(str(line.get(key) or "0"))


def paid_total(line: Mapping[str, Any]) -> Decimal:
    """What the payment paid on the invoice of this stored line, in all."""
    return sum((_money(line, k) for k in ("principal", "fees", "flat_fee", "interest")), ZERO)


def paid_in_full(inv: Invoice, line: Mapping[str, Any]) -> bool:
    """Whether the payment of this stored line paid the invoice's principal off."""
    if "paid_in_full" in line:
        return bool(line["paid_in_full"])
    return inv.status is S.PAID and _money(line, "principal") > ZERO


def unassign(inv: Invoice, line: Mapping[str, Any], payment_id: str, today: date,
             policy: Policy) -> Invoice:
    """The invoice as it is without the payment ``payment_id`` (``line``: what it paid on it, as
    stored on the payment). NotAllowed if a later payment was booked on the invoice."""
    if inv.last_payment_id and inv.last_payment_id != payment_id:
        raise NotAllowed(f"invoice {inv.number}: a later payment was booked on it; "
                         "unassign that one first")
    principal, fees = _money(line, "principal"), _money(line, "fees")
    flat_fee, interest = _money(line, "flat_fee"), _money(line, "interest")
    before: Mapping[str, Any] = line.get("before") or {}
    new = inv.with_changes(
        open_amount=inv.open_amount + principal,
        interest_paid=max(ZERO, inv.interest_paid - interest),
        flat_fee_paid=max(ZERO, inv.flat_fee_paid - flat_fee),
        last_payment_id=before.get("last_payment_id") or "",
        last_payment_on=parse_day(before.get("last_payment_on")),
        last_payment_amount=_money(before, "last_payment_amount"),
    )
    if inv.status is not S.PAID:
        # a part payment: dunning went on meanwhile; only the money comes back
        new = new.with_changes(fees_open=inv.fees_open + fees)
        if new.status is S.PARTIALLY_PAID and new.paid_amount <= ZERO:
            new = new.with_changes(status=S.OPEN)
        return new
    if before:
        new = new.with_changes(
            status=S(before["status"]), fees_open=_money(before, "fees_open"),
            charges_open=_money(before, "charges_open"),
            charges_waived=_money(before, "charges_waived"),
            charges_state=before.get("charges_state") or "",
            next_action_on=parse_day(before.get("next_action_on")))
    elif principal > ZERO:  # booked before snapshots were kept: from the amounts alone
        new = new.with_changes(
            status=S.PARTIALLY_PAID if new.paid_amount > ZERO else S.OPEN,
            fees_open=fees + (inv.fees_open if inv.charges_state != "waived" else ZERO),
            charges_open=ZERO, charges_waived=ZERO, charges_state="", next_action_on=None)
    else:  # a payment on a residual charge only, booked before snapshots were kept
        return new.with_changes(fees_open=inv.fees_open + fees,
                                charges_open=inv.charges_open + fees + flat_fee + interest)
    if new.status in DUNNABLE:
        scheduled = new.next_action_on or schedule_day(new, policy)
        nxt = max(scheduled, today) if scheduled is not None else None
        if nxt is not None and new.paused_until is not None:
            nxt = max(nxt, new.paused_until + timedelta(days=1))
        new = new.with_changes(next_action_on=nxt)
    elif new.status is S.PAID and new.charges_state == "claim" and new.next_action_on is not None:
        new = new.with_changes(next_action_on=max(new.next_action_on, today))
    return new


def behaviour_undone(inv: Invoice, line: Mapping[str, Any], booked_on: date) -> dict[str, int]:
    """The customer's payment-behaviour counters the booking added for this invoice, negated."""
    if not paid_in_full(inv, line):
        return {}
    level = int((line.get("before") or {}).get("level", inv.level))
    return {"paid_count": -1, "paid_on_time": -int(booked_on <= inv.due_date),
            "days_to_pay_sum": -max(0, (booked_on - inv.issue_date).days),
            f"paid_after_l{min(level, 4)}": -1}
