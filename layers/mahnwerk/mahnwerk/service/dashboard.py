"""What the dashboard's pages show, read through the same listings and report functions as the
API (``service.listings``), so a figure on the dashboard and the API's figure cannot differ."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..domain import reports
from ..domain.deliverability import NO_CHANNEL
from ..domain.forecast import ForecastEntry
from ..domain.model import Customer, Invoice, InvoiceStatus
from ..domain.money import ZERO, from_str
from ..domain.notices import NoticeStatus
from . import listings
from .bootstrap import Context
from .law import base_rates
from .ports import InvoiceFilter

#: the phases an owner thinks in, in the order of the dunning process
PHASES = ("open", "reminded", "dunning1", "dunning2", "handed_over", "paid", "disputed", "closed")
_DUNNABLE = ("open", "partially_paid")
#: weeks of payments on the overview's chart
WEEKS = 8
PAGE = 50


def phase_of(inv: Invoice) -> str:
    """Open invoices by the letters sent so far (level 1: the reminder, 2: first dunning letter,
    3 and up: second/final dunning letter); the others by their status."""
    s = inv.status
    if s is InvoiceStatus.PAID:
        return "paid"
    if s is InvoiceStatus.HANDED_OVER:
        return "handed_over"
    if s is InvoiceStatus.DISPUTED:
        return "disputed"
    if s in (InvoiceStatus.WRITTEN_OFF, InvoiceStatus.CANCELLED):
        return "closed"
    return ("open", "reminded", "dunning1")[inv.level] if inv.level < 3 else "dunning2"


def phase_of_json(inv: dict[str, Any]) -> str:
    """``phase_of`` for an invoice in the API's JSON shape (``api.common.invoice_json``)."""
    status = InvoiceStatus(inv["status"])
    if status in (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID):
        level = int(inv["level"])
        return ("open", "reminded", "dunning1")[level] if level < 3 else "dunning2"
    return {InvoiceStatus.PAID: "paid", InvoiceStatus.HANDED_OVER: "handed_over",
            InvoiceStatus.DISPUTED: "disputed"}.get(status, "closed")


def phase_filter(phase: str) -> InvoiceFilter:
    """The same phases as a filter of the invoice list (the API's list query)."""
    match phase:
        case "open" | "reminded" | "dunning1":
            return InvoiceFilter(statuses=_DUNNABLE, level=PHASES.index(phase))
        case "dunning2":
            return InvoiceFilter(statuses=_DUNNABLE, min_level=3)
        case "handed_over" | "paid" | "disputed":
            return InvoiceFilter(statuses=(phase,))
        case "closed":
            return InvoiceFilter(statuses=("written_off", "cancelled"))
    return InvoiceFilter()


# --- overview -----------------------------------------------------------------------------------

@dataclass
class Overview:
    #: the euro figures; ``other`` holds (aging, DSO) of every other currency, never added up
    aging: reports.Aging
    dso: reports.Dso
    phases: dict[str, int]
    weeks: list[tuple[date, Decimal]]
    collected_30: Decimal
    collected_30_count: int
    calendar: list[ForecastEntry]
    names: dict[str, str]
    unmatched: int
    bounced: list[Customer]
    held: dict[str, int]
    rates_stale: bool
    rates_known_through: date
    other: list[tuple[reports.Aging, reports.Dso]] = field(default_factory=list)
    alerts: int = field(init=False)
    #: letters of the next 14 days that no channel can deliver (domain.deliverability): they wait
    undeliverable: list[ForecastEntry] = field(init=False)

    def __post_init__(self) -> None:
        self.undeliverable = [e for e in self.calendar if e.undeliverable == NO_CHANNEL]
        self.alerts = (bool(self.unmatched) + bool(self.bounced) + len(self.held)
                       + int(self.rates_stale) + bool(self.undeliverable))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def overview(ctx: Context, tenant: str, today: date) -> Overview:
    invoices = list(listings.receivables(ctx, tenant))  # one Query: the reports' own input
    aging, *other_agings = reports.aging_by_currency(invoices, today)
    dso, *other_dsos = reports.dso_by_currency(invoices, today, 90)
    phases = Counter(phase_of(inv) for inv in invoices)
    payments = ctx.payments.payments(tenant)
    first_week = week_start(today) - timedelta(weeks=WEEKS - 1)
    per_week: dict[date, Decimal] = defaultdict(lambda: ZERO)
    collected, collected_count = ZERO, 0
    for p in payments:
        if p.status == "dismissed":  # no customer payment (a tax refund, …)
            continue
        booked = date.fromisoformat(p.booking_date)
        amount = from_str(p.amount)
        if booked >= first_week:
            per_week[week_start(booked)] += amount
        if today - timedelta(days=30) < booked <= today:
            collected += amount
            collected_count += 1
    weeks = [(first_week + timedelta(weeks=i), per_week[first_week + timedelta(weeks=i)])
             for i in range(WEEKS)]
    calendar = listings.calendar_entries(ctx, tenant, today, 14)
    customers = ctx.customers.customers(tenant)
    held: dict[str, int] = Counter(n.held_reason or "" for n in ctx.notices.notices(tenant)
                              if n.status is NoticeStatus.HELD)
    rates = base_rates()
    return Overview(
        aging=aging, dso=dso, phases={p: phases.get(p, 0) for p in PHASES}, weeks=weeks,
        collected_30=collected, collected_30_count=collected_count, calendar=calendar,
        names={c.customer_id: c.name for c in customers},
        unmatched=sum(1 for p in payments if p.status == "unmatched"),
        bounced=[c for c in customers if c.email_status], held=dict(held),
        rates_stale=rates.stale_on(today), rates_known_through=rates.known_through,
        other=list(zip(other_agings, other_dsos, strict=True)))


