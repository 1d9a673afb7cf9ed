"""Events for integrators: constructors, schemas, deterministic ids, the generated docs, and the
publisher's batching and failure handling (without AWS)."""

import json
import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import jsonschema
import pytest

from mahnwerk.adapters.aws import EventPublisher
from mahnwerk.domain import events
from mahnwerk.domain.dunning import Advance, NoticeLine, NoticePlan
from mahnwerk.domain.events import SCHEMAS, DomainEvent, EventType, event_id
from mahnwerk.domain.model import Channel, Invoice, InvoiceStatus
from mahnwerk.domain.policy import Action, Tone
from mahnwerk_local.events_doc import DOC, examples, render

from ..conftest import ROOT

SAMPLES = examples()
AT = datetime(2026, 10, 22, 6, 0, tzinfo=timezone(timedelta(hours=2)))


def validate(event: DomainEvent) -> None:
    jsonschema.validate(event.detail(), SCHEMAS[event.type],
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_every_type_has_a_valid_schema_and_an_example_that_follows_it():
    assert set(SCHEMAS) == set(EventType) == set(SAMPLES)
    for kind, schema in SCHEMAS.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["title"] == kind.value
        validate(SAMPLES[kind])


def test_the_schemas_are_closed_so_every_field_is_documented():
    detail = SAMPLES[EventType.INVOICE_PAID].detail()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**detail, "debtor_name": "Anna Schmidt"}, SCHEMAS[EventType.INVOICE_PAID])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in detail.items() if k != "event_id"},
                            SCHEMAS[EventType.INVOICE_PAID])


def test_no_field_is_meant_for_personal_data():
    forbidden = re.compile(r"name|email|mail|address|street|city|iban|bic|remittance|debtor|phone")

    def keys(schema):
        for key, sub in (schema.get("properties") or {}).items():
            yield key
            yield from keys(sub.get("items") or {})

    for schema in SCHEMAS.values():
        assert [k for k in keys(schema) if forbidden.search(k)] == []


def test_the_envelope_carries_id_tenant_and_utc_time():
    event = events.invoice_received(_invoice(), AT, "api")
    detail = event.detail()
    assert list(detail)[:4] == ["schema_version", "event_id", "tenant_id", "occurred_at"]
    assert detail["occurred_at"] == "2026-10-22T04:00:00.000Z"
    assert re.fullmatch(r"[0-9a-f]{32}", detail["event_id"])
    assert detail["via"] == "api"
    validate(event)


def _invoice():
    return Invoice(tenant_id="acme", number="RE-1", customer_id="K-1", issue_date=date(2026, 10, 1),
                   due_date=date(2026, 10, 15), amount=Decimal("10.00"), open_amount=Decimal("10.00"))


def test_the_event_id_depends_on_the_fact_only_not_on_time_or_content():
    invoice = _invoice()
    first = events.invoice_received(invoice, AT, "file")
    retried = events.invoice_received(invoice.with_changes(open_amount=Decimal("9.00")),
                                      AT + timedelta(minutes=5), "file")
    assert first.event_id == retried.event_id
    assert first.event_id == event_id("acme", "InvoiceReceived", "RE-1", "received")
    others = {
        event_id("beta", "InvoiceReceived", "RE-1", "received"),
        event_id("acme", "InvoicePaid", "RE-1", "received"),
        event_id("acme", "InvoiceReceived", "RE-2", "received"),
        event_id("acme", "InvoiceReceived", "RE-1", "paid"),
        # the separator keeps (subject, state) pairs apart
        event_id("acme", "InvoiceReceived", "RE-1received", ""),
    }
    assert first.event_id not in others and len(others) == 5


def test_invoice_overdue_only_for_invoices_entering_dunning():
    sample = _plan()  # RE-1 gets its first reminder, RE-0 escalates from level 1
    [overdue] = events.invoices_overdue(sample, AT)
    assert overdue.fields["invoice_number"] == "RE-1"
    assert overdue.state == "2026-10-15"  # due date: a new due date is a new fact
    validate(overdue)
    escalating = replace(sample, advances=(replace(sample.advances[0], from_level=1, to_level=2),))
    assert events.invoices_overdue(escalating, AT) == []


