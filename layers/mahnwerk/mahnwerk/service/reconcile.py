"""Use case: a bank statement arrived → payments matched, booked once, dunning stops.

Every credit entry is booked exactly once (its entry key is the payment's sort key, written
conditionally in the same transaction that settles the invoices). What cannot be matched without
guessing goes to the review list with suggestions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ..domain import events
from ..domain.booking import booked_events, settle_on
from ..domain.dunning import NoticeLine, accrue, claim_line
from ..domain.matching import match_payment
from ..domain.model import Customer, Invoice, Reject
from ..domain.money import to_str
from ..domain.open_book import OpenBook, OpenItem
from ..domain.references import InvoiceIndex
from ..domain.settings import TenantSettings
from ..domain.settling import application_why, settleable
from ..intake.bank import parse_bank_file
from ..intake.bank_model import BankEntry
from .bootstrap import Context
from .credit import credit_changed
from .law import base_rates
from .ports import Conflict


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
                items.append(OpenItem.from_line(line, self.customer(inv.customer_id),
                                                currency=inv.currency))
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


def ingest_statement(ctx: Context, settings: TenantSettings, file_name: str, data: bytes,
                     source: str, received_at: datetime | None = None) -> BankReport:
    report = BankReport(settings.tenant_id, file_name)
    parsed = parse_bank_file(data, file_name)
    report.rejected.extend(parsed.rejects)
    report.debits_ignored = sum(1 for e in parsed.entries if not e.is_payment)
    payments = sorted(parsed.payments, key=lambda e: (e.booking_date, e.line))
    if parsed.entries:
        # the statement covers its bookings up to this day: the stale-bank-data guard of the
        # daily run (domain/freshness.py) reads it. Kept as the maximum, never moved back.
        ctx.tenants.raise_bank_day(settings.tenant_id, max(e.booking_date for e in parsed.entries),
                                   received_at or datetime.now(UTC))
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
    # the customers paid: their credit state (exposure, a hold) follows
    matched = [e for e in published if e.type is events.EventType.PAYMENT_MATCHED]
    if matched:
        credit_changed(ctx, tenant_id, [str(e.fields["customer_id"]) for e in matched],
                       max(e.occurred_at for e in matched))


def _book_entry(ctx: Context, book: _Book, entry: BankEntry, report: BankReport,
                source: str, at: datetime | None = None) -> list[events.DomainEvent]:
    """Book one entry; returns the events for integrators (to publish once it is booked)."""
    tenant = book.settings.tenant_id
    at = at or datetime.now(UTC)
    via = "api" if source == "api" else "bank"
    on = entry.booking_date
    match = match_payment(entry, book.openbook(on), index=book.index)
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


__all__ = [
    "BankReport",
    "Outbox",
    "ingest_statement",
    "publish_outbox",
]
