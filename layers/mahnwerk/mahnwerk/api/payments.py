"""/v1/payments: record one, list, the unmatched review list, assign an unmatched payment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from pydantic import BaseModel, Field

from ..domain.dates import business_date
from ..service.listings import payment_page
from ..service.payments import (
    assign,
    dismiss,
    payment_json,
    preview_assign,
    record_payment,
    restore,
    unassign,
)
from .common import ctx, now, page_json, tenant_of

router = Router()


class PaymentIn(BaseModel):
    amount: Annotated[Decimal, Field(gt=0, le=Decimal("999999999.99"), decimal_places=2)]
    booking_date: date
    reference: Annotated[str, Field(max_length=300)] = ""
    debtor_name: Annotated[str, Field(max_length=140)] = ""
    invoices: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=100)] = []
    #: ISO 4217; a payment only pays invoices in its own currency. Absent: the currency of the
    #: invoices named when they share one, else EUR
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None


class AssignIn(BaseModel):
    invoices: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]],
                        Field(min_length=1, max_length=100)]


@router.post("/", summary="Record a payment received outside the bank files",
             description="A booking date in the future is refused (400). Without an "
                         "Idempotency-Key, the same date, amount, payer and reference as a "
                         "payment recorded before is reported as a probable duplicate (409 with "
                         "its payment_id) instead of booked; a second such payment needs a key.")
def create(body: PaymentIn, idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=100)] = None) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return record_payment(ctx(), tenant, amount=body.amount, on=body.booking_date,
                          currency=body.currency,
                          reference=body.reference, debtor_name=body.debtor_name,
                          invoices=body.invoices, idempotency_key=idempotency_key,
                          today=business_date(now()))


@router.get("/", summary="List payments")
def list_payments(
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    page = payment_page(ctx(), tenant, limit, cursor)
    return page_json([payment_json(p) for p in page.items], page.cursor)


@router.get("/unmatched", summary="Payments to review, with suggestions")
def unmatched(
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    page = payment_page(ctx(), tenant, limit, cursor, status="unmatched")
    return page_json([payment_json(p) for p in page.items], page.cursor)


@router.post("/<payment_id>/assign", summary="Assign an unmatched payment to invoices")
def assign_payment(payment_id: str, body: AssignIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return assign(ctx(), tenant, payment_id, body.invoices, now())


@router.post("/<payment_id>/assign/preview",
             summary="What assigning would do (settled invoices, fees dropped, hand-overs "
                     "withdrawn, credit), without doing it")
def assign_preview(payment_id: str, body: AssignIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return preview_assign(ctx(), tenant, payment_id, body.invoices)


class UndoIn(BaseModel):
    reason: Annotated[str, Field(max_length=500)] = ""


class DismissIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=500,
                                 description="why this is no customer payment, e.g. a tax refund")]


@router.post("/<payment_id>/unassign",
             summary="Undo a matched payment: its invoices get back what it paid; it is unmatched "
                     "again")
def unassign_payment(payment_id: str, body: UndoIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return unassign(ctx(), tenant, payment_id, now(), body.reason)


@router.post("/<payment_id>/dismiss",
             summary="Dismiss an unmatched payment that is no customer payment (leaves the review "
                     "list)")
def dismiss_payment(payment_id: str, body: DismissIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return dismiss(ctx(), tenant, payment_id, now(), body.reason)


@router.post("/<payment_id>/restore", summary="Bring a dismissed payment back to the review list")
def restore_payment(payment_id: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return restore(ctx(), tenant, payment_id, now())
