"""The Invoices port: conditional creates, versioned replaces, the customer and due indexes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from mahnwerk.domain.model import InvoiceStatus
from mahnwerk.service.ports import Conflict

from .conftest import invoice


def test_an_invoice_is_created_once_and_reads_back_as_written(ctx, tenant):
    written = invoice(tenant)
    assert ctx.invoices.create_invoice(written, "upload/a.csv", "2026-10-01T08:00:00+00:00")
    assert not ctx.invoices.create_invoice(written.with_changes(amount=Decimal("1")), "again")
    stored = ctx.invoices.get_invoice(tenant, "RE-1")
    assert stored == written.with_changes(source="upload/a.csv",
                                          received_at="2026-10-01T08:00:00+00:00")
    assert ctx.invoices.get_invoice(tenant, "RE-404") is None
    assert ctx.invoices.get_invoice("someone-else", "RE-1") is None


def test_a_batch_create_reports_the_numbers_that_existed(ctx, tenant):
    ctx.invoices.create_invoice(invoice(tenant, "RE-2"), "first")
    existed = ctx.invoices.create_invoices(
        [invoice(tenant, n) for n in ("RE-1", "RE-2", "RE-3")], "batch", "2026-10-02T08:00:00")
    assert existed == ["RE-2"]
    found = ctx.invoices.batch_get_invoices(tenant, ["RE-3", "RE-1", "RE-9", "RE-1"])
    assert sorted(found) == ["RE-1", "RE-3"]
    assert found["RE-3"].source == "batch"
    assert [i.number for i in ctx.invoices.invoices(tenant)] == ["RE-1", "RE-2", "RE-3"]


def test_a_replace_moves_the_version_on_and_refuses_a_stale_one_or_one_in_dunning(ctx, tenant):
    ctx.invoices.create_invoice(invoice(tenant), "first")
    read = ctx.invoices.get_invoice(tenant, "RE-1")
    ctx.invoices.replace_invoice(read.with_changes(amount=Decimal("120.00")), read.version, "edit")
    now = ctx.invoices.get_invoice(tenant, "RE-1")
    assert (now.version, now.amount, now.source) == (read.version + 1, Decimal("120.00"), "edit")
    with pytest.raises(Conflict):
        ctx.invoices.replace_invoice(read, read.version, "stale")
    ctx.invoices.create_invoice(invoice(tenant, "RE-2", level=1), "first")
    with pytest.raises(Conflict):
        ctx.invoices.replace_invoice(invoice(tenant, "RE-2"), 0, "in dunning")
    with pytest.raises(Conflict):
        ctx.invoices.replace_invoice(invoice(tenant, "RE-404"), 0, "gone")


def test_the_customer_index_lists_a_customers_invoices_in_number_order(ctx, tenant):
    for number, who in (("RE-3", "K-1"), ("RE-1", "K-1"), ("RE-2", "K-2")):
        ctx.invoices.create_invoice(invoice(tenant, number, who), "f")
    assert [i.number for i in ctx.invoices.customer_invoices(tenant, "K-1")] == ["RE-1", "RE-3"]
    assert ctx.invoices.customer_invoices(tenant, "K-404") == []


def test_the_due_index_holds_open_invoices_with_a_next_action_up_to_the_day(ctx, tenant):
    ctx.invoices.create_invoice(invoice(tenant, "RE-1", "K-2", next_action_on=date(2026, 10, 20)), "f")
    ctx.invoices.create_invoice(invoice(tenant, "RE-2", "K-1", next_action_on=date(2026, 10, 22)), "f")
    ctx.invoices.create_invoice(invoice(tenant, "RE-3", "K-1", next_action_on=date(2026, 10, 21)), "f")
    ctx.invoices.create_invoice(invoice(tenant, "RE-4", "K-3", next_action_on=date(2026, 10, 30)), "f")
    ctx.invoices.create_invoice(invoice(tenant, "RE-5", "K-4", status=InvoiceStatus.PAID,
                                        open_amount=Decimal("0.00")), "f")
    ctx.invoices.create_invoice(invoice(tenant, "RE-6", "K-5", next_action_on=None), "f")
    assert ctx.invoices.due_customers(tenant, date(2026, 10, 22)) == ["K-2", "K-1"]
    assert ctx.invoices.due_customers(tenant, date(2026, 10, 19)) == []


def test_events_of_an_invoice_come_in_time_order(ctx, tenant):
    ctx.invoices.add_event(tenant, "RE-1", "paused", datetime(2026, 10, 3, 9), {"until": "x"})
    ctx.invoices.add_event(tenant, "RE-1", "changed", datetime(2026, 10, 2, 9), {"a": "b"})
    ctx.invoices.add_event(tenant, "RE-10", "changed", datetime(2026, 10, 1, 9), {})
    assert ctx.invoices.events(tenant, "RE-1") == [
        {"kind": "changed", "at": "2026-10-02T09:00:00", "a": "b"},
        {"kind": "paused", "at": "2026-10-03T09:00:00", "until": "x"}]
