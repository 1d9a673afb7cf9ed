"""The event shapes AWS really sends, built in one place for the local stack and the tests."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class LambdaContext:
    """What Lambda passes as ``context`` (the attributes Powertools reads)."""

    function_name: str
    memory_limit_in_mb: int = 512
    region: str = "eu-central-1"
    account: str = "123456789012"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline_ms: int = field(default_factory=lambda: int(time.time() * 1000) + 300_000)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS → Lambda event from ``receive_message`` results."""
    records = []
    for m in messages:
        attrs = m.get("Attributes", {})
        records.append({
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {
                "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attrs.get("SentTimestamp", str(int(time.time() * 1000))),
                "SenderId": attrs.get("SenderId", "AIDAEXAMPLE"),
                "ApproximateFirstReceiveTimestamp": attrs.get(
                    "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        })
    return {"Records": records}


def with_event_time(body: str, at: datetime | None) -> str:
    """Simulated time: S3 notifications carry the simulated upload time instead of the wall clock."""
    if at is None:
        return body
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        return body
    for record in document["Records"]:
        if isinstance(record, dict) and record.get("eventSource") == "aws:s3":
            record["eventTime"] = iso_z(at)
    return json.dumps(document)


def iso_z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduler_input(input_template: str, scheduled_time: datetime) -> dict[str, Any]:
    """EventBridge Scheduler fills the context attributes of the target's Input."""
    text = input_template.replace("<aws.scheduler.scheduled-time>", iso_z(scheduled_time))
    text = text.replace("<aws.scheduler.execution-id>", str(uuid.uuid4()))
    value: dict[str, Any] = json.loads(text)
    return value


def api_gateway_event(method: str, path: str, *, body: str | None = None,
                      headers: dict[str, str] | None = None,
                      query: dict[str, str] | None = None, stage: str = "dev",
                      authorizer: dict[str, Any] | None = None,
                      at: datetime | None = None, base64_body: bool = False) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy integration event (received ``at``, default now);
    ``base64_body``: the body is base64 (a binary body, as a binary media type passes it)."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method.upper(),
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}", "httpMethod": method.upper(), "path": f"/{stage}{path}",
            "stage": stage, "requestId": str(uuid.uuid4()), "accountId": "123456789012",
            "apiId": "local", "identity": {"sourceIp": "127.0.0.1"},
            "requestTimeEpoch": int((at.timestamp() if at else time.time()) * 1000),
            "authorizer": authorizer or {},
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }
