"""Events for integrators on the local stack: what reaches the template's event bus (read from its
archive) when invoices arrive, letters go out, money comes in, mail bounces and claims are handed
over — schema-valid, free of personal data, and with stable ids when a step is retried."""

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import jsonschema

from mahnwerk.domain.events import SCHEMAS, EventType, event_id
from mahnwerk.service.keys import create_key
from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk_local.camt import Credit, camt053
from mahnwerk_local.events import sqs_event

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
PEOPLE = ["Anna Schmidt", "Ørsted A/S", "Zoë Müller-Groß"]
EMAILS = ["anna@example.org", "zoe@example.org"]
IBAN = "DE89370400440532013000"
AGENCY = "Rechtsanwältin Dr. Eva Klein"
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
       f"RE-1;K-1;{PEOPLE[0]};{EMAILS[0]};Hauptstraße 1;10115;Berlin;01.10.2026;15.10.2026;119,00\n"
       f"RE-2;K-1;{PEOPLE[0]};{EMAILS[0]};Hauptstraße 1;10115;Berlin;05.10.2026;19.10.2026;50,00\n"
       f"RE-3;K-2;{PEOPLE[1]};;Havnegade 1;10115;Berlin;01.10.2026;15.10.2026;1.000,00\n"
       f"RE-4;K-3;{PEOPLE[2]};{EMAILS[1]};Gartenweg 2;10115;Berlin;01.10.2026;15.10.2026;20,00\n"
       ).encode()
STATEMENT = camt053("DE02120300000000202051", [
    Credit(date(2026, 10, 24), Decimal("169.50"), "RE-1 und RE-2", PEOPLE[0], iban=IBAN),
    Credit(date(2026, 10, 24), Decimal("400.00"), "RE-3 Teilzahlung", PEOPLE[1], iban=IBAN),
    Credit(date(2026, 10, 24), Decimal("77.77"), "Spende von Zoë Müller-Groß", "Unbekannt",
           iban=IBAN),
])


def setup(stack):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    stack.drain()


def run_day(stack, day):
    stack.now = day
    stack.fire_schedule("DunningFunction", day)
    stack.drain()


def details(stack, kind):
    return [e["detail"] for e in stack.published_events(kind.value)]


def bounce(stack, notice_id, message_id):
    from mahnwerk.service.dunning import feedback_tag

    ses_event = {"eventType": "Bounce",
                 "bounce": {"bounceType": "Permanent", "timestamp": "2026-10-22T04:05:12.000Z",
                            "bouncedRecipients": [{"emailAddress": EMAILS[0]}]},
                 "mail": {"timestamp": "2026-10-22T04:00:01Z", "messageId": message_id,
                          "tags": {"mw": [feedback_tag("acme", "K-1", notice_id)]}}}
    stack.client("sqs").send_message(
        QueueUrl=stack.resolver.values["FeedbackQueue"],
        MessageBody=json.dumps({"Type": "Notification", "Message": json.dumps(ses_event)}))
    stack.drain()


def test_a_csv_upload_emits_invoice_received_per_invoice(stack):
    setup(stack)
    published = stack.published_events()
    assert {e["source"] for e in published} == {"mahnwerk"}
    received = details(stack, EventType.INVOICE_RECEIVED)
    assert sorted(d["invoice_number"] for d in received) == ["RE-1", "RE-2", "RE-3", "RE-4"]
    re1 = next(d for d in received if d["invoice_number"] == "RE-1")
    assert (re1["customer_id"], re1["amount"], re1["due_date"], re1["via"], re1["tenant_id"]) == (
        "K-1", "119.00", "2026-10-15", "file", "acme")
    assert re1["occurred_at"] == "2026-10-20T03:00:00.000Z"  # the upload (05:00 in Berlin)
    assert re1["event_id"] == event_id("acme", "InvoiceReceived", "RE-1", "received")
    # the same file again creates nothing and says nothing
    stack.upload("inbox/acme/invoices/rechnungen-nochmal.csv", CSV)
    stack.drain()
    assert len(details(stack, EventType.INVOICE_RECEIVED)) == 4


