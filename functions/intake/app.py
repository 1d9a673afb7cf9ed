"""Intake: S3 object-created notifications (via SQS) → invoices in DynamoDB.

``inbox/`` keys are uploaded files; ``mail/`` keys are raw e-mails SES received for a tenant's
inbox, whose attachments go through the same intake (``service.mail``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.domain.dates import parse_iso_timestamp
from mahnwerk.service import bootstrap, intake, mail

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    body: dict[str, Any] = json.loads(record.body)
    if body.get("Event") == "s3:TestEvent":  # sent once when the notification is configured
        return
    ctx = bootstrap.context()
    for s3 in body.get("Records", []):
        key = unquote_plus(s3["s3"]["object"]["key"])
        if key.startswith(mail.MAIL_PREFIX):  # raw e-mail stored by SES's receipt rule
            for outcome in mail.receive_mail(ctx, key, s3["s3"]["object"].get("versionId"),
                                             parse_iso_timestamp(s3["eventTime"])):
                # reason codes and counts only: no address, subject or file name
                logger.info("mail received", extra=outcome.log_fields())
                metrics.add_metric("MailRefused" if outcome.status == "refused"
                                   else "MailImported", MetricUnit.Count, 1)
            continue
        report = intake.ingest_object(
            ctx, key, s3["s3"]["object"].get("versionId"), parse_iso_timestamp(s3["eventTime"])
        )
        logger.info("file imported", extra={
            "tenant": report.tenant_id, "invoices_created": len(report.created),
            "invoices_updated": len(report.updated),
            "invoices_unchanged": len(report.unchanged), "rows_rejected": len(report.rejected),
        })
        metrics.add_metric("InvoicesCreated", MetricUnit.Count, len(report.created))
        metrics.add_metric("RowsRejected", MetricUnit.Count, len(report.rejected))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
