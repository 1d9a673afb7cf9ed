"""Recurring invoice schedules and invoice numbers, dates by hand."""

from datetime import date
from itertools import islice

import pytest

from mahnwerk.domain.model import DomainError
from mahnwerk.domain.recurring import (
    LAST,
    MAX_CATCH_UP,
    Interval,
    Schedule,
    check_number_format,
    check_start,
    due_periods,
    render_number,
    sequence_key,
)


def test_monthly_on_the_last_day_follows_the_months_length():
    s = Schedule(date(2026, 1, 31), Interval.MONTHLY, LAST)
    assert [d for _, d in islice(s.periods(), 4)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_a_start_after_the_billing_day_begins_with_the_next_period():
    s = Schedule(date(2026, 1, 20), Interval.QUARTERLY, 15)
    assert [d for _, d in islice(s.periods(), 3)] == [
        date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15)]


def test_count_and_end_stop_the_template():
    assert len(list(Schedule(date(2026, 1, 1), Interval.MONTHLY, 1, count=12).periods())) == 12
    ends = Schedule(date(2026, 1, 1), Interval.HALF_YEARLY, 1, end=date(2027, 6, 30))
    assert [d for _, d in ends.periods()] == [date(2026, 1, 1), date(2026, 7, 1), date(2027, 1, 1)]


def test_a_missed_week_is_caught_up_once_per_period():
    s = Schedule(date(2026, 1, 5), Interval.MONTHLY, 5)
    # periods 0 (05.01.) and 1 (05.02.) created; the run is back on 10.04.: March and April are due
    assert due_periods(s, date(2026, 4, 10), {0, 1}) == [(2, date(2026, 3, 5)), (3, date(2026, 4, 5))]
    assert due_periods(s, date(2026, 4, 10), {0, 1, 2, 3}) == []
    assert due_periods(s, date(2026, 4, 4), {0, 1, 2}) == []  # April's is not due yet


def test_a_long_outage_catches_up_in_bounded_runs():
    s = Schedule(date(2020, 1, 1), Interval.MONTHLY, 1)
    assert len(due_periods(s, date(2026, 12, 1), set())) == MAX_CATCH_UP


@pytest.mark.parametrize("kwargs, field", [
    ({"day": 29}, "day"), ({"day": 0}, "day"), ({"day": "first"}, "day"),
    ({"end": date(2025, 1, 1)}, "end"), ({"count": 0}, "count"),
])
def test_bad_schedules_are_refused_with_the_field(kwargs, field):
    with pytest.raises(DomainError, match=f"^{field}:"):
        Schedule(**{"start": date(2026, 1, 1), "interval": Interval.MONTHLY, "day": 1, **kwargs})


def test_a_start_more_than_one_period_back_is_refused():
    check_start(date(2026, 11, 1), Interval.MONTHLY, date(2026, 12, 3))
    with pytest.raises(DomainError, match="start: at most one period"):
        check_start(date(2026, 10, 31), Interval.MONTHLY, date(2026, 12, 3))
    check_start(date(2026, 9, 1), Interval.QUARTERLY, date(2026, 12, 3))


def test_invoice_numbers_from_the_format():
    assert render_number("RE-{yyyy}-{seq:05}", date(2026, 3, 1), 42) == "RE-2026-00042"
    assert render_number("{yy}{mm}-{seq}", date(2026, 3, 1), 7) == "2603-7"
    assert sequence_key("RE-{yyyy}-{seq:05}", date(2026, 3, 1)) == "2026"
    assert sequence_key("R{seq:06}", date(2026, 3, 1)) == "all"


@pytest.mark.parametrize("fmt, reason", [
    ("RE-{yyyy}", "needs {seq}"), ("RE-{seq}-{dd}", "only {yyyy}"), ("X" * 30 + "{seq}", "36 characters"),
])
def test_bad_number_formats_are_refused(fmt, reason):
    with pytest.raises(DomainError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        check_number_format(fmt)
