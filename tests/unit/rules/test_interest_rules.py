"""§§288, 247 BGB: default interest, day by day, at the base rate of each half-year."""

from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.interest import BaseRateTable, Interest, default_interest
from mahnwerk.domain.model import DomainError

#: the Bundesbank's published rates as the operator enters them (data/base_rates.json)
DOCUMENT = {
    "known_through": "2026-06-30",
    "rates": [
        {"valid_from": "2023-01-01", "percent": "1.62"},
        {"valid_from": "2023-07-01", "percent": "3.12"},
        {"valid_from": "2024-01-01", "percent": "3.62"},
        {"valid_from": "2024-07-01", "percent": "3.37"},
        {"valid_from": "2025-01-01", "percent": "2.27"},
        {"valid_from": "2025-07-01", "percent": "1.27"},
        {"valid_from": "2026-01-01", "percent": "1.27"},
    ],
}
BUSINESS, CONSUMER = False, True
NO_INTEREST = Interest(Decimal("0.00"), 0, False)


def table() -> BaseRateTable:
    return BaseRateTable.from_document(DOCUMENT)


def test_the_table_is_read_as_the_operator_entered_it():
    t = table()
    assert t.rates[0] == (date(2023, 1, 1), Decimal("1.62"))
    assert t.rates[-1] == (date(2026, 1, 1), Decimal("1.27"))
    assert len(t.rates) == 7
    assert t.known_through == date(2026, 6, 30)


def test_an_empty_table_or_one_out_of_order_is_refused_with_a_reason():
    with pytest.raises(DomainError, match=r"^the base-rate table is empty$"):
        BaseRateTable((), date(2026, 6, 30))
    with pytest.raises(DomainError, match=r"^base rates must be in ascending order of validity$"):
        BaseRateTable(((date(2025, 7, 1), Decimal("1.27")), (date(2025, 1, 1), Decimal("2.27"))),
                      date(2026, 6, 30))
    # the same two rates in the right order are fine
    ordered = BaseRateTable(((date(2025, 1, 1), Decimal("2.27")), (date(2025, 7, 1), Decimal("1.27"))),
                            date(2026, 6, 30))
    assert len(ordered.rates) == 2


def test_a_default_of_exactly_one_day_costs_one_days_interest():
    # 1,000 € owed by a business, in default on 15.08.2025 only: 1.27 % + 9 = 10.27 % for one day
    result = default_interest(Decimal("1000.00"), date(2025, 8, 15), date(2025, 8, 15), BUSINESS, table())
    assert result.days == 1
    assert round(result.exact, 6) == Decimal("0.281370")  # 1,000 × 10.27 % / 365
    assert result.amount == Decimal("0.28")


def test_a_default_starting_on_the_last_day_of_a_base_rate_period_pays_that_day_at_the_old_rate():
    # in default from 30.06.2025 (last day of 2.27 %) to 02.07.2025 (1.27 % from 01.07.)
    result = default_interest(Decimal("10000.00"), date(2025, 6, 30), date(2025, 7, 2), BUSINESS, table())
    assert result.days == 3
    # 30.06.: 10,000 × 11.27 % / 365 = 3.087671; 01.07. and 02.07.: 2 × 10,000 × 10.27 % / 365 = 5.627397
    assert round(result.exact, 6) == Decimal("8.715068")
    assert result.amount == Decimal("8.72")  # rounded once, at the end


def test_the_base_rate_periods_of_a_default_split_on_1_january_and_1_july():
    pieces = list(table().periods(date(2024, 6, 30), date(2025, 1, 1)))
    assert pieces == [
        (date(2024, 6, 30), date(2024, 6, 30), Decimal("3.62")),  # one day of the first half-year
        (date(2024, 7, 1), date(2024, 12, 31), Decimal("3.37")),
        (date(2025, 1, 1), date(2025, 1, 1), Decimal("2.27")),   # one day of the next
    ]
    assert list(table().periods(date(2025, 3, 3), date(2025, 3, 3))) == [
        (date(2025, 3, 3), date(2025, 3, 3), Decimal("2.27"))]
    assert list(table().periods(date(2025, 3, 4), date(2025, 3, 3))) == []


