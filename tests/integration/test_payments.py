"""Bank statement → matched payments → dunning stops the moment money arrives."""

import json
from datetime import date
from decimal import Decimal

from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk_local.camt import Credit, camt053

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Kundentyp;Rechnungsdatum;"
       "Fällig am;Betrag\n"
       "RE-2026-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;privat;01.10.2026;15.10.2026;119,00\n"
       "RE-2026-2;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;privat;05.10.2026;15.10.2026;50,00\n"
       "RE-2026-3;K-2;Bau Krause GmbH;info@krause.example;Weg 2;10115;Berlin;gewerblich;01.10.2026;15.10.2026;1.000,00\n"
       "RE-2026-5;K-4;Hans Meier;hans@example.org;Weg 4;10115;Berlin;privat;01.10.2026;15.10.2026;250,00\n"
       ).encode()
STATEMENT = camt053("DE02120300000000202051", [
    Credit(date(2026, 10, 24), Decimal("169.00"), "RE-2026-1 und RE 2026 2", "Anna Schmidt"),
    Credit(date(2026, 10, 24), Decimal("400.00"), "Rechnung RE-2026-3 Teilzahlung",
           "BAU KRAUSE GMBH"),
    Credit(date(2026, 10, 24), Decimal("250.00"), "Rechnung RE-2026-6", "Meier, Hans"),
    Credit(date(2026, 10, 24), Decimal("77.77"), "Spende", "Unbekannt AG"),
])


def setup(stack):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload("inbox/acme/invoices/r.csv", CSV)
    stack.drain()
    stack.now = berlin(2026, 10, 22)
    stack.fire_schedule("DunningFunction", stack.now)  # first reminders to all three
    stack.drain()


def run(stack, day):
    stack.now = day
    stack.fire_schedule("DunningFunction", day)
    stack.drain()


def state(stack):
    with stack.service_context() as ctx:
        invoices = {i.number: i for i in ctx.invoices.invoices("acme")}
        notices = {n.notice_id: n for n in ctx.notices.notices("acme")}
        payments = ctx.payments.payments("acme")
    return invoices, notices, payments


def test_payments_are_matched_booked_once_and_stop_the_letters(stack):
    setup(stack)
    assert len(state(stack)[1]) == 3
    stack.now = berlin(2026, 10, 25, 5)
    stack.upload("inbox/acme/bank/2026-10-24.xml", STATEMENT)
    stack.drain()
    invoices, _, payments = state(stack)
    by_amount = {p.amount: p for p in payments}
    assert by_amount["169.00"].method == "reference"  # two invoice numbers in one transfer
    assert json.loads(by_amount["169.00"].invoices)[0]["number"] == "RE-2026-1"
    assert by_amount["400.00"].status == "matched"
    assert by_amount["250.00"].method == "amount+name"  # typo'd reference, exact amount + name
    assert by_amount["77.77"].status == "unmatched" and by_amount["77.77"].unapplied == "77.77"
    # the reminder of 22.10. put the debtors in default from 23.10. (§286 Abs. 1): two days of
    # interest accrued. Every transfer here designates what it pays (§367 Abs. 2: it names the
    # invoices, or pays exactly one's principal), so the principal is settled first and the cents
    # of interest left are a residual charge below the minimum: waived, the invoices are paid
    assert by_amount["169.00"].application == "designated"
    for number in ("RE-2026-1", "RE-2026-2", "RE-2026-5"):
        assert invoices[number].status.value == "paid"
        assert invoices[number].open_amount == 0
        assert invoices[number].charges_state == "waived"
        assert Decimal("0") < invoices[number].charges_waived < Decimal("0.20")
        assert invoices[number].charges_open == 0
    # a part payment naming its invoice pays principal only: exactly 600 stay open, no interest
    assert invoices["RE-2026-3"].status.value == "partially_paid"
    assert invoices["RE-2026-3"].open_amount == Decimal("600.00")
    assert invoices["RE-2026-3"].interest_paid == 0
    with stack.service_context() as ctx:
        behaviour = ctx.customers.behaviour("acme", "K-1")
    assert behaviour["paid_count"] == 2 and behaviour["paid_after_l1"] == 2

    # the same statement again books nothing twice
    stack.upload("inbox/acme/bank/2026-10-24-again.xml", STATEMENT)
    stack.drain()
    assert len(state(stack)[2]) == 4
    assert state(stack)[0]["RE-2026-3"].open_amount == invoices["RE-2026-3"].open_amount

    # the next runs: nothing to those who paid, the remainder to the partial payer
    for day in range(23, 32):
        run(stack, berlin(2026, 10, day) if day <= 31 else berlin(2026, 11, day - 31))
    run(stack, berlin(2026, 11, 5))
    _, notices, _ = state(stack)
    later = {nid: n for nid, n in notices.items() if not nid.endswith(":2026-10-22:L1")}
    assert {n.notice_id.split(":")[0] for n in later.values()} == {"K-2"}
    [remainder] = later.values()
    plan = json.loads(remainder.plan)
    assert plan["level"] == 2
    assert plan["lines"][0]["open_amount"] == str(invoices["RE-2026-3"].open_amount)


def test_a_reserved_letter_is_cancelled_when_the_money_arrives_before_it_goes_out(stack,
                                                                                monkeypatch):
    from mahnwerk.adapters import aws

    setup(stack)
    stack.fire_schedule("DunningFunction", berlin(2026, 11, 5))  # K-2's 1. Mahnung is due
    real_send = aws.Mailer.send_raw

    def down(self, raw, source, destinations, **kwargs):
        raise aws.SendRefused("EndpointConnectionError")  # SES unreachable: nothing sent

    monkeypatch.setattr(aws.Mailer, "send_raw", down)
    stack.pump("NoticeFunction")  # reserved (invoices moved on), but the mail did not go out
    _, notices, _ = state(stack)
    assert notices["K-2:2026-11-05:L2"].status == "reserved"
    # before the retry, K-2 pays everything
    stack.now = berlin(2026, 11, 5, 7)
    stack.upload("inbox/acme/bank/s2.xml", camt053("DE02120300000000202051", [
        # principal, the new fee and interest: a little more than everything
        Credit(date(2026, 11, 4), Decimal("1010.00"), "RE-2026-3", "Bau Krause GmbH")], "S2"))
    stack.pump("IntakeFunction")
    monkeypatch.setattr(aws.Mailer, "send_raw", real_send)
    stack.drain()  # the retry re-checks: paid in the meantime → cancelled, nothing sent
    _, notices, _ = state(stack)
    assert notices["K-2:2026-11-05:L2"].status == "cancelled"
    # the others' letters went out on the retry; K-2 got only the first reminder of 22.10.
    assert sum(b"info@krause.example" in raw for raw in stack.sent_emails()) == 1
