"""The collection calendar on a fixed book; totals are worked out by hand in the comments.

Default policy: reminder 7 days after due, 1. Mahnung (fee 1.50) 14 days later, Letzte Mahnung
(fee 2.50) 14 days later, hand-over 14 days later; cooldown 7 days. Interest for business debtors:
base 1.27 % + 9 = 10.27 % a year, from the day after the reminder reached the debtor (e-mail: the
day it was sent), rounded per invoice.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain import forecast as forecast_module
from mahnwerk.domain.dunning import decide, first_action_on
from mahnwerk.domain.forecast import MAX_FORECAST_DAYS, apply_notice, forecast
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Customer, CustomerOverrides, DomainError, Invoice, InvoiceStatus
from mahnwerk.domain.policy import Action, default_policy

TODAY = date(2026, 11, 23)
POLICY = default_policy()
RATES = BaseRateTable(((date(2025, 1, 1), Decimal("2.27")), (date(2025, 7, 1), Decimal("1.27"))),
                      known_through=date(2026, 12, 31))


def customer(cid, **overrides):
    return Customer("t1", cid, f"Kunde {cid}", f"{cid.lower()}@example.org",
                    overrides=CustomerOverrides(**overrides))


def invoice(number, cid, due, amount, **changes):
    inv = Invoice(tenant_id="t1", number=number, customer_id=cid, issue_date=due - timedelta(days=14),
                  due_date=due, amount=Decimal(amount), open_amount=Decimal(amount),
                  next_action_on=first_action_on(due, POLICY))
    return inv.with_changes(**changes) if changes else inv


CUSTOMERS = {
    "K1": customer("K1"),
    "K2": customer("K2", paused_until=date(2027, 3, 1), pause_reason="Ratenzahlung"),
    "K3": customer("K3", excluded=True),
    "K6": customer("K6"),
    "K7": customer("K7", paused_until=date(2026, 12, 1)),
}

BOOK = [
    invoice("F1", "K1", date(2026, 11, 18), "100.00"),            # reminder due 11-25 (in 2 days)
    invoice("P1", "K2", date(2026, 11, 1), "300.00"),             # due, but the customer is paused
    invoice("X1", "K3", date(2026, 11, 1), "400.00"),             # due, but the customer is excluded
    invoice("U1", "K5", date(2027, 1, 23), "500.00"),             # unknown customer, due after the window
    invoice("G1", "K6", date(2026, 11, 16), "200.00"),            # reminder due today (11-23)
    invoice("G2", "K6", date(2026, 11, 17), "50.00"),             # reminder due 11-24: within the cooldown
    invoice("G3", "K6", date(2026, 10, 1), "80.00", open_amount=Decimal("0.00"),
            status=InvoiceStatus.PAID, next_action_on=None),    # paid: never listed
    invoice("H1", "K7", date(2026, 11, 10), "80.00"),             # reminder due 11-17, paused to 12-01
]


def rows(entries):
    return [(e.on, e.customer_id, e.level, e.level_name, e.invoice_numbers, e.total) for e in entries]


def test_thirty_day_calendar():
    got = forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, 30)  # 11-23 … 12-22
    assert rows(got) == [
        # one letter for both invoices: G2's reminder (11-24) falls within the cooldown
        (date(2026, 11, 23), "K6", 1, "Zahlungserinnerung", ("G1", "G2"), Decimal("250.00")),
        (date(2026, 11, 25), "K1", 1, "Zahlungserinnerung", ("F1",), Decimal("100.00")),
        # K7's pause ends 12-01: the overdue reminder goes out the day after
        (date(2026, 12, 2), "K7", 1, "Zahlungserinnerung", ("H1",), Decimal("80.00")),
        # interest 11-24…12-07 (14 days): G1 200*10.27%*14/365 = 0.79, G2 50*… = 0.20; fee 1.50
        (date(2026, 12, 7), "K6", 2, "1. Mahnung", ("G1", "G2"), Decimal("252.49")),
        # interest 11-26…12-09 (14 days): 100*10.27%*14/365 = 0.39; fee 1.50
        (date(2026, 12, 9), "K1", 2, "1. Mahnung", ("F1",), Decimal("101.89")),
        # interest 12-03…12-16: 80*10.27%*14/365 = 0.32; fee 1.50
        (date(2026, 12, 16), "K7", 2, "1. Mahnung", ("H1",), Decimal("81.82")),
        # interest 11-24…12-21 (28 days): 1.58 + 0.39; fees 1.50 (earlier) + 2.50
        (date(2026, 12, 21), "K6", 3, "Letzte Mahnung", ("G1", "G2"), Decimal("255.97")),
    ]
    # K1's Letzte Mahnung would be 12-23: the day after the window
    assert all(e.customer_id not in {"K2", "K3", "K5"} for e in got)


def test_the_customer_due_in_two_days_appears_twice_in_thirty_days():
    got = [e for e in forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, 30) if e.customer_id == "K1"]
    assert [(e.on, e.level, e.action) for e in got] == [
        (date(2026, 11, 25), 1, Action.LETTER), (date(2026, 12, 9), 2, Action.LETTER)]
    assert got[0].as_dict() == {
        "date": "2026-11-25", "customer_id": "K1", "level": 1, "level_name": "Zahlungserinnerung",
        "action": "letter", "channels": ["email"], "invoices": ["F1"], "total": "100.00",
        "currency": "EUR",
            "deliverable": True, "undeliverable_reason": None}


def test_the_last_day_of_the_window_is_included_up_to_hand_over():
    only_k1 = [i for i in BOOK if i.customer_id == "K1"]
    got = forecast(CUSTOMERS, only_k1, POLICY, RATES, TODAY, 45)  # 11-23 … 2027-01-06
    assert [(e.on, e.level, e.action, e.total) for e in got] == [
        (date(2026, 11, 25), 1, Action.LETTER, Decimal("100.00")),
        (date(2026, 12, 9), 2, Action.LETTER, Decimal("101.89")),
        # 28 days interest: 100*10.27%*28/365 = 0.79; fees 1.50 + 2.50
        (date(2026, 12, 23), 3, Action.LETTER, Decimal("104.79")),
        # 42 days interest: 1.18; fees 4.00 (the hand-over itself costs nothing)
        (date(2027, 1, 6), 4, Action.HAND_OVER, Decimal("105.18")),
    ]
    shorter = forecast(CUSTOMERS, only_k1, POLICY, RATES, TODAY, 44)
    assert [e.level for e in shorter] == [1, 2, 3]


def test_nothing_after_hand_over_even_within_ninety_days():
    only_k1 = [i for i in BOOK if i.customer_id == "K1"]
    assert [e.level for e in forecast(CUSTOMERS, only_k1, POLICY, RATES, TODAY, 90)] == [1, 2, 3, 4]


def test_a_paused_customer_comes_back_when_the_pause_ends_within_the_window():
    short_pause = {**CUSTOMERS, "K2": customer("K2", paused_until=date(2026, 12, 10))}
    got = [e for e in forecast(short_pause, BOOK, POLICY, RATES, TODAY, 30) if e.customer_id == "K2"]
    # overdue since 11-08; the pause holds it to 12-10, so the reminder goes out 12-11
    assert [(e.on, e.level) for e in got] == [(date(2026, 12, 11), 1)]


def test_an_invoice_not_in_the_customer_map_is_dunned_with_defaults():
    soon = invoice("U2", "K5", date(2026, 11, 10), "75.00")  # reminder due 11-17: overdue today
    got = forecast(CUSTOMERS, [soon], POLICY, RATES, TODAY, 1)
    assert rows(got) == [(TODAY, "K5", 1, "Zahlungserinnerung", ("U2",), Decimal("75.00"))]


def test_days_are_capped():
    assert forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, MAX_FORECAST_DAYS)
    assert forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, 0) == []
    with pytest.raises(DomainError):
        forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, 91)
    with pytest.raises(DomainError):
        forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, -1)


def test_only_customers_with_something_due_are_simulated_and_only_on_due_days(monkeypatch):
    calls = []

    def counting(cust, invoices, policy, rates, today):
        calls.append((cust.customer_id, today))
        return decide(cust, invoices, policy, rates, today)

    monkeypatch.setattr(forecast_module, "decide", counting)
    got = forecast(CUSTOMERS, BOOK, POLICY, RATES, TODAY, 30)
    assert len(got) == 7
    # paused beyond the window, excluded, nothing due in it: never decided on
    assert {cid for cid, _ in calls} == {"K1", "K6", "K7"}
    # jumps from one due day to the next instead of trying 30 days × 3 customers
    assert sorted(calls) == sorted((e.customer_id, e.on) for e in got)


def test_apply_notice_moves_the_invoices_as_the_reservation_does():
    book = [i for i in BOOK if i.customer_id == "K6"]
    plan = decide(CUSTOMERS["K6"], book, POLICY, RATES, TODAY)
    assert plan is not None
    after = {i.number: i for i in apply_notice(plan, book)}
    g1 = after["G1"]
    assert (g1.level, g1.last_notice_on, g1.next_action_on, g1.reminder_reached_on, g1.version,
            g1.status, g1.fees_open) == \
        (1, TODAY, date(2026, 12, 7), TODAY, 1, InvoiceStatus.OPEN, Decimal("0.00"))
    assert (after["G2"].level, after["G2"].next_action_on) == (1, date(2026, 12, 7))
    assert after["G3"] == book[2]  # not part of the notice: unchanged

    # the 1. Mahnung books its fee on the oldest invoice
    second = decide(CUSTOMERS["K6"], list(after.values()), POLICY, RATES, date(2026, 12, 7))
    assert second is not None
    after2 = {i.number: i for i in apply_notice(second, list(after.values()))}
    assert (after2["G1"].fees_open, after2["G2"].fees_open) == (Decimal("1.50"), Decimal("0.00"))
    assert after2["G1"].reminder_reached_on == TODAY  # kept from the first letter


def test_apply_notice_hand_over_ends_the_schedule():
    inv = invoice("Z1", "K1", date(2026, 9, 1), "100.00", level=3, last_notice_on=date(2026, 11, 9),
                  next_action_on=date(2026, 11, 23), fees_open=Decimal("4.00"))
    plan = decide(CUSTOMERS["K1"], [inv], POLICY, RATES, TODAY)
    assert plan is not None and plan.action is Action.HAND_OVER
    [after] = apply_notice(plan, [inv])
    assert (after.status, after.level, after.next_action_on, after.fees_open) == \
        (InvoiceStatus.HANDED_OVER, 4, None, Decimal("4.00"))
