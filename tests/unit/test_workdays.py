"""§193 BGB: a letter's payment deadline never falls on a Saturday, Sunday or public holiday of the
tenant's Land; it moves to the next working day. The oracle is the ``holidays`` package itself."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import holidays
import pytest

from mahnwerk.domain.dunning import decide
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Customer, DomainError, Invoice
from mahnwerk.domain.policy import Action, Policy, default_policy
from mahnwerk.domain.settings_doc import policy_from_dict
from mahnwerk.domain.workdays import REGIONS, next_working_day

RATES = BaseRateTable(((date(2025, 1, 1), Decimal("2.27")), (date(2025, 7, 1), Decimal("1.27"))),
                      known_through=date(2029, 12, 31))
CUSTOMER = Customer("t1", "K1", "Kunde", "k@example.org")


def letter_on(run: date, policy: Policy, level: int = 0):
    """The plan of a letter written on ``run`` (an invoice whose next level falls due that day)."""
    due = run - timedelta(days=30)
    inv = Invoice(tenant_id="t1", number="R1", customer_id="K1", issue_date=due - timedelta(days=14),
                  due_date=due, amount=Decimal("100.00"), open_amount=Decimal("100.00"),
                  level=level, next_action_on=run)
    plan = decide(CUSTOMER, [inv], policy, RATES, run)
    assert plan is not None
    return plan


def policy_for(region: str, deadline_days: int = 10) -> Policy:
    return replace(default_policy(), holiday_region=region, deadline_days=deadline_days)


def non_working(region: str, years) -> set[date]:
    return set(holidays.country_holidays("DE", subdiv=region or None, years=years))


def test_the_sixteen_laender():
    assert len(REGIONS) == 16 and set(REGIONS) == set(holidays.Germany.subdivisions) - {"Augsburg"}


# One holiday of each Land on a weekday that is not a nationwide holiday (so it moves the deadline
# only with that Land set), and the next working day.
LAND_HOLIDAYS = [
    ("BB", date(2025, 10, 31), date(2025, 11, 3)),   # Reformationstag, a Friday → Monday
    ("BE", date(2027, 3, 8), date(2027, 3, 9)),      # Internationaler Frauentag
    ("BW", date(2026, 1, 6), date(2026, 1, 7)),      # Heilige Drei Könige
    ("BY", date(2027, 11, 1), date(2027, 11, 2)),    # Allerheiligen
    ("HB", date(2028, 10, 31), date(2028, 11, 1)),   # Reformationstag
    ("HE", date(2026, 6, 4), date(2026, 6, 5)),      # Fronleichnam
    ("HH", date(2025, 10, 31), date(2025, 11, 3)),   # Reformationstag
    ("MV", date(2027, 3, 8), date(2027, 3, 9)),      # Internationaler Frauentag
    ("NI", date(2028, 10, 31), date(2028, 11, 1)),   # Reformationstag
    ("NW", date(2026, 6, 4), date(2026, 6, 5)),      # Fronleichnam
    ("RP", date(2027, 11, 1), date(2027, 11, 2)),    # Allerheiligen
    ("SH", date(2025, 10, 31), date(2025, 11, 3)),   # Reformationstag
    ("SL", date(2025, 8, 15), date(2025, 8, 18)),    # Mariä Himmelfahrt, a Friday → Monday
    ("SN", date(2026, 11, 18), date(2026, 11, 19)),  # Buß- und Bettag
    ("ST", date(2026, 1, 6), date(2026, 1, 7)),      # Heilige Drei Könige
    ("TH", date(2027, 9, 20), date(2027, 9, 21)),    # Weltkindertag
]


def test_every_land_has_its_case():
    assert sorted(land for land, _, _ in LAND_HOLIDAYS) == sorted(REGIONS)


@pytest.mark.parametrize("land, holiday, moved_to", LAND_HOLIDAYS, ids=[c[0] for c in LAND_HOLIDAYS])
def test_a_deadline_on_a_holiday_of_the_land_moves_to_the_next_working_day(land, holiday, moved_to):
    assert holiday.weekday() < 5 and holiday in non_working(land, holiday.year)
    run = holiday - timedelta(days=10)
    assert letter_on(run, policy_for(land)).deadline == moved_to
    # nationwide only (and in a Land without that holiday) the deadline stays on that weekday
    assert letter_on(run, policy_for("")).deadline == holiday
    other = next(r for r in REGIONS if holiday not in non_working(r, holiday.year))
    assert letter_on(run, policy_for(other)).deadline == holiday


@pytest.mark.parametrize("day, moved_to", [
    (date(2026, 10, 17), date(2026, 10, 19)),  # Saturday → Monday
    (date(2026, 10, 18), date(2026, 10, 19)),  # Sunday → Monday
    (date(2026, 4, 3), date(2026, 4, 7)),      # Karfreitag → Easter weekend → Ostermontag → Tuesday
    (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas Day (Fri), Boxing Day (Sat), Sunday
    (date(2027, 1, 1), date(2027, 1, 4)),      # New Year (Fri), into the next year's weekend
    (date(2026, 10, 3), date(2026, 10, 5)),    # Tag der Deutschen Einheit on a Saturday
    (date(2026, 10, 16), date(2026, 10, 16)),  # a working day stays
])
@pytest.mark.parametrize("region", ["", *REGIONS])
def test_weekends_and_nationwide_holidays_move_the_deadline_everywhere(region, day, moved_to):
    assert next_working_day(day, region) == moved_to
    assert letter_on(day - timedelta(days=10), policy_for(region)).deadline == moved_to


@pytest.mark.parametrize("region", ["", *REGIONS])
def test_over_a_year_of_run_days_no_deadline_falls_on_a_weekend_or_holiday(region):
    closed = non_working(region, [2026, 2027])
    moved = 0
    for deadline_days in (0, 7, 10, 14):
        policy = policy_for(region, deadline_days)
        for offset in range(365):
            run = date(2026, 1, 1) + timedelta(days=offset)
            deadline = letter_on(run, policy).deadline
            earliest = run + timedelta(days=deadline_days)
            assert deadline.weekday() < 5 and deadline not in closed, (run, deadline)
            # the first working day on or after the plain date, not any later one
            assert earliest <= deadline
            between = [earliest + timedelta(days=i) for i in range((deadline - earliest).days)]
            assert all(d.weekday() >= 5 or d in closed for d in between), (run, deadline)
            moved += deadline != earliest
    assert moved > 4 * 365 * 2 / 7  # weekends alone move more than two in seven


def test_the_hand_over_an_easter_deadline_announced_waits_until_the_day_after_it():
    policy = policy_for("")  # 7 → 14 → 14 → hand-over after 14 days
    run = date(2026, 3, 24)  # the last letter: deadline 3 April (Good Friday) → Tuesday 7 April
    plan = letter_on(run, policy, level=2)
    assert plan.level == 3 and policy.level(4).action is Action.HAND_OVER
    assert plan.deadline == date(2026, 4, 7)
    [advance] = plan.advances
    assert advance.next_action_on == date(2026, 4, 8)  # not 24 March + 14 = the deadline itself
    # an ordinary deadline leaves the interval as it is
    [advance] = letter_on(date(2026, 3, 10), policy, level=2).advances
    assert advance.next_action_on == date(2026, 3, 24)
    # levels before the last letter keep their interval: only the announced hand-over waits
    [advance] = letter_on(run, policy, level=1).advances
    assert advance.next_action_on == run + timedelta(days=14)


@pytest.mark.parametrize("region", ["", *REGIONS])
def test_over_a_year_no_hand_over_comes_before_the_announced_deadline_has_passed(region):
    policy = replace(policy_for(region), levels=(
        *default_policy().levels[:3], replace(default_policy().levels[3], days=10)))
    for offset in range(365):
        plan = letter_on(date(2026, 1, 1) + timedelta(days=offset), policy, level=2)
        [advance] = plan.advances
        assert advance.next_action_on > plan.deadline


# --- the setting -------------------------------------------------------------------------------

@pytest.mark.parametrize("region", REGIONS)
def test_each_land_code_is_accepted(region):
    assert policy_from_dict({"holiday_region": region}).holiday_region == region


def test_no_region_means_nationwide_holidays_only():
    assert policy_from_dict({}).holiday_region == ""
    assert policy_from_dict({"holiday_region": ""}).holiday_region == ""
    assert policy_from_dict({"holiday_region": None}).holiday_region == ""


@pytest.mark.parametrize("value, reason", [
    ("XX", "unknown Land 'XX'"),
    ("by", "unknown Land 'by'"),  # codes are upper case, as in the schema
    ("Bayern", "unknown Land 'Bayern'"),
    ("DE", "unknown Land 'DE'"),
    ("Augsburg", "unknown Land 'Augsburg'"),  # a city the package knows, not a Land
    (7, "expected a Land code"),
    (["BY"], "expected a Land code"),
])
def test_an_unknown_region_is_refused_with_the_field_and_the_reason(value, reason):
    with pytest.raises(DomainError) as refused:
        policy_from_dict({"holiday_region": value})
    message = str(refused.value)
    assert message.startswith("policy.holiday_region: ") and reason in message
    if isinstance(value, str):
        assert "one of BB, BE" in message


def test_the_policy_itself_refuses_an_unknown_region():
    with pytest.raises(DomainError, match="unknown Land 'XY'"):
        replace(default_policy(), holiday_region="XY")
