"""A customer who pays the invoice amount is done (§367 Abs. 2 BGB): the payment settles the
principal it names, and what is left of interest and fees is the owner's residual-charge policy —
never an escalating letter. Through S3 → SQS → functions on the embedded stack.

The book: business customers, the §288 Abs. 5 flat fee on, a friendly reminder 7 days after the
due date (15.10.2026 → reminder 22.10., default from 23.10.: 40 € per invoice plus interest).
"""

from __future__ import annotations

import copy
import email
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mahnwerk.domain.notices import plan_from_json
from mahnwerk.service.keys import create_key
from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk.service.timeline import invoice_timeline
from mahnwerk_local.camt import Credit, camt053

from ..conftest import ROOT, berlin
from ..e2e.breakdown import plain_text

DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
HEAD = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Kundentyp;Rechnungsdatum;"
        "Fällig am;Betrag\n")


def row(number: str, cid: str, name: str, amount: str, kind: str = "gewerblich") -> str:
    return (f"{number};{cid};{name};{cid.lower()}@example.org;Weg 1;10115;Berlin;{kind};"
            f"01.10.2026;15.10.2026;{amount}\n")


CSV = (HEAD
       + row("RE-10", "K-10", "Bau Krause GmbH", "1.000,00")
       + row("RE-11", "K-10", "Bau Krause GmbH", "500,00")
       + row("RE-20", "K-20", "Malerei Weiß KG", "300,00")
       + row("RE-30", "K-30", "Elektro Yilmaz GmbH", "800,00")
       + row("RE-31", "K-30", "Elektro Yilmaz GmbH", "200,00")
       + row("RE-40", "K-40", "Dachdeckerei Nowak OHG", "600,00")
       + row("RE-50", "K-50", "Anna Schmidt", "119,00", "privat")).encode()
IBAN_40 = "DE89370400440532013000"


def settings(residual: str) -> dict:
    doc = copy.deepcopy(DEMO)
    doc["policy"]["flat_fee_b2b"] = True
    doc["policy"]["residual_charges"] = residual
    return doc


