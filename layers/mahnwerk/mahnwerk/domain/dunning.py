"""The daily dunning decision for one customer. Pure: invoices and a date in, a plan out.

Semantics (documented in the README):
- level 1 becomes due ``levels[0].days`` after the invoice's due date;
- level n+1 becomes due ``levels[n].days`` after level n was sent;
- with ``consolidate`` on, the customer gets one letter at the highest level that is due, listing
  every open overdue invoice as an account statement; the invoices that are due advance one level,
  and so do listed invoices whose next level would fall due within ``cooldown_days`` (they are in
  this letter, so they do not get a letter of their own a few days later);
- no letter goes to a customer within ``cooldown_days`` of the previous one: what falls due in
  between waits and goes out, at the highest level then due, when the cooldown ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .model import Channel, Invoice, InvoiceStatus
from .money import ZERO, cents
from .policy import Action, Policy, Tone


@dataclass(frozen=True)
class NoticeLine:
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    open_amount: Decimal
    level: int
    days_overdue: int
    interest: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.open_amount + self.interest + self.fees


@dataclass(frozen=True)
class Advance:
    """How one invoice moves because of this notice."""

    number: str
    from_level: int
    to_level: int
    next_action_on: date | None
    status: InvoiceStatus
    #: the version read when deciding; the write is conditional on it (optimistic locking)
    expected_version: int


@dataclass(frozen=True)
class NoticePlan:
    tenant_id: str
    customer_id: str
    run_date: date
    level: int
    level_name: str
    tone: Tone
    channels: tuple[Channel, ...]
    action: Action
    lines: tuple[NoticeLine, ...]
    fee: Decimal
    deadline: date
    advances: tuple[Advance, ...]

    @property
    def notice_id(self) -> str:
        """Deterministic: the same customer, level and run day always give the same id."""
        return f"{self.customer_id}:{self.run_date.isoformat()}:L{self.level}"

    @property
    def principal(self) -> Decimal:
        return cents(sum((line.open_amount for line in self.lines), ZERO))

    @property
    def interest(self) -> Decimal:
        return cents(sum((line.interest for line in self.lines), ZERO))

    @property
    def fees(self) -> Decimal:
        return cents(self.fee + sum((line.fees for line in self.lines), ZERO))

    @property
    def total(self) -> Decimal:
        return cents(self.principal + self.interest + self.fees)

    @property
    def invoice_numbers(self) -> tuple[str, ...]:
        return tuple(line.number for line in self.lines)


def first_action_on(due_date: date, policy: Policy) -> date:
    """When a fresh invoice first needs a decision: level 1's interval after its due date."""
    return due_date + timedelta(days=policy.level(1).days)


def next_action_after(level_sent: int, sent_on: date, policy: Policy) -> date | None:
    """After level n went out, level n+1 is due ``levels[n].days`` later; None after the last."""
    if level_sent >= policy.top:
        return None
    return sent_on + timedelta(days=policy.level(level_sent + 1).days)


def is_due(invoice: Invoice, on: date) -> bool:
    return (
        invoice.is_dunnable(on)
        and invoice.next_action_on is not None
        and invoice.next_action_on <= on
        and invoice.due_date < on
    )


def _aligned(listed: list[Invoice], due: list[Invoice], level_no: int, today: date,
             policy: Policy) -> list[Invoice]:
    """Listed invoices whose next letter level would fall due within the cooldown: they advance
    with this letter rather than cause another one a few days later."""
    if policy.level(level_no).action is not Action.LETTER:
        return []
    horizon = today + timedelta(days=policy.cooldown_days)
    due_numbers = {inv.number for inv in due}
    return [
        inv for inv in listed
        if inv.number not in due_numbers and inv.next_action_on is not None
        and inv.next_action_on < horizon and inv.level + 1 <= level_no
        and policy.level(inv.level + 1).action is Action.LETTER
    ]


def decide(
    tenant_id: str,
    customer_id: str,
    invoices: Iterable[Invoice],
    policy: Policy,
    today: date,
) -> NoticePlan | None:
    """What (if anything) this customer gets today."""
    candidates = [
        inv
        for inv in invoices
        if inv.customer_id == customer_id and inv.tenant_id == tenant_id and inv.is_dunnable(today)
    ]
    due = [inv for inv in candidates if is_due(inv, today) and inv.level < policy.top]
    if not due:
        return None
    last_letter = max((inv.last_notice_on for inv in candidates if inv.last_notice_on), default=None)
    if last_letter is not None and (today - last_letter).days < policy.cooldown_days:
        return None
    if sum((inv.open_amount for inv in due), ZERO) < policy.minimum_amount:
        return None

    level_no = max(inv.level + 1 for inv in due)
    level = policy.level(level_no)
    if policy.consolidate:
        listed = [inv for inv in candidates if inv.due_date < today]
        due += _aligned(listed, due, level_no, today, policy)
    else:
        # Without consolidation the letter covers only the invoices at the chosen level.
        listed = [inv for inv in due if inv.level + 1 == level_no]
        due = listed
    listed.sort(key=lambda inv: (inv.due_date, inv.number))

    advances = []
    for inv in sorted(due, key=lambda i: i.number):
        to_level = inv.level + 1
        hand_over = policy.level(to_level).action is Action.HAND_OVER
        advances.append(
            Advance(
                number=inv.number,
                from_level=inv.level,
                to_level=to_level,
                next_action_on=None if hand_over else next_action_after(to_level, today, policy),
                status=InvoiceStatus.HANDED_OVER if hand_over else inv.status,
                expected_version=inv.version,
            )
        )
    new_level = {a.number: a.to_level for a in advances}
    lines = tuple(
        NoticeLine(
            number=inv.number,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            amount=inv.amount,
            paid=inv.paid_amount,
            open_amount=inv.open_amount,
            level=new_level.get(inv.number, inv.level),
            days_overdue=inv.days_overdue(today),
        )
        for inv in listed
    )
    return NoticePlan(
        tenant_id=tenant_id,
        customer_id=customer_id,
        run_date=today,
        level=level_no,
        level_name=level.name,
        tone=level.tone,
        channels=level.channels,
        action=level.action,
        lines=lines,
        fee=level.fee if level.action is Action.LETTER else ZERO,
        deadline=today + timedelta(days=policy.deadline_days),
        advances=tuple(advances),
    )
