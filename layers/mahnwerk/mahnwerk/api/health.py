"""/v1/health: version, base-rate table freshness, dead-letter queue depth."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from .. import __version__
from ..adapters.aws import queue_depths
from ..domain.dates import business_date
from ..service.law import base_rates
from .common import ctx, now

router = Router()


@router.get("/health", summary="Service health")
def health() -> dict[str, Any]:
    rates = base_rates()
    today = business_date(now())
    config = ctx().config
    depth = queue_depths(config.dead_letter_queues, config.region)
    stale = rates.stale_on(today)
    status = "ok" if not stale and not any(depth.values()) else "degraded"
    return {"status": status, "version": __version__,
            "base_rates": {"known_through": rates.known_through.isoformat(), "stale": stale},
            "dead_letter_queues": depth}