def start(stack, residual: str):
    stack.verify_sender(DEMO["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, settings(residual), berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload("inbox/acme/invoices/r.csv", CSV)
    stack.drain()
    run(stack, berlin(2026, 10, 22))  # the friendly reminders: everybody in default from 23.10.
    # three days later the money arrives
    stack.now = berlin(2026, 10, 26, 5)
    stack.upload("inbox/acme/bank/2026-10-25.xml", camt053("DE02120300000000202051", [
        # exactly both invoice amounts, both numbers named
        Credit(date(2026, 10, 25), Decimal("1500.00"), "RE-10 RE-11", "Bau Krause GmbH"),
        # exactly the invoice amount, nothing named: the amount designates (amount + name)
        Credit(date(2026, 10, 25), Decimal("300.00"), "Danke", "Malerei Weiss KG"),
        # one of two invoices named and paid exactly
        Credit(date(2026, 10, 25), Decimal("800.00"), "Rechnung RE-30", "Elektro Yilmaz GmbH"),
        # a part payment that names nothing: unmatched, for the owner to assign
        Credit(date(2026, 10, 25), Decimal("250.00"), "Abschlag", "Dachdeckerei Nowak",
               iban=IBAN_40),
        # a consumer pays the invoice amount, naming it
        Credit(date(2026, 10, 25), Decimal("119.00"), "RE-50", "Anna Schmidt"),
    ], "S1"))
    stack.drain()


def run(stack, day: datetime) -> None:
    stack.now = day
    stack.fire_schedule("DunningFunction", day)
    stack.drain()


def run_until(stack, last: date) -> None:
    day = stack.now.date()
    while day < last:
        day = date.fromordinal(day.toordinal() + 1)
        run(stack, berlin(day.year, day.month, day.day))


def book(stack):
    with stack.service_context() as ctx:
        invoices = {i.number: i for i in ctx.invoices.invoices("acme")}
        notices = {n.notice_id: n for n in ctx.notices.notices("acme")}
        payments = {p.amount: p for p in ctx.payments.payments("acme")}
    return invoices, notices, payments


def letters_after(notices, day: str, customer: str) -> list:
    return [n for nid, n in notices.items() if nid.startswith(f"{customer}:")
            and nid.split(":")[1] > day]


def test_a_payment_of_the_invoice_amounts_ends_dunning_and_the_charges_are_waived(stack):
    start(stack, "waive")
    invoices, _, payments = book(stack)
    assert payments["1500.00"].application == "designated"
    assert payments["300.00"].method == "amount+name"
    assert payments["300.00"].application == "designated"
    for number in ("RE-10", "RE-11", "RE-20", "RE-30", "RE-50"):
        inv = invoices[number]
        assert inv.status.value == "paid", number
        assert inv.open_amount == 0 and inv.charges_open == 0
        assert inv.charges_state == "waived"
    # the flat fee and three days of interest (23.–25.10.) were written off, not paid
    interest = (Decimal("1000") * Decimal("0.1027") * 3 / 365).quantize(Decimal("0.01"))
    assert invoices["RE-10"].charges_waived == Decimal("40.00") + interest
    assert invoices["RE-10"].flat_fee_paid == 0 and invoices["RE-10"].interest_paid == 0
    # the consumer owes no flat fee; a few cents of interest are below the minimum: waived
    assert Decimal("0") < invoices["RE-50"].charges_waived < Decimal("0.20")
    # the unnamed invoice of the same customer keeps being dunned, for its own amount
    assert invoices["RE-31"].status.value == "open"
    with stack.service_context() as ctx:
        timeline = invoice_timeline(ctx, "acme", "RE-10")
    kinds = [e["kind"] for e in timeline]
    assert "charges_waived" in kinds
    [paid] = [e for e in timeline if e["kind"] == "payment"]
    assert paid["application"] == "designated" and paid["principal"] == "1000.00"

    run_until(stack, date(2026, 12, 31))
    _, notices, _ = book(stack)
    for customer in ("K-10", "K-20", "K-50"):
        assert letters_after(notices, "2026-10-22", customer) == [], customer
    # K-30 gets the 1. Mahnung for RE-31 only: RE-30 is paid and never listed again
    later = letters_after(notices, "2026-10-22", "K-30")
    assert later
    for notice in later:
        assert plan_from_json(notice.plan).invoice_numbers == ("RE-31",)


def test_residual_charges_are_claimed_once_in_a_friendly_statement(stack):
    start(stack, "claim")
    invoices, _, _ = book(stack)
    assert invoices["RE-10"].status.value == "paid"
    assert invoices["RE-10"].charges_state == "claim"
    assert invoices["RE-10"].charges_open > Decimal("40")
    # below the minimum it is waived all the same
    assert invoices["RE-50"].charges_state == "waived"
    run_until(stack, date(2026, 12, 31))
    _, notices, _ = book(stack)
    statements = letters_after(notices, "2026-10-22", "K-10")
    assert len(statements) == 1  # one statement, no escalation after it
    [notice] = statements
    plan = plan_from_json(notice.plan)
    # not before the customer's cooldown after the reminder of 22.10. has passed
    assert plan.kind == "charges" and plan.level == 0 and plan.run_date == date(2026, 10, 29)
    assert plan.invoice_numbers == ("RE-10", "RE-11")
    assert plan.principal == 0 and plan.fee == 0
    assert plan.flat_fee == Decimal("80.00")
    assert plan.total == invoices["RE-10"].charges_open + invoices["RE-11"].charges_open
    invoices, _, _ = book(stack)
    assert invoices["RE-10"].charges_state == "claimed" and invoices["RE-10"].next_action_on is None
    # the e-mail is friendly, thanks for the payment and lists the charges only
    [raw] = [m for m in stack.sent_emails() if notice.notice_id.encode() in m]
    text = plain_text(raw)
    assert "Aufstellung Verzugskosten" in email.message_from_bytes(raw)["Subject"]
    assert "vielen Dank für Ihre Zahlung" in text
    assert "Verzugspauschale (§ 288 Abs. 5 BGB): 80,00 €" in text
    assert "Mahnung" not in text and "Inkasso" not in text

    # the customer pays the statement: the charges are settled, nothing more goes out
    stack.now = berlin(2026, 11, 3, 5)
    total = plan.total
    stack.upload("inbox/acme/bank/2026-11-02.xml", camt053("DE02120300000000202051", [
        Credit(date(2026, 11, 2), total, "RE-10 RE-11", "Bau Krause GmbH")], "S2"))
    stack.drain()
    invoices, _, payments = book(stack)
    assert invoices["RE-10"].charges_open == 0 and invoices["RE-11"].charges_open == 0
    assert invoices["RE-10"].status.value == "paid"
    assert payments[str(total)].unapplied == "0.00"


def test_the_owner_decides_on_residual_charges_when_asked(stack):
    start(stack, "ask")
    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    stack.now = berlin(2026, 10, 27, 10)
    listed = stack.api("GET", "/v1/invoices", key=key, query={"charges": "ask"})
    assert listed.status == 200
    assert {i["number"] for i in listed.body["items"]} == {"RE-10", "RE-11", "RE-20", "RE-30"}
    assert all(i["status"] == "paid" and Decimal(i["charges_open"]) > 40
               for i in listed.body["items"])
    claim = stack.api("POST", "/v1/invoices/RE-10/charges", key=key, body={"decision": "claim"})
    assert claim.status == 200 and claim.body["charges_state"] == "claim"
    waive = stack.api("POST", "/v1/invoices/RE-20/charges", key=key,
                      body={"decision": "waive", "reason": "guter Kunde"})
    assert waive.status == 200 and waive.body["charges_state"] == "waived"
    assert Decimal(waive.body["charges_waived"]) > 40 and waive.body["charges_open"] == "0.00"
    again = stack.api("POST", "/v1/invoices/RE-20/charges", key=key, body={"decision": "claim"})
    assert again.status == 409
    bad = stack.api("POST", "/v1/invoices/RE-11/charges", key=key, body={"decision": "maybe"})
    assert bad.status == 422
    run_until(stack, date(2026, 12, 31))
    _, notices, _ = book(stack)
    [statement] = letters_after(notices, "2026-10-22", "K-10")
    assert plan_from_json(statement.plan).invoice_numbers == ("RE-10",)  # RE-11 still asks
    assert letters_after(notices, "2026-10-22", "K-20") == []


def test_an_unnamed_part_payment_assigned_by_hand_follows_the_statutory_order(stack):
    start(stack, "waive")
    invoices, _, payments = book(stack)
    unmatched = payments["250.00"]
    assert unmatched.status == "unmatched"
    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    stack.now = berlin(2026, 10, 27, 10)
    payment_id = str(unmatched.sk).removeprefix("PAY#")
    done = stack.api("POST", f"/v1/payments/{payment_id}/assign", key=key,
                     body={"invoices": ["RE-40"]})
    assert done.status == 200, done.body
    # no designation by the debtor: costs, then interest, then principal (§367 Abs. 1)
    assert done.body["application"] == "statutory"
    [line] = done.body["invoices"]
    assert line["flat_fee"] == "40.00" and Decimal(line["interest"]) > 0
    invoices, _, _ = book(stack)
    assert invoices["RE-40"].status.value == "partially_paid"
    assert invoices["RE-40"].open_amount == Decimal("600.00") - Decimal(line["principal"])
    # the next letter says so, and its breakdown adds up
    run_until(stack, date(2026, 11, 10))
    _, notices, _ = book(stack)
    [mahnung] = letters_after(notices, "2026-10-22", "K-40")
    plan = plan_from_json(mahnung.plan)
    assert plan.level == 2 and plan.payments == ((date(2026, 10, 25), Decimal("250.00")),)
    assert plan.principal + plan.interest + plan.fees + plan.flat_fee == plan.total
    [raw] = [m for m in stack.sent_emails() if mahnung.notice_id.encode() in m]
    text = plain_text(raw)
    assert "Ihre Zahlung über 250,00 € vom 25.10.2026 haben wir berücksichtigt." in text
    assert "keinen Zahlungseingang" not in text


@pytest.mark.parametrize("value, reason", [
    ({"residual_charges": "sometimes"}, "policy.residual_charges: one of waive, claim, ask"),
    ({"residual_minimum": "-1.00"}, "policy.residual_minimum: must not be negative"),
    ({"residual_minimum": "zehn"}, "policy.residual_minimum: not an amount"),
])
def test_residual_settings_out_of_range_are_refused_with_field_and_reason(stack, value, reason):
    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    doc = settings("waive")
    doc["policy"].update(value)
    answer = stack.api("PUT", "/v1/settings", key=key, body=doc)
    assert answer.status == 400
    assert reason in json.dumps(answer.body, ensure_ascii=False)
