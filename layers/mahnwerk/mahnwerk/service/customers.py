"""Use case: the owner edits a customer's master data (the API's PATCH, the dashboard's form).

Only the fields given change; each change is written to the customer's timeline (who, when,
old → new). The values are checked by ``customer_input.CustomerPatch``. Also what the API and the
dashboard show of one customer: account statement, payment behaviour, timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..domain import reports
from ..domain.actions import NotAllowed
from ..domain.customers import audit_changes, changes, with_master
from ..domain.model import ERASED_NAME_PREFIX, Customer, CustomerOverrides
from ..domain.money import ZERO, to_str
from .bootstrap import Context
from .credit import credit_json, credit_of, set_owner_fields
from .customer_input import CustomerPatch, OverridesIn
from .invoice_ops import NotFound
from .tenants import load_settings
from .views import customer_json, delivery_json, invoice_json


def edit_customer(ctx: Context, tenant: str, customer_id: str, values: Mapping[str, Any],
                  who: Mapping[str, str], at: datetime) -> Customer:
    """The customer with ``values`` (master field → new value; "" clears a text) applied; ``who``
    (``by``: api or dashboard, ``key_id``: the key) goes into the timeline entry.
    NotFound for a customer the tenant does not have; NotAllowed for an erased one; Conflict when
    the fields changed between the read and the write (read again and retry)."""
    old = ctx.customers.get_customer(tenant, customer_id)
    if old is None:
        raise NotFound(f"customer {customer_id} not found")
    if old.name.startswith(ERASED_NAME_PREFIX):
        raise NotAllowed(f"customer {customer_id} was erased on request (GDPR Art. 17); its master "
                         "data cannot be edited")
    new = with_master(old, values)
    found = changes(old, new)
    if found:
        ctx.customers.update_customer_master(old, new)
        ctx.customers.add_customer_event(tenant, customer_id, "master_changed", at,
                                    {**who, "changes": audit_changes(found)})
    return new


def save_master(ctx: Context, tenant: str, customer_id: str, body: CustomerPatch, by: str,
                key_id: str, at: datetime) -> dict[str, Any]:
    """Apply a master-data edit (the API's PATCH, the dashboard's form): the customer as saved,
    with its timeline."""
    who = {"by": by, "key_id": key_id} if key_id else {"by": by}
    customer = edit_customer(ctx, tenant, customer_id, body.values(), who, at)
    credit = body.credit_values()
    record = set_owner_fields(ctx, tenant, customer_id, at, who, **{
        {"credit_legitimate_interest": "legitimate_interest"}.get(k, k): v
        for k, v in credit.items()}) if credit else credit_of(ctx, tenant, customer_id, at)
    return {**customer_json(customer), **credit_json(record),
            "timeline": ctx.customers.customer_events(tenant, customer_id)}


def customer_detail(ctx: Context, tenant: str, customer_id: str, at: datetime) -> dict[str, Any]:
    """A customer with account statement and payment behaviour (the API and the dashboard)."""
    customer = ctx.customers.get_customer(tenant, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    invoices = sorted(ctx.invoices.customer_invoices(tenant, customer_id),
                      key=lambda i: (i.issue_date, i.number))
    open_items = [i for i in invoices if i.status in reports.RECEIVABLE and i.open_amount != ZERO]
    # one balance per currency, never added up: the euro one, then the others A–Z
    balances = {currency: sum((i.open_amount + i.fees_open for i in open_items
                               if i.currency == currency), ZERO)
                for currency in reports.currencies(open_items)}
    balance = balances.pop("EUR")
    policy = load_settings(ctx, tenant).policy
    return {
        **customer_json(customer),
        **delivery_json(customer, policy, open_items),
        "statement": {
            "as_of": at.date().isoformat(),
            "balance": to_str(balance),
            "other_balances": [{"currency": c, "balance": to_str(b)} for c, b in balances.items()],
            "open_items": [invoice_json(i) for i in open_items],
            "invoices": [invoice_json(i) for i in invoices],
        },
        "behaviour": reports.behaviour(ctx.customers.behaviour(tenant, customer_id)).as_dict(),
        **credit_json(credit_of(ctx, tenant, customer_id, at)),
        "timeline": ctx.customers.customer_events(tenant, customer_id),
    }


def save_overrides(ctx: Context, tenant: str, customer_id: str, body: OverridesIn) -> dict[str, Any]:
    """Set the customer's overrides; the customer as saved. NotFound for an unknown one."""
    customer = ctx.customers.get_customer(tenant, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    overrides = CustomerOverrides(
        payment_terms_days=body.payment_terms_days,
        channels=tuple(dict.fromkeys(body.channels)) if body.channels is not None else None,
        paused_until=body.paused_until, pause_reason=body.pause_reason.strip(),
        excluded=body.excluded, due_dates_agreed=body.due_dates_agreed)
    ctx.api.set_overrides(customer, overrides)
    fresh = ctx.customers.get_customer(tenant, customer_id)
    assert fresh is not None
    return customer_json(fresh)
