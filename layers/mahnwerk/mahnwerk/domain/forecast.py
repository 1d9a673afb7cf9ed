"""The collection calendar: which letters go out on each of the next days if nobody pays. Pure.

It runs the real ``decide()`` for each customer day by day and applies every planned notice to the
invoices exactly as the reservation does (``apply_notice`` mirrors the invoice writes of
``DynamoRepository.reserve_notice``), so the forecast follows the same rules as the daily run:
intervals, consolidation, cooldown, pauses, exclusions, minimum amount, hand-over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .dunning import NoticePlan, decide
from .interest import BaseRateTable
from .model import DUNNABLE, Channel, Customer, DomainError, Invoice, InvoiceStatus
from .money import ZERO, to_str
from .policy import Action, Policy

#: The forecast looks at most this many days ahead (today included).
MAX_FORECAST_DAYS = 90


@dataclass(frozen=True)
class ForecastEntry:
    on: date
    customer_id: str
    level: int
    level_name: str
    action: Action
    channels: tuple[Channel, ...]
    invoice_numbers: tuple[str, ...]
    #: what the notice would claim: principal, interest to its date, fees, flat fee
    total: Decimal
    #: domain.deliverability: "" (reaches the customer as planned), no_email / no_address (goes
    #: by the other channel), no_channel (cannot go out: "nicht zustellbar", waits for the owner)
    undeliverable: str = ""
    #: the currency of ``total`` (a letter is in one currency)
    currency: str = "EUR"

    @property
    def deliverable(self) -> bool:
        return not self.undeliverable

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.on.isoformat(),
            "customer_id": self.customer_id,
            "level": self.level,
            "level_name": self.level_name,
            "action": self.action.value,
            "channels": [c.value for c in self.channels],
            "invoices": list(self.invoice_numbers),
            "total": to_str(self.total),
            "currency": self.currency,
            "deliverable": self.deliverable,
            "undeliverable_reason": self.undeliverable or None,
        }


def apply_notice(plan: NoticePlan, invoices: Iterable[Invoice]) -> list[Invoice]:
    """The invoices as they stand once ``plan`` is reserved: each advanced invoice gets its new
    level, status, fees and next action, the notice's date as its last letter, the day the letter
    reaches the debtor (if not known yet) and a new version — the same fields, with the same
    values, that ``reserve_notice`` writes in its transaction. Other invoices are unchanged."""
    advances = {a.number: a for a in plan.advances}
    out = []
    for inv in invoices:
        adv = advances.get(inv.number)
        if adv is None or inv.tenant_id != plan.tenant_id:
            out.append(inv)
            continue
        handed_over = adv.status is InvoiceStatus.HANDED_OVER
        out.append(inv.with_changes(
            level=adv.to_level,
            last_notice_on=plan.run_date,
            status=adv.status,
            version=adv.expected_version + 1,
            fees_open=adv.fees_open,
            reminder_reached_on=adv.reminder_reached_on if adv.reminder_reached_on is not None
            else inv.reminder_reached_on,
            next_action_on=None if handed_over else adv.next_action_on,
        ))
    return out


def _earliest_due(customer: Customer, invoices: list[Invoice], policy: Policy,
                  day: date) -> date | None:
    """A day on or after ``day`` before which ``decide`` cannot plan anything for this customer
    (every condition used here is necessary for ``is_due``); None when nothing can ever fall due."""
    o = customer.overrides
    if o.excluded:
        return None
    earliest: date | None = None
    for inv in invoices:
        if inv.next_action_on is None or inv.status not in DUNNABLE or inv.level >= policy.top \
                or inv.open_amount <= ZERO:
            continue
        first = max(inv.next_action_on, inv.due_date + timedelta(days=1))
        if inv.paused_until is not None:
            first = max(first, inv.paused_until + timedelta(days=1))
        earliest = first if earliest is None else min(earliest, first)
    if earliest is None:
        return None
    if o.paused_until is not None:
        earliest = max(earliest, o.paused_until + timedelta(days=1))
    return max(day, earliest)


def _simulate(customer: Customer, invoices: list[Invoice], policy: Policy, rates: BaseRateTable,
              first: date, last: date) -> list[ForecastEntry]:
    entries: list[ForecastEntry] = []
    day = first
    while True:
        due_on = _earliest_due(customer, invoices, policy, day)
        if due_on is None or due_on > last:
            return entries
        day = due_on
        plan = decide(customer, invoices, policy, rates, day)
        if plan is not None:
            entries.append(ForecastEntry(
                on=day, customer_id=plan.customer_id, level=plan.level, level_name=plan.level_name,
                action=plan.action, channels=plan.channels, invoice_numbers=plan.invoice_numbers,
                total=plan.total, undeliverable=plan.undeliverable, currency=plan.currency,
            ))
            if plan.held:  # nothing goes out and nothing advances: it waits for the owner
                return entries
            invoices = apply_notice(plan, invoices)
        day += timedelta(days=1)


def forecast(customers: Mapping[str, Customer], invoices: Iterable[Invoice], policy: Policy,
             rates: BaseRateTable, today: date, days: int) -> list[ForecastEntry]:
    """The notices of the ``days`` days from ``today`` (inclusive: ``today … today + days - 1``)
    if nobody pays and nothing else changes, ordered by date, then customer id.

    ``customers`` maps customer id to customer (one tenant); an invoice's customer missing from
    it is dunned with defaults, as the notice service does. ``days`` may be 0…90.

    Complexity: one pass groups the N invoices by customer; only customers with an invoice whose
    ``next_action_on`` is on or before the last day are simulated. For each, the simulation jumps
    straight to the next day on which something can fall due (next action, due date, invoice and
    customer pauses), so ``decide`` — O(n log n) for a customer's n invoices — runs about once per
    letter, and at most once per day when a cooldown or minimum amount holds a letter back:
    O(N + Σ min(days, letters + held days) · n log n) ≤ O(N + days · N log N).
    """
    if days < 0:
        raise DomainError("the forecast cannot look back")
    if days > MAX_FORECAST_DAYS:
        raise DomainError(f"the forecast looks at most {MAX_FORECAST_DAYS} days ahead")
    last = today + timedelta(days=days - 1)
    by_customer: defaultdict[str, list[Invoice]] = defaultdict(list)
    active: set[str] = set()
    for inv in invoices:
        by_customer[inv.customer_id].append(inv)
        if inv.next_action_on is not None and inv.next_action_on <= last:
            active.add(inv.customer_id)
    entries: list[ForecastEntry] = []
    for customer_id in sorted(active):
        own = by_customer[customer_id]
        customer = customers.get(customer_id) or Customer(
            tenant_id=own[0].tenant_id, customer_id=customer_id, name=customer_id)
        entries += _simulate(customer, own, policy, rates, today, last)
    entries.sort(key=lambda e: (e.on, e.customer_id))
    return entries
