"""The Customers port: master data as stored, field-wise conditional edits, counters, timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from mahnwerk.domain.model import Address, Channel
from mahnwerk.service.ports import Conflict

from .conftest import customer


def test_a_customer_reads_back_as_the_table_normalises_it(ctx, tenant):
    ctx.customers.put_customer(customer(tenant, address=Address("Weg 1", "10115", "Berlin", "")))
    stored = ctx.customers.get_customer(tenant, "K-1")
    assert stored == customer(tenant, address=Address("Weg 1", "10115", "Berlin", "DE"))
    assert ctx.customers.get_customer(tenant, "K-404") is None


def test_many_customers_are_written_and_read_at_once(ctx, tenant):
    ctx.customers.put_customers([customer(tenant, c) for c in ("K-2", "K-1", "K-3")])
    assert sorted(ctx.customers.batch_get_customers(tenant, ["K-3", "K-9", "K-1"])) == ["K-1", "K-3"]
    assert [c.customer_id for c in ctx.customers.customers(tenant)] == ["K-1", "K-2", "K-3"]


def test_a_master_edit_writes_what_changed_if_nobody_changed_it_first(ctx, tenant):
    old = customer(tenant)
    ctx.customers.put_customer(old)
    ctx.customers.set_email_status(tenant, "K-1", "bounced")
    read = ctx.customers.get_customer(tenant, "K-1")
    assert read.email_status == "bounced"
    new = replace(read, name="Anna Meier", email="anna@meier.example",
                  overrides=replace(read.overrides, channels=(Channel.POST,)))
    ctx.customers.update_customer_master(read, new)
    now = ctx.customers.get_customer(tenant, "K-1")
    assert (now.name, now.email, now.email_status) == ("Anna Meier", "anna@meier.example", "")
    assert now.overrides.channels == (Channel.POST,)
    with pytest.raises(Conflict):  # read before the edit: its name is no longer stored
        ctx.customers.update_customer_master(read, replace(read, name="Anna Schulz"))
    with pytest.raises(Conflict):
        ctx.customers.update_customer_master(customer(tenant, "K-404"),
                                             customer(tenant, "K-404", name="X"))
    ctx.customers.update_customer_master(now, now)  # nothing changed: nothing written


def test_behaviour_counters_start_at_zero_and_a_missing_customer_has_none(ctx, tenant):
    ctx.customers.put_customer(customer(tenant))
    assert set(ctx.customers.behaviour(tenant, "K-1").values()) == {0}
    assert ctx.customers.behaviour(tenant, "K-404") == {}


def test_the_customer_timeline_keeps_two_changes_of_one_instant_in_order(ctx, tenant):
    at = datetime(2026, 10, 2, 9)
    ctx.customers.add_customer_event(tenant, "K-1", "master_changed", at, {"field": "name"})
    ctx.customers.add_customer_event(tenant, "K-1", "master_changed", at, {"field": "email"})
    ctx.customers.add_customer_event(tenant, "K-1#2", "master_changed", at, {"field": "city"})
    assert [e["field"] for e in ctx.customers.customer_events(tenant, "K-1")] == ["name", "email"]
