"""§193 BGB: a deadline that falls on a Saturday, Sunday or public holiday ends on the next working
day. Holidays are the nationwide German ones plus those of the tenant's Land (``holiday_region``).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from .model import DomainError

#: the 16 Länder as ISO 3166-2:DE subdivision codes (what the ``holidays`` package expects)
REGIONS = ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST",
           "TH")


def check_region(region: str) -> str:
    """The region itself if it is a Land code or "" (nationwide holidays only); DomainError with
    the reason otherwise."""
    if region and region not in REGIONS:
        raise DomainError(f"unknown Land {region!r}: one of {', '.join(REGIONS)}, "
                         f"or empty for the nationwide holidays only")
    return region


@cache
def holidays_of(region: str, year: int) -> frozenset[date]:
    """The public holidays of one year: nationwide plus the Land's (cached; the ``holidays``
    package is imported on first use, so a cold start that writes no letter does not pay for it)."""
    import holidays

    check_region(region)
    # Only what the package lists as public for the whole Land: holidays of parts of a Land
    # (Mariä Himmelfahrt in Catholic Bavarian communities, Augsburg's Friedensfest) do not count.
    found = holidays.country_holidays("DE", subdiv=region or None, years=year)
    return frozenset(found)


def is_working_day(day: date, region: str = "") -> bool:
    return day.weekday() < 5 and day not in holidays_of(region, day.year)


def next_working_day(day: date, region: str = "") -> date:
    """``day`` itself if it is a working day, else the first working day after it (§193 BGB)."""
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day
