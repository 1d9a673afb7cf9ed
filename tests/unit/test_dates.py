from datetime import UTC, date, datetime

import pytest

from mahnwerk.domain.dates import business_date, parse_iso_timestamp


@pytest.mark.parametrize("stamp, expected", [
    ("2026-10-21T23:30:00Z", date(2026, 10, 22)),  # 01:30 in Berlin (summer time)
    ("2026-12-31T22:59:59Z", date(2026, 12, 31)),  # 23:59 in Berlin (winter time)
    ("2026-12-31T23:00:00Z", date(2027, 1, 1)),
    ("2026-10-22T06:00:00+02:00", date(2026, 10, 22)),
])
def test_the_run_day_is_the_berlin_calendar_day(stamp, expected):
    assert business_date(parse_iso_timestamp(stamp)) == expected


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        parse_iso_timestamp("2026-10-22T06:00:00")
    with pytest.raises(ValueError):
        business_date(datetime(2026, 1, 1))
    assert business_date(datetime(2026, 1, 1, tzinfo=UTC)) == date(2026, 1, 1)
