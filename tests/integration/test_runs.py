"""Runs (issue 15, points 5 and 6) on the embedded stack: the stale-bank-data guard holds a
tenant's letters until a fresher statement arrives, and "run now" (POST /v1/runs) plans today's
letters for one tenant, exactly once with the daily schedule."""

import email
from datetime import UTC, date, datetime
from decimal import Decimal

from mahnwerk.service.keys import create_key
from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk_local.camt import Credit, camt053

from ..conftest import berlin
from .test_dunning import CSV, SETTINGS, notices, run_day

#: the demo turns the guard off (one statement for two months); a tenant here has the default
GUARDED = {**SETTINGS, "policy": {k: v for k, v in SETTINGS["policy"].items()
                                   if k != "bank_freshness_days"}}


def setup(stack, tenant, settings=GUARDED):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document(tenant, SETTINGS_KEY, settings, berlin(2026, 10, 1))
        ctx.tenants.register_tenant(tenant, berlin(2026, 10, 1))
        key, _ = create_key(ctx, tenant, "tests", datetime(2026, 10, 1, tzinfo=UTC))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload(f"inbox/{tenant}/invoices/rechnungen.csv", CSV)
    stack.drain()
    return key


def statement(booked: date, statement_id: str) -> bytes:
    # a credit nobody is dunned for (a tax refund): the statement still says "booked up to here"
    return camt053("DE02120300000000202051", [
        Credit(booked, Decimal("12.34"), "Erstattung Finanzamt", "Finanzamt Berlin")],
        statement_id=statement_id)


def emails_to(stack):
    return [email.message_from_bytes(raw)["X-Mahnwerk-Notice"] for raw in stack.sent_emails()]


