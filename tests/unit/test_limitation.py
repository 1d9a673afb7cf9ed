"""Limitation of an invoice's claim (§§195, 199, 204, 209, 212 BGB), one case per rule, dates by hand."""

from datetime import date

import pytest

from mahnwerk.domain.limitation import (
    LimitationState,
    expires_this_year,
    file_by,
    limitation,
    regular_expiry,
    watch_open,
    years_later,
)

ON = date(2026, 10, 15)


@pytest.mark.parametrize("due, expires", [
    (date(2023, 1, 1), date(2026, 12, 31)),    # due on New Year's day: the whole year counts as one
    (date(2023, 6, 30), date(2026, 12, 31)),
    (date(2023, 12, 31), date(2026, 12, 31)),  # due on the last day: still that year
    (date(2024, 1, 1), date(2027, 12, 31)),
])
def test_regular_period_ends_three_years_after_the_end_of_the_year_it_fell_due(due, expires):
    assert regular_expiry(due) == expires
    result = limitation(due, ON)
    assert (result.expires_on, result.state, result.basis) == (expires, LimitationState.RUNNING, "§§195, 199")


def test_a_claim_past_its_end_is_expired():
    result = limitation(date(2022, 5, 2), ON)  # ended 31.12.2025
    assert (result.expires_on, result.state) == (date(2025, 12, 31), LimitationState.EXPIRED)


def test_on_the_last_day_the_claim_is_still_running():
    assert limitation(date(2023, 5, 2), date(2026, 12, 31)).state is LimitationState.RUNNING
    assert limitation(date(2023, 5, 2), date(2027, 1, 1)).state is LimitationState.EXPIRED


def test_a_part_payment_restarts_the_period_to_the_same_date_three_years_later():
    # due 2023, regular end 31.12.2026; a part payment on 15.03.2025 restarts: ends 15.03.2028
    result = limitation(date(2023, 4, 1), ON, acknowledgements=[date(2025, 3, 15)])
    assert (result.expires_on, result.basis, result.acknowledged_on) == (
        date(2028, 3, 15), "§212", date(2025, 3, 15))


def test_the_latest_acknowledgement_counts():
    result = limitation(date(2023, 4, 1), ON, acknowledgements=[date(2026, 2, 1), date(2025, 3, 15)])
    assert result.expires_on == date(2029, 2, 1)


def test_a_restart_from_29_february_ends_on_28_february():
    assert years_later(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert limitation(date(2023, 6, 1), ON, acknowledgements=[date(2024, 2, 29)]).expires_on == \
        date(2027, 2, 28)


def test_an_early_acknowledgement_never_shortens_the_period():
    # paid in part on 01.07.2023, the year it fell due: 01.07.2026 would be earlier than 31.12.2026
    result = limitation(date(2023, 5, 1), ON, acknowledgements=[date(2023, 7, 1)])
    assert (result.expires_on, result.basis, result.acknowledged_on) == (date(2026, 12, 31), "§§195, 199", None)


def test_payments_before_the_due_date_or_in_the_future_acknowledge_nothing():
    result = limitation(date(2023, 5, 1), ON, acknowledgements=[date(2023, 4, 1), date(2026, 11, 1)])
    assert result.expires_on == date(2026, 12, 31)


def test_an_acknowledgement_after_expiry_does_not_revive_the_claim():
    result = limitation(date(2022, 5, 2), ON, acknowledgements=[date(2026, 3, 1)])
    assert (result.expires_on, result.state) == (date(2025, 12, 31), LimitationState.EXPIRED)


def test_a_mahnbescheid_application_holds_the_period_with_the_days_that_were_left():
    result = limitation(date(2023, 8, 1), date(2026, 12, 20), court_application=date(2026, 12, 10))
    assert (result.state, result.expires_on, result.held_since, result.days_left_when_held) == (
        LimitationState.HELD, None, date(2026, 12, 10), 21)  # 11.12.–31.12.


def test_an_application_filed_after_expiry_holds_nothing():
    result = limitation(date(2022, 8, 1), ON, court_application=date(2026, 1, 10))
    assert result.state is LimitationState.EXPIRED


def test_an_application_recorded_for_a_later_day_does_not_hold_yet():
    result = limitation(date(2023, 8, 1), ON, court_application=date(2026, 11, 2))
    assert result.state is LimitationState.RUNNING


def test_the_watch_lists_from_1_october_what_expires_by_31_december():
    assert not watch_open(date(2026, 9, 30)) and watch_open(date(2026, 10, 1))
    due_2023, due_2024 = limitation(date(2023, 3, 1), ON), limitation(date(2024, 3, 1), ON)
    assert expires_this_year(due_2023, ON) and not expires_this_year(due_2024, ON)
    held = limitation(date(2023, 3, 1), ON, court_application=date(2026, 10, 1))
    assert not expires_this_year(held, ON)


def test_file_by_mid_december_for_a_year_end_and_four_weeks_before_a_restarted_end():
    assert file_by(date(2026, 12, 31)) == date(2026, 12, 15)
    assert file_by(date(2028, 3, 15)) == date(2028, 2, 16)


def test_as_dict_is_plain_json():
    assert limitation(date(2023, 4, 1), ON, acknowledgements=[date(2025, 3, 15)]).as_dict() == {
        "expires_on": "2028-03-15", "state": "running", "basis": "§212", "acknowledged_on": "2025-03-15",
        "held_since": None, "days_left_when_held": None}
