"""Use case: credit rules (Kreditregeln). A customer's credit state is recomputed when their data
change, the tenant's ``credit.rules`` decide a credit hold, and the hold's start and end go to
integrators as ``CreditHoldSet`` / ``CreditHoldReleased``.

One function, :func:`credit_changed`, is called where a customer's figures move: an invoice file
or API import (``service/intake.apply_records``), a booked payment (``service/reconcile.
publish_outbox``: statements, API payments, manual assignment), a letter sent or a hand-over
(``service/dunning.process_request``), the owner's change of the credit limit. Its work is bounded:
per customer one query of that customer's invoices (the customer index), one read of its counters
and one of its credit record, never a scan. A failure there never undoes the caller's work: it is
logged, and the next change recomputes.

The credit bureau (``ports.CreditBureau``) is asked only when the owner switched it on
(``credit.bureau_check``), the stored answer is older than ``credit.bureau_max_age_days``, and
the customer is a business or a consumer with a legitimate interest recorded (GDPR Art. 6(1)(f)).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..domain import events
from ..domain.credit import (
    BureauSubject,
    CreditRecord,
    bureau_due,
    check_limit,
    evaluate,
    exposure,
    history,
    may_ask_bureau,
    risk_class,
    suggested_limit,
)
from ..domain.dates import business_date
from ..domain.model import ERASED_NAME_PREFIX, Customer
from ..domain.money import to_str
from ..domain.settings import TenantSettings
from .bootstrap import Context
from .ports import Conflict
from .tenants import load_settings

LOGGER = logging.getLogger(__name__)
ATTEMPTS = 3


def _unchanged(a: CreditRecord, b: CreditRecord) -> bool:
    return replace(a, refreshed_on=None, version=0) == replace(b, refreshed_on=None, version=0)


def computed(ctx: Context, settings: TenantSettings, old: CreditRecord, at: datetime,
             customer: Customer | None = None, ask_bureau: bool = True) -> CreditRecord:
    """``old`` with figures, risk class, suggested limit and the rules' verdict of today (and a
    fresh bureau answer when one is due and allowed). Reads only this customer's data."""
    tenant, customer_id = old.tenant_id, old.customer_id
    on = business_date(at)
    invoices = ctx.invoices.customer_invoices(tenant, customer_id)
    figures = exposure(invoices, on)
    klass = risk_class(ctx.customers.behaviour(tenant, customer_id), history(invoices, on))
    verdict = evaluate(settings.credit.rules, figures, old.credit_limit, klass)
    bureau = old.bureau
    if ask_bureau and settings.credit.bureau_check and \
            bureau_due(old.bureau, on, settings.credit.bureau_max_age_days):
        customer = customer or ctx.customers.get_customer(tenant, customer_id)
        if customer is not None and not customer.name.startswith(ERASED_NAME_PREFIX) and \
                may_ask_bureau(customer.is_consumer, old.legitimate_interest):
            a = customer.address
            bureau = ctx.bureau.look_up(BureauSubject(
                tenant, customer_id, customer.name, a.street, a.postal_code, a.city, a.country,
                customer.is_consumer)) or old.bureau
    seq = old.hold_seq + 1 if verdict.hold and not old.hold else old.hold_seq
    return replace(old, figures=figures, risk_class=klass,
                   suggested_limit=suggested_limit(invoices, klass, on), hold=verdict.hold,
                   prepayment=verdict.prepayment, reasons=verdict.reasons, hold_seq=seq,
                   refreshed_on=on, bureau=bureau)


def refresh_customer(ctx: Context, tenant: str, customer_id: str, at: datetime,
                     settings: TenantSettings | None = None) -> CreditRecord:
    """Recompute one customer's credit state and store it (only if it changed); the hold's
    start or end is published. Conflict when it changed under us three times running."""
    settings = settings or load_settings(ctx, tenant)
    for _ in range(ATTEMPTS):
        old = ctx.credit.get_credit(tenant, customer_id) or CreditRecord(tenant, customer_id)
        new = computed(ctx, settings, old, at)
        if old.version and _unchanged(old, new):
            return old
        if not ctx.credit.put_credit(new, old.version):
            continue
        if new.hold != old.hold:
            ctx.events.publish([events.credit_hold(
                tenant, customer_id, new.hold, new.hold_seq,
                [rule for rule, _ in new.reasons if rule.endswith(":hold")],
                new.figures.exposure, new.figures.overdue, new.figures.oldest_overdue_days,
                new.risk_class, at)])
        return replace(new, version=old.version + 1)
    raise Conflict(f"credit {customer_id}")


