"""German default law in the pure core: §286 default, §288 interest and flat fee, §§366/367."""

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.allocation import allocate, credit_one
from mahnwerk.domain.dunning import NoticeLine, decide, default_from, first_action_on
from mahnwerk.domain.interest import BaseRateTable, default_interest
from mahnwerk.domain.model import Address, Channel, Customer, CustomerOverrides, Invoice
from mahnwerk.domain.policy import Policy, default_policy

from ..conftest import ROOT

TABLE = BaseRateTable.from_document(
    json.loads((ROOT / "layers/mahnwerk/mahnwerk/data/base_rates.json").read_text("utf-8")))
POLICY = default_policy()
DUE = date(2025, 5, 1)


def business(**o):
    return Customer("t", "K1", "Firma GmbH", "a@firma.example", overrides=CustomerOverrides(**o))


def consumer(**o):
    return Customer("t", "K1", "Eva", "eva@example.org", is_consumer=True,
                    overrides=CustomerOverrides(**o))


def invoice(**changes):
    inv = Invoice("t", "R1", "K1", DUE - timedelta(days=14), DUE, Decimal("1000.00"),
                  Decimal("1000.00"), next_action_on=first_action_on(DUE, POLICY))
    return inv.with_changes(**changes) if changes else inv


# --- interest -------------------------------------------------------------------------------

def test_interest_is_split_at_a_base_rate_change_and_rounded_once():
    # 20.06.–30.06.2025: 11 days at 2.27 + 9; 01.07.–10.07.2025: 10 days at 1.27 + 9
    result = default_interest(Decimal("1000.00"), date(2025, 6, 20), date(2025, 7, 10), False, TABLE)
    exact = (Decimal("1000") * Decimal("11.27") / 100 * 11 / 365
             + Decimal("1000") * Decimal("10.27") / 100 * 10 / 365)
    assert result.days == 21
    assert result.amount == Decimal("6.21") == exact.quantize(Decimal("0.01"))
    assert not result.stale_rate


def test_consumers_pay_five_points_businesses_nine():
    args = (Decimal("1000.00"), date(2025, 8, 1), date(2025, 8, 31))
    assert default_interest(*args, True, TABLE).amount == Decimal("5.33")   # 6.27 % × 31/365
    assert default_interest(*args, False, TABLE).amount == Decimal("8.72")  # 10.27 % × 31/365


def test_past_the_tables_confirmed_periods_the_latest_rate_is_used_with_a_warning():
    result = default_interest(Decimal("100.00"), date(2026, 7, 1), date(2026, 7, 31), False, TABLE)
    assert result.stale_rate
    assert result.amount == (Decimal("100") * Decimal("10.27") / 100 * 31 / 365).quantize(
        Decimal("0.01"))


def test_no_interest_before_default_and_none_on_nothing():
    assert default_interest(Decimal("0"), date(2025, 8, 1), date(2025, 8, 31), False, TABLE).amount == 0
    assert default_interest(Decimal("10"), date(2025, 9, 1), date(2025, 8, 31), False, TABLE).days == 0


# --- §286: the start of default -------------------------------------------------------------

def test_business_debtor_is_in_default_31_days_after_the_due_date_without_a_reminder():
    assert default_from(invoice(), business(), POLICY) == DUE + timedelta(days=31)


def test_consumer_only_with_the_30_day_notice_on_the_invoice():
    assert default_from(invoice(), consumer(), POLICY) is None
    assert default_from(invoice(consumer_notice=True), consumer(), POLICY) == DUE + timedelta(days=31)


def test_the_30_days_do_not_start_before_the_invoice_date_when_the_due_date_lies_before_it():
    """Imported as printed (the debtor is overdue at once), but §286 Abs. 3 counts from receipt."""
    backdated = invoice(issue_date=DUE + timedelta(days=50))
    assert default_from(backdated, business(), POLICY) == DUE + timedelta(days=50 + 31)
    agreed = Policy(levels=POLICY.levels, due_dates_agreed=True)  # a calendar date needs no invoice
    assert default_from(backdated, business(), agreed) == DUE + timedelta(days=1)


def test_the_first_reminder_puts_the_debtor_in_default_the_day_after_it_reached_them():
    reached = DUE + timedelta(days=8)
    assert default_from(invoice(reminder_reached_on=reached), consumer(), POLICY) == \
        reached + timedelta(days=1)
    # whichever comes first
    late = DUE + timedelta(days=60)
    assert default_from(invoice(reminder_reached_on=late), business(), POLICY) == \
        DUE + timedelta(days=31)


def test_agreed_due_dates_mean_default_from_the_day_after_the_due_date():
    agreed = Policy(levels=POLICY.levels, due_dates_agreed=True)
    assert default_from(invoice(), consumer(), agreed) == DUE + timedelta(days=1)
    # customer setting beats tenant setting
    assert default_from(invoice(), consumer(due_dates_agreed=False), agreed) is None
    assert default_from(invoice(), consumer(due_dates_agreed=True), POLICY) == DUE + timedelta(days=1)


def test_a_posted_reminder_reaches_the_debtor_after_the_post_delivery_days():
    plan = decide(Customer("t", "K1", "Ohne Mail", "", is_consumer=True), [invoice()], POLICY,
                  TABLE, DUE + timedelta(days=7))
    assert plan.advances[0].reminder_reached_on == DUE + timedelta(days=10)
    plan = decide(consumer(), [invoice()], POLICY, TABLE, DUE + timedelta(days=7))
    assert plan.advances[0].reminder_reached_on == DUE + timedelta(days=7)


