"""GET /v1/exports/datev and GET /v1/reports/limitation on the embedded stack (the clock on
23.11.2026); amounts and accounts computed by hand."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from mahnwerk.service.keys import create_key
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
DATEV = {"advisor_number": 29098, "client_number": 55003, "chart": "SKR03",
         "debtor_accounts": {"K-2": 10002}}
TODAY = berlin(2026, 11, 23, 10)


def customer(cid, name):
    return {"id": cid, "name": name, "street": "Weg 1", "postal_code": "10115", "city": "Berlin"}


INVOICES = [
    {"number": "R-1", "customer": customer("K-1", "Anna Schmidt"),
     "issue_date": "2026-10-01", "due_date": "2026-10-15", "amount": "200.00"},
    {"number": "R-3", "customer": customer("K-2", "Jörg Müller GmbH"),
     "issue_date": "2026-08-01", "due_date": "2026-08-15", "amount": "300.00"},
    {"number": "R-2023", "customer": customer("K-1", "Anna Schmidt"),
     "issue_date": "2023-06-01", "due_date": "2023-06-30", "amount": "80.00"},
    {"number": "R-2024", "customer": customer("K-1", "Anna Schmidt"),
     "issue_date": "2024-02-01", "due_date": "2024-03-01", "amount": "90.00"},
]


@pytest.fixture
def api(stack):
    stack.verify_sender(SETTINGS["sender_email"])
    keys = {}
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, {**SETTINGS, "datev": DATEV},
                                 berlin(2026, 8, 1))
        ctx.tenants.put_document("beta", SETTINGS_KEY, SETTINGS, berlin(2026, 8, 1))
        for tenant in ("acme", "beta"):
            keys[tenant], _ = create_key(ctx, tenant, "tests", datetime(2026, 8, 1, tzinfo=UTC))
    stack.now = TODAY
    stack.keys = keys
    for tenant in ("acme", "beta"):
        assert call(stack, tenant, "POST", "/v1/invoices", {"invoices": INVOICES}).status == 200
    return stack


def call(stack, tenant, method, path, body=None, query=None):
    return stack.api(method, path, key=stack.keys[tenant], body=body, query=query)


def rows(response):
    assert response.status == 200, response.body
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["content-type"] == "text/csv; charset=windows-1252"
    text = base64.b64decode(response.body).decode("cp1252")
    return [line.split(";") for line in text.split("\r\n")[2:] if line]


def test_datev_export_books_payment_and_write_off_by_hand(api):
    assert call(api, "acme", "POST", "/v1/payments", {
        "amount": "200.00", "booking_date": "2026-11-20", "invoices": ["R-1"]}).status == 200
    assert call(api, "acme", "POST", "/v1/invoices/R-3/write-off",
                {"reason": "insolvent"}).status == 200
    november = call(api, "acme", "GET", "/v1/exports/datev",
                    query={"from": "2026-11-01", "to": "2026-11-30"})
    lines = [(r[0], r[1], r[6], r[7], r[9], r[10]) for r in rows(november)]
    assert lines == [
        ("200,00", '"S"', "1200", "1400", "2011", '"R-1"'),     # Bank an Forderungen
        # 300.00 at 19 %: VAT 300 × 19/119 = 47.899 → 47.90, net 252.10; K-2's debtor account
        ("252,10", '"S"', "2400", "10002", "2311", '"R-3"'),    # Forderungsverluste
        ("47,90", '"S"', "1776", "10002", "2311", '"R-3"'),     # Umsatzsteuer 19 %
    ]
    again = call(api, "acme", "GET", "/v1/exports/datev",
                 query={"from": "2026-11-01", "to": "2026-11-30"})
    assert again.body == november.body                          # same period, same bytes
    assert rows(call(api, "acme", "GET", "/v1/exports/datev",
                     query={"from": "2026-10-01", "to": "2026-10-31"})) == []


@pytest.mark.parametrize("query,field,reason", [
    ({"from": "2026-11-30", "to": "2026-11-01"}, "from", "after_to"),
    ({"from": "2026-01-01", "to": "2027-01-01"}, "to", "too_long"),
    ({"from": "2026-13-01", "to": "2026-12-01"}, "from", "not_a_date"),
    ({"to": "2026-12-01"}, "from", "missing"),
])
def test_datev_export_refuses_bad_periods_with_field_and_reason(api, query, field, reason):
    answer = call(api, "acme", "GET", "/v1/exports/datev", query=query)
    assert answer.status == 400
    assert (answer.body["code"], answer.body["field"], answer.body["reason"]) == (
        "invalid_period", field, reason)


def test_datev_export_needs_the_advisor_numbers_and_refuses_other_charts(api):
    answer = call(api, "beta", "GET", "/v1/exports/datev",
                  query={"from": "2026-11-01", "to": "2026-11-30"})
    assert (answer.status, answer.body["code"]) == (409, "datev_not_configured")
    refused = call(api, "beta", "PUT", "/v1/settings",
                   {**SETTINGS, "datev": {**DATEV, "chart": "SKR49"}})
    assert refused.status == 400
    assert [e["field"] for e in refused.body["errors"]] == ["datev.chart"]


def test_limitation_report_2023_expires_this_year_2024_next(api):
    this_year = call(api, "acme", "GET", "/v1/reports/limitation", query={"year": "2026"}).body
    assert [(c["number"], c["expires_on"], c["file_by"], c["basis"])
            for c in this_year["claims"]] == [("R-2023", "2026-12-31", "2026-12-15", "§§195, 199")]
    assert this_year["total"] == "80.00"
    next_year = call(api, "acme", "GET", "/v1/reports/limitation", query={"year": "2027"}).body
    assert [(c["number"], c["expires_on"]) for c in next_year["claims"]] == [
        ("R-2024", "2027-12-31")]
    assert call(api, "acme", "GET", "/v1/reports/limitation",
                query={"year": "1999"}).status in (400, 422)


# --- the dashboard's hand-off page --------------------------------------------------------------

from .test_web import Browser, text  # noqa: E402


def test_dashboard_datev_period_refused_in_german_and_file_downloaded(api):
    browser = Browser(api, api.keys["acme"])
    page = browser.get("/app/handoff")
    assert page.status == 200
    assert "DATEV-Export" in text(page) and "Verjährung zum Jahresende" in text(page)
    # from 1 October the claims expiring on 31 December are listed with the step that stops it
    assert "R-2023" in text(page) and "Mahnbescheid bis 15.12.2026 beantragen" in text(page)
    assert "R-2024" not in text(page)
    bad = browser.get("/app/handoff/datev?from=2026-11-30&to=2026-11-01")
    assert bad.status == 400
    assert "Der Beginn liegt nach dem Ende des Zeitraums." in text(bad)
    too_long = browser.get("/app/handoff/datev?from=2026-01-01&to=2027-01-01")
    assert "höchstens 12 Monate" in text(too_long)
    ok = browser.get("/app/handoff/datev?from=2026-11-01&to=2026-11-30")
    assert ok.status == 200
    assert base64.b64decode(ok.body).startswith(b'"EXTF";700;21;"Buchungsstapel";13;')


def test_dashboard_datev_settings_refused_with_german_field_errors(api):
    browser = Browser(api, api.keys["beta"])
    refused = browser.post("/app/handoff/datev-settings", {
        "advisor_number": "12", "client_number": "55003", "fiscal_year_start": "1",
        "account_length": "4", "chart": "SKR49", "taxation": "soll", "email": ""})
    assert refused.status == 400
    words = text(refused)
    assert "Bitte eine ganze Zahl von 1001 bis 9999999 eingeben." in words
    assert "Bitte einen der Kontenrahmen SKR03, SKR04 wählen." in words
    saved = browser.post("/app/handoff/datev-settings", {
        "advisor_number": "29098", "client_number": "55003", "fiscal_year_start": "1",
        "account_length": "4", "chart": "SKR04", "taxation": "ist", "email": ""})
    assert saved.status == 303
    with api.service_context() as ctx:
        doc = ctx.tenants.get_document("beta", SETTINGS_KEY)
    assert doc["datev"]["chart"] == "SKR04" and doc["datev"]["taxation"] == "ist"
    assert doc["datev"]["advisor_number"] == 29098  # stored as the schema has it
