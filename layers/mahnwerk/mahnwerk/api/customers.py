"""/v1/customers: list, one with account statement, payment behaviour and timeline, master data
edits (PATCH), overrides."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from ..adapters.api_store import page_size
from ..domain import reports
from ..domain.model import Channel, CustomerOverrides, InvoiceStatus
from ..domain.money import ZERO, to_str
from ..intake.csv_invoices import formula_cell
from ..service.customers import edit_customer
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


#: control characters, and invisible characters that reorder or hide text (bidi overrides,
#: zero-width spaces): never part of a name or an address
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
#: what an e-mail address looks like, no more: one "@", a dot in the domain, no blanks
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_NULL_OK = "email, street, postal_code, city and channels"


def _clean(value: str) -> str:
    """A text as it is stored: trimmed; refused with hidden characters or as a formula."""
    if _HIDDEN.search(value):
        raise PydanticCustomError("hidden_characters",
                                  "control or invisible characters are not allowed")
    value = value.strip()
    if formula_cell(value):
        raise PydanticCustomError("formula", "looks like a spreadsheet formula (CSV injection)")
    return value


def _not_clearable() -> PydanticCustomError:
    return PydanticCustomError("not_clearable",
                               f"cannot be cleared (null or empty is allowed only for {_NULL_OK})")


class AddressPatch(BaseModel):
    """The address fields to change; a field left out stays as it is, null clears it."""

    model_config = ConfigDict(extra="forbid")
    street: Annotated[str, Field(max_length=200)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Annotated[str, Field(max_length=200)] | None = None
    country: Annotated[str, Field(max_length=2, description="ISO 3166 code (DE, AT, …)")] | None = None

    @field_validator("street", "postal_code", "city")
    @classmethod
    def _text(cls, value: str | None) -> str:
        return "" if value is None else _clean(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str:
        if value is None or not value.strip():
            raise _not_clearable()
        value = _clean(value).upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise PydanticCustomError("country_code", "a two-letter country code (DE, AT, …)")
        return value


class CustomerPatch(BaseModel):
    """Master data to change: a field left out stays as it is; null clears e-mail, street,
    postal code and city, and sets the channels back to the tenant's."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(max_length=200)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    address: AddressPatch | None = None
    is_consumer: StrictBool | None = Field(default=None, description="true: a consumer (B2C)")
    locale: Literal["de", "en"] | None = Field(default=None, description="language of the letters")
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2)] | None = Field(
        default=None, description="how letters go to this customer; null: the tenant's channels")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str:
        value = _clean(value) if value is not None else ""
        if not value:
            raise _not_clearable()
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str:
        value = _clean(value) if value is not None else ""
        if value and not _EMAIL.fullmatch(value):
            raise PydanticCustomError("email_syntax", "not an e-mail address")
        return value

    @field_validator("address", "is_consumer", "locale")
    @classmethod
    def _required(cls, value: object) -> object:
        if value is None:
            raise _not_clearable()
        return value

    def values(self) -> dict[str, Any]:
        """The master fields given, by name ("" clears a text; channels None: the tenant's)."""
        found: dict[str, Any] = {}
        for name in self.model_fields_set:
            if name == "address" and self.address is not None:
                found.update({k: getattr(self.address, k) for k in self.address.model_fields_set})
            elif name == "channels":
                found[name] = tuple(dict.fromkeys(self.channels)) if self.channels else None
            else:
                found[name] = getattr(self, name)
        return found


def key_of(event: BaseProxyEvent) -> str:
    """The id of the API key behind the request (the session's key on the dashboard): who."""
    authorizer = (event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    key_id = authorizer.get("key_id")
    return key_id if isinstance(key_id, str) else ""


def save_master(tenant: str, customer_id: str, body: CustomerPatch, by: str,
                key_id: str) -> dict[str, Any]:
    """Apply a master-data edit (the API's PATCH, the dashboard's form)."""
    who = {"by": by, "key_id": key_id} if key_id else {"by": by}
    customer = edit_customer(ctx(), tenant, customer_id, body.values(), who, now())
    return {**customer_json(customer), "timeline": ctx().customers.customer_events(tenant, customer_id)}


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
    c = ctx()
    customer = c.customers.get_customer(tenant, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    invoices = sorted(c.invoices.customer_invoices(tenant, customer_id),
                      key=lambda i: (i.issue_date, i.number))
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
        "behaviour": reports.behaviour(c.customers.behaviour(tenant, customer_id)).as_dict(),
        "timeline": c.customers.customer_events(tenant, customer_id),
    }


def save_overrides(tenant: str, customer_id: str, body: OverridesIn) -> dict[str, Any]:
    customer = ctx().customers.get_customer(tenant, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    overrides = CustomerOverrides(
        payment_terms_days=body.payment_terms_days,
        channels=tuple(dict.fromkeys(body.channels)) if body.channels is not None else None,
        paused_until=body.paused_until, pause_reason=body.pause_reason.strip(),
        excluded=body.excluded, due_dates_agreed=body.due_dates_agreed)
    store().set_overrides(customer, overrides)
    fresh = ctx().customers.get_customer(tenant, customer_id)
    assert fresh is not None
    return customer_json(fresh)


@router.get("/<customer_id>", summary="One customer: account statement and payment behaviour")
def get_customer(customer_id: str) -> dict[str, Any]:
    return customer_detail(tenant_of(router.current_event), customer_id)


@router.put("/<customer_id>/overrides", summary="Set the customer's overrides")
def put_overrides(customer_id: str, body: OverridesIn) -> dict[str, Any]:
    return save_overrides(tenant_of(router.current_event), customer_id, body)


@router.patch("/<customer_id>", summary="Change the customer's master data (only the fields sent)")
def patch_customer(customer_id: str, body: CustomerPatch) -> dict[str, Any]:
    event = router.current_event
    return save_master(tenant_of(event), customer_id, body, "api", key_of(event))
