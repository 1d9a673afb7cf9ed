"""/v1/invoices: create (one or a batch), list with filters, one with its timeline, actions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from pydantic import BaseModel, Field

from ..domain.model import InvoiceStatus
from ..service import listings
from ..service.invoice_ops import act, decide_charges, import_invoices
from ..service.ports import InvoiceFilter
from ..service.views import invoice_json
from .common import ctx, now, page_json, request_id, tenant_of
from .idempotency import once

router = Router()

Text = Annotated[str, Field(max_length=200)]


class CustomerIn(BaseModel):
    id: Text | None = Field(default=None, description="the customer number; else derived from the name")
    name: Text | None = None
    email: Text | None = None
    street: Text | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Text | None = None
    country: Annotated[str, Field(max_length=2)] | None = None
    consumer: bool | None = Field(default=None, description="true: a consumer (B2C)")


class InvoiceIn(BaseModel):
    number: Annotated[str, Field(min_length=1, max_length=64)]
    customer: CustomerIn
    issue_date: Annotated[str, Field(description="2026-12-31 or 31.12.2026", max_length=10)]
    due_date: Annotated[str, Field(max_length=10)] | None = None
    terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    amount: Annotated[str, Field(description="gross, e.g. 1234.56 or 1.234,56", max_length=20)]
    open_amount: Annotated[str, Field(max_length=20)] | None = None
    currency: Annotated[str, Field(max_length=3)] | None = "EUR"
    credit_note: bool = Field(default=False, description=(
        "true: a credit note (Gutschrift) with a negative amount that reduces what the customer "
        "owes; a negative amount without it is refused"))

    def fields(self) -> dict[str, str]:
        c = self.customer
        consumer = "" if c.consumer is None else ("ja" if c.consumer else "nein")
        return {
            "number": self.number, "customer_id": c.id or "", "name": c.name or "",
            "email": c.email or "", "street": c.street or "", "postal_code": c.postal_code or "",
            "city": c.city or "", "country": c.country or "", "consumer": consumer,
            "issue_date": self.issue_date, "due_date": self.due_date or "",
            "terms_days": "" if self.terms_days is None else str(self.terms_days),
            "amount": self.amount, "open_amount": self.open_amount or "",
            "currency": self.currency or "",
            "credit_note": "true" if self.credit_note else "",
        }


class InvoiceBatch(BaseModel):
    invoices: Annotated[list[InvoiceIn], Field(min_length=1, max_length=1000)]


class ActionIn(BaseModel):
    reason: Annotated[str, Field(max_length=500)] = ""


class PauseIn(ActionIn):
    until: date


class ChargesIn(ActionIn):
    decision: Literal["waive", "claim"] = Field(
        description="waive: write the residual charges off; claim: one friendly statement of them")


class HandOverIn(ActionIn):
    to: Annotated[str, Field(min_length=1, max_length=200)]


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


@router.post("/", summary="Create invoices (a batch of 1–1,000)")
def create(batch: InvoiceBatch, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    body = [i.fields() for i in batch.invoices]

    def run() -> dict[str, Any]:
        request = idempotency_key or request_id(router.current_event)
        report = import_invoices(ctx(), tenant, body, now(), request)
        return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                # each: file, line, code, English message, params (and the message as "reason")
                "rejected": [r.as_dict() for r in report.rejected],
                "warnings": [w.as_dict() for w in report.warnings]}

    return once(tenant, "invoices.create", idempotency_key, body, run)


@router.get("/", summary="List invoices")
def list_invoices(
    status: Annotated[InvoiceStatus | None, Query()] = None,
    customer: Annotated[str | None, Query(max_length=100)] = None,
    level: Annotated[int | None, Query(ge=0, le=9)] = None,
    due_from: Annotated[date | None, Query()] = None,
    due_to: Annotated[date | None, Query()] = None,
    charges: Annotated[Literal["ask", "claim", "claimed", "waived"] | None, Query(
        description="residual charges (interest and fees left once the principal is paid) in "
                    "this state; ask: awaiting the owner's decision")] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    where = InvoiceFilter(statuses=(status.value,) if status is not None else (), level=level,
                          due_from=due_from, due_to=due_to, charges=charges)
    page = listings.invoice_page(ctx(), tenant, limit, cursor, customer, where)
    return page_json([invoice_json(i) for i in page.items], page.cursor)


@router.get("/<number>", summary="One invoice with its timeline")
def get_invoice(number: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    invoice, timeline = listings.invoice_with_timeline(ctx(), tenant, number)
    for entry in timeline:
        pdf = entry.get("pdf")
        if pdf and entry.get("notice"):
            entry["letter_url"] = f"/v1/notices/{entry['notice']}/letter"
    delivery = listings.invoice_delivery(ctx(), tenant, invoice)
    return {**invoice_json(invoice), **delivery, "timeline": timeline}


def _act(number: str, action: str, **params: Any) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return invoice_json(act(ctx(), tenant, number, action, now(), **params))


@router.post("/<number>/pause", summary="Pause dunning until a date")
def pause(number: str, body: PauseIn) -> dict[str, Any]:
    return _act(number, "pause", until=body.until, reason=body.reason)


@router.post("/<number>/dispute", summary="Mark the invoice disputed (no letters)")
def dispute(number: str, body: ActionIn) -> dict[str, Any]:
    return _act(number, "dispute", reason=body.reason)


@router.post("/<number>/resolve", summary="Resolve a dispute: dunning resumes")
def resolve(number: str, body: ActionIn) -> dict[str, Any]:
    return _act(number, "resolve", reason=body.reason)


@router.post("/<number>/resume", summary="End a pause early: dunning continues on its schedule")
def resume(number: str, body: ActionIn) -> dict[str, Any]:
    return _act(number, "resume", reason=body.reason)


@router.post("/<number>/reopen",
             summary="Reopen a handed-over or written-off invoice: back to dunning at its level")
def reopen(number: str, body: ActionIn) -> dict[str, Any]:
    return _act(number, "reopen", reason=body.reason)


@router.post("/<number>/write-off", summary="Write the claim off")
def write_off(number: str, body: ActionIn) -> dict[str, Any]:
    return _act(number, "write_off", reason=body.reason)


@router.post("/<number>/cancel", summary="Cancel the invoice (issued in error)")
def cancel(number: str, body: ActionIn) -> dict[str, Any]:
    return _act(number, "cancel", reason=body.reason)


@router.post("/<number>/charges",
             summary="Decide on residual charges (interest and fees left once the principal is paid)")
def charges(number: str, body: ChargesIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return invoice_json(decide_charges(ctx(), tenant, number, body.decision, now(), body.reason))


@router.post("/<number>/hand-over", summary="Hand the claim over to a collection agency or lawyer")
def hand_over(number: str, body: HandOverIn) -> dict[str, Any]:
    return _act(number, "hand_over", to=body.to, reason=body.reason)
