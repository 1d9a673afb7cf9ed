"""Recurring invoices: which periods of a template are due, and the invoice numbers. Pure.

A template bills the same service every month, quarter, half-year or year on a day of the month
(1–28, or ``last`` for the month's last day). Its periods are numbered from 0 at the start date;
period *n* is issued on the billing day of the month ``start + n × interval`` (clamped to that
month's last day). The daily run asks which periods are due up to today and not yet created;
after an outage it catches up each missed period once. A period's key (template id + period
number) is what makes its creation exactly-once.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .model import DomainError


class Interval(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"


MONTHS = {Interval.MONTHLY: 1, Interval.QUARTERLY: 3, Interval.HALF_YEARLY: 6, Interval.YEARLY: 12}
#: billing days a month always has; later days are written ``last``
LAST = "last"
#: the most periods one run creates for one template (a template restarted after years)
MAX_CATCH_UP = 24


@dataclass(frozen=True)
class Schedule:
    start: date
    interval: Interval
    #: 1–28 or ``last``
    day: int | str
    end: date | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if self.day != LAST and not (isinstance(self.day, int) and 1 <= self.day <= 28):
            raise DomainError("day: 1 to 28, or 'last' for the last day of the month")
        if self.end is not None and self.end < self.start:
            raise DomainError("end: must not be before the start")
        if self.count is not None and self.count < 1:
            raise DomainError("count: at least 1")

    def issue_date(self, period: int) -> date:
        months = self.start.year * 12 + self.start.month - 1 + period * MONTHS[self.interval]
        year, month = divmod(months, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return date(year, month + 1, last if self.day == LAST else min(int(self.day), last))

    def first_period(self) -> int:
        """The first period whose issue date is on or after the start."""
        return 0 if self.issue_date(0) >= self.start else 1

    def periods(self) -> Iterator[tuple[int, date]]:
        """Every (period, issue date) of the template, in order (infinite without end or count)."""
        period, issued = self.first_period(), 0
        while True:
            day = self.issue_date(period)
            if (self.end is not None and day > self.end) or (self.count is not None and issued >= self.count):
                return
            yield period, day
            period, issued = period + 1, issued + 1


def due_periods(schedule: Schedule, today: date, created: set[int]) -> list[tuple[int, date]]:
    """The periods due up to ``today`` that were not created yet, oldest first, at most
    ``MAX_CATCH_UP`` (the next run takes the rest)."""
    due: list[tuple[int, date]] = []
    for period, day in schedule.periods():
        if day > today or len(due) >= MAX_CATCH_UP:
            break
        if period not in created:
            due.append((period, day))
    return due


def check_start(start: date, interval: Interval, today: date) -> None:
    """A new template may start at most one period in the past (it would bill that period now)."""
    earliest = Schedule(today, interval, 1).issue_date(-1)
    if start < date(earliest.year, earliest.month, 1):
        raise DomainError(f"start: at most one period in the past (not before {earliest:%d.%m.%Y})")


_TOKEN = re.compile(r"\{(yyyy|yy|mm|seq(?::0?(\d))?)\}")


def check_number_format(fmt: str) -> str:
    """``invoicing.number_format`` itself, or DomainError: it needs ``{seq}`` (optionally padded,
    ``{seq:05}``) and may use ``{yyyy}``, ``{yy}``, ``{mm}``; the rest is literal."""
    if "{seq" not in fmt:
        raise DomainError("number_format: needs {seq}, the running number (e.g. RE-{yyyy}-{seq:05})")
    leftover = _TOKEN.sub("", fmt)
    if "{" in leftover or "}" in leftover:
        raise DomainError("number_format: only {yyyy}, {yy}, {mm} and {seq} / {seq:05} are known")
    if len(render_number(fmt, date(2099, 12, 31), 99_999_999)) > 36:
        raise DomainError("number_format: invoice numbers must fit in 36 characters")
    return fmt


def render_number(fmt: str, issued: date, seq: int) -> str:
    def one(match: re.Match[str]) -> str:
        part, width = match.group(1), match.group(2)
        if part == "yyyy":
            return f"{issued.year:04d}"
        if part == "yy":
            return f"{issued.year % 100:02d}"
        if part == "mm":
            return f"{issued.month:02d}"
        return f"{seq:0{int(width)}d}" if width else str(seq)
    return _TOKEN.sub(one, fmt)


def sequence_key(fmt: str, issued: date) -> str:
    """The counter a number draws from: a format with ``{yyyy}`` restarts every year (gap-free
    per year), one without keeps one counter."""
    return f"{issued.year:04d}" if "{yyyy}" in fmt or "{yy}" in fmt else "all"
