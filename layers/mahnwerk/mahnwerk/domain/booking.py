"""What booking one payment changes: the invoices it settles (§§366, 367 BGB), a credit for an
over-payment, the customer's payment behaviour, the allocation as stored on the payment, and the
events for integrators. Pure: the service reads the invoices and writes the booking.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from . import events, residual, undo
from .dunning import NoticeLine
from .model import Invoice, InvoiceStatus
from .money import ZERO, cents, to_str
from .settings import TenantSettings
from .settling import Settlement, settle


class OpenClaims(Protocol):
    """A tenant's settleable invoices, and their claims as of a day."""

    @property
    def settings(self) -> TenantSettings: ...
    @property
    def open(self) -> Mapping[str, Invoice]: ...

    def line(self, inv: Invoice, on: date) -> tuple[Invoice, NoticeLine]:
        """The invoice with interest accrued to ``on``, and its claim then."""
        ...


@dataclass
class Booking:
    """What settling one payment changes: the invoices (with the versions read), a credit for an
    over-payment, the customer's behaviour counters, the allocation as stored on the payment, and
    the invoices' timeline entries (residual charges waived, claimed or asked about)."""

    updates: list[tuple[Invoice, int]]
    credit: Invoice | None
    behaviour: dict[str, int]
    invoices_json: str
    settlement: Settlement
    #: (invoice number, kind, detail) written with the booking
    timeline: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: invoices whose principal this payment paid off
    paid_now: list[str] = field(default_factory=list)


def settle_on(book: OpenClaims, numbers: list[str], amount: Decimal, on: date, customer_id: str,
              source: str, entry_key: str, designated: bool = False,
              late_fees: Mapping[str, Decimal] | None = None) -> Booking:
    """Allocate ``amount`` paid on ``on`` to the named open invoices (§366/§367 BGB);
    ``designated``: the debtor named them (§367 Abs. 2), so their principal is paid first.

    ``late_fees``: per invoice, the fees of letters sent after ``on`` (a payment assigned late).
    The money arrived before those letters, so it is allocated as if they had not been sent; an
    invoice it pays off drops their fees (the letters should not have gone out), one it pays in
    part keeps them (they were owed: the debtor was still behind)."""
    tenant = book.settings.tenant_id
    policy = book.settings.policy
    accrued: dict[str, Invoice] = {}
    dropped: dict[str, Decimal] = {}
    lines = []
    for number in numbers:
        inv = book.open[number]
        late = min((late_fees or {}).get(number, ZERO), inv.fees_open)
        if late > ZERO and not residual.claimable(inv):
            dropped[number] = late
            inv = inv.with_changes(fees_open=inv.fees_open - late)
        accrued[number], line = book.line(inv, on)
        lines.append(line)
    settlement = settle(amount, lines, named=numbers, designated=designated)
    updates: list[tuple[Invoice, int]] = []
    behaviour: defaultdict[str, int] = defaultdict(int)
    timeline: list[tuple[str, str, dict[str, str]]] = []
    paid_now: list[str] = []
    for s in settlement.invoices:
        inv = accrued[s.number]
        new = inv.with_changes(
            open_amount=s.principal_after,
            fees_open=max(ZERO, inv.fees_open - s.fees),
            flat_fee_paid=inv.flat_fee_paid + s.flat_fee,
            interest_paid=inv.interest_paid + s.interest,
            last_payment_id=entry_key, last_payment_on=on, last_payment_amount=cents(amount),
        )
        late = dropped.get(s.number, ZERO)
        if residual.claimable(inv):  # the principal was paid before: this pays residual charges
            new = residual.charges_paid(new, s.claim_after)
        elif s.principal_after <= ZERO:
            new = residual.principal_paid(new, s.claim_after, policy, on)
            paid_now.append(s.number)
            if late > ZERO:
                timeline.append((s.number, "fees_dropped", {"amount": to_str(late)}))
            if inv.status is InvoiceStatus.HANDED_OVER:
                timeline.append((s.number, "hand_over_withdrawn", {"payment_id": entry_key}))
            if new.charges_state == "waived" and new.charges_waived > inv.charges_waived:
                timeline.append((s.number, "charges_waived",
                                 {"amount": to_str(new.charges_waived - inv.charges_waived)}))
            elif new.charges_state in ("claim", "ask"):
                timeline.append((s.number, f"charges_{new.charges_state}",
                                 {"amount": to_str(new.charges_open)}))
        elif inv.status not in (InvoiceStatus.HANDED_OVER, InvoiceStatus.DISPUTED):
            # a part payment does not end a dispute or a hand-over
            new = new.with_changes(status=InvoiceStatus.PARTIALLY_PAID)
        if late > ZERO and s.number not in paid_now:
            new = new.with_changes(fees_open=new.fees_open + late)
        updates.append((new, book.open[s.number].version))
        if s.number in paid_now:
            behaviour["paid_count"] += 1
            behaviour["paid_on_time"] += int(on <= inv.due_date)
            behaviour["days_to_pay_sum"] += max(0, (on - inv.issue_date).days)
            behaviour[f"paid_after_l{min(inv.level, 4)}"] += 1
    credit = None
    if settlement.overpayment > ZERO:
        credit = Invoice(
            tenant_id=tenant, number=f"GUTHABEN-{entry_key[:10].upper()}",
            customer_id=customer_id, issue_date=on, due_date=on,
            amount=-settlement.overpayment, open_amount=-settlement.overpayment,
            source=source, received_at=datetime.combine(on, datetime.min.time()).isoformat())
    # what it paid on each invoice, and (for ``undo.unassign``) the invoice's state before
    invoices_json = json.dumps([{"number": s.number, "fees": to_str(s.fees),
                                 "flat_fee": to_str(s.flat_fee), "interest": to_str(s.interest),
                                 "principal": to_str(s.principal),
                                 "paid_in_full": s.number in paid_now,
                                 **({"fees_dropped": to_str(dropped[s.number])}
                                    if s.number in paid_now and s.number in dropped else {}),
                                 "before": undo.snapshot(book.open[s.number])}
                                for s in settlement.invoices])
    return Booking(updates, credit, dict(behaviour), invoices_json, settlement, timeline, paid_now)


def booked_events(tenant: str, payment_id: str, customer_id: str, on: date, amount: Decimal,
                  method: str, booking: Booking, via: str, at: datetime) -> list[events.DomainEvent]:
    """PaymentMatched, and InvoicePaid for each invoice the payment settled in full."""
    return [
        events.payment_matched(tenant, payment_id, customer_id, on, amount, method,
                               booking.settlement, via, at),
        *(events.invoice_paid(inv, payment_id, on, at) for inv, _ in booking.updates
          if inv.number in booking.paid_now),
    ]


__all__ = ["Booking", "OpenClaims", "booked_events", "settle_on"]
