"""docs/events.md, generated from the event constructors and schemas (mahnwerk.domain.events).

    python -m mahnwerk_local.events_doc           # write docs/events.md
    python -m mahnwerk_local.events_doc --check   # exit 1 if the committed file is out of date

The examples are built by the real constructors from sample invoices, letters and payments, so
the documentation shows exactly what is published; a test validates them against the schemas.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from mahnwerk.domain import events
from mahnwerk.domain.dunning import Advance, NoticeLine, NoticePlan
from mahnwerk.domain.events import DomainEvent, EventType
from mahnwerk.domain.matching import Suggestion
from mahnwerk.domain.model import Channel, Invoice, InvoiceStatus
from mahnwerk.domain.policy import Action, Tone
from mahnwerk.domain.settling import InvoiceSettlement, Settlement

from .cfn import project_root

DOC = "docs/events.md"
D = Decimal


def examples() -> dict[EventType, DomainEvent]:
    """One event of each type, about one invoice's life: received, overdue, reminded, bounced,
    paid; a second invoice handed over, its customer later erased; a transfer nobody could
    place."""
    invoice = Invoice(tenant_id="acme", number="RE-2026-0815", customer_id="K-1001",
                      issue_date=date(2026, 10, 1), due_date=date(2026, 10, 15),
                      amount=D("119.00"), open_amount=D("119.00"))
    received = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
    run = datetime(2026, 10, 22, 4, 0, tzinfo=UTC)  # 06:00 in Berlin
    line = NoticeLine(number=invoice.number, issue_date=invoice.issue_date,
                      due_date=invoice.due_date, amount=invoice.amount, paid=D("0.00"),
                      open_amount=invoice.open_amount, level=1, days_overdue=7)
    plan = NoticePlan(
        tenant_id="acme", customer_id="K-1001", run_date=date(2026, 10, 22), level=1,
        level_name="Zahlungserinnerung", tone=Tone.FRIENDLY, channels=(Channel.EMAIL,),
        action=Action.LETTER, lines=(line,), fee=D("0.00"), deadline=date(2026, 11, 1),
        advances=(Advance(number=invoice.number, from_level=0, to_level=1,
                          next_action_on=date(2026, 11, 5), status=InvoiceStatus.OPEN,
                          expected_version=0),))
    settlement = Settlement(amount=D("119.20"), invoices=(InvoiceSettlement(
        number=invoice.number, fees=D("0.00"), flat_fee=D("0.00"), interest=D("0.20"),
        principal=D("119.00"), claim_before=D("119.20"), claim_after=D("0.00"),
        principal_after=D("0.00")),), overpayment=D("0.00"), shortfall=D("0.00"))
    payment_id = "9f2c4e7a1b3d5f6e8a0c2e4f6a8b0d1c3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b"
    booked = datetime(2026, 10, 25, 4, 12, tzinfo=UTC)
    paid = invoice.with_changes(open_amount=D("0.00"), status=InvoiceStatus.PAID, level=1)
    handed = Invoice(tenant_id="acme", number="RE-2026-0442", customer_id="K-0977",
                     issue_date=date(2026, 6, 2), due_date=date(2026, 6, 16),
                     amount=D("1250.00"), open_amount=D("850.00"),
                     status=InvoiceStatus.HANDED_OVER, level=3)
    found = [
        events.invoice_received(invoice, received, "file"),
        *events.invoices_overdue(plan, run),
        events.notice_sent(plan, ["email"], run),
        events.notice_bounced("acme", "K-1001", plan.notice_id, "bounced",
                              plan.invoice_numbers, datetime(2026, 10, 22, 4, 5, 12, tzinfo=UTC)),
        events.payment_matched("acme", payment_id, "K-1001", date(2026, 10, 24), D("119.20"),
                               "reference", settlement, "bank", booked),
        events.payment_unmatched(
            "acme", "4b1d" + payment_id[4:], date(2026, 10, 24), D("77.77"),
            [Suggestion(numbers=("RE-2026-0901",), customer_id="K-1204", score=0.61, why="")],
            "bank", booked),
        events.invoice_paid(paid, payment_id, date(2026, 10, 24), booked),
        events.handed_over_by_owner(handed, datetime(2026, 10, 23, 14, 2, tzinfo=UTC)),
        events.customer_erased("acme", "K-0977", "ER-3f9a1c2b4d5e",
                               datetime(2026, 11, 2, 10, 15, tzinfo=UTC), ["RE-2026-0442"]),
        events.notice_awaiting_approval(plan, run),
        events.notice_skipped(plan, "skipped", datetime(2026, 10, 22, 8, 40, tzinfo=UTC)),
        events.credit_hold("acme", "K-1001", True, 1, ["overdue_days:hold"], D("119.00"),
                           D("119.00"), 38, "B", datetime(2026, 11, 22, 4, 0, tzinfo=UTC)),
        events.credit_hold("acme", "K-1001", False, 1, [], D("0.00"), D("0.00"), 0, "B",
                           datetime(2026, 11, 25, 4, 12, tzinfo=UTC)),
        # the debtor's page
        events.portal_answer(EventType.PAYMENT_CLAIMED, invoice, "claimed",
                             datetime(2026, 10, 23, 18, 4, tzinfo=UTC), paid_on="2026-10-23",
                             amount="119.00", wait_until="2026-10-28"),
        events.portal_answer(EventType.PROMISE_MADE, invoice, "made:2026-11-05",
                             datetime(2026, 10, 23, 18, 4, tzinfo=UTC),
                             promised_for="2026-11-05"),
        events.portal_answer(EventType.PROMISE_KEPT, invoice, "portal:promise:2026-11-05",
                             datetime(2026, 11, 6, 5, 0, tzinfo=UTC), promised_for="2026-11-05"),
        events.portal_answer(EventType.PROMISE_BROKEN, invoice, "portal:promise:2026-11-05",
                             datetime(2026, 11, 6, 5, 0, tzinfo=UTC), promised_for="2026-11-05"),
        events.portal_answer(EventType.DISPUTE_OPENED, invoice, "opened",
                             datetime(2026, 10, 23, 18, 4, tzinfo=UTC), reason="amount_wrong",
                             attachment=True),
    ]
    return {event.type: event for event in found}


def eventbridge_event(event: DomainEvent) -> dict[str, Any]:
    """The event as a rule's target receives it."""
    return {
        "version": "0", "id": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
        "detail-type": event.type.value, "source": events.SOURCE, "account": "123456789012",
        "time": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-central-1", "resources": [], "detail": event.detail(),
    }