def credit_changed(ctx: Context, tenant: str, customer_ids: Iterable[str], at: datetime) -> int:
    """The hook for every place where customers' figures move: recompute these customers. When
    the tenant has no credit rules and no bureau checks, only customers with a credit record (a
    limit set, an earlier hold) are recomputed. Never raises: the caller's work is done."""
    ids = sorted(set(customer_ids))
    if not ids:
        return 0
    done = 0
    try:
        settings = load_settings(ctx, tenant)
        if not settings.credit.rules and not settings.credit.bureau_check:
            ids = sorted(ctx.credit.batch_get_credit(tenant, ids))
        for customer_id in ids:
            refresh_customer(ctx, tenant, customer_id, at, settings)
            done += 1
    except Exception:  # recomputed at the next change: never fail the caller
        LOGGER.exception("credit state of %d customer(s) of %s not recomputed", len(ids) - done,
                         tenant)
    return done


_UNSET: Any = object()


def set_owner_fields(ctx: Context, tenant: str, customer_id: str, at: datetime, who: dict[str, str],
                     credit_limit: Decimal | None = _UNSET,
                     legitimate_interest: bool | None = _UNSET) -> CreditRecord:
    """The owner sets (or clears, None) the credit limit, or records a legitimate interest for a
    credit check of a consumer; written to the customer's timeline, then the rules are applied."""
    from .invoice_ops import NotFound  # invoice_ops → intake → this module

    if credit_limit is not _UNSET:
        check_limit(credit_limit)
    if ctx.customers.get_customer(tenant, customer_id) is None:
        raise NotFound(f"customer {customer_id} not found")
    for _ in range(ATTEMPTS):
        old = ctx.credit.get_credit(tenant, customer_id) or CreditRecord(tenant, customer_id)
        new = old
        if credit_limit is not _UNSET:
            new = replace(new, credit_limit=credit_limit)
        if legitimate_interest is not _UNSET and legitimate_interest is not None:
            new = replace(new, legitimate_interest=legitimate_interest)
        if new == old:
            return old
        if ctx.credit.put_credit(new, old.version):
            break
    else:
        raise Conflict(f"credit {customer_id}")
    changes: dict[str, Any] = {}
    if new.credit_limit != old.credit_limit:
        changes["credit_limit"] = [_money(old.credit_limit), _money(new.credit_limit)]
    if new.legitimate_interest != old.legitimate_interest:
        changes["credit_legitimate_interest"] = [old.legitimate_interest,
                                                 new.legitimate_interest]
    ctx.customers.add_customer_event(tenant, customer_id, "credit_changed", at,
                                     {**who, "changes": changes})
    return refresh_customer(ctx, tenant, customer_id, at)


def _money(value: Decimal | None) -> str | None:
    return to_str(value) if value is not None else None


def credit_of(ctx: Context, tenant: str, customer_id: str, at: datetime) -> CreditRecord:
    """The customer's credit state as stored, or (never computed yet) as of now without storing
    anything and without asking the bureau."""
    stored = ctx.credit.get_credit(tenant, customer_id)
    if stored is not None:
        return stored
    return computed(ctx, load_settings(ctx, tenant), CreditRecord(tenant, customer_id), at,
                    ask_bureau=False)


def credit_json(record: CreditRecord) -> dict[str, Any]:
    """What GET /v1/customers/{id} shows of it: ``credit_hold`` and its reasons at the top, the
    rest under ``credit``."""
    detail = record.as_dict()
    return {"credit_limit": detail["credit_limit"], "credit_hold": record.hold,
            "credit_reasons": detail["credit_reasons"], "credit": detail}


def credit_report(ctx: Context, tenant: str) -> dict[str, Any]:
    """Customers over their credit limit or on credit hold (GET /v1/reports/credit, the
    dashboard's credit page): most exposure first, with their names."""
    flagged = [r for r in ctx.credit.credit_records(tenant) if r.hold or r.over_limit]
    names = ctx.customers.batch_get_customers(tenant, [r.customer_id for r in flagged]) \
        if flagged else {}
    flagged.sort(key=lambda r: (-r.figures.exposure, r.customer_id))
    return {"customers": [
        {"customer_id": r.customer_id,
         "name": names[r.customer_id].name if r.customer_id in names else r.customer_id,
         **r.as_dict()} for r in flagged],
        "on_hold": sum(1 for r in flagged if r.hold),
        "over_limit": sum(1 for r in flagged if r.over_limit)}


def holds_of(ctx: Context, tenant: str, customer_ids: list[str]) -> dict[str, CreditRecord]:
    """The credit records of these customers (one batch read): the customer list's badges."""
    return ctx.credit.batch_get_credit(tenant, customer_ids) if customer_ids else {}
