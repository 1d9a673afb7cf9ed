"""Events for integrators: the schemas they validate against and the outbox the events wait in.

The schemas are built once when the module is imported; these tests build them again, so a change
to how a field type is described shows up here (and in docs/events.md)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from mahnwerk.domain import events
from mahnwerk.domain.events import SCHEMAS, EventType
from mahnwerk.domain.matching import Suggestion

AT = datetime(2026, 10, 22, 4, 0, tzinfo=UTC)


def test_every_published_schema_is_built_the_same_way_again():
    for kind in EventType:
        schema = events._schema(kind)
        assert schema == SCHEMAS[kind]
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://mahnwerk.example/events/{kind.value}.json"
        assert schema["title"] == kind.value
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert schema["required"] == list(schema["properties"])
        assert {"event_id", "tenant_id", "occurred_at", "schema_version"} <= set(schema["required"])


def test_the_field_types_integrators_validate_against():
    assert events._str("Name", enum=["bank", "api"]) == {
        "type": "string", "description": "Name", "enum": ["bank", "api"]}
    assert events._amount("Betrag") == {
        "type": "string", "description": "Betrag (euros, two decimals)", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
    assert events._date("Buchungstag") == {
        "type": "string", "description": "Buchungstag", "format": "date",
        "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    assert events._int("Mahnstufe") == {"type": "integer", "minimum": 0, "description": "Mahnstufe"}
    assert events._int("Mahnstufe", minimum=1)["minimum"] == 1
    assert events._nullable("Grund") == {"type": ["string", "null"], "description": "Grund"}
    assert events._list("Rechnungen", {"type": "string"}) == {
        "type": "array", "description": "Rechnungen", "items": {"type": "string"}}
    assert events._list("Rechnungen", {"type": "string"}, min_items=1) == {
        "type": "array", "description": "Rechnungen", "items": {"type": "string"}, "minItems": 1}


def test_an_unmatched_payment_names_its_suggestions_with_two_decimal_scores():
    event = events.payment_unmatched("acme", "p-1", date(2026, 10, 21), Decimal("119.5"),
                                     [Suggestion(("RE-7",), "K-1", 0.8765, "amount")], "bank", AT)
    assert event.fields == {
        "payment_id": "p-1", "booking_date": "2026-10-21", "amount": "119.50", "via": "bank",
        "suggestions": [{"invoice_numbers": ["RE-7"], "customer_id": "K-1", "score": 0.88}]}


def test_the_outbox_keeps_events_as_compact_json_and_gives_them_back_unchanged():
    event = events.payment_unmatched("acme", "p-1", date(2026, 10, 21), Decimal("5"), [], "api", AT)
    text = events.outbox_json([event])
    assert ", " not in text and ": " not in text  # compact: it is stored with the payment item
    assert text.startswith('[{"type":"PaymentUnmatched","tenant_id":"acme","subject":"p-1"')
    assert events.from_outbox(text) == [event]
    assert events.from_outbox("") == []


def test_a_credit_note_is_one_with_a_negative_amount_or_a_negative_open_amount():
    from mahnwerk.domain.model import Invoice

    def received(amount: str, open_amount: str) -> bool:
        inv = Invoice("acme", "G-1", "K-1", date(2026, 10, 1), date(2026, 10, 15), Decimal(amount),
                      Decimal(open_amount))
        return events.invoice_received(inv, AT, "file").fields["credit_note"]

    assert received("-50.00", "10.00")
    assert received("50.00", "-10.00")
    assert not received("0.00", "0.00")  # an invoice of nothing is not a credit note
    assert not received("0.50", "0.00")  # nor is a paid one


def test_event_times_are_utc_whatever_the_machines_time_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert events.timestamp(datetime(2026, 10, 22, 4, 0, tzinfo=UTC)) == "2026-10-22T04:00:00.000Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_letter_event_names_every_invoice_new_to_dunning_and_all_costs_claimed():
    from dataclasses import replace

    from ..test_events import _plan

    plan = _plan()
    # the invoice already in dunning first, the new one after it: the new one still counts
    reordered = replace(plan, advances=tuple(reversed(plan.advances)))
    assert [e.fields["invoice_number"] for e in events.invoices_overdue(reordered, AT)] == ["RE-1"]
    # dunning fees and the §288 Abs. 5 flat fee are both costs of the letter
    costly = replace(plan, lines=tuple(replace(line, fees=Decimal("1.50"), flat_fee=Decimal("40.00"))
                                       for line in plan.lines))
    assert events.notice_sent(costly, ["email"], AT).fields["fees"] == "83.00"  # 2 × (1.50 + 40.00)
    handed = events.handed_over_by_dunning(plan, AT)
    assert [e.fields["notice_id"] for e in handed] == [plan.notice_id, plan.notice_id]
