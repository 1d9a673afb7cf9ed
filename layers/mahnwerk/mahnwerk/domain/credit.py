"""Credit rules (Kreditregeln): a customer's exposure, risk class and credit hold. Pure.

- **Exposure** = open principal + open charges (dunning fees, residual interest and costs) of the
  customer's receivable invoices, credits netted (interest still accruing is not counted);
  **overdue** = the part past its due date, with the oldest days.
- **Risk class** A–D from how the customer pays (``reports.behaviour``) and what it took:
  D when the customer was handed over for collection in the last 12 months, broke two promises,
  or scores below 40; C when the second dunning letter was needed in the last 12 months, a promise
  was broken, or the score is below 70; A from a score of 90 with nothing beyond a reminder;
  B otherwise — also for a new customer (fewer than three invoices paid) without bad signs.
- **Rules** (settings ``credit.rules``), each ``{"kind", "action"}`` and its threshold:
  ``overdue_days`` (``above``: the oldest overdue invoice is more days late),
  ``exposure_over_limit`` (exposure above ``credit_limit``), ``risk_class`` (``at_least``: C or
  D). ``action``: ``hold`` (credit hold, Liefersperre) or ``prepayment`` (suggest prepayment).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .model import DomainError, Invoice
from .money import ZERO, to_str
from .reports import RECEIVABLE, behaviour

CLASSES = ("A", "B", "C", "D")
RULE_KINDS = ("overdue_days", "exposure_over_limit", "risk_class")
ACTIONS = ("hold", "prepayment")


@dataclass(frozen=True)
class Exposure:
    exposure: Decimal
    overdue: Decimal
    oldest_overdue_days: int

    def as_dict(self) -> dict[str, object]:
        return {"exposure": to_str(self.exposure), "overdue": to_str(self.overdue),
                "oldest_overdue_days": self.oldest_overdue_days}


def exposure(invoices: Iterable[Invoice], on: date) -> Exposure:
    total = overdue = ZERO
    oldest = 0
    for inv in invoices:
        if inv.status not in RECEIVABLE:
            continue
        owed = inv.open_amount + inv.fees_open + inv.charges_open
        total += owed
        if inv.due_date < on and inv.open_amount > ZERO:
            overdue += owed
            oldest = max(oldest, (on - inv.due_date).days)
    return Exposure(total, overdue, oldest)


@dataclass(frozen=True)
class History:
    """What happened with the customer in the last 12 months besides the payment counters."""

    highest_level: int = 0
    handed_over: bool = False
    broken_promises: int = 0


def risk_class(counters: dict[str, int], history: History) -> str:
    score = behaviour(counters).score
    if history.handed_over or history.broken_promises >= 2 or (score is not None and score < 40):
        return "D"
    if history.highest_level >= 3 or history.broken_promises == 1 or (score is not None and score < 70):
        return "C"
    paid = int(counters.get("paid_count", 0))
    if score is not None and score >= 90 and history.highest_level <= 1 and paid >= 3:
        return "A"
    return "B"


@dataclass(frozen=True)
class Rule:
    kind: str
    action: str
    above: int | None = None
    at_least: str | None = None


def parse_rules(raw: Sequence[Any]) -> tuple[Rule, ...]:
    """``credit.rules`` from settings, or DomainError naming the rule and field."""
    rules = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise DomainError(f"credit.rules[{i}]: an object with kind and action")
        kind, action = item.get("kind"), item.get("action", "hold")
        if kind not in RULE_KINDS:
            raise DomainError(f"credit.rules[{i}].kind: one of {', '.join(RULE_KINDS)}")
        if action not in ACTIONS:
            raise DomainError(f"credit.rules[{i}].action: one of {', '.join(ACTIONS)}")
        above, at_least = item.get("above"), item.get("at_least")
        if kind == "overdue_days" and (not isinstance(above, int) or isinstance(above, bool) or above < 0):
            raise DomainError(f"credit.rules[{i}].above: a number of days, 0 or more")
        if kind == "risk_class" and at_least not in ("C", "D"):
            raise DomainError(f"credit.rules[{i}].at_least: C or D")
        rules.append(Rule(kind, action, above if kind == "overdue_days" else None,
                          at_least if kind == "risk_class" else None))
    return tuple(rules)


@dataclass(frozen=True)
class Verdict:
    hold: bool
    prepayment: bool
    #: why, in English codes with parameters: ("overdue_days", "45 > 30"), …
    reasons: tuple[tuple[str, str], ...]


def evaluate(rules: Iterable[Rule], figures: Exposure, limit: Decimal | None, klass: str) -> Verdict:
    hold = prepayment = False
    reasons: list[tuple[str, str]] = []
    for rule in rules:
        hit = ""
        days = figures.oldest_overdue_days
        if rule.kind == "overdue_days" and rule.above is not None and days > rule.above:
            hit = f"{figures.oldest_overdue_days} > {rule.above}"
        elif rule.kind == "exposure_over_limit" and limit is not None and figures.exposure > limit:
            hit = f"{to_str(figures.exposure)} > {to_str(limit)}"
        elif (rule.kind == "risk_class" and rule.at_least
              and CLASSES.index(klass) >= CLASSES.index(rule.at_least)):
            hit = f"{klass} >= {rule.at_least}"
        if hit:
            reasons.append((f"{rule.kind}:{rule.action}", hit))
            hold = hold or rule.action == "hold"
            prepayment = prepayment or rule.action == "prepayment"
    return Verdict(hold, prepayment, tuple(reasons))


def check_limit(value: Decimal | None) -> Decimal | None:
    if value is not None and value < ZERO:
        raise DomainError("credit_limit: must not be negative")
    return value
