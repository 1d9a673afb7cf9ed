"""The RecurringTemplates port: templates versioned, each period created once with the next number
of a gap-free counter, never over an existing invoice, never for a paused template; the timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from mahnwerk.domain.recurring import Interval
from mahnwerk.domain.recurring_templates import PAUSED, Template
from mahnwerk.service.ports import Conflict

from .conftest import invoice

AT = datetime.fromisoformat("2026-01-05T06:00:00+01:00")


def template(tenant: str, template_id: str = "rt-1") -> Template:
    return Template(tenant_id=tenant, template_id=template_id, customer_id="K-1",
                    line_text="Wartung", amount=Decimal("119.00"), vat="7",
                    interval=Interval.QUARTERLY, day="last", start=date(2026, 1, 1),
                    end=date(2027, 12, 31), count=None, terms_days=30, created_at=AT.isoformat())


def build(tenant: str):  # type: ignore[no-untyped-def]
    return lambda seq: invoice(tenant, f"RE-{seq:03}", issue_date=date(2026, 1, 5),
                               due_date=date(2026, 2, 4), next_action_on=date(2026, 2, 11))


def test_a_template_is_created_once_reads_back_and_is_versioned(ctx, tenant):
    written = template(tenant)
    ctx.recurring.put_template(written)
    with pytest.raises(Conflict):
        ctx.recurring.put_template(written)
    assert ctx.recurring.get_template(tenant, "rt-1") == written
    assert ctx.recurring.get_template("someone-else", "rt-1") is None
    stored = ctx.recurring.replace_template(written.with_changes(status=PAUSED), 0)
    assert stored.version == 1 and ctx.recurring.get_template(tenant, "rt-1") == stored
    with pytest.raises(Conflict):
        ctx.recurring.replace_template(written, 0)
    assert [t.template_id for t in ctx.recurring.templates(tenant)] == ["rt-1"]


def test_each_period_is_created_once_with_the_next_number(ctx, tenant):
    ctx.recurring.put_template(template(tenant))
    first = ctx.recurring.create_period(template(tenant), 0, "2026", build(tenant), "recurring/rt-1", AT)
    again = ctx.recurring.create_period(template(tenant), 0, "2026", build(tenant), "recurring/rt-1", AT)
    second = ctx.recurring.create_period(template(tenant), 1, "2026", build(tenant), "recurring/rt-1", AT)
    assert (first.number, first.fresh) == ("RE-001", True)
    assert (again.number, again.fresh) == ("RE-001", False)
    assert (second.number, second.fresh) == ("RE-002", True)
    assert ctx.recurring.counter(tenant, "2026") == 2 and ctx.recurring.counter(tenant, "2027") == 0
    assert ctx.recurring.period_numbers(tenant, "rt-1") == {0: "RE-001", 1: "RE-002"}
    stored = ctx.recurring.get_template(tenant, "rt-1")
    assert stored.created == {0, 1} and stored.pending == ("RE-001", "RE-002")
    made = ctx.invoices.get_invoice(tenant, "RE-002")
    assert made is not None and made.source == "recurring/rt-1" and made.amount == Decimal("119.00")
    ctx.recurring.clear_pending(tenant, "rt-1", ["RE-001"])
    assert ctx.recurring.get_template(tenant, "rt-1").pending == ("RE-002",)


def test_a_number_taken_elsewhere_is_skipped_and_a_paused_template_creates_nothing(ctx, tenant):
    ctx.invoices.create_invoice(invoice(tenant, "RE-001", amount=Decimal("5"),
                                        open_amount=Decimal("5")), "import.csv")
    ctx.recurring.put_template(template(tenant))
    made = ctx.recurring.create_period(template(tenant), 0, "all", build(tenant), "r", AT)
    assert made.number == "RE-002" and ctx.recurring.counter(tenant, "all") == 2
    assert ctx.invoices.get_invoice(tenant, "RE-001").amount == Decimal("5")
    current = ctx.recurring.get_template(tenant, "rt-1")
    ctx.recurring.replace_template(current.with_changes(status=PAUSED), current.version)
    assert ctx.recurring.create_period(template(tenant), 1, "all", build(tenant), "r", AT) is None
    assert ctx.recurring.counter(tenant, "all") == 2
    assert ctx.recurring.period_numbers(tenant, "rt-1") == {0: "RE-002"}


def test_the_templates_timeline(ctx, tenant):
    ctx.recurring.add_template_event(tenant, "rt-1", "template_paused", AT, {"by": "api"})
    ctx.recurring.add_template_event(tenant, "rt-10", "template_ended", AT, {"by": "api"})
    assert ctx.recurring.template_events(tenant, "rt-1") == [
        {"kind": "template_paused", "at": AT.isoformat(), "by": "api"}]