def test_a_dunning_run_emits_overdue_and_notice_sent(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))
    sent = {d["notice_id"]: d for d in details(stack, EventType.NOTICE_SENT)}
    assert set(sent) == {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1", "K-3:2026-10-22:L1"}
    k1 = sent["K-1:2026-10-22:L1"]
    assert (k1["channels"], k1["level"], k1["invoice_numbers"], k1["principal"]) == (
        ["email"], 1, ["RE-1", "RE-2"], "169.00")
    assert sent["K-2:2026-10-22:L1"]["channels"] == ["post"]  # no e-mail address
    assert k1["occurred_at"] == "2026-10-22T04:00:00.000Z"  # the run's scheduled time
    overdue = {d["invoice_number"]: d for d in details(stack, EventType.INVOICE_OVERDUE)}
    assert set(overdue) == {"RE-1", "RE-2", "RE-3", "RE-4"}
    assert (overdue["RE-1"]["days_overdue"], overdue["RE-1"]["notice_id"]) == (7, "K-1:2026-10-22:L1")
    # the next letter escalates: a new NoticeSent, no second InvoiceOverdue
    run_day(stack, berlin(2026, 11, 5))
    assert len(details(stack, EventType.INVOICE_OVERDUE)) == 4
    assert "K-1:2026-11-05:L2" in {d["notice_id"] for d in details(stack, EventType.NOTICE_SENT)}


def test_a_bank_statement_emits_matched_paid_and_unmatched(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))
    stack.now = berlin(2026, 10, 25, 5)
    stack.upload("inbox/acme/bank/2026-10-24.xml", STATEMENT)
    stack.drain()
    matched = {d["customer_id"]: d for d in details(stack, EventType.PAYMENT_MATCHED)}
    assert set(matched) == {"K-1", "K-2"}
    anna = matched["K-1"]
    assert (anna["amount"], anna["booking_date"], anna["method"], anna["via"]) == (
        "169.50", "2026-10-24", "reference", "bank")
    assert [a["invoice_number"] for a in anna["allocations"]] == ["RE-1", "RE-2"]
    assert all(a["paid_in_full"] for a in anna["allocations"])
    assert not matched["K-2"]["allocations"][0]["paid_in_full"]  # 400 of 1,000
    paid = {d["invoice_number"]: d for d in details(stack, EventType.INVOICE_PAID)}
    assert set(paid) == {"RE-1", "RE-2"}
    assert paid["RE-1"]["payment_id"] == anna["payment_id"] and paid["RE-1"]["level"] == 1
    [unmatched] = details(stack, EventType.PAYMENT_UNMATCHED)
    assert (unmatched["amount"], unmatched["via"]) == ("77.77", "bank")
    with stack.service_context() as ctx:
        stored = {p.amount: p.payment_id for p in ctx.payments.payments("acme")}
    assert unmatched["payment_id"] == stored["77.77"] and anna["payment_id"] == stored["169.50"]
    # the same statement again books nothing and publishes nothing
    stack.upload("inbox/acme/bank/2026-10-24-again.xml", STATEMENT)
    stack.drain()
    assert len(details(stack, EventType.PAYMENT_MATCHED)) == 2


def test_a_bounce_emits_notice_bounced(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))
    with stack.service_context() as ctx:
        notice = ctx.notices.get_notice("acme", "K-1:2026-10-22:L1")
    bounce(stack, notice.notice_id, notice.message_id)
    [bounced] = details(stack, EventType.NOTICE_BOUNCED)
    assert bounced == {
        "schema_version": 1, "event_id": bounced["event_id"], "tenant_id": "acme",
        "occurred_at": "2026-10-22T04:05:12.000Z", "document": "notice",
        "notice_id": "K-1:2026-10-22:L1", "customer_id": "K-1", "reason": "bounced",
        "invoice_numbers": ["RE-1", "RE-2"], "next_letters": "post"}


