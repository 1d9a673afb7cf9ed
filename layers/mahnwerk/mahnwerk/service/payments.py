"""Use cases behind the API's payment resource: a payment recorded by hand, an unmatched one
assigned. Both book through the same allocation as bank statements (§366/§367 BGB)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..adapters.api_store import ApiStore, assign_payment
from ..domain import events
from ..domain.model import DomainError
from ..domain.money import ZERO, to_str
from ..intake.bank_model import BankEntry
from .bootstrap import Context
from .invoice_ops import NotFound
from .reconcile import (
    BankReport,
    _Book,
    _book_entry,
    booked_events,
    publish_outbox,
    settle_on,
    settleable,
)
from .tenants import load_settings


class AlreadyAssigned(DomainError):
    pass


class ProbableDuplicate(DomainError):
    """The same payment (date, amount, payer, reference) was recorded before without an
    Idempotency-Key: reported, not booked twice."""

    def __init__(self, payment_id: str, message: str) -> None:
        super().__init__(message)
        self.payment_id = payment_id


def record_payment(ctx: Context, tenant_id: str, *, amount: Decimal, on: date, reference: str,
                   debtor_name: str, invoices: list[str], idempotency_key: str | None,
                   today: date | None = None) -> dict[str, Any]:
    """A payment the owner saw elsewhere (cash, PayPal, a bank not uploaded). The same
    Idempotency-Key books it once; the invoice numbers named are matched like a remittance text.

    Without a key, the same date, amount, payer and reference again is a probable duplicate
    (ProbableDuplicate, nothing booked): a second such payment needs a key of its own. A booking
    date after ``today`` (the business date in Germany) is refused: money not yet received.
    """
    if amount <= ZERO:
        raise DomainError("amount must be above 0")
    if today is not None and on > today:
        raise DomainError(f"booking_date: {on.isoformat()} is in the future; record a payment once "
                          f"it has arrived (today is {today.isoformat()})")
    payer = debtor_name.strip()[:140]
    entry = BankEntry(
        account_iban="API", booking_date=on, value_date=None, amount=amount, currency="EUR",
        credit=True, remittance=" ".join([reference.strip(), *invoices]).strip()[:500],
        # without a key the entry key is the payment's own fingerprint (date, amount, reference
        # and this payer): the same payment posted twice finds the first
        debtor_name=payer, bank_reference=idempotency_key or f"api-unkeyed:{payer.casefold()}")
    report = BankReport(tenant_id, "api")
    outbox = ctx.repo.payment_outbox(tenant_id, entry.entry_key)
    if outbox is None:
        booked = _book_entry(ctx, _Book(ctx, load_settings(ctx, tenant_id)), entry, report, "api")
    elif idempotency_key is None:
        if outbox:  # the first call died before publishing: its events go out now
            publish_outbox(ctx, tenant_id, [(entry.entry_key, events.from_outbox(outbox))])
        raise ProbableDuplicate(entry.entry_key, (
            f"probably a duplicate: payment {entry.entry_key} of {to_str(amount)} EUR on "
            f"{on.isoformat()} from {payer or 'an unnamed payer'} with the same reference was "
            f"recorded before; send an Idempotency-Key to record a second, separate payment"))
    else:  # booked before: a retry publishes what the first call did not get to
        booked = events.from_outbox(outbox)
    publish_outbox(ctx, tenant_id, [(entry.entry_key, booked)])
    item = ApiStore(ctx.repo).get_payment(tenant_id, entry.entry_key)
    assert item is not None
    return payment_json(item)


def assign(ctx: Context, tenant_id: str, payment_id: str, numbers: list[str]) -> dict[str, Any]:
    store = ApiStore(ctx.repo)
    item = store.get_payment(tenant_id, payment_id)
    if item is None:
        raise NotFound(f"payment {payment_id} not found")
    if item.status != "unmatched":
        if item.outbox:  # assigned by a call that died before its events were published
            publish_outbox(ctx, tenant_id, [(payment_id, events.from_outbox(item.outbox))])
        raise AlreadyAssigned(f"payment {payment_id} is already {item.status}")
    if not numbers:
        raise DomainError("invoices: name at least one invoice")
    found = ctx.repo.batch_get_invoices(tenant_id, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(f"invoice(s) not found: {', '.join(missing)}")
    invoices = [found[n] for n in dict.fromkeys(numbers)]
    customers = {inv.customer_id for inv in invoices}
    if len(customers) != 1:
        raise DomainError("the invoices belong to different customers; assign them one by one")
    closed = [inv.number for inv in invoices if not settleable(inv)]
    if closed:
        raise AlreadyAssigned(f"invoice(s) not open: {', '.join(closed)}")
    customer_id = customers.pop()
    customer = ctx.repo.get_customer(tenant_id, customer_id)
    book = _Book(ctx, load_settings(ctx, tenant_id), (invoices, [customer] if customer else []))
    on = date.fromisoformat(item.booking_date)
    # the owner assigns the invoices the transfer was meant for: a designation (§367 Abs. 2 BGB)
    booking = settle_on(book, [inv.number for inv in invoices], Decimal(item.amount), on,
                        customer_id, "api", payment_id, designated=True)
    matched = booked_events(tenant_id, payment_id, customer_id, on, Decimal(item.amount), "manual",
                            booking, "api", datetime.now(UTC))
    fields = {"status": "matched", "method": "manual", "customer_id": customer_id,
              "unapplied": to_str(booking.settlement.overpayment), "invoices": booking.invoices_json,
              "outbox": events.outbox_json(matched), "application": booking.settlement.application}
    assign_payment(ctx.repo, tenant_id, payment_id, fields, booking.updates, booking.credit,
                   booking.behaviour, booking.timeline, item.booking_date)
    publish_outbox(ctx, tenant_id, [(payment_id, matched)])
    fresh = store.get_payment(tenant_id, payment_id)
    assert fresh is not None
    return payment_json(fresh)


def payment_json(item: Any) -> dict[str, Any]:
    return {
        "payment_id": str(item.sk).removeprefix("PAY#"), "booking_date": item.booking_date,
        "amount": item.amount, "status": item.status, "method": item.method,
        "customer_id": item.customer_id, "unapplied": item.unapplied,
        "remittance": item.remittance, "debtor_name": item.debtor_name,
        "invoices": json.loads(item.invoices or "[]"),
        "application": item.application or ("statutory" if item.status == "matched" else None),
        "suggestions": json.loads(item.suggestions or "[]"), "source": item.source,
    }


