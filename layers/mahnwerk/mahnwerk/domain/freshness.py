"""Whether the bank data is fresh enough to send letters on a run day. Pure.

A tenant who imports bank statements relies on them to stop letters to customers who paid. When
the newest booking day Mahnwerk knows is too old, a customer may have paid yesterday and we would
not know: the day's letters are held (never dropped) until a newer statement arrives, and the
owner is told why. A tenant who never imported a statement is not held (it records payments
otherwise, e.g. by hand or through the API).

"Too old": more than ``freshness_days`` working days (Monday to Friday, not a public holiday of
the tenant's Land) lie strictly between the newest booking day and the run day. A statement
booked up to Friday is fresh on Monday; booked up to Monday, it is stale the Monday after with
the default of 3 (Tuesday to Friday are four working days without bookings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .workdays import is_working_day

#: the default of ``policy.bank_freshness_days``
DEFAULT_FRESHNESS_DAYS = 3


@dataclass(frozen=True)
class Staleness:
    newest_booking: date
    working_days_without: int
    allowed: int

    def as_dict(self) -> dict[str, object]:
        return {"newest_booking": self.newest_booking.isoformat(),
                "working_days_without": self.working_days_without, "allowed": self.allowed}


def working_days_between(first: date, last: date, region: str = "") -> int:
    """Working days strictly after ``first`` and strictly before ``last``."""
    count, day = 0, first + timedelta(days=1)
    while day < last:
        count += is_working_day(day, region)
        day += timedelta(days=1)
    return count


def stale_bank_data(newest_booking: date | None, run_day: date,
                    freshness_days: int = DEFAULT_FRESHNESS_DAYS, region: str = "") -> Staleness | None:
    """Why letters must wait on ``run_day``, or None when they may go out.

    ``newest_booking`` is None when the tenant never imported a bank statement: nothing to wait
    for. ``freshness_days`` 0 turns the guard off."""
    if newest_booking is None or freshness_days <= 0 or newest_booking >= run_day:
        return None
    gap = working_days_between(newest_booking, run_day, region)
    return Staleness(newest_booking, gap, freshness_days) if gap > freshness_days else None
