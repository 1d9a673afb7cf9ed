# ruff: noqa: F811 - the tests take the imported fixtures as their arguments
"""The debtor's page in a real browser (headless Chromium against ``mahnwerk serve --demo``, the
fixtures of the dashboard's browser test): the link of a demo customer, the same as printed on
their letter, opens their statement on a phone and on a desktop; they promise to pay one invoice
and dispute another; the answers reach the API and the owner's dashboard. No script runs on the
page, nothing is loaded from elsewhere, and the product's name never shows.
The pages are saved as ``docs/portal-<view>.png`` (the README shows them)."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from .test_dashboard_browser import (  # noqa: F401 - fixtures
    CUT_WORDS_JS,
    DESKTOP,
    DOCS,
    PHONE,
    Console,
    api,
    chromium,
    served,
)

pytestmark = pytest.mark.slow

CUSTOMER = "K-1001"


def post(served: Any, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(served.base + path, data=json.dumps(body).encode(),
                                     method="POST", headers={
                                         "Authorization": f"Bearer {served.key}",
                                         "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(DOCS / f"portal-{name}.png"), full_page=True, animations="disabled")


def test_a_debtor_promises_and_disputes_on_their_page(served: Any, chromium: Any) -> None:
    from pypdf import PdfReader

    # a second open invoice for the demo customer, so there is one to promise and one to dispute
    today = date.fromisoformat(api(served, "/v1/runs")["today"])
    post(served, "/v1/invoices", {"invoices": [{
        "number": "RE-2026-301", "customer": {"id": CUSTOMER, "name": "Anna Schmidt"},
        "issue_date": (today - timedelta(days=20)).isoformat(),
        "due_date": (today - timedelta(days=6)).isoformat(), "amount": "450.00"}]})
    path = urlsplit(api(served, f"/v1/customers/{CUSTOMER}/portal-link")["url"]).path
    assert re.fullmatch(rf"/portal/[a-z0-9-]+/{CUSTOMER}/[A-Za-z0-9_-]{{16}}", path)

    console = Console()
    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                 has_touch=True, locale="de-DE")
    requested: list[str] = []
    page = console.watch(phone.new_page())
    page.on("request", lambda r: requested.append(r.url))
    page.goto(served.base + path)
    assert page.locator("h1").inner_text() == "Guten Tag, Anna Schmidt"
    html = page.content()
    assert "mahnwerk" not in html.lower() and "<script" not in html.lower()
    assert all(url.startswith(served.base) or url.startswith("data:") for url in requested)
    items = page.locator("li.item")
    assert {items.nth(i).get_attribute("data-invoice") for i in range(items.count())} == {
        "RE-2026-107", "RE-2026-301"}
    assert page.locator("figure.qr img").count() == 1  # the GiroCode for the exact total
    assert page.evaluate(CUT_WORDS_JS) == []

    # the link is the one printed on the customer's letter
    letter = page.locator("section[aria-labelledby=letters-h] a").first.get_attribute("href")
    pdf = phone.request.get(served.base + str(letter))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    printed = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert path.rsplit("/", 1)[1] in printed.replace(" ", "")
    shot(page, "phone")

    # a promise to pay the small invoice in a week
    page.click("#promise summary")
    page.locator("#promise input[value='RE-2026-301']").uncheck()
    page.locator("#promise input[value='RE-2026-107']").check()
    page.fill("#promise-until", (today + timedelta(days=7)).isoformat())
    page.click("#promise button[type=submit]")
    page.wait_for_url(re.compile(r".*done=promise#top$"))
    assert "Danke für Ihre Zusage" in page.locator(".done").inner_text()
    held = api(served, "/v1/invoices/RE-2026-107")
    assert held["paused_until"] == (today + timedelta(days=7)).isoformat()

    # a dispute of the other one, with its reason and a few words
    page.click("#dispute summary")
    page.locator("#dispute input[value='RE-2026-301']").check()
    page.select_option("#dispute-reason", "amount_wrong")
    page.fill("#dispute-text", "Es wurden 3 statt 5 Stunden geleistet.")
    page.click("#dispute button[type=submit]")
    page.wait_for_url(re.compile(r".*done=dispute#top$"))
    assert api(served, "/v1/invoices/RE-2026-301")["status"] == "disputed"
    assert "Einwand in Prüfung" in page.locator("li[data-invoice='RE-2026-301']").inner_text()

    assert console.errors == []
    # a bad answer is refused at its field, in German (with status 400: the browser notes it)
    page.click("#paid summary")
    page.fill("#paid-on", today.isoformat())
    page.fill("#paid-amount", "zwölf")
    page.click("#paid button[type=submit]")
    assert "Bitte geben Sie einen Betrag wie 119,00 ein." in page.locator("#err-amount").inner_text()
    assert [e for e in console.errors if "/paid: " not in e or "status of 400" not in e] == []
    console.errors.clear()

    # desktop, in English
    desktop = console.watch(chromium.new_context(viewport=DESKTOP, locale="en-GB").new_page())
    desktop.goto(f"{served.base}{path}?lang=en")
    assert "Open invoices" in desktop.content()
    shot(desktop, "desktop")
    assert console.errors == []
    # a tampered link is a plain 404
    answer = desktop.goto(served.base + path[:-1] + ("A" if path[-1] != "A" else "B"))
    assert answer is not None and answer.status == 404
