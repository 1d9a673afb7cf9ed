"""Service scenarios ported from the moto integration tests (tests/integration/test_dunning.py,
test_payments.py) with the same assertions. Each takes a fresh :class:`Harness`: the service
tests run them on the fakes, ``benchmarks/fakes_vs_moto.py`` on both to compare the time."""

from __future__ import annotations

import email
import email.utils
import json
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.dunning import decide
from mahnwerk.service.dunning import feedback_tag
from mahnwerk.service.feedback import handle as feedback
from mahnwerk.service.law import base_rates
from mahnwerk.service.ports import Conflict
from mahnwerk.service.tenants import load_settings
from mahnwerk.service.timeline import invoice_timeline
from mahnwerk_local.camt import Credit, camt053

from ..conftest import berlin
from .harness import Harness

CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.10.2026;15.10.2026;119,00\n"
       "RE-2;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;05.10.2026;19.10.2026;50,00\n"
       "RE-3;K-2;Ørsted A/S;;Havnegade 1;10115;Berlin;01.10.2026;15.10.2026;1.000,00\n"
       "RE-4;K-3;Zoë;;;;;01.10.2026;15.10.2026;20,00\n").encode()


def setup(h: Harness, tenant: str = "acme") -> None:
    h.settings(tenant)
    h.upload(f"inbox/{tenant}/invoices/rechnungen.csv", CSV, berlin(2026, 10, 20, 5))
    h.drain()


def notices(h: Harness, tenant: str = "acme") -> dict:
    return {n.notice_id: n for n in h.ctx.notices.notices(tenant)}


# --- from tests/integration/test_dunning.py ------------------------------------------------------

