"""The records Mahnwerk reasons about. Plain dataclasses: no storage, no AWS."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import repeat

from .errors import MahnwerkError
from .money import ZERO
from .reasons import Reason

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


#: the name an erased customer keeps (GDPR Art. 17): pseudonymised master data, never restored
ERASED_NAME_PREFIX = "gelöscht/erased "


class DomainError(MahnwerkError, ValueError):
    """A rule of the domain was broken by the input (not a bug, not an outage)."""

    code, status, message = "invalid_input", 400, "the input was not accepted"


def check_tenant_id(tenant_id: str) -> str:
    """Tenant ids end up in S3 keys and DynamoDB keys: lower-case letters, digits and dashes only."""
    if not TENANT_ID.match(tenant_id):
        raise DomainError(f"invalid tenant id: {tenant_id!r}")
    return tenant_id


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DISPUTED = "disputed"
    HANDED_OVER = "handed_over"
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"


#: Statuses in which an invoice can still be dunned.
DUNNABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID})


class Channel(StrEnum):
    EMAIL = "email"
    POST = "post"


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "DE"

    @property
    def complete(self) -> bool:
        return bool(self.street and self.postal_code and self.city)


@dataclass(frozen=True)
class CustomerOverrides:
    """What the owner set for this customer; each field left None falls back to the tenant."""

    payment_terms_days: int | None = None
    channels: tuple[Channel, ...] | None = None
    paused_until: date | None = None
    pause_reason: str = ""
    excluded: bool = False
    #: §286 Abs. 2 Nr. 1 BGB: payment dates fixed by the calendar by agreement with this customer
    due_dates_agreed: bool | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    tenant_id: str
    customer_id: str
    name: str
    email: str = ""
    address: Address = field(default_factory=Address)
    is_consumer: bool = False
    locale: str = "de"
    overrides: CustomerOverrides = field(default_factory=CustomerOverrides)
    #: "" (fine), "bounced" or "complained": from SES feedback; letters then go by post
    email_status: str = ""
    #: intake only, never stored: the master-data fields the source left out (an empty cell, a
    #: missing column, an API field not sent). Merged into the stored customer, these keep the
    #: stored value (domain.customers.overlay); their value here is only the default of a new one.
    absent: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class Invoice:
    tenant_id: str
    number: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str = "EUR"
    status: InvoiceStatus = InvoiceStatus.OPEN
    #: the last dunning level sent for this invoice (0: none yet)
    level: int = 0
    #: the day this invoice next needs a decision; None once nothing more is due
    next_action_on: date | None = None
    last_notice_on: date | None = None
    paused_until: date | None = None
    #: where the due date came from: "invoice", "terms" or "default_terms"
    due_date_source: str = "invoice"
    version: int = 0
    pause_reason: str = ""
    #: §286 Abs. 3 S. 1 Hs. 2 BGB: the invoice told the consumer about default after 30 days
    consumer_notice: bool = False
    #: the day the first reminder reached the debtor (it puts them in default the day after)
    reminder_reached_on: date | None = None
    #: dunning fees charged by letters and not yet paid (costs, §367 BGB)
    fees_open: Decimal = ZERO
    #: §288 Abs. 5 BGB flat fee: paid so far (it is owed once per invoice in default)
    flat_fee_paid: Decimal = ZERO
    #: interest accrued exactly (unrounded) up to ``interest_through`` when the principal changed
    interest_accrued: Decimal = ZERO
    interest_through: date | None = None
    interest_paid: Decimal = ZERO
    #: when the invoice first arrived (ISO timestamp) and from which file, for its timeline
    received_at: str | None = None
    source: str | None = None
    #: residual charge: interest and costs still open once the principal is paid (see
    #: ``residual.py``); never a reason to dun the invoice as unpaid
    charges_open: Decimal = ZERO
    #: residual charges written off by the owner's policy or decision
    charges_waived: Decimal = ZERO
    #: what happens to the residual charge: "" (none), "waived", "ask" (the owner decides),
    #: "claim" (one statement is due on ``next_action_on``), "claimed" (that statement went out)
    charges_state: str = ""
    #: the last payment booked on the invoice, for the next letter ("Ihre Zahlung über … vom …")
    last_payment_id: str = ""
    last_payment_on: date | None = None
    last_payment_amount: Decimal = ZERO
    #: while disputed: the day the dispute began and the ``next_action_on`` it held then, so that
    #: resolving continues the schedule with the grace that was left (domain.actions)
    disputed_on: date | None = None
    held_next_action_on: date | None = None

    @property
    def paid_amount(self) -> Decimal:
        return self.amount - self.open_amount

    @property
    def dunning_started(self) -> bool:
        return self.level > 0

    def is_dunnable(self, on: date) -> bool:
        if self.status not in DUNNABLE or self.open_amount <= ZERO:
            return False
        return self.paused_until is None or self.paused_until < on

    def days_overdue(self, on: date) -> int:
        return max(0, (on - self.due_date).days)

    def with_changes(self, **changes: object) -> Invoice:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(slots=True)
class InvoiceRecord:
    """One invoice as read from a file, before it meets what we already know.

    Not frozen: a frozen dataclass's ``__init__`` costs four times as much, and a 100,000-row
    import builds one per row. Parsers hand records on and nothing changes them afterwards.
    """

    number: str
    customer: Customer
    issue_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str = "EUR"
    due_date_source: str = "invoice"
    line: int = 0
    #: what the record was read from: "" (CSV), "cii", "ubl", "zugferd1", "pdf-text"
    source_format: str = ""
    #: e-invoice specification/profile id
    #: (CII GuidelineSpecifiedDocumentContextParameter, UBL CustomizationID)
    profile: str = ""
    #: UNTDID 1001 document type code of an e-invoice ("380", "381", "384", …); "" when unknown
    document_type: str = ""
    #: True for credit notes: amount and open_amount were negated (they reduce what the customer owes)
    credit_note: bool = False
    #: already paid before the invoice was issued (e-invoice TotalPrepaidAmount / PrepaidAmount)
    prepaid_amount: Decimal = ZERO
    #: the remittance reference the debtor should quote (CII PaymentReference, UBL PaymentID)
    payment_reference: str = ""
    #: the invoice a credit note or corrected invoice refers to
    preceding_invoice: str = ""
    #: UNTDID 4461 payment means code ("58" SEPA transfer, "59" SEPA direct debit, …); "" when unknown
    payment_means: str = ""


@dataclass(frozen=True)
class Reject:
    """A row or a file we could not take, and why: always reported, never dropped.

    ``reason`` is a :class:`~.reasons.Reason` (code + params; its ``str`` is the English text):
    the dashboard, reports and e-mails render it in the owner's language, the API gives
    :meth:`as_dict`."""

    file: str
    line: int
    reason: Reason

    def text(self, lang: str) -> str:
        return self.reason.text(lang)

    def as_dict(self) -> dict[str, object]:
        """The API's and the reports' form: file, line, code, English message, params, and the
        English ``reason`` (as before codes existed)."""
        return {"file": self.file, "line": self.line, **self.reason.as_dict(),
                "reason": str(self.reason)}


def build_many[T](cls: type[T], count: int, columns: Mapping[str, Sequence[object]],
                  constants: Mapping[str, object] | None = None) -> list[T]:
    """``count`` instances of the slotted dataclass ``cls``, built field by field instead of
    instance by instance: each field from its column (one value per instance) or its constant,
    every other field at its default.

    The instances equal what ``cls(...)`` builds one at a time (tests/unit/test_model.py checks
    it), at about a third of the cost, because every loop runs in C: a 100,000-row invoice export
    builds one record per row and one customer per new customer. Defaults are shared between the
    instances, which suits the immutable defaults of this module; ``__post_init__`` does not run.
    """
    if "__slots__" not in vars(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass without __post_init__")
    constants = constants or {}
    unknown = set(columns).union(constants).difference(f.name for f in fields(cls))  # type: ignore[arg-type]
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    objects = list(map(object.__new__, repeat(cls, count)))
    for spec in fields(cls):  # type: ignore[arg-type]
        name = spec.name
        values: Sequence[object] | repeat[object]
        if name in columns:
            values = columns[name]
            if len(values) != count:
                raise ValueError(f"{cls.__name__}.{name}: {len(values)} values for {count} instances")
        elif name in constants:
            values = repeat(constants[name], count)
        elif spec.default is not MISSING:
            values = repeat(spec.default, count)
        elif spec.default_factory is not MISSING:
            values = repeat(spec.default_factory(), count)
        else:
            raise TypeError(f"{cls.__name__}.{name} has no default and no values")
        deque(map(getattr(cls, name).__set__, objects, values), maxlen=0)
    return objects
