"""Deliverability (issue 15, point 8): a letter planned through a channel the customer lacks falls
back to the other channel, else waits for the owner; the forecast says "nicht zustellbar"."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.deliverability import (
    NO_ADDRESS,
    NO_CHANNEL,
    NO_EMAIL,
    delivery,
    next_letter,
    usable,
)
from mahnwerk.domain.dunning import decide, first_action_on
from mahnwerk.domain.forecast import forecast
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Address, Channel, Customer, CustomerOverrides, Invoice
from mahnwerk.domain.notices import plan_from_json, plan_to_json
from mahnwerk.domain.policy import default_policy

EMAIL, POST = Channel.EMAIL, Channel.POST
HOME = Address("Hauptstr. 1", "10115", "Berlin")
POLICY = default_policy()
RATES = BaseRateTable(((date(2025, 1, 1), Decimal("1.27")),), known_through=date(2026, 12, 31))
TODAY = date(2026, 11, 23)


def person(email: str = "", address: Address = Address(), status: str = "",
           channels: tuple[Channel, ...] | None = None) -> Customer:
    return Customer("t1", "K1", "Kunde", email, address, email_status=status,
                    overrides=CustomerOverrides(channels=channels))


def test_usable_channels():
    assert usable(person("a@example.org"), EMAIL)
    assert not usable(person("   "), EMAIL)
    assert not usable(person("a@example.org", status="bounced"), EMAIL)
    assert usable(person(address=HOME), POST)
    assert not usable(person(address=Address("Hauptstr. 1", "", "Berlin")), POST)


@pytest.mark.parametrize(("customer", "planned", "channels", "reason"), [
    (person("a@example.org", HOME), (EMAIL,), (EMAIL,), ""),
    (person("a@example.org", HOME), (POST,), (POST,), ""),
    (person("a@example.org", HOME), (EMAIL, POST), (EMAIL, POST), ""),
    (person(address=HOME), (EMAIL,), (POST,), NO_EMAIL),                 # e-mail missing → post
    (person("a@example.org", HOME, status="bounced"), (EMAIL,), (POST,), NO_EMAIL),
    (person("a@example.org"), (POST,), (EMAIL,), NO_ADDRESS),            # address missing → e-mail
    (person("a@example.org"), (EMAIL, POST), (EMAIL,), NO_ADDRESS),      # the one that works
    (person(address=HOME), (EMAIL, POST), (POST,), NO_EMAIL),
    (person(), (EMAIL,), (), NO_CHANNEL),                                # neither: it waits
    (person(), (POST,), (), NO_CHANNEL),
    (person(), (EMAIL, POST), (), NO_CHANNEL),
])
def test_delivery_falls_back_or_waits(customer, planned, channels, reason):
    route = delivery(customer, planned)
    assert (route.channels, route.reason) == (channels, reason)
    assert route.deliverable is (reason == "")
    assert route.held is (reason == NO_CHANNEL)
    assert bool(route.message) is bool(reason)


def test_next_letter_uses_the_customers_own_channels_and_skips_a_hand_over():
    assert next_letter(person(address=HOME), POLICY).reason == NO_EMAIL  # level 1: e-mail
    assert next_letter(person("a@example.org", channels=(POST,)), POLICY).reason == NO_ADDRESS
    hand_over = next(n for n in range(1, POLICY.top + 1) if POLICY.level(n).action != "letter")
    assert next_letter(person(), POLICY, hand_over) is None


def _invoice(due: date) -> Invoice:
    return Invoice("t1", "F1", "K1", due - timedelta(days=14), due, Decimal("100.00"),
                   Decimal("100.00"), next_action_on=first_action_on(due, POLICY))


DUE = date(2026, 11, 10)  # reminder due 11-17: due today


def test_decide_sends_by_post_when_the_email_is_missing():
    plan = decide(person(address=HOME), [_invoice(DUE)], POLICY, RATES, TODAY)
    assert plan is not None and plan.channels == (POST,) and plan.undeliverable == NO_EMAIL
    assert not plan.held
    assert plan_from_json(plan_to_json(plan)).undeliverable == NO_EMAIL  # the notice keeps it


def test_decide_holds_the_letter_without_any_channel():
    plan = decide(person(), [_invoice(DUE)], POLICY, RATES, TODAY)
    assert plan is not None and plan.held and plan.undeliverable == NO_CHANNEL


def test_decide_unchanged_for_a_reachable_customer():
    plan = decide(person("a@example.org", HOME), [_invoice(DUE)], POLICY, RATES, TODAY)
    assert plan is not None and plan.channels == (EMAIL,) and plan.undeliverable == ""


def test_forecast_marks_an_undeliverable_letter_once_and_does_not_advance_it():
    entries = forecast({"K1": person()}, [_invoice(DUE)], POLICY, RATES, TODAY, 60)
    assert len(entries) == 1  # waits: no second letter is forecast on top of an unsent one
    assert entries[0].as_dict()["deliverable"] is False
    assert entries[0].as_dict()["undeliverable_reason"] == NO_CHANNEL
    reachable = forecast({"K1": person("a@example.org", HOME)}, [_invoice(DUE)], POLICY, RATES, TODAY, 60)
    assert len(reachable) > 1 and all(e.deliverable for e in reachable)
