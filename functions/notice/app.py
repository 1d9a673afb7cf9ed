"""Notice: one request per (tenant, customer, run day) from SQS → decide, reserve, render, send.

The same queue carries "send this invoice" requests (kind "invoice") for tenants that let
Mahnwerk write their invoices: render, archive, send once (service.invoicing).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.service import approvals, bootstrap, dunning, invoicing, recurring

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    body = record.json_body
    if body.get("kind") == invoicing.KIND:  # an invoice Mahnwerk writes itself (after an import)
        sent = invoicing.process_request(bootstrap.context(), body)
        logger.info("invoice request processed", extra={
            "status": sent.status, "invoice": sent.number, "channels": sent.channels})
        metrics.add_metric(f"Invoices_{sent.status}", MetricUnit.Count, 1)
        return
    if body.get("kind") == recurring.KIND:  # a tenant's recurring invoices due (daily)
        issued = recurring.process_request(bootstrap.context(), body)
        logger.info("recurring invoices issued", extra={"invoices_issued": len(issued["created"]),
                                                        "templates_skipped": len(issued["skipped"])})
        metrics.add_metric("RecurringInvoices_created", MetricUnit.Count, len(issued["created"]))
        return
    if body.get("kind") == approvals.KIND:  # a tenant's letters waiting for approval (daily)
        replanned = approvals.process_request(bootstrap.context(), body)
        logger.info("approvals processed", extra={"replanned": replanned})
        return
    outcome = dunning.process_request(bootstrap.context(), body)
    logger.info("notice request processed", extra={
        "status": outcome.status, "notice": outcome.notice_id, "channels": outcome.channels,
    })
    metrics.add_metric(f"Notices_{outcome.status}", MetricUnit.Count, 1)
    if outcome.stale_base_rate:
        # the operator must add the new §247 BGB base rate (layers/mahnwerk/mahnwerk/data)
        logger.warning("base-rate table is out of date; latest known rate used")
        metrics.add_metric("StaleBaseRate", MetricUnit.Count, 1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
