"""/v1/health: version, base-rate table freshness, dead-letter queue depth."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..domain.dates import business_date
from ..service.health import health as report
from .common import ctx, now

router = Router()


@router.get("/health", summary="Service health")
def health() -> dict[str, Any]:
    return report(ctx(), business_date(now()))