# --- what a notice claims -------------------------------------------------------------------

def test_the_first_reminder_to_a_consumer_claims_no_interest_the_next_letter_does():
    today = DUE + timedelta(days=7)
    first = decide(consumer(), [invoice()], POLICY, TABLE, today)
    assert first.interest == 0 and first.fees == 0 and first.total == Decimal("1000.00")
    sent = invoice(level=1, last_notice_on=today, reminder_reached_on=today,
                   next_action_on=today + timedelta(days=14))
    second_day = today + timedelta(days=14)
    second = decide(consumer(), [sent], POLICY, TABLE, second_day)
    # default from the day after the reminder reached the debtor, up to and including today
    expected = default_interest(Decimal("1000.00"), today + timedelta(days=1), second_day, True,
                                TABLE).amount
    assert second.interest == expected == Decimal("2.79")  # 7.27 % × 14/365
    assert second.fee == Decimal("1.50")
    assert second.total == Decimal("1000.00") + expected + Decimal("1.50")


def test_unpaid_fees_of_earlier_letters_are_claimed_again_with_the_new_fee():
    today = DUE + timedelta(days=40)
    inv = invoice(level=2, last_notice_on=today - timedelta(days=14), next_action_on=today,
                  fees_open=Decimal("1.50"), reminder_reached_on=DUE + timedelta(days=7))
    plan = decide(consumer(), [inv], POLICY, TABLE, today)
    assert plan.level == 3 and plan.fee == Decimal("2.50") and plan.fees == Decimal("4.00")
    assert plan.advances[0].fees_open == Decimal("4.00")


def test_the_flat_fee_once_per_invoice_for_businesses_when_enabled():
    on = Policy(levels=POLICY.levels, flat_fee_b2b=True)
    today = DUE + timedelta(days=40)  # in default since day 31
    plan = decide(business(), [invoice(), invoice(number="R2")], on, TABLE, today)
    assert plan.flat_fee == Decimal("80.00")  # once per invoice, not per letter
    assert decide(business(), [invoice()], POLICY, TABLE, today).flat_fee == 0  # switched off
    assert decide(consumer(), [invoice()], on, TABLE, today).flat_fee == 0  # consumers never
    paid = invoice(flat_fee_paid=Decimal("40.00"))
    assert decide(business(), [paid], on, TABLE, today).flat_fee == 0
    not_yet = decide(business(), [invoice()], on, TABLE, DUE + timedelta(days=10))
    assert not_yet.flat_fee == 0


def test_statutory_interest_can_be_switched_off():
    off = Policy(levels=POLICY.levels, statutory_interest=False)
    assert decide(business(), [invoice()], off, TABLE, DUE + timedelta(days=60)).interest == 0
    assert decide(business(), [invoice()], POLICY, TABLE, DUE + timedelta(days=60)).interest > 0


# --- overrides: invoice beats customer beats tenant -----------------------------------------

def test_excluded_or_paused_customers_get_nothing():
    today = DUE + timedelta(days=10)
    assert decide(business(excluded=True), [invoice()], POLICY, TABLE, today) is None
    paused = business(paused_until=today, pause_reason="Ratenzahlung vereinbart")
    assert decide(paused, [invoice()], POLICY, TABLE, today) is None
    assert decide(paused, [invoice()], POLICY, TABLE, today + timedelta(days=1)) is not None


def test_customer_channels_override_the_level_channels():
    with_address = replace(business(channels=(Channel.POST,)),
                           address=Address("Weg 1", "10115", "Berlin"))
    plan = decide(with_address, [invoice()], POLICY, TABLE, DUE + timedelta(days=10))
    assert plan.channels == (Channel.POST,) and plan.undeliverable == ""
    # post chosen, but no postal address: the letter goes by e-mail (domain.deliverability)
    plan = decide(business(channels=(Channel.POST,)), [invoice()], POLICY, TABLE,
                  DUE + timedelta(days=10))
    assert plan.channels == (Channel.EMAIL,) and plan.undeliverable == "no_address"


# --- §§366, 367: crediting payments ---------------------------------------------------------

def line(number, due, open_amount, interest="0", fees="0", flat="0"):
    return NoticeLine(number, due, due, Decimal(open_amount), Decimal("0"), Decimal(open_amount), 1,
                      0, Decimal(interest), Decimal(fees), Decimal(flat))


def test_a_partial_payment_settles_costs_then_interest_then_principal():
    credit = credit_one(Decimal("50.00"), line("R1", DUE, "100.00", "1.20", "2.50", "40.00"))
    assert (credit.costs, credit.interest, credit.principal) == (
        Decimal("42.50"), Decimal("1.20"), Decimal("6.30"))


def test_an_unnamed_payment_goes_to_the_claim_due_first_and_an_overpayment_is_left_over():
    claims = [line("NEW", date(2025, 6, 1), "100.00"), line("OLD", date(2025, 5, 1), "30.00")]
    result = allocate(Decimal("150.00"), claims)
    assert [(c.number, c.principal) for c in result.credits] == [
        ("OLD", Decimal("30.00")), ("NEW", Decimal("100.00"))]
    assert result.unapplied == Decimal("20.00")


def test_a_named_invoice_is_served_first():
    claims = [line("A", date(2025, 5, 1), "100.00"), line("B", date(2025, 6, 1), "100.00")]
    result = allocate(Decimal("100.00"), claims, named=["B"])
    assert [(c.number, c.principal) for c in result.credits] == [("B", Decimal("100.00"))]
    with pytest.raises(ValueError):
        allocate(Decimal("-1"), claims)