# --- invoices -----------------------------------------------------------------------------------

@dataclass
class InvoiceList:
    items: list[Invoice]
    cursor: str | None
    names: dict[str, str]


def invoice_list(ctx: Context, tenant: str, phase: str, q: str, cursor: str | None) -> InvoiceList:
    """A page of the tenant's invoices in a phase, optionally matching a search text (invoice
    number, customer number or name). Filtered Queries return short pages; read on until a page
    is full (bounded), keeping the cursor exact."""
    where = phase_filter(phase)
    q = q.strip()[:100]
    if q:
        needle = q.casefold()
        ids = [cu.customer_id for cu in ctx.customers.customers(tenant)
               if needle in cu.name.casefold() or needle in cu.customer_id.casefold()][:99]
        where = replace(where, number_contains=(q, q.upper()), customer_ids=tuple(ids))
    filtered = where if where != InvoiceFilter() else None
    items: list[Invoice] = []
    for _ in range(4):  # at most 4 × FILTER_REQUESTS × FILTER_PAGE items read per page view
        page = listings.invoice_page(ctx, tenant, PAGE - len(items), cursor, None, filtered)
        items += page.items
        cursor = page.cursor
        if len(items) >= PAGE or not cursor:
            break
    return InvoiceList(items, cursor, customer_names(ctx, tenant, [inv.customer_id for inv in items]))


def customer_names(ctx: Context, tenant: str, ids: Iterable[str]) -> dict[str, str]:
    """Customer id → name, for the customers among ``ids`` the tenant has."""
    wanted = sorted(set(ids))
    found = ctx.customers.batch_get_customers(tenant, wanted) if wanted else {}
    return {cid: c.name for cid, c in found.items()}


def invoice_view(ctx: Context, tenant: str,
                 number: str) -> tuple[Invoice, list[dict[str, Any]], Customer | None]:
    """One invoice with its timeline and its customer (NotFound for an unknown invoice)."""
    invoice, timeline = listings.invoice_with_timeline(ctx, tenant, number)
    return invoice, timeline, ctx.customers.get_customer(tenant, invoice.customer_id)


# --- customers ----------------------------------------------------------------------------------

@dataclass
class CustomerRow:
    customer: Customer
    #: the euro balance; ``other`` the balances in other currencies (never added to it)
    balance: Decimal
    behaviour: reports.Behaviour
    other: dict[str, Decimal] = field(default_factory=dict)


def customer_rows(ctx: Context, tenant: str) -> list[CustomerRow]:
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    other: defaultdict[str, dict[str, Decimal]] = defaultdict(dict)
    for inv in listings.receivables(ctx, tenant):
        if inv.status in reports.RECEIVABLE and inv.open_amount != ZERO:
            if inv.currency == "EUR":
                balances[inv.customer_id] += inv.open_amount + inv.fees_open
            else:  # never added to the euro balance
                held = other[inv.customer_id]
                held[inv.currency] = held.get(inv.currency, ZERO) + inv.open_amount + inv.fees_open
    behaviours = dict(listings.behaviours(ctx, tenant))
    rows = [CustomerRow(c, balances[c.customer_id], reports.behaviour(behaviours.get(c.customer_id, {})),
                        dict(sorted(other[c.customer_id].items())))
            for c in ctx.customers.customers(tenant)]
    return sorted(rows, key=lambda r: (-r.balance, r.customer.name.casefold()))


# --- payments to review -------------------------------------------------------------------------

def suggested_invoices(ctx: Context, tenant: str,
                       payments: Iterable[dict[str, Any]]) -> dict[str, Invoice]:
    numbers = sorted({n for p in payments for s in p["suggestions"] for n in s.get("invoices", [])})
    return ctx.invoices.batch_get_invoices(tenant, numbers) if numbers else {}


def customer_choices(ctx: Context, tenant: str) -> list[tuple[str, str]]:
    """(id, name) of the tenant's customers by name: the invoice form's list to pick from."""
    return sorted(((c.customer_id, c.name) for c in ctx.customers.customers(tenant)),
                  key=lambda pair: (pair[1].casefold(), pair[0]))
