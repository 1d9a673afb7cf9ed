"""Use case: a bank statement arrived → payments matched, booked once, dunning stops.

Every credit entry is booked exactly once (its entry key is the payment's sort key, written
conditionally in the same transaction that settles the invoices). What cannot be matched without
guessing goes to the review list with suggestions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..domain import events, residual, undo
from ..domain.dunning import NoticeLine, accrue, claim_line
from ..domain.matching import InvoiceIndex, OpenBook, OpenItem, Settlement, settle
from ..domain.model import Customer, Invoice, InvoiceStatus, Reject
from ..domain.money import ZERO, cents, to_str
from ..domain.settings import TenantSettings
from ..intake.bank import parse_bank_file
from ..intake.bank_model import BankEntry
from ..service.ports import Conflict
from .bootstrap import Context
from .law import base_rates

OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.HANDED_OVER,
        InvoiceStatus.DISPUTED)


def settleable(inv: Invoice) -> bool:
    """An invoice a payment can still settle: open principal or fees, or a residual charge that
    is claimed or awaits the owner's decision."""
    return (inv.status in OPEN and inv.open_amount + inv.fees_open > ZERO) or residual.claimable(inv)


@dataclass
class BankReport:
    tenant_id: str
    file: str
    booked: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    debits_ignored: int = 0
    rejected: list[Reject] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant_id, "file": self.file, "booked": self.booked,
                "unmatched": self.unmatched, "duplicates": self.duplicates,
                "debits_ignored": self.debits_ignored,
                "rejected": [{"file": r.file, "line": r.line, "reason": r.reason}
                             for r in self.rejected]}


class _Book:
    """The tenant's open invoices and customers, kept current while one statement is booked."""

    def __init__(self, ctx: Context, settings: TenantSettings,
                 only: tuple[list[Invoice], list[Customer]] | None = None) -> None:
        """The whole book of the tenant, or ``only`` the given invoices and customers (a payment
        assigned by hand needs no matching)."""
        self.ctx, self.settings, self.rates = ctx, settings, base_rates()
        tenant = settings.tenant_id
        customers = ctx.customers.customers(tenant) if only is None else only[1]
        self.customers = {c.customer_id: c for c in customers}
        everything = ctx.invoices.invoices(tenant) if only is None else only[0]
        self.index = InvoiceIndex([inv.number for inv in everything])
        self.open = {inv.number: inv for inv in everything if settleable(inv)}
        self._books: dict[date, OpenBook] = {}

    def customer(self, customer_id: str) -> Customer:
        return self.customers.get(customer_id) or Customer(
            self.settings.tenant_id, customer_id, customer_id)

    def line(self, inv: Invoice, on: date) -> tuple[Invoice, NoticeLine]:
        customer = self.customer(inv.customer_id)
        booked = accrue(inv, customer, self.settings.policy, self.rates, on)
        line, _ = claim_line(booked, customer, self.settings.policy, self.rates, on, inv.level)
        return booked, line

    def openbook(self, on: date) -> OpenBook:
        book = self._books.get(on)
        if book is None:
            items = []
            for inv in self.open.values():
                _, line = self.line(inv, on)
                items.append(OpenItem.from_line(line, self.customer(inv.customer_id)))
            book = self._books[on] = OpenBook(items, self.customers)
        return book

    def changed(self, invoices: list[Invoice]) -> None:
        for inv in invoices:
            if settleable(inv):
                self.open[inv.number] = inv
            else:
                self.open.pop(inv.number, None)
        # The matching book is not rebuilt per entry (that would cost O(open items) each): an
        # entry matched to an invoice settled earlier in this file finds it gone from ``open``
        # and its money becomes a customer credit; stale versions are caught by the transaction.


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


