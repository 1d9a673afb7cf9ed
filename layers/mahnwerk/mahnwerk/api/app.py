"""The resolver: routers under /v1, one JSON error shape, OpenAPI and Swagger UI."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from .. import __version__
from ..domain.actions import NotAllowed
from ..domain.model import DomainError
from ..domain.settings_checks import SettingsInvalid
from ..service.invoice_ops import NotFound
from ..service.payments import AlreadyAssigned, ProbableDuplicate
from ..service.ports import Conflict
from . import customers, health, invoices, notices, payments, privacy, reports, settings, uploads
from .common import request_clock

TITLE = "Mahnwerk API"
SECURITY: dict[str, Any] = {
    "apiKey": HTTPBearer(description="Authorization: Bearer mwk_… (a tenant's API key)")}


def error(status: int, message: str, **more: Any) -> Response[str]:
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps({"statusCode": status, "message": message, **more},
                                    ensure_ascii=False))


def build() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    app.use(middlewares=[request_clock])
    app.include_router(invoices.router, prefix="/v1/invoices")
    app.include_router(customers.router, prefix="/v1/customers")
    app.include_router(privacy.router, prefix="/v1/customers")
    app.include_router(payments.router, prefix="/v1/payments")
    app.include_router(notices.router, prefix="/v1/notices")
    app.include_router(uploads.router, prefix="/v1/uploads")
    app.include_router(settings.router, prefix="/v1/settings")
    app.include_router(reports.router, prefix="/v1")
    app.include_router(health.router, prefix="/v1")
    app.enable_swagger(path="/v1/docs", title=TITLE, version=__version__,
                       security_schemes=SECURITY, security=[{"apiKey": []}])

    @app.exception_handler(NotFound)
    def not_found(exc: NotFound) -> Response[str]:
        return error(404, str(exc))

    @app.exception_handler([NotAllowed, AlreadyAssigned, Conflict, IdempotencyAlreadyInProgressError])
    def conflict(exc: Exception) -> Response[str]:
        if isinstance(exc, Conflict):
            return error(409, "changed meanwhile by another request; read it again and retry")
        if isinstance(exc, IdempotencyAlreadyInProgressError):
            return error(409, "a request with this Idempotency-Key is still running")
        return error(409, str(exc))

    @app.exception_handler(ProbableDuplicate)
    def probable_duplicate(exc: ProbableDuplicate) -> Response[str]:
        return error(409, str(exc), payment_id=exc.payment_id)

    @app.exception_handler(IdempotencyValidationError)
    def idempotency_mismatch(exc: IdempotencyValidationError) -> Response[str]:
        return error(422, "this Idempotency-Key was used with a different request body")

    @app.exception_handler(DomainError)
    def bad_request(exc: DomainError) -> Response[str]:
        if isinstance(exc, SettingsInvalid):  # every refused field with its reason
            return error(400, str(exc), errors=[p.json() for p in exc.problems])
        return error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[str]:
        """422 as documented (``ValidationError``: loc, msg, type), with pydantic's message."""
        detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "invalid value")),
                   "type": str(e.get("type", "value_error"))} for e in exc.errors()]
        return Response(status_code=422, content_type="application/json",
                        body=json.dumps({"statusCode": 422, "detail": detail}, ensure_ascii=False,
                                        default=str))

    @app.exception_handler(ValueError)
    def unreadable_body(exc: ValueError) -> Response[str]:
        # the body parser refuses a body it cannot read (multipart without a boundary, …) with a
        # ValueError before any route runs: the client's fault, not a server error
        if isinstance(exc, DomainError):
            return error(400, str(exc))
        if "multipart" in str(exc) or "content-type" in str(exc).lower():
            return error(415, "send the request body as application/json")
        raise exc  # anything else is a bug: let it fail loudly

    @app.exception_handler(RecursionError)
    def too_deep(exc: RecursionError) -> Response[str]:
        return error(400, "the request body is nested too deeply")

    return app


def openapi_json() -> str:
    return build().get_openapi_json_schema(title=TITLE, version=__version__,
                                           security_schemes=SECURITY, security=[{"apiKey": []}])
