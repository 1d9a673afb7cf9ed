"""The debtor's page's pure rules (domain/portal.py): the signed link, how long it lives, the holds
an answer sets and how the daily decision honours them (a broken promise: the next level the next
morning, once), the inputs, the attachment guard, and the white label of the page's words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from mahnwerk.domain.dunning import decide
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Customer, Invoice, InvoiceStatus
from mahnwerk.domain.policy import default_policy
from mahnwerk.domain.portal import (
    PAID_CLAIM,
    PAID_CLAIM_ASK,
    PROMISE,
    PortalInputError,
    claim_unmatched,
    clean_note,
    form_token,
    hold_outcome,
    hold_paid_claim,
    hold_promise,
    link_alive,
    parse_amount,
    parse_day,
    promise_broken,
    signature,
    signature_ok,
)
from mahnwerk.intake.guard import Refused
from mahnwerk.intake.portal_guard import check_attachment
from mahnwerk.service.portal import ATTACHMENT_TYPES

SECRET = b"s" * 32
POLICY = default_policy()
TODAY = date(2026, 11, 24)
CUSTOMER = Customer(tenant_id="acme", customer_id="K-1", name="Anna", email="a@example.org")


def inv(number="R-1", **changes):
    base = Invoice(tenant_id="acme", number=number, customer_id="K-1",
                   issue_date=date(2026, 10, 1), due_date=date(2026, 10, 15),
                   amount=Decimal("100.00"), open_amount=Decimal("100.00"), level=1,
                   last_notice_on=date(2026, 11, 23), next_action_on=date(2026, 12, 7))
    return replace(base, **changes)


def rates():
    from mahnwerk.service.law import base_rates
    return base_rates()


# --- the link ----------------------------------------------------------------------------------

def test_signature_is_bound_to_tenant_customer_and_generation():
    sig = signature(SECRET, "acme", "K-1", 0)
    assert len(sig) == 16 and signature(SECRET, "acme", "K-1", 0) == sig
    assert signature_ok(SECRET, "acme", "K-1", 0, sig)
    for other in (signature(SECRET, "acme", "K-2", 0), signature(SECRET, "beta", "K-1", 0),
                  signature(SECRET, "acme", "K-1", 1), signature(b"t" * 32, "acme", "K-1", 0)):
        assert other != sig
    assert not signature_ok(SECRET, "acme", "K-1", 1, sig)  # revoked
    assert not signature_ok(SECRET, "acme", "K-2", 0, sig)
    assert not signature_ok(SECRET, "acme", "K-1", 0, sig[:-1] + "x")
    assert not signature_ok(SECRET, "acme", "K-1", 0, "ä" * 16)
    assert form_token(SECRET, "acme", "K-1", 0) != form_token(SECRET, "acme", "K-1", 1)


def test_the_link_lives_while_something_is_open_and_90_days_after():
    assert link_alive([inv()], TODAY)
    paid = inv(open_amount=Decimal("0"), status=InvoiceStatus.PAID,
               last_payment_on=date(2026, 11, 1), last_notice_on=date(2026, 10, 22))
    assert link_alive([paid], date(2026, 11, 1) + timedelta(days=90))
    assert not link_alive([paid], date(2026, 11, 1) + timedelta(days=91))
    assert not link_alive([], TODAY)
    disputed = inv(status=InvoiceStatus.DISPUTED)
    assert link_alive([disputed], date(2028, 1, 1))


# --- holds ---------------------------------------------------------------------------------------

def test_a_promise_holds_until_its_day_and_brings_the_next_level_the_morning_after():
    held = hold_promise(inv(), date(2026, 11, 28), TODAY, POLICY, 0)
    assert (held.paused_until, held.pause_reason) == (date(2026, 11, 28), PROMISE)
    assert held.next_action_on == date(2026, 11, 29)
    assert not promise_broken(held, date(2026, 11, 28))
    assert promise_broken(held, date(2026, 11, 29))
    sent = held.with_changes(level=2, last_notice_on=date(2026, 11, 29))
    assert not promise_broken(sent, date(2026, 11, 30))  # said once, in that letter
    paid = held.with_changes(open_amount=Decimal("0"), status=InvoiceStatus.PAID)
    assert not promise_broken(paid, date(2026, 11, 29))


def test_promise_limits():
    with pytest.raises(PortalInputError) as exc:
        hold_promise(inv(), TODAY - timedelta(days=1), TODAY, POLICY, 0)
    assert exc.value.kind == "past"
    with pytest.raises(PortalInputError) as exc:
        hold_promise(inv(), TODAY + timedelta(days=31), TODAY, POLICY, 0)
    assert exc.value.kind == "too_far"
    hold_promise(inv(), TODAY + timedelta(days=30), TODAY, POLICY, 0)
    with pytest.raises(PortalInputError) as exc:
        hold_promise(inv(), TODAY + timedelta(days=3), TODAY, POLICY, 1)
    assert exc.value.kind == "promise_limit"
    more = replace(POLICY, promises_per_invoice=2)
    hold_promise(inv(), TODAY + timedelta(days=3), TODAY, more, 1)
    with pytest.raises(PortalInputError):
        hold_promise(inv(status=InvoiceStatus.DISPUTED), TODAY + timedelta(days=3), TODAY,
                     POLICY, 0)


def test_the_decision_sends_the_broken_promise_letter_within_the_cooldown_once():
    held = hold_promise(inv(), date(2026, 11, 28), TODAY, POLICY, 0)
    for day in range(24, 29):
        assert decide(CUSTOMER, [held], POLICY, rates(), date(2026, 11, day)) is None
    plan = decide(CUSTOMER, [held], POLICY, rates(), date(2026, 11, 29))
    assert plan is not None
    # the next level, exactly one step, within the 7-day cooldown after the letter of 23.11.
    assert plan.level == 2 and [a.to_level for a in plan.advances] == [2]
    assert plan.promise_broken == ("R-1",) and plan.promised_by == date(2026, 11, 28)
    assert plan.notice_id == "K-1:2026-11-29:L2"
    after = held.with_changes(level=2, last_notice_on=date(2026, 11, 29),
                              next_action_on=date(2026, 12, 13))
    assert decide(CUSTOMER, [after], POLICY, rates(), date(2026, 11, 30)) is None


def test_without_the_promise_the_cooldown_holds_as_before():
    due_early = inv(next_action_on=date(2026, 11, 29))  # a plain schedule, no promise
    assert decide(CUSTOMER, [due_early], POLICY, rates(), date(2026, 11, 29)) is None


def test_paid_claim_waits_then_asks_the_owner():
    held = hold_paid_claim(inv(next_action_on=date(2026, 11, 25)), TODAY, POLICY)
    assert held.paused_until == TODAY + timedelta(days=5) and held.pause_reason == PAID_CLAIM
    assert held.next_action_on == TODAY + timedelta(days=6)
    for day in range(0, 6):
        assert decide(CUSTOMER, [held], POLICY, rates(), TODAY + timedelta(days=day)) is None
    until = held.paused_until
    assert hold_outcome(held, PAID_CLAIM, until, until).result == "waiting"
    assert hold_outcome(held, PAID_CLAIM, until, until + timedelta(days=1)).result == "unmatched"
    asked = claim_unmatched(held, until + timedelta(days=1))
    assert asked.pause_reason == PAID_CLAIM_ASK
    assert decide(CUSTOMER, [asked], POLICY, rates(), until + timedelta(days=30)) is None
    paid = held.with_changes(open_amount=Decimal("0"), status=InvoiceStatus.PAID)
    assert hold_outcome(paid, PAID_CLAIM, until, until + timedelta(days=1)).result == "matched"


def test_promise_outcomes():
    held = hold_promise(inv(), date(2026, 11, 28), TODAY, POLICY, 0)
    until = date(2026, 11, 28)
    assert hold_outcome(held, PROMISE, until, until).result == "waiting"
    assert hold_outcome(held, PROMISE, until, until + timedelta(days=1)).result == "broken"
    paid = held.with_changes(open_amount=Decimal("0"), status=InvoiceStatus.PAID)
    assert hold_outcome(paid, PROMISE, until, until).result == "kept"
    resumed = held.with_changes(paused_until=None, pause_reason="")
    assert hold_outcome(resumed, PROMISE, until, until + timedelta(days=1)).result == "gone"


# --- inputs --------------------------------------------------------------------------------------

def test_inputs_are_bounded_and_named_by_field():
    assert parse_day("28.11.2026", "date") == date(2026, 11, 28)
    assert parse_day("2026-11-28", "date") == date(2026, 11, 28)
    for bad in ("", "31.02.2026", "morgen", "2026-11-28T00:00", "9" * 500):
        with pytest.raises(PortalInputError) as exc:
            parse_day(bad, "date")
        assert (exc.value.field, exc.value.kind) == ("date", "date_invalid")
    assert parse_amount("1.234,56") == Decimal("1234.56")
    assert parse_amount("119.00") == Decimal("119.00")
    for bad in ("", "0", "-5", "1e9", "NaN", "12,345", "1" * 30, "zwölf"):
        with pytest.raises(PortalInputError):
            parse_amount(bad)
    assert clean_note("  a \n b ") == "a b"
    with pytest.raises(PortalInputError):
        clean_note("x" * 501)
    with pytest.raises(PortalInputError):
        clean_note("   ", "text", required=True)


def test_attachments_pass_the_upload_guards():
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert check_attachment(pdf, "application/pdf", 5_000_000, ATTACHMENT_TYPES) == ".pdf"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (10).to_bytes(4, "big") * 2 + b"\x08" * 20
    assert check_attachment(png, "image/png", 5_000_000, ATTACHMENT_TYPES) == ".png"
    bomb = png[:16] + (100_000).to_bytes(4, "big") * 2 + png[24:]
    eicar = pdf + b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    for data, declared in ((b"", "application/pdf"), (b"MZ\x90\x00" * 10, "application/pdf"),
                           (pdf, "image/png"), (bomb, "image/png"), (eicar, "application/pdf"),
                           (b"%PDF-" + b"x" * 5_000_001, "application/pdf"),
                           (b"<svg onload=alert(1)>", "image/svg+xml")):
        with pytest.raises(Refused):
            check_attachment(data, declared, 5_000_000, ATTACHMENT_TYPES)


# --- white label -------------------------------------------------------------------------------------

def test_the_page_never_names_the_product():
    from mahnwerk.web import portal_texts

    web = Path(portal_texts.__file__).parent
    sources = [web / "templates/portal.html", web / "templates/portal_base.html",
               web / "templates/portal_error.html", web / "static/portal.css"]
    words = " ".join(de + " " + en for de, en in portal_texts.TEXTS.values())
    for text in [words, *(p.read_text("utf-8") for p in sources)]:
        assert "mahnwerk" not in text.lower()


def test_rates_table_is_a_table():
    assert isinstance(rates(), BaseRateTable)


def test_a_promise_before_the_due_date_keeps_the_invoices_grace():
    fresh = inv(level=0, last_notice_on=None, due_date=date(2026, 12, 10),
                next_action_on=date(2026, 12, 17))
    held = hold_promise(fresh, date(2026, 12, 5), TODAY, POLICY, 0)
    assert held.next_action_on == date(2026, 12, 17)
    assert not promise_broken(held, date(2026, 12, 6))
    assert decide(CUSTOMER, [held], POLICY, rates(), date(2026, 12, 16)) is None
