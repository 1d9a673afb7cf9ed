"""Recurring invoices on the embedded stack: templates through the API (refused input with field and
reason), and a year of daily runs — the scheduled DunningFunction, the NoticeFunction draining
the queue — where a template issues its 12 monthly invoices exactly once each, numbered without
gaps, though the schedule is down for five days in the middle and a run is retried."""

import email
import email.policy
import json
from datetime import UTC, date, datetime, timedelta

from mahnwerk.service import recurring
from mahnwerk.service.keys import create_key
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
CUSTOMERS = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag;Offen\n"
             "ALT-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.12.2025;15.12.2025;10,00;0,00\n"
             "ALT-2;K-2;Bernd Post;;Hauptstr. 2;10115;Berlin;01.12.2025;15.12.2025;10,00;0,00\n"
             ).encode()
PATH = "/v1/recurring-invoices"


def setup(stack, tenant="acme"):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document(tenant, SETTINGS_KEY, SETTINGS, berlin(2025, 12, 1))
        ctx.tenants.register_tenant(tenant, berlin(2025, 12, 1))
        key, _ = create_key(ctx, tenant, "tests", datetime(2025, 12, 1, tzinfo=UTC))
    stack.now = berlin(2025, 12, 20, 9)
    stack.upload(f"inbox/{tenant}/invoices/kunden.csv", CUSTOMERS)  # the customers, paid invoices
    stack.drain()
    return key


def create(stack, key, **fields):
    body = {"customer_id": "K-1", "line_text": "Wartung Heizungsanlage", "amount": "119.00",
            "interval": "monthly", "day": 5, "start": "2026-01-01", **fields}
    return stack.api("POST", PATH, key=key, body=body)


def run_day(stack, day: date):
    at = berlin(day.year, day.month, day.day)
    stack.now = at
    stack.fire_schedule("DunningFunction", at)
    stack.drain()


def issued(stack, tenant="acme"):
    with stack.service_context() as ctx:
        return sorted(i.number for i in ctx.invoices.invoices(tenant) if i.number.startswith("RE-"))


def test_bad_templates_are_refused_with_field_and_reason(stack):
    key = setup(stack)
    for fields, field, code in [
        ({"amount": 0}, "amount", "not_positive"),
        ({"interval": "weekly"}, "interval", "invalid_interval"),
        ({"day": 31}, "day", "invalid_day"),
        ({"start": "2025-06-01"}, "start", "start_too_early"),
        ({"end": "2025-12-31"}, "end", "end_before_start"),
        ({"count": 0}, "count", "count_too_small"),
        ({"vat": 16}, "vat", "invalid_vat"),
        ({"customer_id": "K-404"}, "customer_id", "unknown_customer"),
    ]:
        answer = create(stack, key, **fields)
        assert answer.status == 400, (fields, answer.body)
        assert answer.body["code"] == "recurring_invalid"
        assert [(e["field"], e["code"]) for e in answer.body["errors"]] == [(field, code)], fields
    assert stack.api("GET", PATH, key=key).body == {"items": []}


def test_a_template_for_an_erased_customer_is_refused(stack):
    key = setup(stack)
    erased = stack.api("POST", "/v1/customers/K-2/erase", key=key, body={"reason": "data_subject_request",
                                                                        "confirm": "K-2"})
    assert erased.status in (200, 202), erased.body
    answer = create(stack, key, customer_id="K-2")
    assert answer.status == 400
    assert answer.body["errors"][0]["field"] == "customer_id"
    assert answer.body["errors"][0]["code"] in ("erased_customer", "unknown_customer")


