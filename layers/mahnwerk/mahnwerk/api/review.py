"""/v1/review: PDFs that could not be read safely, completed by hand (the invoice imported through
the checks of any invoice sent as data) or discarded."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from ..domain.errors import MahnwerkError
from ..service.invoice_ops import FieldProblem
from ..service.review import complete_review, discard_review, get_review, review_json, review_page
from .common import ctx, now, page_json, tenant_of

router = Router()

Text = Annotated[str, Field(max_length=200)]


class ReviewFieldsInvalid(MahnwerkError):
    """The fields of a review do not make an invoice: each refused field with a code."""

    code, status, message = "invalid_fields", 422, "the invoice fields were refused"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field or 'invoice'}: {p.message}" for p in problems))
        self.field_problems = problems

    def details(self) -> dict[str, Any]:
        return {"errors": [{"field": p.field or "number", "code": p.kind, "message": p.message}
                           for p in self.field_problems]}


class ReviewCustomerIn(BaseModel):
    id: Text | None = Field(default=None, description="a known customer's number; else derived from the name")
    name: Text | None = None
    email: Text | None = None
    street: Text | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Text | None = None
    country: Annotated[str, Field(max_length=2)] | None = None


class ReviewIn(BaseModel):
    number: Annotated[str, Field(min_length=1, max_length=64)]
    issue_date: Annotated[str, Field(description="2026-12-31 or 31.12.2026", max_length=10)]
    due_date: Annotated[str, Field(max_length=10)] | None = None
    amount: Annotated[str, Field(description="gross, e.g. 1234.56 or 1.234,56", max_length=20)]
    open_amount: Annotated[str, Field(max_length=20)] | None = None
    currency: Annotated[str, Field(max_length=3)] | None = "EUR"
    customer: ReviewCustomerIn

    def fields(self) -> dict[str, str]:
        c = self.customer
        return {"number": self.number, "issue_date": self.issue_date, "due_date": self.due_date or "",
                "amount": self.amount, "open_amount": self.open_amount or "",
                "currency": self.currency or "", "customer_id": c.id or "", "name": c.name or "",
                "email": c.email or "", "street": c.street or "", "postal_code": c.postal_code or "",
                "city": c.city or "", "country": c.country or ""}


@router.get("/", summary="PDFs to review (could not be read safely), page by page")
def list_review(
    status: Annotated[Literal["open", "imported", "discarded"] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    items, next_cursor = review_page(ctx(), tenant, limit, cursor, status)
    return page_json([review_json(i) for i in items], next_cursor)


@router.get("/<review_id>", summary="One PDF to review: what was found and why it needs a look")
def get_one(review_id: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return review_json(get_review(ctx(), tenant, review_id))


@router.post("/<review_id>", summary="Complete a PDF to review: the invoice is imported "
                                      "(the checks of POST /v1/invoices)")
def complete(review_id: str, body: ReviewIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    done = complete_review(ctx(), tenant, review_id, body.fields(), now())
    if done.problems:
        raise ReviewFieldsInvalid(done.problems)
    return {**review_json(done.item), "created": done.created}


@router.post("/<review_id>/discard", summary="Discard a PDF to review (the original is kept)")
def discard(review_id: str) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return review_json(discard_review(ctx(), tenant, review_id, now()))