def _plan():
    d = Decimal
    lines = tuple(NoticeLine(number=n, issue_date=date(2026, 10, 1), due_date=date(2026, 10, 15),
                             amount=d("10.00"), paid=d("0.00"), open_amount=d("10.00"), level=1,
                             days_overdue=7) for n in ("RE-1", "RE-0"))
    return NoticePlan(
        tenant_id="acme", customer_id="K-1", run_date=date(2026, 10, 22), level=1,
        level_name="Zahlungserinnerung", tone=Tone.FRIENDLY, channels=(Channel.EMAIL,),
        action=Action.LETTER, lines=lines, fee=d("0.00"), deadline=date(2026, 11, 1),
        advances=(Advance("RE-1", 0, 1, date(2026, 11, 5), InvoiceStatus.OPEN, 0),
                  Advance("RE-0", 1, 2, date(2026, 11, 5), InvoiceStatus.OPEN, 3)))


def test_notice_sent_and_hand_over_by_dunning():
    plan = _plan()
    sent = events.notice_sent(plan, ["email", "post"], AT)
    assert sent.fields["invoice_numbers"] == ["RE-1", "RE-0"]
    assert sent.fields["channels"] == ["email", "post"] and sent.subject == "K-1:2026-10-22:L1"
    handed = events.handed_over_by_dunning(plan, AT)
    assert [(e.fields["invoice_number"], e.fields["level"], e.fields["via"]) for e in handed] == [
        ("RE-1", 1, "dunning"), ("RE-0", 2, "dunning")]
    for event in [sent, *handed]:
        validate(event)


def test_a_bounced_invoice_email_names_the_invoice_not_a_notice():
    event = events.notice_bounced("acme", "K-1", "invoice:RE-7", "complained", [], AT)
    assert event.fields["document"] == "invoice" and event.fields["notice_id"] is None
    assert event.fields["invoice_numbers"] == ["RE-7"]
    validate(event)
    # a bounce and a complaint about the same letter are two facts
    bounce = events.notice_bounced("acme", "K-1", "K-1:2026-10-22:L1", "bounced", ["RE-1"], AT)
    complaint = events.notice_bounced("acme", "K-1", "K-1:2026-10-22:L1", "complained", ["RE-1"], AT)
    assert bounce.event_id != complaint.event_id


def test_the_committed_docs_are_generated_from_the_schemas():
    committed = (ROOT / DOC).read_text("utf-8")
    assert committed == render(), "docs/events.md is stale: run python -m mahnwerk_local.events_doc"
    for kind in EventType:
        assert f"## {kind.value}" in committed


# --- the publisher -------------------------------------------------------------------------------

class FakeEvents:
    """Stands in for the boto3 EventBridge client."""

    def __init__(self, refuse=(), down=False, stubborn=False):
        self.calls = []
        self.refuse = set(refuse)  # event ids refused (once, unless stubborn)
        self.down = down
        self.stubborn = stubborn

    def put_events(self, Entries):
        if self.down:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="https://events.example")
        self.calls.append(Entries)
        results = []
        for entry in Entries:
            eid = json.loads(entry["Detail"])["event_id"]
            if eid in self.refuse:
                if not self.stubborn:
                    self.refuse.discard(eid)
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                results.append({"EventId": "x"})
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


def publisher(fake, bus="mahnwerk-dev"):
    pub = EventPublisher(bus, "eu-central-1")
    pub.__dict__["_events"] = fake  # the cached client
    return pub


def many(n):
    return [events.invoice_received(_invoice().with_changes(number=f"RE-{i}"), AT, "file")
            for i in range(n)]


