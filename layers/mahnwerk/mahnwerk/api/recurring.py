"""/v1/recurring-invoices: templates of invoices Mahnwerk issues every month, quarter, half-year
or year (create, list, one with its invoices and timeline, change, end). A refused field answers
400 ``recurring_invalid`` with ``errors``: each field, a code and the English reason."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import BaseModel, ConfigDict, Field

from ..service import recurring
from .common import ctx, now, tenant_of
from .idempotency import once

router = Router()

Text = Annotated[str, Field(max_length=100)]
Number = Annotated[str, Field(max_length=40)] | int | float


class RecurringIn(BaseModel):
    """A template. Amounts are gross (EUR); dates ``YYYY-MM-DD``."""

    model_config = ConfigDict(extra="forbid")
    customer_id: Text | None = Field(default=None, description="the customer's number (must exist)")
    line_text: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="what the invoice is for (at most 300 characters)")
    amount: Number | None = Field(default=None, description="gross amount, more than 0")
    vat: Number | None = Field(default=None,
                               description="VAT in the gross amount: 19, 7, 0 or small_business "
                                           "(§19 UStG); default 19")
    interval: Text | None = Field(default=None,
                                  description="monthly, quarterly, half_yearly or yearly")
    day: Number | None = Field(default=None, description="billing day: 1–28 or last")
    start: Text | None = Field(default=None, description="first day; at most one period back")
    end: Text | None = Field(default=None, description="last billing day (optional)")
    count: Number | None = Field(default=None, description="how many invoices at most (optional)")
    terms_days: Number | None = Field(default=None,
                                      description="payment terms in days; default the policy's")


class RecurringPatch(RecurringIn):
    """Only the fields sent change; ``end``/``count`` null clears them."""

    status: Literal["active", "paused"] | None = Field(
        default=None, description="pause or resume (audited); DELETE ends the template")


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


@router.post("/", summary="Create a recurring invoice")
def create(body: RecurringIn, idempotency_key: IdempotencyKey = None) -> Response[dict[str, Any]]:
    tenant = tenant_of(router.current_event)
    raw = body.model_dump(exclude_unset=True)

    def run() -> dict[str, Any]:
        made = recurring.create_template(ctx(), tenant, raw, now(), "api")
        return recurring.template_json(ctx(), made)

    return Response(status_code=201, content_type="application/json",
                    body=once(tenant, "recurring.create", idempotency_key, raw, run))


@router.get("/", summary="List recurring invoices")
def list_templates() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return {"items": [recurring.template_json(ctx(), t) for t in ctx().recurring.templates(tenant)]}


@router.get("/<template_id>", summary="One recurring invoice: its invoices and timeline")
def get_template(template_id: str) -> dict[str, Any]:
    found = recurring.get_template(ctx(), tenant_of(router.current_event), template_id)
    return recurring.template_json(ctx(), found, detail=True)


@router.patch("/<template_id>", summary="Change a recurring invoice (only the fields sent)")
def patch_template(template_id: str, body: RecurringPatch) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    changed = recurring.change_template(ctx(), tenant, template_id,
                                        body.model_dump(exclude_unset=True), now(), "api")
    return recurring.template_json(ctx(), changed, detail=True)


@router.delete("/<template_id>", summary="End a recurring invoice (no more invoices; audited)")
def end_template(template_id: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    ended = recurring.set_status(ctx(), tenant, template_id, "ended", now(), "api")
    return recurring.template_json(ctx(), ended, detail=True)
