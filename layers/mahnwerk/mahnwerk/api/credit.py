"""/v1/reports/credit: customers over their credit limit or on credit hold (Kreditregeln). The
limit itself is set with PATCH /v1/customers/{id} (``credit_limit``); a customer's credit state is
part of GET /v1/customers/{id}."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..service.credit import credit_report
from .common import ctx, tenant_of

router = Router()


@router.get("/reports/credit", summary="Customers over their credit limit or on credit hold")
def credit() -> dict[str, Any]:
    return credit_report(ctx(), tenant_of(router.current_event))
