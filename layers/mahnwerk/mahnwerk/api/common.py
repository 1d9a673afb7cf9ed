"""What every route shares: the tenant from the authorizer, JSON shapes, paging parameters."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ..domain.model import DomainError, check_tenant_id
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


def page_json(items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}


def key_of(event: BaseProxyEvent) -> str:
    """The id of the API key behind the request (the session's key on the dashboard): who."""
    authorizer = (event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    key_id = authorizer.get("key_id")
    return key_id if isinstance(key_id, str) else ""
