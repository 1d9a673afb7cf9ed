"""The next scheduled run the overview and GET /v1/runs name: DunningHour Europe/Berlin, DST-aware."""

from datetime import UTC, datetime

from mahnwerk.domain.dates import BERLIN
from mahnwerk.service.runs import next_run


def test_before_the_hour_it_is_today_after_it_tomorrow():
    assert next_run(datetime(2026, 10, 22, 5, 59, tzinfo=BERLIN), 6) == datetime(2026, 10, 22, 6, tzinfo=BERLIN)
    assert next_run(datetime(2026, 10, 22, 6, 0, tzinfo=BERLIN), 6) == datetime(2026, 10, 23, 6, tzinfo=BERLIN)


def test_across_the_end_of_summer_time_the_hour_stays_local():
    # Sun 25.10.2026 03:00 CEST → 02:00 CET: the run after Saturday's is at 06:00 CET (05:00 UTC)
    after = next_run(datetime(2026, 10, 24, 4, 30, tzinfo=UTC), 6)
    assert after.astimezone(UTC) == datetime(2026, 10, 25, 5, 0, tzinfo=UTC)
    assert after.isoformat() == "2026-10-25T06:00:00+01:00"
