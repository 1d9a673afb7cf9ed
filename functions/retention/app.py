"""Retention: the daily EventBridge Scheduler run → documents whose legal retention period has
ended after an erasure are deleted, every version (GDPR Art. 5(1)(e), 17; docs/data-protection.md).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.domain.dates import business_date, parse_iso_timestamp
from mahnwerk.service import bootstrap, privacy

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the Berlin calendar day of the *scheduled* time: a retried invocation keeps its day
    today = business_date(parse_iso_timestamp(event["scheduled_time"]))
    ctx = bootstrap.context()
    tenants = deleted = 0
    for tenant_id in ctx.tenants.tenants():
        tenants += 1
        deleted += privacy.purge_expired(ctx, tenant_id, today)["deleted"]
    logger.info("retention run", extra={"day": today.isoformat(), "tenants": tenants,
                                        "versions_deleted": deleted})
    metrics.add_metric("DocumentVersionsDeleted", MetricUnit.Count, deleted)
    return {"day": today.isoformat(), "tenants": tenants, "versions_deleted": deleted}