def test_a_year_of_daily_runs_issues_twelve_invoices_once_each_despite_an_outage(stack):
    key = setup(stack)
    made = create(stack, key)
    assert made.status == 201, made.body
    template_id = made.body["id"]
    assert made.body["next_issue"] == "2026-01-05"
    paused = create(stack, key, customer_id="K-2", line_text="Hosting")
    other_id = paused.body["id"]
    answer = stack.api("PATCH", f"{PATH}/{other_id}", key=key, body={"status": "paused"})
    assert answer.status == 200 and answer.body["status"] == "paused"

    # the year is about issuing: this customer is not dunned (a letter a day would only cost time;
    # the service tests show the issued invoices dunned like any other)
    excluded = stack.api("PUT", "/v1/customers/K-1/overrides", key=key, body={"excluded": True})
    assert excluded.status == 200, excluded.body
    # Every day of the year but the outage: the run's recurring part in process (the message
    # runs.plan_tenant queues for the tenant), the notice queue drained by NoticeFunction when
    # there is one; on two days the scheduled DunningFunction itself fires, twice each (the
    # schedule's retry of the same run: nothing twice). A whole plan_tenant per day would only
    # add the dunning reads this test does not look at.
    outage = {date(2026, 6, 3) + timedelta(days=i) for i in range(5)}  # 03.–07.06.: June's 5th
    day, runs = date(2026, 1, 1), 0
    with stack.service_context() as ctx:
        while day <= date(2026, 12, 31):
            at = berlin(day.year, day.month, day.day)
            stack.now = at
            if day in (date(2026, 1, 5), date(2026, 3, 5)):
                run_day(stack, day)
                run_day(stack, day)
            elif day not in outage:
                runs += 1
                if ctx.notice_queue.send_all(recurring.request(ctx, "acme", day, at)):
                    stack.drain()
            day += timedelta(days=1)
    assert runs == 365 - 5 - 2

    numbers = issued(stack)
    assert numbers == [f"RE-2026-{n:05}" for n in range(1, 13)]
    with stack.service_context() as ctx:
        june = ctx.invoices.get_invoice("acme", "RE-2026-00006")
        events = ctx.invoices.events("acme", "RE-2026-00006")
        assert june is not None and june.issue_date == date(2026, 6, 8)  # caught up after the outage
        assert [e["billing_day"] for e in events if e["kind"] == "recurring_issued"] == ["2026-06-05"]
        sends = [ctx.invoice_sends.get_invoice_send("acme", n) for n in numbers]
        assert all(s is not None and s.status == "sent" for s in sends)
    mails = [email.message_from_bytes(raw, policy=email.policy.default)
             for raw in stack.sent_emails()]
    subjects = [m["Subject"] for m in mails if m["Subject"].startswith("Rechnung ")]
    assert sorted(subjects) == [f"Rechnung {n}" for n in numbers]  # each sent once
    detail = stack.api("GET", f"{PATH}/{template_id}", key=key).body
    assert [i["number"] for i in detail["invoices"]] == numbers
    assert detail["created_periods"] == list(range(12))
    received = [e["detail"] for e in stack.published_events("InvoiceReceived")
                if e["detail"].get("via") == "recurring"]
    assert sorted(d["invoice_number"] for d in received) == numbers  # one event each
    # the paused template issued nothing all year
    other = stack.api("GET", f"{PATH}/{other_id}", key=key).body
    assert other["invoices"] == [] and [e["kind"] for e in other["timeline"]] == [
        "template_created", "template_paused"]
    for queue in ("NoticeDeadLetterQueue", "DunningScheduleDeadLetterQueue"):
        assert stack.queue_depth(queue) == 0


def test_patch_keeps_absent_fields_and_delete_ends_audited(stack):
    key = setup(stack)
    made = create(stack, key, count=6, terms_days=30).body
    stack.now = berlin(2025, 12, 21, 9)
    changed = stack.api("PATCH", f"{PATH}/{made['id']}", key=key, body={"amount": "150,00"})
    assert changed.status == 200, changed.body
    assert (changed.body["amount"], changed.body["count"], changed.body["terms_days"],
            changed.body["line_text"]) == ("150.00", 6, 30, "Wartung Heizungsanlage")
    bad = stack.api("PATCH", f"{PATH}/{made['id']}", key=key, body={"day": "first"})
    assert bad.status == 400 and bad.body["errors"][0]["field"] == "day"
    stack.now = berlin(2025, 12, 22, 9)
    ended = stack.api("DELETE", f"{PATH}/{made['id']}", key=key)
    assert ended.status == 200 and ended.body["status"] == "ended"
    assert [e["kind"] for e in ended.body["timeline"]] == [
        "template_created", "template_changed", "template_ended"]
    run_day(stack, date(2026, 1, 5))
    assert issued(stack) == []
    assert stack.api("GET", f"{PATH}/rt-404", key=key).status == 404
