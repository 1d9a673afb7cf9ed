"""Receivables reports: what the owner's accountant reads (aging, reliability, effectiveness)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.model import Invoice, InvoiceStatus
from mahnwerk.domain.reports import aging, effectiveness, reliability_ranking

ON = date(2026, 3, 31)
S = InvoiceStatus


def invoice(number: str, days_overdue: int, open_amount: str, fees: str = "0.00") -> Invoice:
    due = ON - timedelta(days=days_overdue)
    return Invoice("t", number, "K1", due - timedelta(days=14), due, Decimal("500.00"),
                   Decimal(open_amount), fees_open=Decimal(fees))


def test_every_credit_note_counts_and_the_invoices_after_it_still_do():
    report = aging([
        invoice("G-1", 5, "-20.00"),
        invoice("G-2", 5, "-30.50"),
        invoice("R-1", 0, "0.00", fees="2.50"),  # principal settled, only the fee is still open
        invoice("R-2", 40, "100.00", fees="1.50"),
        invoice("R-3", 0, "200.00"),
    ], ON)
    assert (report.credit_count, report.credits) == (2, Decimal("-50.50"))
    assert (report.count, report.total) == (2, Decimal("300.00"))
    assert (report.overdue_count, report.overdue) == (1, Decimal("100.00"))
    assert report.fees_open == Decimal("4.00")
    assert report.net == Decimal("253.50")  # 300.00 + 4.00 − 50.50
    assert report.bucket("31-60").count == 1 and report.bucket("current").count == 1
    with pytest.raises(KeyError, match="older"):
        report.bucket("older")
    as_dict = report.as_dict()
    assert {k: v for k, v in as_dict.items() if k != "buckets"} == {
        "on": "2026-03-31", "currency": "EUR", "count": 2, "total": "300.00", "overdue_count": 1,
        "overdue": "100.00",
        "fees_open": "4.00", "credit_count": 2, "credits": "-50.50", "net": "253.50",
        "charges_open": "0.00", "charges_waived": "0.00"}


def test_nothing_open_is_an_empty_report_of_zero_euros():
    report = aging([], ON)
    assert (report.count, report.total, report.overdue, report.net) == (
        0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert report.as_dict()["total"] == "0.00"


def test_a_customer_scoring_one_point_ranks_above_one_scoring_none():
    ranking = reliability_ranking([
        ("A", {"paid_count": 3, "paid_after_l4": 3}),  # always needed the hand-over: 0 points
        ("B", {"paid_count": 10, "paid_after_l3": 1, "paid_after_l4": 9}),  # 10 points / 10 = 1
        ("C", {"paid_count": 1, "paid_on_time": 1, "paid_after_l0": 1}),  # too few payments: "new"
    ])
    assert [(r.rank, r.customer_id, r.behaviour.score) for r in ranking] == [
        (1, "B", 1), (2, "A", 0), (3, "C", 100)]
    first = ranking[0].as_dict()
    assert (first["rank"], first["customer_id"], first["paid_count"], first["paid_on_time"]) == (
        1, "B", 10, 0)


def test_the_effectiveness_report_names_how_many_paid_only_after_a_letter():
    report = effectiveness([
        {"paid_count": 4, "paid_after_l0": 2, "paid_after_l1": 1, "paid_after_l2": 1},
        {"paid_count": 2, "paid_after_l4": 2},
    ])
    as_dict = report.as_dict()
    assert (as_dict["paid_count"], as_dict["after_letters"], as_dict["after_letters_share"]) == (
        6, 4, "0.667")
    assert [row["count"] for row in as_dict["paid_after"]] == [2, 1, 1, 0, 2]


def test_dso_over_a_single_day_counts_an_invoice_issued_that_day():
    from mahnwerk.domain.model import DomainError
    from mahnwerk.domain.reports import dso

    issued_today = Invoice("t", "R-9", "K1", ON, ON + timedelta(days=14), Decimal("100.00"), Decimal("100.00"))
    one_day = dso([issued_today], ON, period_days=1)
    assert one_day.sales == Decimal("100.00") and one_day.figure == Decimal("1.0")
    with pytest.raises(DomainError) as refused:
        dso([issued_today], ON, period_days=0)
    assert str(refused.value) == "the DSO period must be at least one day"


def test_one_paid_invoice_already_gives_an_average_and_a_share():
    from mahnwerk.domain.reports import behaviour

    one = behaviour({"paid_count": 1, "paid_on_time": 1, "paid_after_l0": 1, "days_to_pay_sum": 12})
    assert (one.average_days_to_pay, one.on_time_share, one.score, one.badge) == (
        Decimal("12.0"), Decimal("1.000"), 100, "new")
    assert behaviour({"paid_count": 2, "paid_after_l0": 2}).average_days_to_pay == Decimal("0.0")
