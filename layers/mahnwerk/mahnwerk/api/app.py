"""The resolver: routers under /v1, one JSON error shape (every ``MahnwerkError`` mapped in one
handler: status, code, English message), OpenAPI and Swagger UI."""

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
from ..domain.errors import (
    BodyTooDeep,
    IdempotencyKeyReused,
    MahnwerkError,
    RequestInProgress,
    RequestInvalid,
    UnsupportedMediaType,
)
from . import (
    approvals,
    credit,
    customers,
    exports,
    health,
    invoices,
    notices,
    payments,
    portal,
    privacy,
    recurring,
    reports,
    review,
    runs,
    settings,
    uploads,
)
from .common import request_clock

TITLE = "Mahnwerk API"
SECURITY: dict[str, Any] = {
    "apiKey": HTTPBearer(description="Authorization: Bearer mwk_… (a tenant's API key)")}


def error(exc: MahnwerkError) -> Response[str]:
    """The API's one error shape: status, machine code, English message, and the error's details."""
    return Response(status_code=exc.status, content_type="application/json",
                    body=json.dumps({"statusCode": exc.status, "code": exc.code,
                                     "message": exc.public_message, **exc.reason_details(),
                                     **exc.details()},
                                    ensure_ascii=False))


def build() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    app.use(middlewares=[request_clock])
    app.include_router(invoices.router, prefix="/v1/invoices")
    app.include_router(customers.router, prefix="/v1/customers")
    app.include_router(privacy.router, prefix="/v1/customers")
    app.include_router(portal.router, prefix="/v1/customers")  # the debtor's page's link
    app.include_router(payments.router, prefix="/v1/payments")
    app.include_router(notices.router, prefix="/v1/notices")
    app.include_router(approvals.router, prefix="/v1/approvals")
    app.include_router(uploads.router, prefix="/v1/uploads")
    app.include_router(settings.router, prefix="/v1/settings")
    app.include_router(reports.router, prefix="/v1")
    app.include_router(credit.router, prefix="/v1")
    app.include_router(exports.router, prefix="/v1")
    app.include_router(health.router, prefix="/v1")
    app.include_router(runs.router, prefix="/v1/runs")
    app.include_router(review.router, prefix="/v1/review")
    app.include_router(recurring.router, prefix="/v1/recurring-invoices")
    app.enable_swagger(path="/v1/docs", title=TITLE, version=__version__,
                       security_schemes=SECURITY, security=[{"apiKey": []}])

    @app.exception_handler(MahnwerkError)
    def mahnwerk_error(exc: MahnwerkError) -> Response[str]:
        return error(exc)

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def idempotency_in_progress(exc: IdempotencyAlreadyInProgressError) -> Response[str]:
        return error(RequestInProgress())

    @app.exception_handler(IdempotencyValidationError)
    def idempotency_mismatch(exc: IdempotencyValidationError) -> Response[str]:
        return error(IdempotencyKeyReused())

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[str]:
        """422 as documented (``ValidationError``: loc, msg, type), with pydantic's message."""
        detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "invalid value")),
                   "type": str(e.get("type", "value_error"))} for e in exc.errors()]
        return Response(status_code=RequestInvalid.status, content_type="application/json",
                        body=json.dumps({"statusCode": RequestInvalid.status, "code": RequestInvalid.code,
                                         "detail": detail}, ensure_ascii=False, default=str))

    @app.exception_handler(ValueError)
    def unreadable_body(exc: ValueError) -> Response[str]:
        # the body parser refuses a body it cannot read (multipart without a boundary, …) with a
        # ValueError before any route runs: the client's fault, not a server error
        if "multipart" in str(exc) or "content-type" in str(exc).lower():
            return error(UnsupportedMediaType())
        raise exc  # anything else is a bug: let it fail loudly

    @app.exception_handler(RecursionError)
    def too_deep(exc: RecursionError) -> Response[str]:
        return error(BodyTooDeep())

    return app


def openapi_json() -> str:
    return build().get_openapi_json_schema(title=TITLE, version=__version__,
                                           security_schemes=SECURITY, security=[{"apiKey": []}])
