"""/v1/customers: list, one with account statement, payment behaviour and timeline, master data
edits (PATCH), overrides."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..service.customer_input import CustomerPatch, OverridesIn
from ..service.customers import customer_detail, save_master, save_overrides
from ..service.listings import customer_page
from ..service.views import customer_json
from .common import ctx, key_of, now, page_json, tenant_of

router = Router()

@router.get("/", summary="List customers")
def list_customers(
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    page = customer_page(ctx(), tenant, limit, cursor)
    return page_json([customer_json(c) for c in page.items], page.cursor)


@router.get("/<customer_id>", summary="One customer: account statement and payment behaviour")
def get_customer(customer_id: str) -> dict[str, Any]:
    return customer_detail(ctx(), tenant_of(router.current_event), customer_id, now())


@router.put("/<customer_id>/overrides", summary="Set the customer's overrides")
def put_overrides(customer_id: str, body: OverridesIn) -> dict[str, Any]:
    return save_overrides(ctx(), tenant_of(router.current_event), customer_id, body)


@router.patch("/<customer_id>", summary="Change the customer's master data (only the fields sent)")
def patch_customer(customer_id: str, body: CustomerPatch) -> dict[str, Any]:
    event = router.current_event
    return save_master(ctx(), tenant_of(event), customer_id, body, "api", key_of(event), now())
