"""Dunning: the daily EventBridge Scheduler run → one notice request per due customer (SQS)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.domain.dates import business_date, parse_iso_timestamp
from mahnwerk.service import bootstrap, dunning

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The schedule's Input carries <aws.scheduler.scheduled-time>: the run day is the Berlin
    # calendar day of the *scheduled* time, so a delayed or retried invocation keeps its day.
    scheduled = parse_iso_timestamp(event["scheduled_time"])
    run_date = business_date(scheduled)
    result = dunning.plan_run(bootstrap.context(), run_date, scheduled)
    logger.info("dunning run planned", extra={"run_date": run_date.isoformat(), **result})
    metrics.add_metric("NoticeRequests", MetricUnit.Count, result["requests"])
    # tenants whose letters the stale-bank-data guard held today (service/runs.py)
    metrics.add_metric("TenantsHeldForStaleBankData", MetricUnit.Count, result["held"])
    return {"run_date": run_date.isoformat(), **result}
