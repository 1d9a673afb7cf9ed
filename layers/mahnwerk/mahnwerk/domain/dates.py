"""Business dates live in Europe/Berlin. The core never reads the clock: callers pass dates in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def business_date(moment: datetime) -> date:
    """The German calendar day of an aware timestamp (a run at 23:30 UTC is already tomorrow)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: business dates need a time zone")
    return moment.astimezone(BERLIN).date()


def parse_iso_timestamp(text: str) -> datetime:
    """AWS event timestamps (``2026-10-15T04:00:00Z`` or with offset) as aware datetimes."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without time zone: {text!r}")
    return moment


def parse_day(text: str | None) -> date | None:
    """A stored day (``2026-10-15``, or the day of an ISO timestamp), or None when there is none."""
    return date.fromisoformat(text[:10]) if text else None


def iso_day(day: date | None) -> str | None:
    """A day as stored (``2026-10-15``), or None."""
    return day.isoformat() if day else None


def days(n: int) -> timedelta:
    return timedelta(days=n)
