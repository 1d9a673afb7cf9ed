"""Credit rules in a real browser (headless Chromium against ``mahnwerk serve --demo``, the
fixtures of test_dashboard_browser.py): the owner switches on the rule "hold over the limit" in
the settings, sets a customer's credit limit below what it owes on the customer page, and sees
the credit-hold badge on the customer, in the customer list and on the credit page; clearing the
limit ends the hold. Saves ``docs/dashboard-credit.png``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .test_dashboard_browser import DESKTOP, Console, api, chromium, served, shot  # noqa: F401

pytestmark = pytest.mark.slow


def test_the_owner_sets_a_limit_and_sees_the_credit_hold(served: Any, chromium: Any) -> None:  # noqa: F811
    console = Console()
    context = chromium.new_context(viewport=DESKTOP, locale="de-DE")
    page = console.watch(context.new_page())
    page.goto(served.base + "/app/login")
    page.fill("#key", served.key)
    page.click("button[type=submit]")
    page.wait_for_url(served.base + "/app/")

    # the settings: hold when the exposure is above the limit
    page.goto(served.base + "/app/settings#credit-h")
    page.check("#credit_over_limit-field")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r".*/app/settings\?.*done=settings.*"))
    assert api(served, "/v1/settings")["settings"]["credit"]["rules"] == [
        {"kind": "exposure_over_limit", "action": "hold"}]

    # the customer owing the most gets a limit of 1,00 €
    customers = {c: api(served, f"/v1/customers/{c}") for c in ("K-1001", "K-1002", "K-1003")}
    who = max(customers, key=lambda c: float(customers[c]["credit"]["exposure"]))
    name = customers[who]["name"]
    assert float(customers[who]["credit"]["exposure"]) > 1
    page.goto(served.base + f"/app/customers/{who}#credit")
    assert page.locator("[data-credit-hold]").count() == 0
    page.fill("#credit_limit-field", "1,00")
    page.get_by_role("button", name="Kreditdaten speichern").click()
    page.wait_for_url(re.compile(rf".*/app/customers/{who}\?.*done=credit.*"))
    assert "Die Kreditdaten sind gespeichert." in page.locator("main").inner_text()
    badge = page.locator("#credit [data-credit-hold=true]")
    assert badge.inner_text() == "Liefersperre"
    assert "über dem Kreditlimit 1,00 €" in page.locator("#credit .credit-reasons").inner_text()
    assert api(served, f"/v1/customers/{who}")["credit_hold"] is True

    # the badge in the customer list, on that customer's row only
    page.click("nav.main-nav >> text=Kunden")
    page.wait_for_url(re.compile(r".*/app/customers$"))
    held_rows = page.locator("table.customers tbody tr", has=page.locator(".credit-hold"))
    assert held_rows.count() == 1 and name in held_rows.first.inner_text()

    # the credit page lists it
    page.click("nav.main-nav >> text=Kredit")
    page.wait_for_url(re.compile(r".*/app/credit$"))
    row = page.locator(f'table.credit-report tr[data-customer="{who}"]')
    assert "Liefersperre" in row.inner_text() and name in row.inner_text()
    assert [c["customer_id"] for c in api(served, "/v1/reports/credit")["customers"]] == [who]
    shot(page, "credit")

    # the limit cleared: the hold ends
    page.goto(served.base + f"/app/customers/{who}#credit")
    page.fill("#credit_limit-field", "")
    page.get_by_role("button", name="Kreditdaten speichern").click()
    page.wait_for_url(re.compile(rf".*/app/customers/{who}\?.*done=credit.*"))
    assert page.locator("[data-credit-hold]").count() == 0
    page.goto(served.base + "/app/credit")
    assert "Kein Kunde ist über seinem Kreditlimit oder gesperrt." in page.locator("main").inner_text()
    assert console.errors == []
    context.close()