def settle_on(book: _Book, numbers: list[str], amount: Decimal, on: date, customer_id: str,
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


def ingest_statement(ctx: Context, settings: TenantSettings, file_name: str, data: bytes,
                     source: str, received_at: datetime | None = None) -> BankReport:
    report = BankReport(settings.tenant_id, file_name)
    parsed = parse_bank_file(data, file_name)
    report.rejected.extend(parsed.rejects)
    report.debits_ignored = sum(1 for e in parsed.entries if not e.is_payment)
    payments = sorted(parsed.payments, key=lambda e: (e.booking_date, e.line))
    if not payments:
        return report
    book = _Book(ctx, settings)
    pending: Outbox = []  # published in batches, and whatever happens
    try:
        for entry in payments:
            outbox = ctx.payments.payment_outbox(settings.tenant_id, entry.entry_key)
            if outbox is not None:
                report.duplicates += 1
                if outbox:  # booked by a run that died before its events were published
                    pending.append((entry.entry_key, events.from_outbox(outbox)))
                continue
            for attempt in range(3):
                try:
                    pending.append((entry.entry_key,
                                    _book_entry(ctx, book, entry, report, source, received_at)))
                    break
                except Conflict:
                    # an invoice changed since we read it (another payment, an API action): reload
                    fresh = [ctx.invoices.get_invoice(settings.tenant_id, n) for n in list(book.open)]
                    book.changed([inv for inv in fresh if inv is not None])
                    if attempt == 2:
                        raise
            if len(pending) >= 100:
                publish_outbox(ctx, settings.tenant_id, pending)
                pending = []
    finally:
        publish_outbox(ctx, settings.tenant_id, pending)
    return report


#: booked payments (entry key) and the events their booking keeps in its outbox
Outbox = list[tuple[str, list[events.DomainEvent]]]


def publish_outbox(ctx: Context, tenant_id: str, pending: Outbox) -> None:
    """Publish booked payments' events, then empty their outboxes. What the bus did not take
    stays in the outbox, for the retry of the statement (or of the API call) to publish."""
    published = [event for _, booked in pending for event in booked]
    if published and ctx.events.publish(published) == len(published):
        ctx.payments.clear_outbox(tenant_id, [key for key, booked in pending if booked])


def _book_entry(ctx: Context, book: _Book, entry: BankEntry, report: BankReport,
                source: str, at: datetime | None = None) -> list[events.DomainEvent]:
    """Book one entry; returns the events for integrators (to publish once it is booked)."""
    tenant = book.settings.tenant_id
    at = at or datetime.now(UTC)
    via = "api" if source == "api" else "bank"
    on = entry.booking_date
    match = book.openbook(on).match(entry, book.index)
    base: dict[str, Any] = {
        "booking_date": on.isoformat(), "amount": to_str(entry.amount),
        "remittance": entry.remittance[:500], "debtor_name": entry.debtor_name[:140],
        "source": source,
    }
    if not match.matched or match.customer_id is None:
        suggestions = [{"invoices": list(s.numbers), "customer": s.customer_id,
                        "score": round(s.score, 2), "why": s.why} for s in match.suggestions]
        unmatched = [events.payment_unmatched(tenant, entry.entry_key, on, entry.amount,
                                              match.suggestions, via, at)]
        payment = {**base, "status": "unmatched", "method": match.method.value,
                   "unapplied": to_str(entry.amount), "suggestions": json.dumps(suggestions),
                   "outbox": events.outbox_json(unmatched)}
        if ctx.payments.book_payment(tenant, entry.entry_key, payment, [], None, None):
            report.unmatched.append({"date": on.isoformat(), "amount": to_str(entry.amount),
                                     "suggestions": suggestions, "notes": list(match.notes)})
            return unmatched
        report.duplicates += 1
        return []

    numbers = [n for n in match.numbers if n in book.open]
    booking = settle_on(book, numbers, entry.amount, on, match.customer_id, source, entry.entry_key,
                        designated=match.designated)
    updates, credit, settlement = booking.updates, booking.credit, booking.settlement
    behaviour = booking.behaviour
    matched = booked_events(tenant, entry.entry_key, match.customer_id, on, entry.amount,
                            match.method.value, booking, via, at)
    payment = {
        **base, "status": "matched", "method": match.method.value,
        "customer_id": match.customer_id, "unapplied": to_str(settlement.overpayment),
        "invoices": booking.invoices_json, "outbox": events.outbox_json(matched),
        "application": settlement.application,
        "application_why": application_why(match.method.value, settlement.application),
    }
    if not ctx.payments.book_payment(tenant, entry.entry_key, payment, updates, credit, behaviour,
                                 booking.timeline):
        report.duplicates += 1
        return []
    book.changed([u[0].with_changes(version=u[1] + 1) for u in updates])
    report.booked.append({
        "date": on.isoformat(), "amount": to_str(entry.amount), "method": match.method.value,
        "customer": match.customer_id, "matched": [s.number for s in settlement.invoices],
        "paid_in_full": list(booking.paid_now), "application": settlement.application,
        "unmatched": to_str(settlement.overpayment),
    })
    return matched


def application_why(method: str, application: str) -> str:
    """Why a payment was applied the way it was (§§366, 367 BGB), in a few English words."""
    if application == "designated":
        return "named in the remittance" if method == "reference" else \
            "amount equals the open principal"
    if method in ("amount+iban", "amount+name"):
        return "amount equals the whole claim"
    return "no invoice named"


def booked_events(tenant: str, payment_id: str, customer_id: str, on: date, amount: Decimal,
                  method: str, booking: Booking, via: str, at: datetime) -> list[events.DomainEvent]:
    """PaymentMatched, and InvoicePaid for each invoice the payment settled in full."""
    return [
        events.payment_matched(tenant, payment_id, customer_id, on, amount, method,
                               booking.settlement, via, at),
        *(events.invoice_paid(inv, payment_id, on, at) for inv, _ in booking.updates
          if inv.number in booking.paid_now),
    ]


__all__ = [
    "BankReport",
    "Booking",
    "Outbox",
    "application_why",
    "booked_events",
    "ingest_statement",
    "publish_outbox",
    "settle_on",
    "settleable",
]
