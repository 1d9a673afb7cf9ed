"""When a claim becomes time-barred (Verjährung, §§195 ff. BGB), and what stops it. Pure.

- **Regular period** (§195): three years. It starts at the end of the year in which the claim
  arose and the creditor knew the debtor (§199 Abs. 1). An invoice's claim arises when it can be
  demanded, i.e. on its due date; the business that wrote the invoice knows its debtor. So an
  invoice due on any day of 2023 is time-barred after 31.12.2026.
- **Restart** (§212 Abs. 1 Nr. 1): an acknowledgement by the debtor — a part payment, a payment
  of interest, an instalment agreement — starts the period anew on the day after it; the new
  period ends on the day that corresponds by number three years later (§§187 Abs. 1, 188 Abs. 2;
  29 February → 28 February, §188 Abs. 3). It does not end at a year's end. An acknowledgement
  restarts a running period; one given before the period began has nothing to restart and never
  shortens it, so the later of the two ends counts. The latest acknowledgement wins.
- **Hold** (§204 Abs. 1 Nr. 3, §167 ZPO): an application for a Mahnbescheid holds the period
  from the day it is filed (when it is served "demnächst"). While held, the claim does not
  expire; the hold ends six months after the proceedings end (§204 Abs. 2), which Mahnwerk does
  not learn, so a held claim has no expiry date — only the days that were left when it began
  (§209: the held time is not counted). An application filed after the claim expired holds
  nothing.

Not modelled (the owner's lawyer decides): negotiations (§203), other holds of §204, special
periods (§§196–198), and claims of other kinds than an invoice's price.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

#: §195 BGB: the regular limitation period, in years.
REGULAR_YEARS = 3
#: From this day of a year on, claims expiring at its end are listed (the owner's watch).
WATCH_FROM = (10, 1)
#: Filing a Mahnbescheid application by this day leaves time for it to be served "demnächst"
#: (§167 ZPO) before the year ends; later filings are not hopeless, but risky.
FILE_BY = (12, 15)


class LimitationState(StrEnum):
    RUNNING = "running"
    HELD = "held"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Limitation:
    #: the last day the claim can be enforced; None while held
    expires_on: date | None
    state: LimitationState
    #: what the date rests on: "§§195, 199" or "§212" (restarted by an acknowledgement)
    basis: str
    #: the acknowledgement that restarted the period, if one did
    acknowledged_on: date | None = None
    #: the day a Mahnbescheid application held the period (§204 Abs. 1 Nr. 3)
    held_since: date | None = None
    #: days of the period that were left when the hold began (§209)
    days_left_when_held: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "state": self.state.value,
            "basis": self.basis,
            "acknowledged_on": self.acknowledged_on.isoformat() if self.acknowledged_on else None,
            "held_since": self.held_since.isoformat() if self.held_since else None,
            "days_left_when_held": self.days_left_when_held,
        }


def years_later(day: date, years: int) -> date:
    """The day that corresponds to ``day`` by number ``years`` later (§188 Abs. 2 BGB); when that
    month has no such day (29 February), the month's last day (§188 Abs. 3)."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def regular_expiry(due_date: date) -> date:
    """§§195, 199 Abs. 1 BGB: three years from the end of the year the claim became due."""
    return date(due_date.year + REGULAR_YEARS, 12, 31)


def limitation(due_date: date, on: date, acknowledgements: Iterable[date] = (),
               court_application: date | None = None) -> Limitation:
    """The claim's limitation as of ``on``: its expiry, or that it is held or expired.

    ``acknowledgements``: days the debtor acknowledged the claim (part payments, instalment
    agreements); only those up to ``on`` and on or after the due date count — a payment before
    the claim fell due acknowledges nothing that could expire."""
    expires, basis, acknowledged = regular_expiry(due_date), "§§195, 199", None
    counted = [d for d in acknowledgements if due_date <= d <= on]
    for day in sorted(counted):
        if day > expires:
            break  # an acknowledgement after expiry does not revive the claim (only §214 Abs. 2)
        restarted = years_later(day, REGULAR_YEARS)
        if restarted > expires:
            expires, basis, acknowledged = restarted, "§212", day
    if court_application is not None and court_application <= on and court_application <= expires:
        return Limitation(None, LimitationState.HELD, basis, acknowledged, court_application,
                          (expires - court_application).days)
    state = LimitationState.EXPIRED if on > expires else LimitationState.RUNNING
    return Limitation(expires, state, basis, acknowledged)


def watch_open(on: date) -> bool:
    """Whether ``on`` falls in the season the owner is warned about this year's expiries."""
    return (on.month, on.day) >= WATCH_FROM


def expires_this_year(item: Limitation, on: date) -> bool:
    """Running and expiring by 31 December of ``on``'s year: the claims the watch lists."""
    return (item.state is LimitationState.RUNNING and item.expires_on is not None
            and item.expires_on <= date(on.year, 12, 31))


def file_by(expires_on: date) -> date:
    """The day to file the Mahnbescheid application by, for a claim that expires on
    ``expires_on``: mid-December for a year-end expiry, else four weeks before."""
    if (expires_on.month, expires_on.day) == (12, 31):
        return date(expires_on.year, *FILE_BY)
    return date.fromordinal(expires_on.toordinal() - 28)
