"""Use cases behind the API's payment resource: a payment recorded by hand, an unmatched one
assigned. Both book through the same allocation as bank statements (§366/§367 BGB)."""

from __future__ import annotations

import json
import uuid
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
    application_why,
    booked_events,
    publish_outbox,
    settle_on,
    settleable,
)
from .tenants import load_settings


class AlreadyAssigned(DomainError):
    pass


def record_payment(ctx: Context, tenant_id: str, *, amount: Decimal, on: date, reference: str,
                   debtor_name: str, invoices: list[str], idempotency_key: str | None) -> dict[str, Any]:
    """A payment the owner saw elsewhere (cash, PayPal, a bank not uploaded). The same
    Idempotency-Key books it once; the invoice numbers named are matched like a remittance text."""
    if amount <= ZERO:
        raise DomainError("amount must be above 0")
    entry = BankEntry(
        account_iban="API", booking_date=on, value_date=None, amount=amount, currency="EUR",
        credit=True, remittance=" ".join([reference.strip(), *invoices]).strip()[:500],
        debtor_name=debtor_name.strip()[:140], bank_reference=idempotency_key or uuid.uuid4().hex)
    report = BankReport(tenant_id, "api")
    outbox = ctx.repo.payment_outbox(tenant_id, entry.entry_key)
    if outbox is None:
        booked = _book_entry(ctx, _Book(ctx, load_settings(ctx, tenant_id)), entry, report, "api")
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
    # the debtor named nothing (else it would have matched): the amount still designates what
    # it pays exactly, the invoices' open principal (§367 Abs. 2 BGB); any other amount is
    # credited in the statutory order (§366 Abs. 2, §367 Abs. 1)
    amount = Decimal(item.amount)
    designated = amount == sum((inv.open_amount for inv in invoices), ZERO)
    booking = settle_on(book, [inv.number for inv in invoices], amount, on,
                        customer_id, "api", payment_id, designated=designated)
    matched = booked_events(tenant_id, payment_id, customer_id, on, Decimal(item.amount), "manual",
                            booking, "api", datetime.now(UTC))
    fields = {"status": "matched", "method": "manual", "customer_id": customer_id,
              "unapplied": to_str(booking.settlement.overpayment), "invoices": booking.invoices_json,
              "outbox": events.outbox_json(matched), "application": booking.settlement.application,
              "application_why": application_why("manual", booking.settlement.application)}
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
        "application_why": item.application_why,
        "suggestions": json.loads(item.suggestions or "[]"), "source": item.source,
    }