def test_hand_over_by_the_owner_and_by_the_dunning_policy(stack):
    setup(stack)
    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    answer = stack.api("POST", "/v1/invoices/RE-3/hand-over", key=key, body={"to": AGENCY})
    assert answer.status == 200
    [by_owner] = details(stack, EventType.INVOICE_HANDED_OVER)
    assert (by_owner["invoice_number"], by_owner["via"], by_owner["notice_id"]) == ("RE-3", "api", None)
    # K-1 never pays: reminder, 1. Mahnung, letzte Mahnung, then the policy hands over
    for day in (berlin(2026, 10, 22), berlin(2026, 11, 5), berlin(2026, 11, 19),
                berlin(2026, 12, 3)):
        run_day(stack, day)
    by_dunning = [d for d in details(stack, EventType.INVOICE_HANDED_OVER) if d["via"] == "dunning"]
    assert sorted(d["invoice_number"] for d in by_dunning if d["customer_id"] == "K-1") == [
        "RE-1", "RE-2"]
    assert {d["notice_id"] for d in by_dunning if d["customer_id"] == "K-1"} == {"K-1:2026-12-03:L4"}


def run_everything(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))
    with stack.service_context() as ctx:
        notice = ctx.notices.get_notice("acme", "K-1:2026-10-22:L1")
        key, _ = create_key(ctx, "acme", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    bounce(stack, notice.notice_id, notice.message_id)
    # credit rules: K-1 (169.00 open) over a limit of 100.00 is held, the statement releases it
    credit = {**SETTINGS, "credit": {"rules": [{"kind": "exposure_over_limit"}]}}
    assert stack.api("PUT", "/v1/settings", key=key, body=credit).status == 200
    assert stack.api("PATCH", "/v1/customers/K-1", key=key,
                     body={"credit_limit": "100"}).body["credit_hold"] is True
    stack.now = berlin(2026, 10, 25, 5)
    stack.upload("inbox/acme/bank/2026-10-24.xml", STATEMENT)
    stack.drain()
    assert stack.api("POST", "/v1/invoices/RE-3/hand-over", key=key,
                     body={"to": AGENCY, "reason": f"{PEOPLE[1]} zahlt nicht"}).status == 200
    new = {"number": "RE-9", "issue_date": "2026-10-20", "amount": "10.00",
           "customer": {"id": "K-9", "name": "Jürgen Weiß", "email": "juergen@example.org",
                        "street": "Lindenallee 9", "postal_code": "10115", "city": "Berlin"}}
    assert stack.api("POST", "/v1/invoices", key=key, body={"invoices": [new]}).status == 200
    recorded = stack.api("POST", "/v1/payments", key=key, body={
        "amount": "12.34", "booking_date": "2026-10-25", "reference": "bar",
        "debtor_name": "Jürgen Weiß"})
    assert recorded.body["status"] == "unmatched"
    assert stack.api("POST", f"/v1/payments/{recorded.body['payment_id']}/assign", key=key,
                     body={"invoices": ["RE-9"]}).status == 200
    assert stack.api("POST", "/v1/customers/K-9/erase", key=key,
                     body={"reason": "data_subject_request", "confirm": "K-9"}).status == 200
    # a tenant whose letters wait for approval (policy.approval): one approved, one skipped
    waits = {**SETTINGS, "policy": {**SETTINGS["policy"], "approval": "all"}}
    with stack.service_context() as ctx:
        ctx.tenants.put_document("waits", SETTINGS_KEY, waits, berlin(2026, 10, 1))
        waits_key, _ = create_key(ctx, "waits", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    rows = [{"number": f"W-{n}", "issue_date": "2026-09-01", "due_date": "2026-09-15",
             "amount": "80.00", "customer": {"id": f"W-{n}", "name": f"Kunde {n}",
                                             "email": f"w{n}@example.org", "street": "Weg 1",
                                             "postal_code": "10115", "city": "Berlin"}}
            for n in (1, 2)]
    assert stack.api("POST", "/v1/invoices", key=waits_key, body={"invoices": rows}).status == 200
    run_day(stack, berlin(2026, 10, 26))
    assert stack.api("POST", "/v1/approvals/W-1:2026-10-26:L1/approve", key=waits_key).status == 200
    assert stack.api("POST", "/v1/approvals/W-2:2026-10-26:L1/skip", key=waits_key).status == 200
    stack.drain()
    run_day(stack, berlin(2026, 10, 27))  # the owner's list: nothing waits any more
    debtors_answer(stack)


PORTAL_PEOPLE = ["Paula Portal", "Pit Zusage", "Dora Einwand", "Bert Bezahlt"]


def debtors_answer(stack):
    """A tenant whose debtors answer on their pages (issue 17): a promise kept, a promise broken,
    a dispute and an "already paid", each with personal data in what they type."""
    import re
    from urllib.parse import urlencode, urlsplit

    with stack.service_context() as ctx:
        ctx.tenants.put_document("pages", SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
        key, _ = create_key(ctx, "pages", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    rows = [{"number": f"P-{n}", "issue_date": "2026-09-15", "due_date": "2026-10-01",
             "amount": "60.00", "customer": {"id": f"P-{n}", "name": name,
                                             "email": f"p{n}@example.org", "street": "Weg 1",
                                             "postal_code": "10115", "city": "Berlin"}}
            for n, name in enumerate(PORTAL_PEOPLE, start=1)]
    assert stack.api("POST", "/v1/invoices", key=key, body={"invoices": rows}).status == 200
    stack.now = berlin(2026, 10, 27, 12)

    def answer(customer, kind, fields):
        url = stack.api("GET", f"/v1/customers/{customer}/portal-link", key=key).body["url"]
        path = urlsplit(url).path
        page = stack.api("GET", path, headers={"Content-Type": "text/html"})
        token = re.search(r'name="token" value="([^"]+)"', page.body).group(1)
        sent = stack.api("POST", f"{path}/{kind}", body=urlencode([("token", token), *fields]),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert sent.status == 303, sent.body
        stack.drain()

    answer("P-1", "promise", [("invoice", "P-1"), ("until", "2026-10-29")])
    answer("P-2", "promise", [("invoice", "P-2"), ("until", "2026-10-29")])
    answer("P-3", "dispute", [("invoice", "P-3"), ("reason", "amount_wrong"),
                              ("text", f"{PORTAL_PEOPLE[2]} hat nichts bestellt, p3@example.org")])
    answer("P-4", "paid", [("invoice", "P-4"), ("paid_on", "2026-10-26"), ("amount", "60,00"),
                           ("note", f"überwiesen von {PORTAL_PEOPLE[3]}")])
    stack.now = berlin(2026, 10, 28, 12)
    assert stack.api("POST", "/v1/payments", key=key, body={
        "amount": "60.00", "booking_date": "2026-10-28", "invoices": ["P-1"]}).status == 200
    run_day(stack, berlin(2026, 10, 30))  # P-1 kept, P-2 broken


def test_events_follow_their_schemas_and_carry_no_personal_data(stack):
    run_everything(stack)
    published = stack.published_events()
    assert Counter(e["detail-type"] for e in published).keys() == {k.value for k in EventType}
    for event in published:
        jsonschema.validate(event["detail"], SCHEMAS[EventType(event["detail-type"])],
                            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    text = json.dumps(published, ensure_ascii=False, default=str)
    for secret in [*PEOPLE, *EMAILS, IBAN, AGENCY, "Jürgen Weiß", "juergen@example.org",
                   "Hauptstraße", "Havnegade", "Lindenallee", "Spende", "Unbekannt", "Berlin",
                   "10115", "Sanitär Müller", *PORTAL_PEOPLE, "bestellt", "überwiesen"]:
        assert secret not in text, f"personal data in the events: {secret!r}"
    assert "@" not in text
    # the API's payments: one recorded unmatched, then assigned by hand
    via_api = [d for d in details(stack, EventType.PAYMENT_MATCHED) if d["via"] == "api"
               and d["tenant_id"] == "acme"]
    assert [(d["method"], d["customer_id"]) for d in via_api] == [("manual", "K-9")]
    assert "RE-9" in {d["invoice_number"] for d in details(stack, EventType.INVOICE_RECEIVED)
                      if d["via"] == "api"}


def test_a_retried_delivery_publishes_the_same_event_ids_again(stack):
    setup(stack)
    stack.now = berlin(2026, 10, 22)
    stack.fire_schedule("DunningFunction", stack.now)
    fn = stack.functions["NoticeFunction"]
    messages = stack.client("sqs").receive_message(QueueUrl=fn.queue_url, MaxNumberOfMessages=10,
                                                   VisibilityTimeout=0)["Messages"]
    event = sqs_event(messages, fn.queue_arn, stack.region)
    stack.invoke("NoticeFunction", event)
    stack.invoke("NoticeFunction", event)  # SQS delivered the same requests twice
    assert len(stack.sent_emails()) == 2  # one letter each to K-1 and K-3 …
    sent = [e for e in stack.published_events("NoticeSent")
            if e["detail"]["notice_id"] == "K-1:2026-10-22:L1"]
    assert len(sent) == 2  # … its event twice: same event_id, EventBridge ids differ
    assert sent[0]["detail"]["event_id"] == sent[1]["detail"]["event_id"]
    assert sent[0]["id"] != sent[1]["id"]
    assert sent[0]["detail"] == sent[1]["detail"]

    with stack.service_context() as ctx:
        notice = ctx.notices.get_notice("acme", "K-1:2026-10-22:L1")
    bounce(stack, notice.notice_id, notice.message_id)
    bounce(stack, notice.notice_id, notice.message_id)  # SNS delivers at least once, too
    first, second = details(stack, EventType.NOTICE_BOUNCED)
    assert first == second


def test_an_import_that_died_before_publishing_publishes_on_the_retry(stack, monkeypatch):
    from mahnwerk.adapters.aws import EventPublisher

    real = EventPublisher.publish
    calls = {"n": 0}

    def dies_once(self, events):
        calls["n"] += 1
        if calls["n"] == 1:  # the invoices are written; the function dies before publishing
            raise RuntimeError("Lambda died")
        return real(self, events)

    monkeypatch.setattr(EventPublisher, "publish", dies_once)
    setup(stack)  # the failed message is redelivered and the retry finds the invoices written
    received = details(stack, EventType.INVOICE_RECEIVED)
    assert sorted(d["invoice_number"] for d in received) == ["RE-1", "RE-2", "RE-3", "RE-4"]
    assert {d["event_id"] for d in received} == {
        event_id("acme", "InvoiceReceived", n, "received") for n in ("RE-1", "RE-2", "RE-3", "RE-4")}
    with stack.service_context() as ctx:
        assert len(ctx.invoices.invoices("acme")) == 4


def test_a_payment_whose_call_died_before_publishing_is_published_by_the_retry(stack, monkeypatch):
    """The outbox: a payment's events are stored in its booking's transaction and leave it only
    once the bus took them, so the retry of a call (or statement) that died in between publishes
    them. Bank statements: the fault matrix, "reconcile: crash before the payment events …"."""
    import pytest

    from mahnwerk.adapters.aws import EventPublisher
    from mahnwerk.service.payments import AlreadyAssigned, assign, record_payment

    setup(stack)
    real = EventPublisher.publish
    dying = {"on": True}

    def publish(self, events):
        if dying["on"]:
            raise RuntimeError("Lambda died")
        return real(self, events)

    monkeypatch.setattr(EventPublisher, "publish", publish)
    pay = {"amount": Decimal("119.00"), "on": date(2026, 10, 24), "reference": "RE-1",
           "debtor_name": "", "invoices": [], "idempotency_key": "pay-1"}
    odd = {**pay, "amount": Decimal("7.00"), "reference": "?", "idempotency_key": "pay-2"}
    with stack.service_context() as ctx:
        for attempt in (pay, odd):
            with pytest.raises(RuntimeError):
                record_payment(ctx, "acme", **attempt)
        assert details(stack, EventType.PAYMENT_MATCHED) == []
        dying["on"] = False
        record_payment(ctx, "acme", **pay)  # the client retries with the same Idempotency-Key
        unmatched = record_payment(ctx, "acme", **odd)
        assert [d["payment_id"] for d in details(stack, EventType.PAYMENT_UNMATCHED)] == [
            unmatched["payment_id"]]

        dying["on"] = True
        with pytest.raises(RuntimeError):
            assign(ctx, "acme", unmatched["payment_id"], ["RE-4"])
        dying["on"] = False
        with pytest.raises(AlreadyAssigned):  # the retry: assigned before, and now published
            assign(ctx, "acme", unmatched["payment_id"], ["RE-4"])
        outboxes = [p.outbox for p in ctx.payments.payments("acme")]
    matched = details(stack, EventType.PAYMENT_MATCHED)
    assert [(d["amount"], d["method"]) for d in matched] == [("119.00", matched[0]["method"]),
                                                             ("7.00", "manual")]
    assert [d["invoice_number"] for d in details(stack, EventType.INVOICE_PAID)] == ["RE-1"]
    assert outboxes == [None, None]