def test_stale_bank_data_holds_the_letters_until_a_fresher_statement_arrives(stack):
    acme = setup(stack, "acme")
    setup(stack, "beta")  # imports no statements at all: never held
    stack.now = berlin(2026, 10, 15, 5)
    stack.upload("inbox/acme/bank/okt-14.xml", statement(date(2026, 10, 14), "S-14"))
    stack.drain()

    # Thu 22.10.: Thu 15 … Wed 21 are five working days without bookings (3 allowed)
    result = run_day(stack, berlin(2026, 10, 22))
    assert result == {"run_date": "2026-10-22", "tenants": 2, "requests": 3, "held": 1}
    assert notices(stack, "acme") == {}  # held: nothing decided, nothing sent
    assert set(notices(stack, "beta")) == {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1"}  # K-3 waits
    status = stack.api("GET", "/v1/runs", key=acme)
    assert status.status == 200, status.body
    held = status.body["last_run"]["held"]
    assert held["code"] == "stale_bank_data" and held["newest_booking"] == "2026-10-14"
    assert held["working_days_without"] == 5 and held["allowed"] == 3
    assert "2026-10-14" in held["message"]
    assert status.body["bank_data"]["newest_booking"] == "2026-10-14"
    assert status.body["bank_data"]["held"]["code"] == "stale_bank_data"

    # an older statement imported late does not make the data fresher
    stack.now = berlin(2026, 10, 23, 5)
    stack.upload("inbox/acme/bank/okt-01.xml", statement(date(2026, 10, 1), "S-01"))
    stack.drain()
    run_day(stack, berlin(2026, 10, 23))
    assert notices(stack, "acme") == {}

    # the statement booked up to Friday arrives on Saturday: the next run sends what was held
    stack.now = berlin(2026, 10, 24, 5)
    stack.upload("inbox/acme/bank/okt-23.xml", statement(date(2026, 10, 23), "S-23"))
    stack.drain()
    run_day(stack, berlin(2026, 10, 24))
    sent = notices(stack, "acme")
    assert set(sent) == {"K-1:2026-10-24:L1", "K-2:2026-10-24:L1"}  # K-3 waits
    assert sent["K-1:2026-10-24:L1"].status == "sent"
    status = stack.api("GET", "/v1/runs", key=acme).body
    assert status["last_run"]["held"] is None and status["bank_data"]["held"] is None
    assert status["last_run"]["requests"] == 3


def test_zero_turns_the_guard_off(stack):
    setup(stack, "acme", {**GUARDED, "policy": {**GUARDED["policy"], "bank_freshness_days": 0}})
    stack.upload("inbox/acme/bank/okt-01.xml", statement(date(2026, 10, 1), "S-01"))
    stack.drain()
    assert run_day(stack, berlin(2026, 10, 22))["held"] == 0
    assert len(notices(stack, "acme")) == 2  # K-3 (no e-mail, no address) waits


def test_run_now_plans_today_for_this_tenant_once_with_the_schedule(stack):
    acme = setup(stack, "acme")
    setup(stack, "beta")

    stack.now = berlin(2026, 10, 22, 5)  # before the scheduled run of 06:00
    first = stack.api("POST", "/v1/runs", key=acme)
    assert first.status == 200, first.body
    assert first.body["run"]["run_date"] == "2026-10-22" and first.body["run"]["requests"] == 3
    assert first.body["run"]["trigger"] == "now" and first.body["run"]["held"] is None
    assert first.body["next_run"] == "2026-10-22T06:00:00+02:00"
    stack.drain()
    assert set(notices(stack, "acme")) == {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1"}  # K-3 waits
    assert notices(stack, "beta") == {}  # other tenants untouched
    assert emails_to(stack) == ["K-1:2026-10-22:L1"]

    stack.now = berlin(2026, 10, 22, 5).replace(minute=10)  # pressed twice: still one letter
    assert stack.api("POST", "/v1/runs", key=acme).status == 200
    stack.drain()
    assert emails_to(stack) == ["K-1:2026-10-22:L1"]

    run_day(stack, berlin(2026, 10, 22))  # the scheduled run of the same day
    assert len(notices(stack, "acme")) == 2  # K-3 (no e-mail, no address) waits
    assert len(notices(stack, "beta")) == 2  # beta gets its letters from the schedule
    assert emails_to(stack) == ["K-1:2026-10-22:L1"] * 2  # one to acme's, one to beta's Anna

    stack.now = berlin(2026, 10, 22, 10)  # and run now after the schedule: nothing new
    again = stack.api("POST", "/v1/runs", key=acme)
    stack.drain()
    assert again.body["run"]["requests"] == 1  # K-3 only: still due, still waiting for an address
    assert again.body["next_run"] == "2026-10-23T06:00:00+02:00"
    assert len(emails_to(stack)) == 2 and len(notices(stack, "acme")) == 2


def test_run_now_on_stale_bank_data_holds_and_says_why(stack):
    acme = setup(stack, "acme")
    stack.upload("inbox/acme/bank/okt-14.xml", statement(date(2026, 10, 14), "S-14"))
    stack.drain()
    stack.now = berlin(2026, 10, 22, 9)
    answer = stack.api("POST", "/v1/runs", key=acme)
    stack.drain()
    assert answer.status == 200 and answer.body["run"]["held"]["code"] == "stale_bank_data"
    assert answer.body["run"]["requests"] == 0 and notices(stack, "acme") == {}


def test_the_overview_says_why_letters_wait_and_its_button_runs_today(stack):
    from .test_web import Browser, text

    acme = setup(stack, "acme")
    stack.upload("inbox/acme/bank/okt-14.xml", statement(date(2026, 10, 14), "S-14"))
    stack.drain()
    stack.now = berlin(2026, 10, 22, 9)
    browser = Browser(stack, acme)
    page = browser.get("/app/?lang=de")
    words = text(page)
    assert "Mahnungen werden zurückgehalten: Die neueste Buchung auf dem Kontoauszug ist vom " \
           "14.10.2026 (5 Werktage ohne Buchungen, erlaubt sind 3)" in words, words[:2000]
    assert "Nächster Mahnlauf: 23.10.2026 06:00 Uhr" in words
    assert "Alles in Ordnung" not in words
    pressed = browser.post("/app/runs", {"run": "now"})
    assert pressed.status == 303 and "done=run_held" in pressed.headers["Location"]
    stack.drain()
    assert notices(stack, "acme") == {}

    stack.upload("inbox/acme/bank/okt-21.xml", statement(date(2026, 10, 21), "S-21"))
    stack.drain()
    page = browser.get("/app/?lang=de")
    assert "zurückgehalten" not in text(page)
    pressed = browser.post("/app/runs", {"run": "now"})
    assert pressed.status == 303 and pressed.headers["Location"].endswith("done=run")
    stack.drain()
    assert set(notices(stack, "acme")) == {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1"}  # K-3 waits
    assert "Der Mahnlauf für heute ist ausgeführt." in text(browser.get("/app/?done=run"))


def test_the_allowance_is_a_setting_of_the_form_and_the_api(stack):
    from .test_web import Browser, settings_form, text
    from .test_web import field_value as typed

    acme = setup(stack, "acme")
    browser = Browser(stack, acme)
    page = browser.get("/app/settings?lang=de")
    assert typed(page, "bank_freshness_days") == "3"  # the default, shown
    assert "Kontoauszug höchstens … Werktage alt" in text(page)
    def form(days):
        return [(k, days if k == "bank_freshness_days" else v) for k, v in settings_form(browser)]

    assert ("bank_freshness_days", "3") in settings_form(browser)
    refused = browser.post("/app/settings", form("-1"))
    assert refused.status == 400
    assert "Bitte eine ganze Zahl ab 0 eingeben." in text(refused)
    assert 'id="err-bank_freshness_days"' in refused.body and typed(refused, "bank_freshness_days") == "-1"
    saved = browser.post("/app/settings", form("5"))
    assert saved.status == 303
    document = stack.api("GET", "/v1/settings", key=acme).body["settings"]
    assert document["policy"]["bank_freshness_days"] == 5
    # a form posted without the field (an older page) keeps what is stored
    older = [(k, v) for k, v in settings_form(browser) if k != "bank_freshness_days"]
    assert browser.post("/app/settings", older).status == 303
    assert stack.api("GET", "/v1/settings", key=acme).body["settings"]["policy"][
        "bank_freshness_days"] == 5
    bad = stack.api("PUT", "/v1/settings", key=acme,
                    body={**document, "policy": {**document["policy"], "bank_freshness_days": "3"}})
    assert bad.status == 400 and "bank_freshness_days" in str(bad.body)
