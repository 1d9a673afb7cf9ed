"""/v1/customers: list, one with account statement and payment behaviour, overrides."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from ..adapters.api_store import page_size
from ..domain import reports
from ..domain.model import Channel, CustomerOverrides, InvoiceStatus
from ..domain.money import ZERO, to_str
from .common import ctx, customer_json, invoice_json, now, page_json, store, tenant_of

router = Router()

_RECEIVABLE = {InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.DISPUTED,
               InvoiceStatus.HANDED_OVER}


class OverridesIn(BaseModel):
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    channels: Annotated[list[Channel], Field(max_length=2)] | None = None
    paused_until: date | None = None
    pause_reason: Annotated[str, Field(max_length=500)] = ""
    excluded: bool = False
    due_dates_agreed: bool | None = None


@router.get("/", summary="List customers")
def list_customers(
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    page = store().customer_page(tenant, page_size(limit), cursor)
    return page_json([customer_json(c) for c in page.items], page.cursor)


def customer_detail(tenant: str, customer_id: str) -> dict[str, Any]:
    """A customer with account statement and payment behaviour (the API and the dashboard)."""
    repo = ctx().repo
    customer = repo.get_customer(tenant, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    invoices = sorted(repo.customer_invoices(tenant, customer_id), key=lambda i: (i.issue_date, i.number))
    open_items = [i for i in invoices if i.status in _RECEIVABLE and i.open_amount != ZERO]
    balance = sum((i.open_amount + i.fees_open for i in open_items), ZERO)
    return {
        **customer_json(customer),
        "statement": {
            "as_of": now().date().isoformat(),
            "balance": to_str(balance),
            "open_items": [invoice_json(i) for i in open_items],
            "invoices": [invoice_json(i) for i in invoices],
        },
        "behaviour": reports.behaviour(repo.behaviour(tenant, customer_id)).as_dict(),
    }


def save_overrides(tenant: str, customer_id: str, body: OverridesIn) -> dict[str, Any]:
    customer = ctx().repo.get_customer(tenant, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    overrides = CustomerOverrides(
        payment_terms_days=body.payment_terms_days,
        channels=tuple(dict.fromkeys(body.channels)) if body.channels is not None else None,
        paused_until=body.paused_until, pause_reason=body.pause_reason.strip(),
        excluded=body.excluded, due_dates_agreed=body.due_dates_agreed)
    store().set_overrides(customer, overrides)
    fresh = ctx().repo.get_customer(tenant, customer_id)
    assert fresh is not None
    return customer_json(fresh)


@router.get("/<customer_id>", summary="One customer: account statement and payment behaviour")
def get_customer(customer_id: str) -> dict[str, Any]:
    return customer_detail(tenant_of(router.current_event), customer_id)


@router.put("/<customer_id>/overrides", summary="Set the customer's overrides")
def put_overrides(customer_id: str, body: OverridesIn) -> dict[str, Any]:
    return save_overrides(tenant_of(router.current_event), customer_id, body)
