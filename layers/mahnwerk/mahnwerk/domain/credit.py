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
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from .model import DomainError, Invoice, InvoiceStatus
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


# --- what the service stores and shows per customer ---------------------------------------------

#: how far back the history of a customer reaches for the risk class and the suggested limit
HISTORY_DAYS = 365
#: the suggested limit: this many months of the customer's invoiced volume, by risk class (D: none,
#: prepayment instead), rounded down to whole hundreds
LIMIT_MONTHS = {"A": Decimal(3), "B": Decimal(2), "C": Decimal(1), "D": Decimal(0)}
HUNDRED = Decimal(100)


def history(invoices: Iterable[Invoice], on: date) -> History:
    """The highest level reached and hand-overs of the last 12 months, from the invoices (a
    letter's date is the invoice's ``last_notice_on``). Promises are not recorded yet: 0."""
    since = on.toordinal() - HISTORY_DAYS
    highest, handed_over = 0, False
    for inv in invoices:
        when = inv.last_notice_on or inv.issue_date
        if when.toordinal() < since:
            continue
        highest = max(highest, inv.level)
        handed_over = handed_over or inv.status is InvoiceStatus.HANDED_OVER
    return History(highest_level=highest, handed_over=handed_over)


def suggested_limit(invoices: Iterable[Invoice], klass: str, on: date) -> Decimal | None:
    """A limit from payment behaviour: the average monthly gross invoiced in the last 12 months
    (credit notes netted) times the months of the risk class (A 3, B 2, C 1, D 0), rounded down to
    hundreds. None without any invoice in that time."""
    since = on.toordinal() - HISTORY_DAYS
    recent = [inv.amount for inv in invoices if inv.issue_date.toordinal() >= since]
    if not recent:
        return None
    monthly = max(sum(recent, ZERO), ZERO) / 12
    value = (monthly * LIMIT_MONTHS[klass] / HUNDRED).to_integral_value(rounding=ROUND_FLOOR)
    return (value * HUNDRED).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class CreditSettings:
    """The tenant's ``credit`` settings: rules, and the credit bureau (off unless switched on)."""

    rules: tuple[Rule, ...] = ()
    #: ask the credit bureau (service/ports.CreditBureau) at all
    bureau_check: bool = False
    #: a bureau answer older than this is asked again
    bureau_max_age_days: int = 90


@dataclass(frozen=True)
class BureauSubject:
    """Whom a credit bureau is asked about: only what it needs to find the company or person."""

    tenant_id: str
    customer_id: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    is_consumer: bool


@dataclass(frozen=True)
class BureauResult:
    """A credit bureau's answer: score 0-100 (higher is better, normalised by the adapter), its
    limit suggestion, the day it was given, and who gave it."""

    score: int
    limit: Decimal | None
    on: date
    provider: str

    def as_dict(self) -> dict[str, object]:
        return {"score": self.score, "limit": to_str(self.limit) if self.limit is not None else None,
                "on": self.on.isoformat(), "provider": self.provider}


def may_ask_bureau(is_consumer: bool, legitimate_interest: bool) -> bool:
    """GDPR Art. 6(1)(f): a business customer may be looked up; a consumer only when the owner
    recorded a legitimate interest for them (e.g. a purchase on account of a large amount)."""
    return not is_consumer or legitimate_interest


def bureau_due(last: BureauResult | None, on: date, max_age_days: int) -> bool:
    return last is None or (on - last.on).days > max_age_days


@dataclass(frozen=True)
class CreditRecord:
    """A customer's credit state as stored: the owner's fields and the figures of the last
    recomputation (``refreshed_on``)."""

    tenant_id: str
    customer_id: str
    credit_limit: Decimal | None = None
    legitimate_interest: bool = False
    figures: Exposure = Exposure(ZERO, ZERO, 0)
    risk_class: str = "B"
    suggested_limit: Decimal | None = None
    hold: bool = False
    prepayment: bool = False
    reasons: tuple[tuple[str, str], ...] = ()
    #: counts the holds set so far: the events' ids are per hold
    hold_seq: int = 0
    refreshed_on: date | None = None
    bureau: BureauResult | None = None
    #: optimistic lock: every write is conditional on the version read
    version: int = 0

    @property
    def over_limit(self) -> bool:
        return self.credit_limit is not None and self.figures.exposure > self.credit_limit

    def as_dict(self) -> dict[str, object]:
        return {
            "credit_limit": to_str(self.credit_limit) if self.credit_limit is not None else None,
            "credit_limit_suggested": (to_str(self.suggested_limit)
                                       if self.suggested_limit is not None else None),
            **self.figures.as_dict(),
            "risk_class": self.risk_class,
            "over_limit": self.over_limit,
            "credit_hold": self.hold,
            "prepayment_suggested": self.prepayment,
            "credit_reasons": [{"rule": rule, "detail": detail} for rule, detail in self.reasons],
            "legitimate_interest": self.legitimate_interest,
            "credit_refreshed_on": self.refreshed_on.isoformat() if self.refreshed_on else None,
            "bureau": self.bureau.as_dict() if self.bureau is not None else None,
        }


def record_to_json(record: CreditRecord) -> dict[str, Any]:
    """The stored form (money as strings, days ISO); ``record_from_json`` reads it back."""
    return {**record.as_dict(), "hold_seq": record.hold_seq,
            "prepayment": record.prepayment, "reasons": [list(r) for r in record.reasons]}


def record_from_json(tenant_id: str, customer_id: str, doc: dict[str, Any],
                     version: int) -> CreditRecord:
    def money(key: str) -> Decimal | None:
        value = doc.get(key)
        return Decimal(str(value)) if value is not None else None

    bureau = doc.get("bureau")
    return CreditRecord(
        tenant_id=tenant_id, customer_id=customer_id, credit_limit=money("credit_limit"),
        legitimate_interest=bool(doc.get("legitimate_interest")),
        figures=Exposure(money("exposure") or ZERO, money("overdue") or ZERO,
                         int(doc.get("oldest_overdue_days") or 0)),
        risk_class=str(doc.get("risk_class") or "B"), suggested_limit=money("credit_limit_suggested"),
        hold=bool(doc.get("credit_hold")), prepayment=bool(doc.get("prepayment")),
        reasons=tuple((str(a), str(b)) for a, b in doc.get("reasons") or ()),
        hold_seq=int(doc.get("hold_seq") or 0),
        refreshed_on=date.fromisoformat(doc["credit_refreshed_on"])
        if doc.get("credit_refreshed_on") else None,
        bureau=BureauResult(int(bureau["score"]),
                            Decimal(bureau["limit"]) if bureau.get("limit") is not None else None,
                            date.fromisoformat(bureau["on"]), str(bureau["provider"]))
        if isinstance(bureau, dict) else None,
        version=version)
