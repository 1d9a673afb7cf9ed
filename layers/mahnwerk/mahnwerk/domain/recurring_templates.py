"""Recurring-invoice templates: what one bills again and again, and the checks of its input. Pure.

A template names a customer, the line text, the gross amount with its VAT (19, 7 or 0 %, or none
at all for a §19 UStG small business), the interval and billing day (``domain.recurring``), the
start, an optional end date or count, and the payment terms. Its status is ``active``,
``paused`` (creates nothing until resumed) or ``ended`` (never again). ``created`` holds the
periods an invoice was created for: the daily run creates each period once.

Input arrives as text (the dashboard's form, a CSV row) or JSON (the API). :func:`check_input`
reads it into typed values and names every refused field at once, each with a stable kind (the
dashboard's German text) and an English reason (the API's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import MahnwerkError
from .recurring import LAST, Interval, Schedule, check_start

#: the VAT a template's gross amount contains: a rate in percent, or none (§19 UStG)
SMALL_BUSINESS = "small_business"
VAT_CHOICES = ("19", "7", "0", SMALL_BUSINESS)
ACTIVE, PAUSED, ENDED = "active", "paused", "ended"
STATUSES = (ACTIVE, PAUSED, ENDED)
#: the fields a template is given by (API, form, CSV), in this order
FIELDS = ("customer_id", "line_text", "amount", "vat", "interval", "day", "start", "end", "count",
          "terms_days")
MAX_AMOUNT = Decimal("999999999.99")
MAX_TEXT = 300


@dataclass(frozen=True)
class Template:
    tenant_id: str
    template_id: str
    customer_id: str
    line_text: str
    #: gross, in EUR
    amount: Decimal
    vat: str
    interval: Interval
    day: int | str
    start: date
    end: date | None = None
    count: int | None = None
    terms_days: int = 14
    status: str = ACTIVE
    #: the periods an invoice was created for
    created: frozenset[int] = field(default_factory=frozenset)
    version: int = 0
    created_at: str = ""
    #: numbers created whose send request may not have been queued yet (queued on every run)
    pending: tuple[str, ...] = ()
    #: set on resume: periods billed before this day fell into the pause and are not issued
    skip_before: date | None = None

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.start, self.interval, self.day, self.end, self.count)

    @property
    def small_business(self) -> bool:
        return self.vat == SMALL_BUSINESS

    @property
    def vat_rate(self) -> Decimal:
        return Decimal(0) if self.small_business else Decimal(self.vat)

    def next_issue(self) -> date | None:
        """The billing day of the next period not created yet (None: the template is done)."""
        if self.status == ENDED:
            return None
        for period, day in self.schedule.periods():
            if period not in self.created and not self.skipped(day):
                return day
        return None

    def skipped(self, billing_day: date) -> bool:
        """The period of this billing day fell into a pause: it is never issued."""
        return self.skip_before is not None and billing_day < self.skip_before

    def with_changes(self, **changes: Any) -> Template:
        return replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.template_id, "customer_id": self.customer_id, "line_text": self.line_text,
            "amount": f"{self.amount:.2f}", "vat": self.vat, "interval": self.interval.value,
            "day": self.day, "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None, "count": self.count,
            "terms_days": self.terms_days, "status": self.status,
            "created_periods": sorted(self.created),
            "next_issue": (n.isoformat() if (n := self.next_issue()) else None),
            "created_at": self.created_at,
            "skip_before": self.skip_before.isoformat() if self.skip_before else None,
        }


@dataclass(frozen=True)
class Problem:
    """A refused field: the field, a stable kind and the English reason."""

    field: str
    kind: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.kind, "message": self.message}


class TemplateInvalid(MahnwerkError):
    """The template's input was refused; ``errors`` names each field and why."""

    code, status, message = "recurring_invalid", 400, "the recurring invoice was not accepted"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"errors": [p.as_json() for p in self.problems]}


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _amount(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    else:
        text = _text(value).replace("€", "").replace(" ", "").replace("EUR", "")
        if "," in text:  # German: 1.234,56
            text = text.replace(".", "").replace(",", ".")
        amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError(value)
    return amount


def _day_of(value: object) -> date:
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%d.%m.%Y").date()


def _whole(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    text = _text(value)
    if not text.lstrip("-").isdigit() or len(text) > 6:
        raise ValueError(value)
    return int(text)


_INTERVAL_WORDS = {"monatlich": "monthly", "vierteljährlich": "quarterly", "quartalsweise": "quarterly",
                   "halbjährlich": "half_yearly", "jährlich": "yearly", "half-yearly": "half_yearly"}
_VAT_WORDS = {"§19": SMALL_BUSINESS, "§ 19": SMALL_BUSINESS, "19 ustg": SMALL_BUSINESS,
              "kleinunternehmer": SMALL_BUSINESS}


def check_input(raw: Mapping[str, object], today: date, base: Template | None = None,
                known_customer: bool = True, erased_customer: bool = False,
                ) -> tuple[dict[str, Any], list[Problem]]:
    """The typed values of ``raw`` and every refused field.

    ``base`` is the stored template of a change (PATCH): fields absent from ``raw`` keep its
    values, and the start may lie further back (only a new start is checked against today).
    ``known_customer``/``erased_customer`` say what the caller found for ``customer_id``."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def given(name: str) -> bool:
        return name in raw and _text(raw[name]) != ""

    def refuse(name: str, kind: str, message: str) -> None:
        problems.append(Problem(name, kind, message))

    if given("customer_id"):
        values["customer_id"] = _text(raw["customer_id"])[:100]
        if erased_customer:
            refuse("customer_id", "erased_customer", "the customer's data was erased (GDPR)")
        elif not known_customer:
            refuse("customer_id", "unknown_customer", "no customer with this number")
    elif base is None:
        refuse("customer_id", "required", "required")

    if given("line_text"):
        text = " ".join(_text(raw["line_text"]).split())
        if len(text) > MAX_TEXT:
            refuse("line_text", "too_long", f"at most {MAX_TEXT} characters")
        values["line_text"] = text[:MAX_TEXT]
    elif base is None or "line_text" in raw:
        refuse("line_text", "required", "required: what the invoice is for (§14 UStG)")

    if given("amount"):
        try:
            amount = _amount(raw["amount"])
            if amount <= 0:
                refuse("amount", "not_positive", "must be more than 0")
            elif amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
                refuse("amount", "invalid_amount", "at most 999999999.99, in cents")
            else:
                values["amount"] = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            refuse("amount", "invalid_amount", "not an amount")
    elif base is None or "amount" in raw:
        refuse("amount", "required", "required")

    if given("vat"):
        vat = _text(raw["vat"]).lower().rstrip("%").strip()
        vat = _VAT_WORDS.get(vat, vat)
        if vat not in VAT_CHOICES:
            refuse("vat", "invalid_vat", "one of 19, 7, 0 or small_business (§19 UStG)")
        else:
            values["vat"] = vat
    elif base is None:
        values["vat"] = "19"

    if given("interval"):
        word = _text(raw["interval"]).lower()
        word = _INTERVAL_WORDS.get(word, word)
        try:
            values["interval"] = Interval(word)
        except ValueError:
            refuse("interval", "invalid_interval",
                   "one of monthly, quarterly, half_yearly, yearly")
    elif base is None or "interval" in raw:
        refuse("interval", "required", "required")

    if given("day"):
        text = _text(raw["day"]).lower()
        if text in (LAST, "letzter", "ultimo"):
            values["day"] = LAST
        else:
            try:
                day = _whole(raw["day"])
                if not 1 <= day <= 28:
                    raise ValueError(day)
                values["day"] = day
            except ValueError:
                refuse("day", "invalid_day", "1 to 28, or 'last' for the last day of the month")
    elif base is None or "day" in raw:
        refuse("day", "required", "required")

    for name in ("start", "end"):
        if given(name):
            try:
                values[name] = _day_of(raw[name])
            except ValueError:
                refuse(name, "invalid_date", "not a date (YYYY-MM-DD or DD.MM.YYYY)")
        elif name == "start" and base is None:
            refuse("start", "required", "required")
        elif name == "end" and name in raw:
            values["end"] = None  # cleared

    if given("count"):
        try:
            count = _whole(raw["count"])
            if count < 1:
                refuse("count", "count_too_small", "at least 1")
            else:
                values["count"] = count
        except ValueError:
            refuse("count", "invalid_number", "a whole number")
    elif "count" in raw:
        values["count"] = None

    if given("terms_days"):
        try:
            terms = _whole(raw["terms_days"])
            if not 0 <= terms <= 365:
                raise ValueError(terms)
            values["terms_days"] = terms
        except ValueError:
            refuse("terms_days", "invalid_terms", "0 to 365 days")

    # the rules between fields, on the values the template will have
    def final(name: str) -> Any:
        if name in values:
            return values[name]
        return getattr(base, name) if base is not None else None

    refused = {p.field for p in problems}
    start, interval = final("start"), final("interval")
    if "start" in values and interval is not None and "interval" not in refused:
        try:
            check_start(values["start"], interval, today)
        except ValueError:
            earliest = Schedule(today, interval, 1).issue_date(-1)
            refuse("start", "start_too_early",
                   f"at most one period in the past (not before "
                   f"{date(earliest.year, earliest.month, 1).isoformat()})")
    end = final("end")
    if end is not None and start is not None and end < start and "end" not in refused:
        refuse("end", "end_before_start", "must not be before the start")
    return values, problems


def new_template(tenant_id: str, template_id: str, values: Mapping[str, Any], at: datetime,
                 default_terms_days: int) -> Template:
    return Template(
        tenant_id=tenant_id, template_id=template_id, customer_id=values["customer_id"],
        line_text=values["line_text"], amount=values["amount"], vat=values.get("vat", "19"),
        interval=values["interval"], day=values["day"], start=values["start"],
        end=values.get("end"), count=values.get("count"),
        terms_days=values.get("terms_days", default_terms_days), created_at=at.isoformat())
