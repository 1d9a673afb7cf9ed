"""The debtor's page's use cases on the fakes (service/portal.py): opening a link (and every
refusal being the same PortalNotFound), revoking, the statement, and the daily look at the holds
(a promise kept or broken). Answers themselves write through the owner actions' store, which has
no fake: they are tested on the embedded stack (tests/integration/test_portal.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain import portal as rules
from mahnwerk.domain.model import InvoiceStatus
from mahnwerk.service import portal

from ..conftest import berlin
from ..integration.test_dunning import CSV
from .harness import fake


def setup():
    h = fake()
    for tenant in ("acme", "beta"):
        h.settings(tenant)
        h.ctx.tenants.register_tenant(tenant, berlin(2026, 10, 1))
        h.upload(f"inbox/{tenant}/invoices/r.csv", CSV, berlin(2026, 10, 20, 5))
    return h


def sig(url):
    return url.rsplit("/", 1)[1]


def test_a_link_opens_only_its_customers_page():
    h = setup()
    at = berlin(2026, 10, 22, 12)
    url = portal.link_url(h.ctx, "acme", "K-1", at)
    page = portal.open_link(h.ctx, "acme", "K-1", sig(url), at)
    assert {inv.number for inv in page.invoices} == {"RE-1", "RE-2"}
    st = portal.statement(h.ctx, page)
    assert st.principal == Decimal("169.00") and st.numbers == ["RE-1", "RE-2"]
    beta = portal.link_url(h.ctx, "beta", "K-1", at)
    assert sig(beta) != sig(url)  # a secret per tenant
    for tenant, customer, signature in (("acme", "K-2", sig(url)), ("beta", "K-1", sig(url)),
                                        ("acme", "K-1", sig(url)[:-1] + "x"),
                                        ("nobody", "K-1", sig(url)), ("ACME", "K-1", sig(url))):
        with pytest.raises(portal.PortalNotFound):
            portal.open_link(h.ctx, tenant, customer, signature, at)
    portal.revoke(h.ctx, "acme", "K-1", at)
    with pytest.raises(portal.PortalNotFound):
        portal.open_link(h.ctx, "acme", "K-1", sig(url), at)
    fresh = portal.link_url(h.ctx, "acme", "K-1", at)
    assert portal.open_link(h.ctx, "acme", "K-1", sig(fresh), at).customer_id == "K-1"


def test_no_secret_is_made_by_an_anonymous_request():
    h = setup()
    with pytest.raises(portal.PortalNotFound):
        portal.open_link(h.ctx, "acme", "K-1", "A" * 16, berlin(2026, 10, 22, 12))
    assert h.ctx.tenants.get_document("acme", portal.SECRET_DOC) is None


def test_the_daily_look_reports_kept_and_broken_promises_once():
    h = setup()
    at = berlin(2026, 10, 22, 12)
    url = portal.link_url(h.ctx, "acme", "K-1", at)
    page = portal.open_link(h.ctx, "acme", "K-1", sig(url), at)
    settings_policy = page.settings.policy
    for number, paid in (("RE-1", True), ("RE-2", False)):
        inv = h.ctx.invoices.get_invoice("acme", number)
        held = rules.hold_promise(inv, date(2026, 10, 25), date(2026, 10, 22), settings_policy, 0)
        if paid:
            held = replace(held, open_amount=Decimal("0"), status=InvoiceStatus.PAID)
        h.ctx.invoices.replace_invoice(held, inv.version, "test")
        portal._register_hold(h.ctx, page, number, rules.PROMISE, date(2026, 10, 25), at)
    assert portal.daily(h.ctx, "acme", date(2026, 10, 24), at) == {"kept": 1, "waiting": 1}
    assert [e.type.value for e in h.ctx.events.published][-1:] == ["PromiseKept"]
    assert portal.daily(h.ctx, "acme", date(2026, 10, 26), at) == {"broken": 1}
    assert h.ctx.events.published[-1].type.value == "PromiseBroken"
    assert portal.daily(h.ctx, "acme", date(2026, 10, 27), at) == {}  # each reported once
    assert [i["kind"] for i in portal.inbox(h.ctx, "acme")] == ["promise_broken"]
