"""The Payments port: a bank entry is booked once, with everything it settles, or not at all."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mahnwerk.domain.model import InvoiceStatus
from mahnwerk.service.ports import Conflict

from .conftest import customer, invoice


def payment(customer_id="K-1", **fields):
    lines = [{"number": "RE-1", "principal": "100.00", "fees": "0.00", "flat_fee": "0.00",
              "interest": "0.00"}]
    return {"booking_date": "2026-10-25", "amount": "100.00", "status": "matched",
            "method": "reference", "invoices": json.dumps(lines), "customer_id": customer_id,
            "outbox": '[{"event": 1}]', **fields}


def test_an_entry_is_booked_once_with_the_invoices_credit_counters_and_timeline(ctx, tenant):
    ctx.customers.put_customer(customer(tenant))
    ctx.invoices.create_invoice(invoice(tenant), "f")
    read = ctx.invoices.get_invoice(tenant, "RE-1")
    paid = read.with_changes(open_amount=Decimal("19.00"), status=InvoiceStatus.PARTIALLY_PAID)
    credit = invoice(tenant, "CR-1", amount=Decimal("-5.00"), open_amount=Decimal("-5.00"),
                     next_action_on=None)
    booked = ctx.payments.book_payment(tenant, "E-1", payment(), [(paid, read.version)], credit,
                                       {"paid_count": 1, "paid_on_time": 0},
                                       [("RE-1", "fees_dropped", {"amount": "2.50"})])
    assert booked
    now = ctx.invoices.get_invoice(tenant, "RE-1")
    assert (now.open_amount, now.version) == (Decimal("19.00"), read.version + 1)
    assert ctx.invoices.get_invoice(tenant, "CR-1").amount == Decimal("-5.00")
    assert ctx.customers.behaviour(tenant, "K-1")["paid_count"] == 1
    assert ctx.invoices.events(tenant, "RE-1") == [
        {"kind": "fees_dropped", "at": "2026-10-25T23:59:59", "amount": "2.50"}]
    # the same statement again books nothing twice
    assert not ctx.payments.book_payment(tenant, "E-1", payment(), [(paid, read.version)], None,
                                         None)
    [item] = ctx.payments.payments(tenant)
    assert (str(item.sk), item.amount, item.status) == ("PAY#E-1", "100.00", "matched")
    assert ctx.payments.payments_of(tenant, "RE-1") == [{
        "kind": "payment", "at": "2026-10-25", "payment_id": "E-1", "amount": "100.00",
        "principal": "100.00", "fees": "0.00", "flat_fee": "0.00", "interest": "0.00",
        "payment_amount": "100.00", "method": "reference", "application": "statutory"}]
    assert ctx.payments.payments_of(tenant, "RE-2") == []


def test_a_booking_on_an_invoice_changed_since_it_was_read_books_nothing(ctx, tenant):
    ctx.invoices.create_invoice(invoice(tenant), "f")
    read = ctx.invoices.get_invoice(tenant, "RE-1")
    ctx.invoices.replace_invoice(read, read.version, "edit")
    with pytest.raises(Conflict):
        ctx.payments.book_payment(tenant, "E-1", payment(), [(read, read.version)], None, None)
    assert ctx.payments.payments(tenant) == []
    assert ctx.payments.payment_outbox(tenant, "E-1") is None


def test_the_outbox_holds_a_bookings_events_until_the_bus_took_them(ctx, tenant):
    ctx.payments.book_payment(tenant, "E-1", payment(customer_id=None), [], None, None)
    assert ctx.payments.payment_outbox(tenant, "E-1") == '[{"event": 1}]'
    ctx.payments.clear_outbox(tenant, ["E-1", "E-404"])  # an entry erased meanwhile: no error
    assert ctx.payments.payment_outbox(tenant, "E-1") == ""
