"""§367 Abs. 2 BGB and residual charges, as examples a lawyer can check: a payment that names its
invoice pays that invoice's principal first; what is left of interest and fees once the principal
is paid is the owner's policy, never a reason to dun the invoice as unpaid."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain import residual
from mahnwerk.domain.actions import NotAllowed
from mahnwerk.domain.allocation import allocate
from mahnwerk.domain.dunning import CHARGES, NoticeLine, decide, payments_since_last_letter
from mahnwerk.domain.model import Address, Customer, DomainError, Invoice, InvoiceStatus
from mahnwerk.domain.policy import Policy, default_policy
from mahnwerk.domain.settings_doc import policy_from_dict
from mahnwerk.domain.settling import settle
from mahnwerk.letters.texts import payment_note
from mahnwerk.letters.view import breakdown
from mahnwerk.service.law import base_rates

D = Decimal


def line(number: str, due: date, principal: str, interest: str = "0", fees: str = "0",
         flat: str = "0") -> NoticeLine:
    return NoticeLine(number, due, due, D(principal), D("0"), D(principal), 1, 10,
                      interest=D(interest), fees=D(fees), flat_fee=D(flat))


OLD = line("RE-1", date(2026, 9, 15), "1000.00", interest="2.81", flat="40.00")
NEW = line("RE-2", date(2026, 10, 15), "500.00", interest="1.41", fees="1.50", flat="40.00")


# --- §367 Abs. 2: the designated principal first -------------------------------------------------

def test_a_transfer_of_the_invoice_amount_naming_it_pays_the_principal_in_full():
    paid = settle(D("1000.00"), [OLD], ["RE-1"], designated=True)
    [s] = paid.invoices
    assert (s.principal, s.interest, s.costs) == (D("1000.00"), 0, 0)
    assert s.principal_after == 0 and s.claim_after == D("42.81")  # the residual charge
    assert paid.application == "designated"


def test_the_same_transfer_without_a_designation_pays_costs_and_interest_first():
    paid = settle(D("1000.00"), [OLD], ["RE-1"])
    [s] = paid.invoices
    assert (s.flat_fee, s.interest, s.principal) == (D("40.00"), D("2.81"), D("957.19"))
    assert paid.application == "statutory"


def test_two_invoices_named_get_their_principals_in_the_order_named_then_their_charges():
    paid = settle(D("1520.00"), [OLD, NEW], ["RE-2", "RE-1"], designated=True)
    by = {s.number: s for s in paid.invoices}
    assert by["RE-2"].principal == D("500.00") and by["RE-1"].principal == D("1000.00")
    # the 20 € left go to the charges in the same order: RE-2's fee and flat fee (costs) first
    assert (by["RE-2"].fees, by["RE-2"].flat_fee, by["RE-2"].interest) == (D("1.50"), D("18.50"), 0)
    assert by["RE-1"].costs == 0 and by["RE-1"].interest == 0
    assert paid.overpayment == 0


def test_a_designated_part_payment_pays_only_principal():
    paid = settle(D("400.00"), [OLD], ["RE-1"], designated=True)
    [s] = paid.invoices
    assert (s.principal, s.interest, s.costs, s.principal_after) == (D("400.00"), 0, 0, D("600.00"))


def test_what_exceeds_the_named_claims_in_full_is_a_credit():
    paid = settle(D("1050.00"), [OLD], ["RE-1"], designated=True)
    assert paid.invoices[0].claim_after == 0 and paid.overpayment == D("7.19")


def test_claims_not_named_follow_the_statutory_order_after_the_named_ones():
    result = allocate(D("1500.00"), [OLD, NEW], ["RE-2"], designated=True)
    by = {c.number: c for c in result.credits}
    assert by["RE-2"].total == NEW.total  # principal, then its charges
    assert by["RE-1"].costs == D("40.00") and by["RE-1"].interest == D("2.81")  # §367 Abs. 1
    assert by["RE-1"].principal == D("1500.00") - NEW.total - D("42.81")


def test_a_designation_of_nothing_open_is_no_designation():
    assert settle(D("100.00"), [OLD], ["RE-9"], designated=True).application == "statutory"


# --- residual charges ----------------------------------------------------------------------------

def invoice(**changes: object) -> Invoice:
    base = Invoice("t", "RE-1", "K-1", date(2026, 10, 1), date(2026, 10, 15), D("1000.00"),
                   D("0.00"), level=1, last_notice_on=date(2026, 10, 22), fees_open=D("1.50"))
    return replace(base, **changes)  # type: ignore[arg-type]


def policy(**changes: object) -> Policy:
    return replace(default_policy(), **changes)  # type: ignore[arg-type]


ON = date(2026, 10, 25)


def test_by_default_residual_charges_are_waived_the_day_the_principal_is_paid():
    done = residual.principal_paid(invoice(), D("42.81"), policy(), ON)
    assert done.status is InvoiceStatus.PAID and done.next_action_on is None
    assert (done.charges_state, done.charges_waived, done.charges_open, done.fees_open) == \
        ("waived", D("42.81"), 0, 0)


def test_claimed_charges_wait_for_one_statement_at_the_next_run():
    done = residual.principal_paid(invoice(), D("42.81"), policy(residual_charges="claim"), ON)
    assert done.status is InvoiceStatus.PAID
    assert (done.charges_state, done.charges_open) == ("claim", D("42.81"))
    assert done.next_action_on == ON + timedelta(days=1)
    assert residual.statement_due(done, ON + timedelta(days=1))
    assert not residual.statement_due(done, ON)


def test_asked_charges_wait_for_the_owner_and_nothing_is_scheduled():
    done = residual.principal_paid(invoice(), D("42.81"), policy(residual_charges="ask"), ON)
    assert (done.charges_state, done.charges_open, done.next_action_on) == ("ask", D("42.81"), None)
    assert residual.claimable(done) and not residual.statement_due(done, ON + timedelta(days=30))


@pytest.mark.parametrize("amount, state", [("9.99", "waived"), ("10.00", "claim")])
def test_charges_below_the_minimum_are_always_waived(amount, state):
    done = residual.principal_paid(invoice(), D(amount), policy(residual_charges="claim"), ON)
    assert done.charges_state == state


def test_nothing_left_means_nothing_to_decide():
    done = residual.principal_paid(invoice(fees_open=D("0")), D("0"), policy(), ON)
    assert done.status is InvoiceStatus.PAID and done.charges_state == "" and done.charges_waived == 0


def test_the_owner_waives_or_claims_asked_charges_once():
    asked = invoice(status=InvoiceStatus.PAID, charges_open=D("42.81"), charges_state="ask")
    claimed = residual.decide(asked, "claim", ON)
    assert (claimed.charges_state, claimed.next_action_on) == ("claim", ON)
    waived = residual.decide(asked, "waive", ON)
    assert (waived.charges_state, waived.charges_waived, waived.charges_open) == \
        ("waived", D("42.81"), 0)
    with pytest.raises(NotAllowed):
        residual.decide(waived, "claim", ON)
    with pytest.raises(NotAllowed):
        residual.decide(claimed, "claim", ON)
    assert residual.decide(claimed, "waive", ON).charges_state == "waived"
    with pytest.raises(DomainError):
        residual.decide(asked, "later", ON)


def test_a_payment_on_claimed_charges_reduces_them():
    claimed = invoice(status=InvoiceStatus.PAID, charges_open=D("42.81"), charges_state="claimed")
    assert residual.charges_paid(claimed, D("0.81")).charges_open == D("0.81")
    assert residual.charges_paid(claimed, D("-1")).charges_open == 0


def customer(consumer: bool = False) -> Customer:
    return Customer("t", "K-1", "Bau Krause GmbH", "k@example.org",
                    Address("Weg 1", "10115", "Berlin"), is_consumer=consumer)


def test_the_charges_statement_is_one_friendly_letter_after_the_cooldown():
    pending = invoice(status=InvoiceStatus.PAID, charges_open=D("41.50"), charges_state="claim",
                      next_action_on=date(2026, 10, 26), reminder_reached_on=date(2026, 10, 22),
                      interest_accrued=D("0"), interest_through=ON)
    flat = policy(flat_fee_b2b=True)
    # the reminder went out on 22.10.: no letter within the 7 days' cooldown
    assert decide(customer(), [pending], flat, base_rates(), date(2026, 10, 28)) is None
    plan = decide(customer(), [pending], flat, base_rates(), date(2026, 10, 29))
    assert plan is not None and plan.kind == CHARGES and plan.level == 0
    assert plan.notice_id == "K-1:2026-10-29:L0" and plan.fee == 0
    assert (plan.principal, plan.fees, plan.flat_fee, plan.total) == (0, D("1.50"), D("40.00"),
                                                                     D("41.50"))
    [advance] = plan.advances
    assert advance.charges_state == "claimed" and advance.next_action_on is None
    assert advance.to_level == advance.from_level == 1  # no escalation


def test_payments_since_the_last_letter_are_listed_once_each():
    one = invoice(last_payment_id="p1", last_payment_on=ON, last_payment_amount=D("150.00"))
    two = replace(one, number="RE-2")
    before = replace(one, number="RE-3", last_payment_id="p0", last_payment_on=date(2026, 10, 20))
    assert payments_since_last_letter([one, two, before]) == ((ON, D("150.00")),)


def test_a_letter_acknowledges_the_payments_in_german_and_english():
    plan = replace(_plan(), payments=((date(2026, 10, 12), D("99.90")),))
    assert payment_note(plan, "de") == "Ihre Zahlung über 99,90 € vom 12.10.2026 haben wir berücksichtigt."
    two = replace(plan, payments=((date(2026, 10, 1), D("50")), (date(2026, 10, 12), D("99.90"))))
    assert payment_note(two, "de") == ("Ihre Zahlungen über 50,00 € vom 01.10.2026 und über "
                                       "99,90 € vom 12.10.2026 haben wir berücksichtigt.")
    assert payment_note(two, "en").startswith("We have taken your payments of €50.00 on")
    assert payment_note(replace(plan, payments=()), "de") == ""


def _plan():
    pending = invoice(status=InvoiceStatus.OPEN, open_amount=D("1000.00"), level=0,
                      last_notice_on=None, fees_open=D("0"), next_action_on=date(2026, 10, 22))
    plan = decide(customer(), [pending], policy(flat_fee_b2b=True), base_rates(), date(2026, 11, 30))
    assert plan is not None
    return plan


def test_the_breakdown_names_each_part_and_they_add_up_to_the_total():
    pending = invoice(status=InvoiceStatus.PARTIALLY_PAID, open_amount=D("900.00"), level=1,
                      last_notice_on=date(2026, 10, 22), reminder_reached_on=date(2026, 10, 22),
                      next_action_on=date(2026, 11, 5), fees_open=D("0"))
    plan = decide(customer(), [pending], policy(flat_fee_b2b=True), base_rates(), date(2026, 11, 5))
    assert plan is not None
    parts = dict(breakdown(plan, "de"))
    assert parts["Offene Hauptforderung (nach Zahlungen von 100,00 €)"] == "900,00 €"
    assert parts["Verzugspauschale (§ 288 Abs. 5 BGB)"] == "40,00 €"
    assert parts["Mahngebühr für dieses Schreiben"] == "1,50 €"
    assert "Verzugszinsen" in parts
    amounts = [D(v.removesuffix(" €").replace(".", "").replace(",", ".")) for v in parts.values()]
    assert sum(amounts) == plan.total == plan.principal + plan.interest + plan.fees + plan.flat_fee


@pytest.mark.parametrize("doc, message", [
    ({"residual_charges": "sometimes"}, "policy.residual_charges: one of waive, claim, ask"),
    ({"residual_minimum": "-0.01"}, "policy.residual_minimum: must not be negative"),
    ({"residual_minimum": "viel"}, "policy.residual_minimum: not an amount"),
])
def test_residual_settings_out_of_range_are_refused_with_the_field(doc, message):
    with pytest.raises(DomainError, match=message.replace("(", r"\(")):
        policy_from_dict(doc)


def test_residual_settings_default_to_waive_above_ten_euros():
    p = policy_from_dict({})
    assert (p.residual_charges, p.residual_minimum) == ("waive", D("10.00"))
    assert policy_from_dict({"residual_charges": "ask", "residual_minimum": "0"}).residual_charges == "ask"


@pytest.mark.parametrize("text", ["NaN", "nan", "-NaN", "Infinity", "-inf", "sNaN"])
def test_a_stored_amount_that_is_not_a_number_is_refused(text):
    from mahnwerk.domain.money import AmountError, from_str

    with pytest.raises(AmountError):
        from_str(text)
