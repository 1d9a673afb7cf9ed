"""/v1/customers/{id}/portal-link: the customer's link to their page (to share by phone), and
revoking it (every earlier link stops working; the next letter prints the new one)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..domain.model import ERASED_NAME_PREFIX
from ..service import portal
from ..service.invoice_ops import NotFound
from .common import ctx, now, tenant_of

router = Router()


@router.get("/<customer_id>/portal-link",
            summary="The customer's link to their page (statement, answers)")
def portal_link(customer_id: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    customer = ctx().customers.get_customer(tenant, customer_id)
    if customer is None or customer.name.startswith(ERASED_NAME_PREFIX):
        raise NotFound(f"no customer {customer_id}")
    return {"url": portal.link_url(ctx(), tenant, customer_id, now())}


@router.post("/<customer_id>/portal-link/revoke",
             summary="Revoke the customer's link; the next letter carries a new one")
def revoke(customer_id: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    if ctx().customers.get_customer(tenant, customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    return portal.revoke(ctx(), tenant, customer_id, now())
