"""Default interest (§§288, 289, 247 BGB): simple interest, split at base-rate changes.

Interest = open principal × (base rate + margin) × days / 365 for each base-rate period, summed
exactly and rounded once per invoice to cents. The base-rate table is data (``data/base_rates.json``)
that an operator updates every January and July; past its last confirmed half-year the latest rate
is used and the result says so, so the warning can be shown (log, metric, API health).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .model import DomainError
from .money import ZERO, cents

#: §288 Abs. 1 BGB: consumers 5 points above the base rate; Abs. 2: 9 points where no consumer is
#: involved.
MARGIN_CONSUMER = Decimal("5")
MARGIN_BUSINESS = Decimal("9")
#: Art. 229 § 34 EGBGB: the 9 points apply to obligations that arose after 28 July 2014; older
#: ones keep the 8 points of the former §288 Abs. 2. A default that began before 29 July 2014 is
#: certainly of such an older obligation (the obligation's own date is not known here).
MARGIN_BUSINESS_BEFORE = Decimal("8")
NINE_POINTS_FROM = date(2014, 7, 29)
DAYS_PER_YEAR = Decimal(365)
#: §288 Abs. 5 BGB: 40 EUR once per claim in default, business debtors only.
FLAT_FEE_B2B = Decimal("40.00")


@dataclass(frozen=True)
class BaseRateTable:
    rates: tuple[tuple[date, Decimal], ...]  # (valid from, percent), ascending
    known_through: date

    def __post_init__(self) -> None:
        if not self.rates:
            raise DomainError("the base-rate table is empty")
        if list(self.rates) != sorted(self.rates):
            raise DomainError("base rates must be in ascending order of validity")

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> BaseRateTable:
        rates = tuple((date.fromisoformat(r["valid_from"]), Decimal(str(r["percent"])))
                      for r in doc["rates"])
        return cls(rates, date.fromisoformat(doc["known_through"]))

    @property
    def first_day(self) -> date:
        """The first day the table has a rate for (§247 BGB: 1 January 2002)."""
        return self.rates[0][0]

    def stale_on(self, day: date) -> bool:
        """True when ``day`` lies past the last confirmed period (operator must update)."""
        return day > self.known_through

    def periods(self, start: date, end: date) -> Iterable[tuple[date, date, Decimal]]:
        """(first day, last day, base rate) pieces covering start…end inclusive."""
        if end < start:
            return
        if start < self.rates[0][0]:
            raise DomainError(f"no base rate known before {self.rates[0][0].isoformat()}")
        for i, (valid_from, percent) in enumerate(self.rates):
            valid_to = self.rates[i + 1][0] - timedelta(days=1) if i + 1 < len(self.rates) \
                else date.max
            lo, hi = max(start, valid_from), min(end, valid_to)
            if lo <= hi:
                yield lo, hi, percent


@dataclass(frozen=True)
class Interest:
    exact: Decimal  # unrounded: pieces are summed exactly and rounded once per invoice
    days: int
    stale_rate: bool  # a day past the table's confirmed periods was charged at the latest rate

    @property
    def amount(self) -> Decimal:
        return cents(self.exact)


def default_interest(principal: Decimal, first_day: date, last_day: date, consumer: bool,
                     table: BaseRateTable) -> Interest:
    """Interest on ``principal`` for every day from ``first_day`` to ``last_day`` inclusive."""
    if principal <= ZERO or last_day < first_day:
        return Interest(ZERO, 0, False)
    margin = (MARGIN_CONSUMER if consumer
              else MARGIN_BUSINESS if first_day >= NINE_POINTS_FROM else MARGIN_BUSINESS_BEFORE)
    exact = Decimal(0)
    days = 0
    for lo, hi, base in table.periods(first_day, last_day):
        n = (hi - lo).days + 1
        # §288 Abs. 1 S. 2: the rate is base + margin; it may be above zero even if base < 0.
        exact += principal * (base + margin) / Decimal(100) * Decimal(n) / DAYS_PER_YEAR
        days += n
    return Interest(exact, days, table.stale_on(last_day))