def test_events_go_out_in_batches_of_ten_with_source_type_and_time():
    fake = FakeEvents()
    assert publisher(fake).publish(many(25)) == 25
    assert sorted(len(c) for c in fake.calls) == [5, 10, 10]
    entry = fake.calls[0][0]
    assert entry["Source"] == "mahnwerk" and entry["DetailType"] == "InvoiceReceived"
    assert entry["EventBusName"] == "mahnwerk-dev" and entry["Time"] == AT
    assert json.loads(entry["Detail"])["tenant_id"] == "acme"


def test_large_details_start_a_new_request_below_256_kb():
    big = [replace(e, fields={**e.fields, "pad": "x" * 60_000}) for e in many(6)]
    fake = FakeEvents()
    assert publisher(fake).publish(big) == 6
    assert all(sum(len(e["Detail"]) for e in call) < 256 * 1024 for call in fake.calls)
    assert len(fake.calls) == 2


def test_refused_entries_are_sent_once_more():
    batch = many(3)
    fake = FakeEvents(refuse=[batch[1].event_id])
    assert publisher(fake).publish(batch) == 3
    assert [len(c) for c in fake.calls] == [3, 1]


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def logged():
    """Records of the publisher's logger, caught on the logger itself (whatever Powertools did to
    the propagation of the ``mahnwerk`` logger in this process)."""
    handler = Records()
    logger = logging.getLogger("mahnwerk.adapters.aws")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def test_an_unreachable_bus_never_fails_the_caller_and_logs_no_details(logged):
    from aws_lambda_powertools import Metrics

    metrics = Metrics()  # Powertools shares one metric set; the handler's log_metrics flushes it
    metrics.clear_metrics()
    batch = many(12)
    assert publisher(FakeEvents(down=True)).publish(batch) == 0
    assert metrics.metric_set["EventsNotPublished"]["Value"] == [12.0]
    assert "EventsPublished" not in metrics.metric_set
    metrics.clear_metrics()
    [record] = [r for r in logged if r.levelno >= logging.ERROR]
    assert record.events_failed == 12
    assert {f["event_id"] for f in record.failed} == {e.event_id for e in batch}
    assert set(record.failed[0]) == {"type", "event_id", "tenant", "error"}
    assert record.failed[0]["error"] == "EndpointConnectionError"


def test_refused_twice_is_counted_as_not_published(logged):
    batch = many(2)
    fake = FakeEvents(refuse=[batch[0].event_id], stubborn=True)
    assert publisher(fake).publish(batch) == 1
    assert [len(c) for c in fake.calls] == [2, 1]
    assert logged[-1].failed == [{"type": "InvoiceReceived", "event_id": batch[0].event_id,
                                  "tenant": "acme", "error": "InternalFailure"}]


def test_without_a_bus_nothing_is_published():
    fake = FakeEvents()
    assert publisher(fake, bus="").publish(many(3)) == 0
    assert fake.calls == []
    assert publisher(fake).publish([]) == 0 and fake.calls == []


def test_occurred_at_may_come_in_any_zone():
    event = events.invoice_paid(_invoice().with_changes(status=InvoiceStatus.PAID), "p" * 64,
                                date(2026, 10, 24), datetime(2026, 10, 25, 4, 12, tzinfo=UTC))
    assert event.detail()["occurred_at"] == "2026-10-25T04:12:00.000Z"
    validate(event)


def test_the_outbox_gives_back_the_same_events():
    from mahnwerk.domain.events import from_outbox, outbox_json

    at = datetime(2026, 10, 24, 8, 30, tzinfo=UTC)
    kept = [events.payment_unmatched("acme", "p1", date(2026, 10, 24), Decimal("7.00"), [], "api", at),
            events.invoice_handed_over("acme", "RE-1", "K-1", Decimal("119.00"), 2, "owner", None, at)]
    back = from_outbox(outbox_json(kept))
    assert [(e.event_id, e.detail()) for e in back] == [(e.event_id, e.detail()) for e in kept]
    assert from_outbox("") == []
