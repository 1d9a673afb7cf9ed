"""Credit rules (issue 18, part 1) on the embedded stack: a customer crossing its limit gets a
hold and loses it after paying, with CreditHoldSet / CreditHoldReleased on the event bus; the
credit limit through PATCH /v1/customers/{id}, bad input refused with field and reason; the
credit report; the rules validated in the settings with their field."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest

from mahnwerk.domain.events import SCHEMAS, EventType

from . import test_api
from .test_api import SETTINGS, call, get, post

api = test_api.api

RULES = {"rules": [{"kind": "exposure_over_limit", "action": "hold"},
                   {"kind": "overdue_days", "above": 60, "action": "hold"},
                   {"kind": "risk_class", "at_least": "D", "action": "prepayment"}]}


def patch(local, customer_id, body, tenant="acme"):
    return call(local, local.keys[tenant], "PATCH", f"/v1/customers/{customer_id}", body)


def with_rules(local, credit=RULES):
    doc = copy.deepcopy(SETTINGS)
    doc["credit"] = credit
    saved = call(local, local.keys["acme"], "PUT", "/v1/settings", doc)
    assert saved.status == 200, saved.body


def holds(local, kind):
    found = [e for e in local.published_events(kind.value)]
    for e in found:
        jsonschema.validate(e["detail"], SCHEMAS[kind],
                            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [e["detail"] for e in found]


def test_a_customer_crossing_its_limit_gets_a_hold_and_loses_it_after_paying(api):
    with_rules(api)
    # K-1 owes R-1 100.00 (overdue since 15.10.) and R-2 200.00 (due today): 300.00
    k1 = get(api, "/v1/customers/K-1").body
    assert (k1["credit_hold"], k1["credit"]["exposure"], k1["credit_limit"]) == (False, "300.00", None)
    answer = patch(api, "K-1", {"credit_limit": 250})
    assert answer.status == 200, answer.body
    assert answer.body["credit_hold"] is True
    assert answer.body["credit_reasons"] == [{"rule": "exposure_over_limit:hold",
                                              "detail": "300.00 > 250.00"}]
    [held] = holds(api, EventType.CREDIT_HOLD_SET)
    assert (held["customer_id"], held["hold_number"], held["reasons"], held["exposure"]) == (
        "K-1", 1, ["exposure_over_limit:hold"], "300.00")
    assert "Anna" not in str(held) and "anna@" not in str(held)
    k1 = get(api, "/v1/customers/K-1").body
    assert k1["credit_hold"] is True and k1["credit"]["over_limit"] is True
    report = get(api, "/v1/reports/credit").body
    assert [(c["customer_id"], c["name"], c["credit_hold"]) for c in report["customers"]] == [
        ("K-1", "Anna Schmidt", True)]
    # another tenant sees nothing of it
    assert get(api, "/v1/reports/credit", tenant="beta").body["customers"] == []

    # K-1 pays R-2: exposure 100.00 + interest-free principal < 250: the hold ends
    paid = post(api, "/v1/payments", {"amount": "200.00", "booking_date": "2026-11-23",
                                      "reference": "Rechnung R-2"},
                headers={"Idempotency-Key": "k1-pays"})
    assert paid.status == 200 and paid.body["status"] == "matched"
    [released] = holds(api, EventType.CREDIT_HOLD_RELEASED)
    assert (released["customer_id"], released["hold_number"], released["reasons"]) == ("K-1", 1, [])
    k1 = get(api, "/v1/customers/K-1").body
    assert k1["credit_hold"] is False and k1["credit"]["exposure"] == "100.00"
    assert get(api, "/v1/reports/credit").body["customers"] == []
    assert len(holds(api, EventType.CREDIT_HOLD_SET)) == 1


def test_patch_credit_limit_sets_keeps_and_clears(api):
    assert patch(api, "K-2", {"credit_limit": "1000.50"}).body["credit_limit"] == "1000.50"
    assert patch(api, "K-2", {"locale": "en"}).body["credit_limit"] \
        == "1000.50"  # a field left out keeps the limit
    k2 = get(api, "/v1/customers/K-2").body
    assert k2["timeline"][0]["kind"] == "credit_changed"
    assert k2["timeline"][0]["changes"] == {"credit_limit": [None, "1000.50"]}
    assert patch(api, "K-2", {"credit_limit": None}).body["credit_limit"] is None
    assert get(api, "/v1/customers/K-2").body["credit_limit"] is None
    # no rules: over the limit is reported, never held
    assert patch(api, "K-2", {"credit_limit": 0}).body["credit_hold"] is False
    assert [c["customer_id"] for c in get(api, "/v1/reports/credit").body["customers"]] == ["K-2"]
    assert holds(api, EventType.CREDIT_HOLD_SET) == []


@pytest.mark.parametrize("body, kind", [
    ({"credit_limit": -1}, "negative"),
    ({"credit_limit": "-0.01"}, "negative"),
    ({"credit_limit": "viel"}, "decimal_parsing"),
    ({"credit_limit": "1.234"}, "decimal_max_places"),
    ({"credit_legitimate_interest": "ja"}, "bool_type"),
])
def test_a_bad_credit_limit_is_refused_with_field_and_reason(api, body, kind):
    refused = patch(api, "K-1", body)
    assert refused.status == 422, refused.body
    [detail] = refused.body["detail"]
    assert (str(detail["loc"][-1]), detail["type"]) == (next(iter(body)), kind)
    if kind == "negative":
        assert "must not be negative" in detail["msg"]
    assert get(api, "/v1/customers/K-1").body["credit_limit"] is None


def test_credit_rules_are_validated_with_their_field(api):
    doc = copy.deepcopy(SETTINGS)
    doc["credit"] = {"rules": [{"kind": "overdue_days", "above": -3},
                               {"kind": "risk_class", "at_least": "B"},
                               {"kind": "exposure_over_limit", "action": "sperren"}],
                     "bureau_max_age_days": 0}
    refused = call(api, api.keys["acme"], "PUT", "/v1/settings", doc)
    assert refused.status == 400, refused.body
    fields = {e["field"]: e["code"] for e in refused.body["errors"]}
    assert fields == {"credit.rules[0].above": "credit_rule_days",
                      "credit.rules[1].at_least": "credit_rule_class",
                      "credit.rules[2].action": "credit_rule_action",
                      "credit.bureau_max_age_days": "credit_age"}


# --- the dashboard --------------------------------------------------------------------------------

from . import test_web  # noqa: E402
from .test_web import Browser, settings_form, text  # noqa: E402


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).replace("&gt;", ">")

web = test_web.web


def test_dashboard_credit_rules_limit_badge_and_credit_page(web):
    browser = Browser(web, web.keys["acme"])
    # the settings form's credit rules: hold over the limit, prepayment from class D
    form = [*settings_form(browser), ("credit_form", "1"), ("credit_overdue_days", "60"),
            ("credit_over_limit", "on"), ("credit_prepay_class", "D"),
            ("credit_bureau_max_age_days", "30")]
    saved = browser.post("/app/settings", form)
    assert saved.status == 303, text(saved)[:400]
    stored = call(web, web.keys["acme"], "GET", "/v1/settings").body["settings"]["credit"]
    assert stored == {"rules": [{"kind": "overdue_days", "action": "hold", "above": 60},
                                {"kind": "exposure_over_limit", "action": "hold"},
                                {"kind": "risk_class", "action": "prepayment", "at_least": "D"}],
                      "bureau_check": False, "bureau_max_age_days": 30}
    page = browser.get("/app/settings")
    assert re.search(r'name="credit_overdue_days"[^>]*value="60"', page.body)
    refused = browser.post("/app/settings", [*form[:-1], ("credit_bureau_max_age_days", "0")])
    assert refused.status == 400
    assert "Bitte eine Zahl von Tagen zwischen 1 und 3650 eingeben." in text(refused)
    assert 'id="err-credit_bureau_max_age_days"' in refused.body
    assert 'name="credit_bureau_max_age_days"' in refused.body

    # a negative limit is refused in German, nothing saved
    bad = browser.post("/app/customers/K-1/credit", {"credit_limit": "-5"})
    assert bad.status == 400
    assert "Das Kreditlimit muss ein Betrag von 0 oder mehr sein" in text(bad)
    assert get(web, "/v1/customers/K-1").body["credit_limit"] is None

    # a limit below K-1's 300.00: held, with the badge on the customer, the list and the credit page
    done = browser.post("/app/customers/K-1/credit", {"credit_limit": "250,00",
                                                      "legitimate_interest_shown": "1"})
    assert done.status == 303
    customer = browser.get("/app/customers/K-1")
    assert 'data-credit-hold="true"' in customer.body
    words = text(customer)
    assert "Liefersperre" in words and "offene Forderungen 300,00 € über dem Kreditlimit 250,00 €" in words
    assert 'data-credit-limit="250.00"' in customer.body
    entry = re.search(r'<li data-kind="credit_changed">.*?</li>\s*</ul>', customer.body, re.S).group(0)
    assert "Kreditdaten geändert" in text_of(entry) and "Kreditlimit: – → 250.00" in text_of(entry)
    listing = browser.get("/app/customers")
    row = re.search(r"<tr>(?:(?!</tr>).)*Anna Schmidt(?:(?!</tr>).)*</tr>", listing.body, re.S).group(0)
    assert "credit-hold" in row
    assert "credit-hold" not in re.search(r"<tr>(?:(?!</tr>).)*Ørsted(?:(?!</tr>).)*</tr>",
                                          listing.body, re.S).group(0)
    report = browser.get("/app/credit")
    assert report.status == 200 and 'data-customer="K-1"' in report.body
    assert "Liefersperre" in text(report)
    english = browser.get("/app/credit?lang=en")
    assert "Credit hold" in text(english) and "exposure 300.00" in text(english).replace("€", "")
    # the empty limit clears it: the hold ends
    assert browser.post("/app/customers/K-1/credit", {"credit_limit": ""}).status == 303
    assert 'data-credit-hold="true"' not in browser.get("/app/customers/K-1").body
    assert "Kein Kunde ist über seinem Kreditlimit oder gesperrt." in text(browser.get("/app/credit?lang=de"))
    assert [e["detail"]["customer_id"] for e in web.published_events("CreditHoldReleased")] == ["K-1"]


def test_gdpr_export_shows_and_erasure_deletes_the_credit_state(api):
    assert patch(api, "K-3", {"credit_limit": 100}).status == 200
    exported = get(api, "/v1/customers/K-3/export").body["customer"]["credit"]
    assert exported["credit_limit"] == "100.00" and exported["exposure"] == "400.00"
    erased = post(api, "/v1/customers/K-3/erase", {"reason": "data_subject_request",
                                                   "confirm": "K-3"})
    assert erased.status == 200, erased.body
    assert erased.body["changes"]["credit_record"] == 1
    with api.service_context() as ctx:
        assert ctx.credit.get_credit("acme", "K-3") is None
    assert get(api, "/v1/reports/credit").body["customers"] == []


def test_writing_off_an_invoice_recomputes_the_customer(api):
    with_rules(api)
    assert patch(api, "K-3", {"credit_limit": 300}).body["credit_hold"] is True  # owes 400.00
    assert post(api, "/v1/invoices/R-5/write-off", {"reason": "insolvent"}).status == 200
    k3 = get(api, "/v1/customers/K-3").body
    assert k3["credit_hold"] is False and k3["credit"]["exposure"] == "0.00"
    assert [e["hold_number"] for e in holds(api, EventType.CREDIT_HOLD_RELEASED)] == [1]
