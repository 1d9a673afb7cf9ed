"""What every route shares: the tenant from the authorizer, JSON shapes, paging parameters."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ..adapters.api_store import ApiStore
from ..domain.model import Customer, DomainError, Invoice, check_tenant_id
from ..domain.money import to_str
from ..service import bootstrap
from ..service.bootstrap import Context


def tenant_of(event: BaseProxyEvent) -> str:
    """The tenant the authorizer found for the caller's key: the only source of a tenant id."""
    authorizer = (event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    tenant = authorizer.get("tenant_id")
    if not isinstance(tenant, str) or not tenant:
        raise UnauthorizedError("no tenant in the request context")
    try:
        return check_tenant_id(tenant)
    except DomainError as exc:
        raise UnauthorizedError("no tenant in the request context") from exc


def ctx() -> Context:
    return bootstrap.context()


def store() -> ApiStore:
    return ctx().api


def request_id(event: BaseProxyEvent) -> str:
    return str((event.raw_event.get("requestContext") or {}).get("requestId") or "")


#: when API Gateway received the request (requestContext.requestTimeEpoch), set per request
REQUEST_TIME: ContextVar[datetime | None] = ContextVar("request_time", default=None)


def now() -> datetime:
    """The request's time as API Gateway stamped it: "today" for actions and reports."""
    return REQUEST_TIME.get() or datetime.now(UTC)


def request_clock(app: Any, next_middleware: Any) -> Any:
    """Middleware: take the request time from the event (a simulated clock works the same way),
    and decode the path parameters."""
    epoch = (app.current_event.raw_event.get("requestContext") or {}).get("requestTimeEpoch")
    at = datetime.fromtimestamp(epoch / 1000, UTC) if isinstance(epoch, int | float) else None
    # REST APIs hand the path over still percent-encoded: an invoice number "RE 2026/7" arrives
    # as "RE%202026%2F7" and is looked up as the number it stands for
    args = app.context.get("_route_args") or {}
    if any("%" in str(v) for v in args.values()):
        app.append_context(_route_args={k: unquote(v) if isinstance(v, str) else v
                                        for k, v in args.items()})
    token = REQUEST_TIME.set(at)
    try:
        return next_middleware(app)
    finally:
        REQUEST_TIME.reset(token)


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def invoice_json(inv: Invoice) -> dict[str, Any]:
    return {
        "number": inv.number, "customer_id": inv.customer_id,
        "issue_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
        "due_date_source": inv.due_date_source, "amount": to_str(inv.amount),
        "open_amount": to_str(inv.open_amount), "paid_amount": to_str(inv.paid_amount),
        "fees_open": to_str(inv.fees_open), "interest_paid": to_str(inv.interest_paid),
        "charges_open": to_str(inv.charges_open), "charges_waived": to_str(inv.charges_waived),
        "charges_state": inv.charges_state or None,
        "currency": inv.currency, "status": inv.status.value, "level": inv.level,
        "next_action_on": iso(inv.next_action_on), "last_notice_on": iso(inv.last_notice_on),
        "paused_until": iso(inv.paused_until), "pause_reason": inv.pause_reason or None,
        "received_at": inv.received_at, "version": inv.version,
    }


def customer_json(c: Customer) -> dict[str, Any]:
    o = c.overrides
    return {
        "customer_id": c.customer_id, "name": c.name, "email": c.email or None,
        "address": {"street": c.address.street, "postal_code": c.address.postal_code,
                    "city": c.address.city, "country": c.address.country},
        "is_consumer": c.is_consumer, "locale": c.locale, "email_status": c.email_status or None,
        "overrides": {
            "payment_terms_days": o.payment_terms_days,
            "channels": [ch.value for ch in o.channels] if o.channels is not None else None,
            "paused_until": iso(o.paused_until), "pause_reason": o.pause_reason or None,
            "excluded": o.excluded, "due_dates_agreed": o.due_dates_agreed,
        },
    }


def page_json(items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}