def _type(schema: dict[str, Any]) -> str:
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {_type(schema['items'])}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    if schema.get("pattern") and schema["pattern"].startswith("^-?[0-9]+"):
        return "string (amount)"
    return str(kind)


def _rows(properties: dict[str, Any], prefix: str = "") -> list[str]:
    rows = []
    for name, schema in properties.items():
        rows.append(f"| `{prefix}{name}` | {_type(schema)} | {schema.get('description', '')} |")
        items = schema.get("items") or {}
        if items.get("type") == "object":
            rows += _rows(items["properties"], f"{prefix}{name}[].")
    return rows


INTRO = """\
# Events for integrators

<!-- Generated from layers/mahnwerk/mahnwerk/domain/events.py by
     `.venv/bin/python -m mahnwerk_local.events_doc`. Do not edit by hand. -->

Mahnwerk publishes what happens to invoices, letters and payments on its own EventBridge event
bus, `mahnwerk-{{stage}}` (stack outputs `EventBusName`, `EventBusArn`). Each event has `source`
`"mahnwerk"`, its type as `detail-type`, and a JSON `detail` whose schema (JSON Schema 2020-12)
is below: the envelope fields, then the fields of the event type.

| detail-type | when |
|---|---|
{overview}

## Subscribing

Attach a rule with your target (SQS queue, Lambda function, API destination, another account's
bus) to the bus. Example pattern, one tenant's paid invoices:

```json
{{"source": ["mahnwerk"], "detail-type": ["InvoicePaid"], "detail": {{"tenant_id": ["acme"]}}}}
```

## Delivery: at least once, deduplicate by `event_id`

- An event is published after the change it reports has been committed, never before.
- **Duplicates happen.** A retried step (SQS redelivers a message, the schedule fires twice, SES
  reports a bounce twice) publishes its event again. `detail.event_id` is derived from tenant,
  type, subject and the state reached, never from a clock, so a duplicate has the same
  `event_id`; EventBridge's own `id` differs per publication. Consumers keep the `event_id`s
  they processed (for at least a few days) and drop repeats.
- **No ordering.** EventBridge does not keep order: use `occurred_at` and the states themselves
  (an `InvoicePaid` may arrive before the `PaymentMatched` that caused it).
- **Failures do not undo business.** If the bus refuses an event (after one retry), the change
  stands: the event is logged by type and `event_id` and counted (metric `EventsNotPublished`,
  alarm `EventsNotPublishedAlarm`). The API (`GET /v1/invoices`, `/v1/payments`) is the source
  of truth to reconcile against.
- **Crash windows.** When a function dies between committing a change and publishing its event,
  the retry publishes it again for file imports (`InvoiceReceived`), letters (`InvoiceOverdue`,
  `NoticeSent`, `InvoiceHandedOver` by dunning), bounces and erasures (every erase call tells
  `CustomerErased`). Payments keep their events in an outbox on the payment, written in the
  booking's own transaction and emptied once the bus took them: the retry of a bank statement,
  or of a `POST /v1/payments` or `…/assign` call, publishes what a booking that died before
  publishing left there.
- **Replay.** The bus archives its events for 30 days; an operator can replay a time window to
  a consumer that was down or had a bug. Replayed events carry their original `event_id`.

## Personal data

Events carry ids (tenant, customer number, invoice number, notice id, payment id), dates,
levels, channels and amounts. They carry **no names, e-mail or postal addresses, IBANs and no
remittance texts** (which often contain names), and are not logged with personal data either.
One caveat: `customer_id` is the tenant's own customer number; where an uploaded file has none,
Mahnwerk derives one from the customer's name (`N-ANNA-SCHMIDT`), which then shows in
`customer_id` and `notice_id`. Tenants who want name-free events export customer numbers.

## Envelope (every `detail`)

| field | type | description |
|---|---|---|
{envelope}
"""


def _first_sentence(schema: dict[str, Any]) -> str:
    text: str = schema["description"]
    return text.split(". ")[0].rstrip(".") + "."


def render() -> str:
    samples = examples()
    overview = "\n".join(
        f"| [`{kind.value}`](#{kind.value.lower()}) | {_first_sentence(events.SCHEMAS[kind])} |"
        for kind in EventType)
    parts = [INTRO.format(overview=overview, envelope="\n".join(_rows(events.ENVELOPE)))]
    for kind in EventType:
        schema = events.SCHEMAS[kind]
        fields = {k: v for k, v in schema["properties"].items() if k not in events.ENVELOPE}
        example = json.dumps(eventbridge_event(samples[kind]), indent=2, ensure_ascii=False)
        parts.append("\n".join([
            f"## {kind.value}", "", schema["description"], "",
            "| field | type | description |", "|---|---|---|", *_rows(fields), "",
            "Example:", "", "```json", example, "```", "",
        ]))
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    path = project_root() / DOC
    text = render()
    if args.check:
        current = path.read_text("utf-8") if path.exists() else ""
        if current != text:
            print(f"{DOC} is out of date: run python -m mahnwerk_local.events_doc", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, "utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
