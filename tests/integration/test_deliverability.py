"""Deliverability on the embedded stack (issue 15, point 8): a customer who lacks the planned
channel is flagged when the invoice arrives, before the letter is due (forecast, dashboard, API),
the letter falls back to the other channel, and without any channel it waits for the owner —
not reserved, not sent, not skipped — until the master data is complete."""

from __future__ import annotations

from mahnwerk.domain.reasons import reason_text
from mahnwerk.service.customers import customer_detail, edit_customer
from mahnwerk.service.listings import calendar_entries, invoice_delivery

from ..conftest import berlin
from . import test_api, test_web
from .test_api import get
from .test_dunning import notices, run_day, setup
from .test_intake import report
from .test_web import Browser, text

api = test_api.api
web = test_web.web


def test_the_import_report_flags_customers_without_the_planned_channel(stack):
    setup(stack)
    result = report(stack, "reports/acme/imports/rechnungen.csv.json")
    assert result["created"] == ["RE-1", "RE-2", "RE-3", "RE-4"]
    flagged = {w["line"]: reason_text(w, "de") for w in result["warnings"]}
    assert flagged == {  # K-1 has e-mail and address: not flagged
        4: "Kunde K-2 hat keine (gültige) E-Mail-Adresse – Schreiben gehen per Post [no_email]",
        5: "Kunde K-3 hat weder E-Mail-Adresse noch Postanschrift – Schreiben sind nicht "
           "zustellbar und warten, bis Sie die Daten ergänzen [no_channel]"}


def test_forecast_and_customer_say_undeliverable_before_the_letter_is_due(stack):
    setup(stack)
    with stack.service_context() as ctx:
        calendar = {e.customer_id: e for e in calendar_entries(ctx, "acme", berlin(2026, 10, 20).date(), 14)}
        k3 = customer_detail(ctx, "acme", "K-3", berlin(2026, 10, 20))
        k2 = customer_detail(ctx, "acme", "K-2", berlin(2026, 10, 20))
        re4 = invoice_delivery(ctx, "acme", ctx.invoices.get_invoice("acme", "RE-4"))
    assert calendar["K-3"].as_dict()["deliverable"] is False
    assert calendar["K-3"].as_dict()["undeliverable_reason"] == "no_channel"
    assert calendar["K-2"].undeliverable == "no_email" and calendar["K-2"].channels == ("post",)
    assert calendar["K-1"].deliverable
    assert (k3["deliverable"], k3["undeliverable_reason"], k3["delivery_channels"]) == (
        False, "no_channel", [])
    assert (k2["deliverable"], k2["undeliverable_reason"], k2["delivery_channels"]) == (
        False, "no_email", ["post"])
    assert re4["deliverable"] is False and re4["undeliverable_reason"] == "no_channel"


def test_a_letter_without_any_channel_waits_and_goes_once_the_address_is_added(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))
    sent = notices(stack)
    assert "K-3:2026-10-22:L1" not in sent  # nothing reserved, nothing sent
    k2 = sent["K-2:2026-10-22:L1"]  # planned per e-mail, the customer has none: by post
    assert k2.post_key and not k2.message_id and "post" in (k2.fallback or "")
    with stack.service_context() as ctx:
        assert ctx.invoices.get_invoice("acme", "RE-4").level == 0
    run_day(stack, berlin(2026, 10, 23))  # still nothing to deliver it by: still waits
    assert not any(n.startswith("K-3:") for n in notices(stack))
    with stack.service_context() as ctx:
        edit_customer(ctx, "acme", "K-3", {"street": "Ring 3", "postal_code": "50667",
                                           "city": "Köln"}, {"by": "dashboard"}, berlin(2026, 10, 23, 9))
    run_day(stack, berlin(2026, 10, 24))
    waited = notices(stack)["K-3:2026-10-24:L1"]
    assert waited.status == "sent" and waited.post_key and not waited.message_id
    run_day(stack, berlin(2026, 10, 24).replace(hour=8))  # the schedule again: no second letter
    assert [n for n in notices(stack) if n.startswith("K-3:")] == ["K-3:2026-10-24:L1"]
    with stack.service_context() as ctx:
        assert ctx.invoices.get_invoice("acme", "RE-4").level == 1


def test_the_api_shows_deliverable_on_customer_and_invoice(api):
    k2 = get(api, "/v1/customers/K-2").body  # an address, no e-mail
    assert (k2["deliverable"], k2["undeliverable_reason"], k2["delivery_channels"]) == (
        False, "no_email", ["post"])
    assert "post" in k2["undeliverable_message"]
    k1 = get(api, "/v1/customers/K-1").body
    assert (k1["deliverable"], k1["undeliverable_reason"]) == (True, None)
    r3 = get(api, "/v1/invoices/R-3").body
    assert (r3["deliverable"], r3["undeliverable_reason"]) == (False, "no_email")


def test_the_dashboard_says_nicht_zustellbar_and_alerts_the_owner(web):
    """The overview's next-14-days list and alerts, and the customer page (German)."""
    body = {"invoices": [{"number": "Z-1", "customer": {"id": "K-77", "name": "Ohne Anschrift"},
                          "issue_date": "2026-10-27", "due_date": "2026-11-10", "amount": "80.00"}]}
    created = web.api("POST", "/v1/invoices", key=web.keys["acme"], body=body)
    assert created.status == 200 and created.body["warnings"][0]["reason"].endswith("[no_channel]")
    browser = Browser(web, web.keys["acme"])
    overview = text(browser.get("/app/"))
    assert "nicht zustellbar" in overview
    assert "weder E-Mail-Adresse noch Postanschrift – wartet auf Sie" in overview
    assert "1 Schreiben nicht zustellbar" in overview and "Ohne Anschrift" in overview
    customer = text(browser.get("/app/customers/K-77"))
    assert "weder E-Mail-Adresse noch Postanschrift – wartet auf Sie" in customer
    reachable = text(browser.get("/app/customers/K-1"))  # e-mail and address: no note
    assert "wartet auf Sie" not in reachable and "geht per Post" not in reachable
