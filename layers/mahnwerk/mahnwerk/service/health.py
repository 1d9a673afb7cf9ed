"""How the service is: version, base-rate table freshness, dead-letter queue depth."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import __version__
from ..adapters.aws import queue_depths
from .bootstrap import Context
from .law import base_rates


def health(ctx: Context, today: date) -> dict[str, Any]:
    rates = base_rates()
    depth = queue_depths(ctx.config.dead_letter_queues, ctx.config.region)
    stale = rates.stale_on(today)
    status = "ok" if not stale and not any(depth.values()) else "degraded"
    return {"status": status, "version": __version__,
            "base_rates": {"known_through": rates.known_through.isoformat(), "stale": stale},
            "dead_letter_queues": depth}
