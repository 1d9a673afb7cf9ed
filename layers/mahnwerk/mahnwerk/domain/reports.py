"""Receivables reports for the integration API. Pure: invoices, counters and a date in, figures out.

Every report is a small frozen dataclass whose ``as_dict()`` gives JSON-ready values: money as
strings with two decimals (``"1234.50"``), ratios and day figures as decimal strings (``"0.667"``,
``"34.5"``), dates ISO. The reporting day ``on`` is always a parameter; the invoices are read in
their *current* state, so ``on`` is meant to be today (a past ``on`` does not rebuild history).
Currencies: every money figure is of one currency and never summed across currencies. ``aging``
and ``dso`` take the currency to report (EUR by default) and look only at invoices in it;
``aging_by_currency`` / ``dso_by_currency`` give one report per currency the invoices are in, EUR
first (always present), then the others alphabetically.

Which invoices count as receivable: OPEN, PARTIALLY_PAID, DISPUTED and HANDED_OVER (a disputed or
handed-over claim is still owed to the business). PAID, WRITTEN_OFF and CANCELLED are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .currency import EUR, ordered
from .model import DomainError, Invoice, InvoiceStatus
from .money import ZERO, cents, to_str

#: Statuses whose open amount is still owed to the business.
RECEIVABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.DISPUTED,
                        InvoiceStatus.HANDED_OVER})

#: Aging buckets: (label, lowest, highest days overdue), inclusive; None is open-ended.
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("current", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)

ONE_DECIMAL = Decimal("0.1")
SHARE = Decimal("0.001")


def _round(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- aging --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgingBucket:
    label: str
    count: int
    #: open principal (``Invoice.open_amount``) of the invoices in this bucket
    open_amount: Decimal

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "count": self.count, "open_amount": to_str(self.open_amount)}


@dataclass(frozen=True)
class Aging:
    on: date
    buckets: tuple[AgingBucket, ...]
    #: all buckets together (open principal of receivable invoices with a positive open amount)
    count: int
    total: Decimal
    #: the buckets past their due date (all but "current")
    overdue_count: int
    overdue: Decimal
    #: dunning fees charged by letters and still unpaid, over all receivable invoices (not in buckets)
    fees_open: Decimal
    #: credit notes / customer credits not yet settled: their (negative) open amounts, summed
    credit_count: int
    credits: Decimal
    #: residual charges (interest and fees left on paid invoices) claimed or awaiting the owner
    charges_open: Decimal = ZERO
    #: residual charges written off, by policy or by the owner (all invoices, for the record)
    charges_waived: Decimal = ZERO
    #: the ISO 4217 currency of every amount here
    currency: str = EUR

    @property
    def net(self) -> Decimal:
        """What the customers owe altogether: principal plus open fees and residual charges, less
        their credits."""
        return cents(self.total + self.fees_open + self.charges_open + self.credits)

    def bucket(self, label: str) -> AgingBucket:
        for b in self.buckets:
            if b.label == label:
                return b
        raise KeyError(label)

    def as_dict(self) -> dict[str, object]:
        return {
            "on": self.on.isoformat(),
            "currency": self.currency,
            "buckets": [b.as_dict() for b in self.buckets],
            "count": self.count,
            "total": to_str(self.total),
            "overdue_count": self.overdue_count,
            "overdue": to_str(self.overdue),
            "fees_open": to_str(self.fees_open),
            "credit_count": self.credit_count,
            "credits": to_str(self.credits),
            "charges_open": to_str(self.charges_open),
            "charges_waived": to_str(self.charges_waived),
            "net": to_str(self.net),
        }


def _bucket_index(days_overdue: int) -> int:
    for i, (_, low, high) in enumerate(BUCKETS):
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return i
    raise AssertionError(days_overdue)  # pragma: no cover - the buckets cover every integer


def currencies(invoices: Iterable[Invoice]) -> list[str]:
    """The currencies of the invoices in report order: EUR (always), then the others A–Z."""
    return ordered([EUR, *(inv.currency for inv in invoices)])


def aging_by_currency(invoices: Iterable[Invoice], on: date) -> list[Aging]:
    """One ``aging`` per currency (``currencies``): never a sum across currencies."""
    items = list(invoices)
    return [aging(items, on, currency) for currency in currencies(items)]


def aging(invoices: Iterable[Invoice], on: date, currency: str = EUR) -> Aging:
    """Open receivables in ``currency`` by how far past due they are on ``on``.

    Days overdue = ``on - due_date`` in calendar days; due today (or later) is "current", 30 days
    is still "1-30", 31 is "31-60", 90 is "61-90", 91 and more is "90+". Bucket amounts are the
    open *principal* only; unpaid dunning fees are reported once as ``fees_open`` (interest is not
    booked on invoices until paid, so it is not a receivable here). Invoices with a negative open
    amount (credit notes, over-payments) stay out of the buckets and are summed as ``credits``;
    receivable invoices whose principal is settled (open amount zero) count only for their fees.
    """
    counts = [0] * len(BUCKETS)
    sums = [ZERO] * len(BUCKETS)
    fees = ZERO
    credit_count, credits = 0, ZERO
    charges_open = charges_waived = ZERO
    for inv in invoices:
        if inv.currency != currency:
            continue
        charges_waived += inv.charges_waived
        if inv.status is InvoiceStatus.PAID and inv.charges_state in ("ask", "claim", "claimed"):
            charges_open += inv.charges_open
        if inv.status not in RECEIVABLE:
            continue
        if inv.open_amount < ZERO:
            credit_count += 1
            credits += inv.open_amount
            continue
        fees += inv.fees_open
        if inv.open_amount == ZERO:
            continue
        i = _bucket_index((on - inv.due_date).days)
        counts[i] += 1
        sums[i] += inv.open_amount
    buckets = tuple(AgingBucket(label, counts[i], cents(sums[i]))
                    for i, (label, _, _) in enumerate(BUCKETS))
    return Aging(
        on=on, buckets=buckets,
        count=sum(counts), total=cents(sum(sums, ZERO)),
        overdue_count=sum(counts[1:]), overdue=cents(sum(sums[1:], ZERO)),
        fees_open=cents(fees), credit_count=credit_count, credits=cents(credits),
        charges_open=cents(charges_open), charges_waived=cents(charges_waived), currency=currency,
    )


# --- DSO ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dso:
    on: date
    period_days: int
    #: open principal of receivable invoices net of credits (fees are not sales, so not counted)
    receivables: Decimal
    #: amounts invoiced in the period (credit notes reduce it; cancelled invoices do not count)
    sales: Decimal
    #: days, one decimal; None when there were no (net) sales in the period
    figure: Decimal | None
    currency: str = EUR

    def as_dict(self) -> dict[str, object]:
        return {
            "on": self.on.isoformat(), "currency": self.currency, "period_days": self.period_days,
            "receivables": to_str(self.receivables), "sales": to_str(self.sales),
            "dso": _opt(self.figure),
        }


def dso_by_currency(invoices: Iterable[Invoice], on: date, period_days: int = 90) -> list[Dso]:
    """One ``dso`` per currency (``currencies``): receivables and sales of one currency each."""
    items = list(invoices)
    return [dso(items, on, period_days, currency) for currency in currencies(items)]


def dso(invoices: Iterable[Invoice], on: date, period_days: int = 90,
        currency: str = EUR) -> Dso:
    """Days Sales Outstanding of the invoices in ``currency``, the standard (countback-free)
    method.

    DSO = receivables / sales × period_days, rounded half up to one decimal, where

    - receivables = the open principal on ``on`` of every receivable invoice (see the module
      docstring), credits (negative open amounts) included — the same figure as
      ``aging().total + aging().credits``; fees and interest are not sales and stay out;
    - sales = the sum of ``amount`` of every invoice issued in the ``period_days`` days ending on
      ``on`` (issue date in ``(on - period_days, on]``), whatever its status now, except
      CANCELLED; credit notes (negative amounts) reduce it.

    ``figure`` is None when the period's net sales are zero or less; receivables below zero
    (credits exceed what is owed) give ``0.0``.
    """
    if period_days < 1:
        raise DomainError("the DSO period must be at least one day")
    start = on - timedelta(days=period_days)
    receivables = ZERO
    sales = ZERO
    for inv in invoices:
        if inv.currency != currency:
            continue
        if inv.status in RECEIVABLE:
            receivables += inv.open_amount
        if inv.status is not InvoiceStatus.CANCELLED and start < inv.issue_date <= on:
            sales += inv.amount
    figure = None
    if sales > ZERO:
        figure = _round(max(ZERO, receivables) / sales * period_days, ONE_DECIMAL)
    return Dso(on=on, period_days=period_days, receivables=cents(receivables), sales=cents(sales),
               figure=figure, currency=currency)


# --- payment behaviour ------------------------------------------------------------------------

#: What each ``paid_after_l{n}`` counter means (levels above 4 are counted as 4).
AFTER_LEVEL_LABELS = ("no_letter", "reminder", "first_dunning", "second_dunning", "level_4_plus")

#: Score points of one invoice paid in full, by how it was paid (see ``behaviour``).
POINTS_ON_TIME = 100
POINTS_AFTER_LEVEL = (80, 60, 30, 10, 0)  # late without a letter, after level 1, 2, 3, 4+

#: Fewer invoices paid than this: too little to judge ("new").
MIN_PAID_FOR_BADGE = 3
#: (badge, lowest score), best first; below the last threshold: "unreliable".
BADGES = (("reliable", 90), ("mostly_on_time", 70), ("slow", 40))


def _share(part: int, whole: int) -> Decimal | None:
    return None if whole <= 0 else _round(Decimal(part) / Decimal(whole), SHARE)


@dataclass(frozen=True)
class Behaviour:
    paid_count: int
    paid_on_time: int
    #: mean days from issue date to the payment that settled the invoice, one decimal
    average_days_to_pay: Decimal | None
    #: share of invoices paid on or before their due date, 0…1, three decimals
    on_time_share: Decimal | None
    #: invoices paid after level 0 (no letter), 1, 2, 3, 4+ — and their shares of ``paid_count``
    paid_after: tuple[int, int, int, int, int]
    paid_after_shares: tuple[Decimal | None, ...]
    #: 0…100; None when nothing was paid yet
    score: int | None
    badge: str

    def as_dict(self) -> dict[str, object]:
        return {
            "paid_count": self.paid_count,
            "paid_on_time": self.paid_on_time,
            "average_days_to_pay": _opt(self.average_days_to_pay),
            "on_time_share": _opt(self.on_time_share),
            "paid_after": [
                {"level": i, "label": AFTER_LEVEL_LABELS[i], "count": n,
                 "share": _opt(self.paid_after_shares[i])}
                for i, n in enumerate(self.paid_after)
            ],
            "score": self.score,
            "badge": self.badge,
        }


def _after_levels(counters: Mapping[str, int]) -> tuple[int, int, int, int, int]:
    c = [int(counters.get(f"paid_after_l{i}", 0)) for i in range(5)]
    return c[0], c[1], c[2], c[3], c[4]


def behaviour(counters: Mapping[str, int]) -> Behaviour:
    """One customer's payment behaviour from the counters reconciliation keeps (missing keys: 0).

    Score (0…100, an integer, rounded half up): the mean over the invoices paid in full of

    - 100 points when paid on or before the due date,
    - 80 when paid late but before any letter (``paid_after_l0`` minus ``paid_on_time``),
    - 60 after the reminder (level 1), 30 after the first dunning letter (2), 10 after the second
      (3), 0 after hand-over or a higher level (4+).

    Badge: "new" while fewer than 3 invoices were paid (the score is still given when there is
    one); otherwise "reliable" from 90, "mostly_on_time" from 70, "slow" from 40, "unreliable"
    below. So a customer who always pays late but without a letter is "mostly_on_time" (80), one
    who always needs the reminder is "slow" (60), one who needs the first dunning letter
    "unreliable" (30).
    """
    paid = int(counters.get("paid_count", 0))
    on_time = int(counters.get("paid_on_time", 0))
    days_sum = int(counters.get("days_to_pay_sum", 0))
    after = _after_levels(counters)
    average = _round(Decimal(days_sum) / Decimal(paid), ONE_DECIMAL) if paid > 0 else None
    score: int | None = None
    if paid > 0:
        # paying on time means paying before any letter: those invoices are part of level 0
        late_no_letter = max(0, after[0] - on_time)
        points = POINTS_ON_TIME * on_time + POINTS_AFTER_LEVEL[0] * late_no_letter + sum(
            POINTS_AFTER_LEVEL[i] * after[i] for i in range(1, 5))
        score = int(_round(Decimal(points) / Decimal(paid), Decimal(1)))
        score = min(100, max(0, score))
    return Behaviour(
        paid_count=paid,
        paid_on_time=on_time,
        average_days_to_pay=average,
        on_time_share=_share(on_time, paid),
        paid_after=after,
        paid_after_shares=tuple(_share(n, paid) for n in after),
        score=score,
        badge=_badge(paid, score),
    )


def _badge(paid: int, score: int | None) -> str:
    if paid < MIN_PAID_FOR_BADGE or score is None:
        return "new"
    for badge, lowest in BADGES:
        if score >= lowest:
            return badge
    return "unreliable"


@dataclass(frozen=True)
class RankedCustomer:
    rank: int
    customer_id: str
    behaviour: Behaviour

    def as_dict(self) -> dict[str, object]:
        return {"rank": self.rank, "customer_id": self.customer_id, **self.behaviour.as_dict()}


def reliability_ranking(items: Iterable[tuple[str, Mapping[str, int]]]) -> list[RankedCustomer]:
    """Customers best first: by score (highest first), ties by customer id; customers still "new"
    come last, in customer-id order (too few payments to compare). Ranks are 1, 2, 3, … in that
    order, without gaps."""
    judged: list[tuple[str, Behaviour]] = []
    new: list[tuple[str, Behaviour]] = []
    for customer_id, counters in items:
        b = behaviour(counters)
        (new if b.badge == "new" else judged).append((customer_id, b))
    judged.sort(key=lambda item: (-(item[1].score or 0), item[0]))
    new.sort(key=lambda item: item[0])
    return [RankedCustomer(rank, customer_id, b)
            for rank, (customer_id, b) in enumerate(judged + new, start=1)]


# --- dunning effectiveness ------------------------------------------------------------------

@dataclass(frozen=True)
class Effectiveness:
    #: invoices paid in full, over all customers given
    paid_count: int
    #: of those, paid after level 0 (no letter), 1 (reminder), 2, 3, 4+
    paid_after: tuple[int, int, int, int, int]
    #: the same as shares of ``paid_count`` (0…1, three decimals); None when nothing was paid
    shares: tuple[Decimal | None, ...]

    @property
    def after_letters(self) -> int:
        """Paid only once at least one letter had gone out."""
        return sum(self.paid_after[1:])

    def as_dict(self) -> dict[str, object]:
        return {
            "paid_count": self.paid_count,
            "after_letters": self.after_letters,
            "after_letters_share": _opt(_share(self.after_letters, self.paid_count)),
            "paid_after": [
                {"level": i, "label": AFTER_LEVEL_LABELS[i], "count": n, "share": _opt(self.shares[i])}
                for i, n in enumerate(self.paid_after)
            ],
        }


def effectiveness(counters: Iterable[Mapping[str, int]]) -> Effectiveness:
    """How far dunning had to go before invoices were paid, summed over customers' counters.

    Shares are of the summed ``paid_count`` (every paid invoice increments exactly one
    ``paid_after_l{n}`` counter, so they add up to 1 up to rounding), rounded half up to three
    decimals.
    """
    paid = 0
    after = [0] * 5
    for c in counters:
        paid += int(c.get("paid_count", 0))
        for i, n in enumerate(_after_levels(c)):
            after[i] += n
    levels = (after[0], after[1], after[2], after[3], after[4])
    return Effectiveness(paid_count=paid, paid_after=levels,
                         shares=tuple(_share(n, paid) for n in levels))