def one_reminder_per_overdue_customer(h: Harness) -> None:
    setup(h)
    assert h.run_day(berlin(2026, 10, 21))["requests"] == 0  # due + 7 not reached yet
    result = h.run_day(berlin(2026, 10, 22))
    assert result == {"tenants": 1, "requests": 3, "held": 0}
    sent = notices(h)
    # K-3 has neither e-mail nor address: nothing reserved or sent, its invoice keeps level 0
    # and the letter waits for the owner (domain.deliverability)
    assert set(sent) == {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1"}
    k1 = sent["K-1:2026-10-22:L1"]
    assert k1.status == "sent" and k1.message_id
    assert json.loads(k1.plan)["level_name"] == "Zahlungserinnerung"
    # K-2 has no email: the reminder goes to the post outbox
    assert sent["K-2:2026-10-22:L1"].post_key.startswith("outbox/post/2026-10-22/")
    assert h.ctx.invoices.get_invoice("acme", "RE-4").level == 0  # waits, not skipped

    [raw] = h.emails()
    message = email.message_from_bytes(raw)
    assert email.utils.parseaddr(message["To"])[1] == "anna@example.org"
    assert message["X-Mahnwerk-Notice"] == "K-1:2026-10-22:L1"
    [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    pdf = attachment.get_payload(decode=True)
    stored = h.ctx.store.get(k1.pdf_key)
    assert pdf == stored and pdf.startswith(b"%PDF")
    # the customer's first reminder lists both overdue invoices (one letter per customer)
    assert [line["number"] for line in json.loads(k1.plan)["lines"]] == ["RE-1", "RE-2"]
    # RE-2's own reminder would fall due on 26.10., within the cooldown: it is in this letter
    assert [i.level for i in h.ctx.invoices.customer_invoices("acme", "K-1")] == [1, 1]
    timeline = invoice_timeline(h.ctx, "acme", "RE-1")
    assert [e["kind"] for e in timeline] == ["received", "notice_sent"]
    assert timeline[1]["channels"] == ["email"] and timeline[1]["level"] == 1


def a_schedule_fired_twice_sends_one_reminder(h: Harness) -> None:
    setup(h)
    day = berlin(2026, 10, 22)
    h.run_day(day)
    h.run_day(day.replace(hour=7))  # a retried / duplicated schedule, same day
    assert len(h.emails()) == 1
    assert len(notices(h)) == 2  # K-1 and K-2; K-3 (no e-mail, no address) waits


def a_duplicated_notice_request_sends_once(h: Harness) -> None:
    setup(h)
    h.fire_schedule(berlin(2026, 10, 22))
    messages = h.take()
    for message in messages + messages:
        h.handle(message)
    assert len(h.emails()) == 1


def a_crash_after_reserving_resumes_the_same_letter(h: Harness) -> None:
    setup(h)
    h.refuse_sends("EndpointConnectionError")  # SES unreachable: nothing sent
    h.run_day(berlin(2026, 10, 22))  # first attempt fails, the queue redelivers, retry resumes
    assert len(h.emails()) == 1
    assert notices(h)["K-1:2026-10-22:L1"].status == "sent"


def escalation_follows_the_policy_and_a_missed_week_sends_one_letter(h: Harness) -> None:
    setup(h)
    h.run_day(berlin(2026, 10, 22))
    # the schedule was down for three weeks: one catch-up letter, not one per missed day
    h.run_day(berlin(2026, 11, 12))
    levels = sorted(n.notice_id for n in notices(h).values())
    assert "K-1:2026-11-12:L2" in levels
    assert len([n for n in levels if n.startswith("K-1:")]) == 2


def a_change_after_reading_cancels_the_reservation(h: Harness) -> None:
    setup(h)
    ctx = h.ctx
    day = berlin(2026, 10, 22).date()
    invoices = ctx.invoices.customer_invoices("acme", "K-1")
    customer = ctx.customers.get_customer("acme", "K-1")
    plan = decide(customer, invoices, load_settings(ctx, "acme").policy, base_rates(), day)
    assert plan is not None
    # meanwhile RE-2 is paid (any change bumps the version)
    changed = ctx.invoices.get_invoice("acme", "RE-2")
    ctx.invoices.replace_invoice(changed.with_changes(open_amount=changed.open_amount),
                                 changed.version, source="test")
    with pytest.raises(Conflict):
        ctx.notices.reserve_notice(plan, berlin(2026, 10, 22))
    assert ctx.notices.get_notice("acme", plan.notice_id) is None  # nothing half-done
    assert ctx.invoices.get_invoice("acme", "RE-1").level == 0


def a_bounce_switches_the_next_letter_to_post(h: Harness) -> None:
    setup(h)
    h.run_day(berlin(2026, 10, 22))  # K-1's reminder goes out by email
    sent = notices(h)["K-1:2026-10-22:L1"]
    tag = feedback_tag("acme", "K-1", sent.notice_id)
    assert h.ctx.customers.get_customer("acme", "K-1").email_status == ""
    ses_event = {"eventType": "Bounce",
                 "bounce": {"bounceType": "Permanent",
                            "bouncedRecipients": [{"emailAddress": "anna@example.org"}]},
                 "mail": {"timestamp": "2026-10-22T06:05:00Z", "messageId": sent.message_id,
                          "tags": {"mw": [tag]}}}
    feedback(h.ctx, {"Type": "Notification", "Message": json.dumps(ses_event)})
    assert h.ctx.customers.get_customer("acme", "K-1").email_status == "bounced"
    timeline = [e["kind"] for e in invoice_timeline(h.ctx, "acme", "RE-1")]
    assert "email_bounced" in timeline
    emails_before = len(h.emails())
    h.run_day(berlin(2026, 11, 5))  # the 1. Mahnung: by post now
    second = notices(h)["K-1:2026-11-05:L2"]
    assert second.post_key and not second.message_id
    assert second.fallback == "email bounced: sent by post instead"
    assert len(h.emails()) == emails_before  # nobody else has an email due


# --- from tests/integration/test_payments.py -----------------------------------------------------

PAYMENTS_CSV = (
    "Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Kundentyp;Rechnungsdatum;"
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


def payments_setup(h: Harness) -> None:
    h.settings()
    h.upload("inbox/acme/invoices/r.csv", PAYMENTS_CSV, berlin(2026, 10, 20, 5))
    h.drain()
    h.run_day(berlin(2026, 10, 22))  # first reminders to all three


def state(h: Harness) -> tuple[dict, dict, list]:
    invoices = {i.number: i for i in h.ctx.invoices.invoices("acme")}
    return invoices, notices(h), h.ctx.payments.payments("acme")


def payments_are_matched_booked_once_and_stop_the_letters(h: Harness) -> None:
    payments_setup(h)
    assert len(state(h)[1]) == 3
    h.upload("inbox/acme/bank/2026-10-24.xml", STATEMENT, berlin(2026, 10, 25, 5))
    h.drain()
    invoices, _, payments = state(h)
    by_amount = {p.amount: p for p in payments}
    assert by_amount["169.00"].method == "reference"  # two invoice numbers in one transfer
    assert json.loads(by_amount["169.00"].invoices)[0]["number"] == "RE-2026-1"
    assert by_amount["400.00"].status == "matched"
    assert by_amount["250.00"].method == "amount+name"  # typo'd reference, exact amount + name
    assert by_amount["77.77"].status == "unmatched" and by_amount["77.77"].unapplied == "77.77"
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
    behaviour = h.ctx.customers.behaviour("acme", "K-1")
    assert behaviour["paid_count"] == 2 and behaviour["paid_after_l1"] == 2

    # the same statement again books nothing twice
    h.upload("inbox/acme/bank/2026-10-24-again.xml", STATEMENT, berlin(2026, 10, 25, 5))
    h.drain()
    assert len(state(h)[2]) == 4
    assert state(h)[0]["RE-2026-3"].open_amount == invoices["RE-2026-3"].open_amount

    # the next runs: nothing to those who paid, the remainder to the partial payer
    for day in range(23, 32):
        h.run_day(berlin(2026, 10, day) if day <= 31 else berlin(2026, 11, day - 31))
    h.run_day(berlin(2026, 11, 5))
    _, found, _ = state(h)
    later = {nid: n for nid, n in found.items() if not nid.endswith(":2026-10-22:L1")}
    assert {n.notice_id.split(":")[0] for n in later.values()} == {"K-2"}
    [remainder] = later.values()
    plan = json.loads(remainder.plan)
    assert plan["level"] == 2
    assert plan["lines"][0]["open_amount"] == str(invoices["RE-2026-3"].open_amount)


def a_reserved_letter_is_cancelled_when_the_money_arrives_first(h: Harness) -> None:
    payments_setup(h)
    h.fire_schedule(berlin(2026, 11, 5))  # K-2's 1. Mahnung is due
    h.refuse_sends(*["EndpointConnectionError"] * 10)  # SES unreachable: nothing sent
    h.pump()  # reserved (invoices moved on), but the mail did not go out
    assert notices(h)["K-2:2026-11-05:L2"].status == "reserved"
    # before the retry, K-2 pays everything
    h.upload("inbox/acme/bank/s2.xml", camt053("DE02120300000000202051", [
        # principal, the new fee and interest: a little more than everything
        Credit(date(2026, 11, 4), Decimal("1010.00"), "RE-2026-3", "Bau Krause GmbH")], "S2"),
        berlin(2026, 11, 5, 7))
    h.drain()  # the retry re-checks: paid in the meantime → cancelled, nothing sent
    assert notices(h)["K-2:2026-11-05:L2"].status == "cancelled"
    # the others' letters went out on the retry; K-2 got only the first reminder of 22.10.
    assert sum(b"info@krause.example" in raw for raw in h.emails()) == 1


SCENARIOS = [
    one_reminder_per_overdue_customer,
    a_schedule_fired_twice_sends_one_reminder,
    a_duplicated_notice_request_sends_once,
    a_crash_after_reserving_resumes_the_same_letter,
    escalation_follows_the_policy_and_a_missed_week_sends_one_letter,
    a_change_after_reading_cancels_the_reservation,
    a_bounce_switches_the_next_letter_to_post,
    payments_are_matched_booked_once_and_stop_the_letters,
    a_reserved_letter_is_cancelled_when_the_money_arrives_first,
]