def test_a_default_may_start_on_the_first_day_the_table_knows_but_not_before():
    first = list(table().periods(date(2023, 1, 1), date(2023, 1, 31)))
    assert first == [(date(2023, 1, 1), date(2023, 1, 31), Decimal("1.62"))]
    assert list(table().periods(date(2023, 3, 1), date(2023, 3, 1))) == [
        (date(2023, 3, 1), date(2023, 3, 1), Decimal("1.62"))]
    with pytest.raises(DomainError, match=r"^no base rate known before 2023-01-01$"):
        list(table().periods(date(2022, 12, 31), date(2023, 1, 31)))


def test_the_table_goes_stale_the_day_after_its_last_confirmed_day():
    t = table()
    assert not t.stale_on(date(2026, 6, 30))  # the last confirmed day: no warning yet
    assert t.stale_on(date(2026, 7, 1))
    through_last_day = default_interest(Decimal("100.00"), date(2026, 6, 1), date(2026, 6, 30), CONSUMER, t)
    assert through_last_day.stale_rate is False
    one_day_more = default_interest(Decimal("100.00"), date(2026, 6, 1), date(2026, 7, 1), CONSUMER, t)
    assert one_day_more.stale_rate is True


def test_nothing_owed_or_a_credit_balance_or_no_day_in_default_earns_no_interest():
    t = table()
    august = (date(2025, 8, 1), date(2025, 8, 31))
    assert default_interest(Decimal("0.00"), *august, BUSINESS, t) == NO_INTEREST
    assert default_interest(Decimal("-250.00"), *august, BUSINESS, t) == NO_INTEREST
    assert default_interest(Decimal("250.00"), date(2025, 9, 1), date(2025, 8, 31), BUSINESS, t) == NO_INTEREST
    # even past the confirmed table: no interest means no stale-rate warning either
    assert default_interest(Decimal("0.00"), date(2026, 8, 1), date(2026, 8, 31), BUSINESS, t) == NO_INTEREST
    assert default_interest(Decimal("0.00"), date(2026, 8, 1), date(2026, 8, 31), BUSINESS, t).stale_rate is False


def test_the_shipped_table_knows_every_base_rate_since_2002_so_old_claims_are_computed_not_refused():
    # an invoice of 2016 read from a sample e-invoice: its default began when the base rate
    # was -0.88 % (1.7.2016 – 31.12.2022); 9 points above it for a business: 8.12 % a year
    from mahnwerk.service.law import base_rates

    shipped = base_rates()
    assert shipped.rates[0] == (date(2002, 1, 1), Decimal("2.57"))
    assert dict(shipped.rates)[date(2016, 7, 1)] == Decimal("-0.88")
    assert dict(shipped.rates)[date(2013, 1, 1)] == Decimal("-0.13")  # the first negative one
    year = default_interest(Decimal("1000.00"), date(2017, 1, 1), date(2017, 12, 31), BUSINESS, shipped)
    assert year.amount == Decimal("81.20") and year.days == 365


def test_a_business_default_that_began_before_29_july_2014_earns_eight_points_not_nine():
    # Art. 229 § 34 EGBGB: the 9 points of §288 Abs. 2 apply to obligations arising after
    # 28.07.2014; a default of 1.1.–31.3.2014 (base rate -0.63 %) earns 7.37 % a year
    from mahnwerk.service.law import base_rates

    q1 = default_interest(Decimal("1000.00"), date(2014, 1, 1), date(2014, 3, 31), BUSINESS, base_rates())
    assert q1.days == 90 and q1.amount == Decimal("18.17")  # 1000 × 7.37 % × 90/365 = 18.172…
    later = default_interest(Decimal("1000.00"), date(2014, 7, 29), date(2014, 7, 29), BUSINESS, base_rates())
    assert later.amount == Decimal("0.23")  # 1000 × (−0.73 + 9) % / 365 = 0.2265…
