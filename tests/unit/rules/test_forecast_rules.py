"""The collection calendar on its boundaries: a pause's last day, the end of a cooldown, the last
day of the window."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.dunning import decide, first_action_on
from mahnwerk.domain.forecast import apply_notice, forecast
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Customer, DomainError, Invoice, InvoiceStatus
from mahnwerk.domain.policy import default_policy

TODAY = date(2026, 11, 23)
POLICY = default_policy()
RATES = BaseRateTable(((date(2025, 1, 1), Decimal("2.27")), (date(2025, 7, 1), Decimal("1.27"))),
                      known_through=date(2026, 12, 31))
K1 = Customer("t1", "K1", "Kunde K1", "k1@example.org")


def invoice(number: str, due: date, **changes: object) -> Invoice:
    inv = Invoice("t1", number, "K1", due - timedelta(days=14), due, Decimal("100.00"), Decimal("100.00"),
                  next_action_on=first_action_on(due, POLICY))
    return inv.with_changes(**changes) if changes else inv


def days_and_levels(entries):
    return [(e.on, e.customer_id, e.level, e.invoice_numbers) for e in entries]


def test_an_invoice_paused_through_the_30th_gets_its_letter_on_the_1st():
    paused = invoice("R-1", date(2026, 11, 10), paused_until=date(2026, 11, 30))
    got = forecast({"K1": K1}, [paused], POLICY, RATES, TODAY, 14)
    assert days_and_levels(got)[0] == (date(2026, 12, 1), "K1", 1, ("R-1",))


def test_a_letter_due_on_the_day_after_the_due_date_goes_out_that_day():
    due = date(2026, 11, 23)
    got = forecast({"K1": K1}, [invoice("R-2", due, next_action_on=due)], POLICY, RATES, TODAY, 3)
    assert days_and_levels(got) == [(date(2026, 11, 24), "K1", 1, ("R-2",))]


def test_what_falls_due_during_a_cooldown_goes_out_the_day_the_cooldown_ends():
    assert POLICY.cooldown_days == 7
    sent = invoice("R-3", date(2026, 11, 1), level=1, last_notice_on=date(2026, 11, 17),
                   next_action_on=date(2026, 12, 20))
    waiting = invoice("R-4", date(2026, 11, 10))  # its reminder is due since 17.11.
    got = forecast({"K1": K1}, [sent, waiting], POLICY, RATES, TODAY, 5)
    assert got[0].on == date(2026, 11, 24)  # the letter of 17.11. + 7 days
    assert "R-4" in got[0].invoice_numbers


def test_a_letter_due_on_the_last_day_of_the_window_is_in_it():
    last_day = TODAY + timedelta(days=2)
    paid = invoice("R-P", date(2026, 10, 1), open_amount=Decimal("0.00"), status=InvoiceStatus.PAID,
                   next_action_on=None)
    finished = invoice("R-F", date(2026, 10, 1), next_action_on=None)  # nothing more planned
    due = invoice("R-5", date(2026, 11, 10), next_action_on=last_day)
    got = forecast({"K1": K1}, [paid, finished, due], POLICY, RATES, TODAY, 3)
    # the letter falls due for R-5; the still open R-F is listed on it, the paid R-P is not
    assert [(e.on, e.invoice_numbers) for e in got] == [(last_day, ("R-F", "R-5"))]


def test_the_window_is_refused_with_its_limits():
    with pytest.raises(DomainError, match=r"^the forecast cannot look back$"):
        forecast({}, [], POLICY, RATES, TODAY, -1)
    with pytest.raises(DomainError, match=r"^the forecast looks at most 90 days ahead$"):
        forecast({}, [], POLICY, RATES, TODAY, 91)


def test_a_later_letter_keeps_the_day_the_first_reminder_reached_the_debtor():
    untouched = invoice("R-0", date(2026, 12, 20))
    reached = date(2026, 11, 5)
    first = invoice("R-6", date(2026, 10, 20), level=1, last_notice_on=date(2026, 11, 5),
                    reminder_reached_on=reached, next_action_on=TODAY)
    plan = decide(K1, [untouched, first], POLICY, RATES, TODAY)
    assert plan is not None and plan.level == 2
    after = apply_notice(plan, [untouched, first])
    assert after[0] == untouched
    assert (after[1].level, after[1].last_notice_on, after[1].reminder_reached_on) == (2, TODAY, reached)
