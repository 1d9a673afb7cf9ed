"""The stale-bank-data guard: working days without bookings, by hand on a calendar of 2026."""

from datetime import date

import pytest

from mahnwerk.domain.freshness import stale_bank_data, working_days_between

# December 2026: Mon 7, Fri 11, Mon 14, Fri 18, Thu 24, Fri 25 (Christmas), Mon 28


@pytest.mark.parametrize("newest, run, stale", [
    (date(2026, 12, 11), date(2026, 12, 14), False),  # Friday's bookings on Monday: fresh
    (date(2026, 12, 7), date(2026, 12, 11), False),   # Tue, Wed, Thu without: 3, allowed
    (date(2026, 12, 7), date(2026, 12, 14), True),    # Tue–Fri: 4 working days without bookings
    (date(2026, 12, 14), date(2026, 12, 14), False),  # bookings of the run day itself
    (date(2026, 12, 23), date(2026, 12, 29), False),  # Thu 24, Mon 28 (Fri 25 is Christmas): 2
    (date(2020, 1, 2), date(2026, 12, 14), True),     # years old
])
def test_letters_wait_when_the_newest_booking_is_more_than_three_working_days_old(newest, run, stale):
    assert (stale_bank_data(newest, run) is not None) == stale


def test_a_tenant_without_bank_statements_is_never_held():
    assert stale_bank_data(None, date(2026, 12, 14)) is None


def test_zero_turns_the_guard_off_and_a_larger_allowance_waits_longer():
    assert stale_bank_data(date(2026, 12, 7), date(2026, 12, 14), freshness_days=0) is None
    assert stale_bank_data(date(2026, 12, 7), date(2026, 12, 14), freshness_days=4) is None


def test_the_reason_names_the_newest_booking_and_the_gap():
    reason = stale_bank_data(date(2026, 12, 7), date(2026, 12, 14))
    assert reason is not None and reason.as_dict() == {
        "newest_booking": "2026-12-07", "working_days_without": 4, "allowed": 3}


def test_regional_holidays_are_not_working_days():
    # 08.12. is no holiday anywhere in Germany; 01.11.2027 (Monday) is All Saints' Day in Bavaria
    assert working_days_between(date(2027, 10, 29), date(2027, 11, 3), "BY") == 1  # Tue 2 only
    assert working_days_between(date(2027, 10, 29), date(2027, 11, 3)) == 2
