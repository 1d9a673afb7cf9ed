"""Thin adapters over S3, SES, SQS and EventBridge. boto3 clients are created lazily, on first use."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO

import boto3
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from ..domain.errors import MahnwerkError

if TYPE_CHECKING:
    from ..domain.events import DomainEvent

LOGGER = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024  # intake refuses larger files before reading them


class FileTooLarge(MahnwerkError):
    code, status, message = "file_too_large", 413, "the file is too large"


class DocumentStore:
    """The private document bucket: inbox, rejects, reports, letters, post outbox."""

    def __init__(self, bucket: str, region: str) -> None:
        self.bucket = bucket
        self._region = region

    @cached_property
    def client(self) -> Any:
        """The one S3 client (the privacy store uses it for versions and tags)."""
        return boto3.client("s3", region_name=self._region)

    def open(self, key: str, version_id: str | None = None,
             max_bytes: int = MAX_FILE_BYTES) -> BinaryIO:
        """The object's body as a stream (one GET; nothing is read yet). Larger than ``max_bytes``
        by its Content-Length: refused unread."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        response = self.client.get_object(**kwargs)
        if response["ContentLength"] > max_bytes:
            response["Body"].close()
            raise FileTooLarge(f"{response['ContentLength']} bytes; the limit is {max_bytes}")
        body: BinaryIO = response["Body"]
        return body

    def get(self, key: str, version_id: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
        with self.open(key, version_id, max_bytes) as body:
            return body.read()

    def presign_get(self, key: str, seconds: int) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds)
        return url

    def presign_put(self, key: str, seconds: int) -> str:
        url: str = self.client.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds)
        return url

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
                            ServerSideEncryption="AES256")

    def put_json(self, key: str, document: Any) -> None:
        self.put(key, json.dumps(document, ensure_ascii=False, indent=2).encode(),
                 "application/json; charset=utf-8")

    def keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                    Prefix=prefix)
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


class SendRefused(Exception):
    """SES answered the send with an error (throttled, rejected): the message was not taken. Not
    raised for a lost connection or a timeout, where SES may have taken it."""


class Mailer:
    def __init__(self, region: str, configuration_set: str | None) -> None:
        self._region = region
        self._configuration_set = configuration_set

    @cached_property
    def _ses(self) -> Any:
        return boto3.client("ses", region_name=self._region)

    def send_raw(self, raw: bytes, source: str, destinations: list[str],
                 tags: dict[str, str] | None = None) -> str:
        kwargs: dict[str, Any] = {
            "Source": source, "Destinations": destinations, "RawMessage": {"Data": raw},
        }
        if tags:  # come back with SES's bounce/complaint events (configuration set)
            kwargs["Tags"] = [{"Name": k, "Value": v} for k, v in tags.items()]
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        try:
            message_id: str = self._ses.send_raw_email(**kwargs)["MessageId"]
        except ClientError as exc:  # SES answered with an error: it did not take the message
            raise SendRefused(exc.response.get("Error", {}).get("Code", "unknown")) from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:  # never reached SES
            raise SendRefused(type(exc).__name__) from exc
        return message_id


class Queue:
    def __init__(self, url: str, region: str) -> None:
        self.url = url
        self._region = region

    @cached_property
    def _sqs(self) -> Any:
        return boto3.client("sqs", region_name=self._region)

    def send_all(self, messages: Iterable[dict[str, Any]]) -> int:
        """Send in batches of ten (the SQS limit); raise if any message was refused."""
        batch: list[dict[str, Any]] = []
        sent = 0
        for message in messages:
            batch.append({"Id": str(len(batch)), "MessageBody": json.dumps(message)})
            if len(batch) == 10:
                sent += self._flush(batch)
                batch = []
        if batch:
            sent += self._flush(batch)
        return sent

    def _flush(self, batch: list[dict[str, Any]]) -> int:
        response = self._sqs.send_message_batch(QueueUrl=self.url, Entries=batch)
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} message(s)")
        return len(batch)


class EventPublisher:
    """Puts domain events on the Mahnwerk event bus (source ``mahnwerk``, detail-type = the event
    type), ten per PutEvents request, several requests in parallel for a large import.

    Never raises: an event is published after its state change was committed, and a bus that
    is down must not undo or fail that change. What could not be published (after one retry of
    the refused entries) is logged by type and id only, no personal data, and counted
    (metric ``EventsNotPublished``). Without a bus name nothing is published.
    """

    MAX_ENTRIES = 10  # the PutEvents limit
    MAX_BYTES = 256 * 1024  # per request
    WORKERS = 8

    def __init__(self, bus_name: str, region: str) -> None:
        self.bus_name = bus_name
        self._region = region

    @cached_property
    def _events(self) -> Any:
        return boto3.client("events", region_name=self._region)

    def publish(self, events: Iterable[DomainEvent]) -> int:
        """Publish; returns how many were accepted."""
        from ..domain.events import SOURCE

        if not self.bus_name:
            return 0
        batches: list[list[tuple[DomainEvent, dict[str, Any]]]] = [[]]
        size = 0
        for event in events:
            detail = json.dumps(event.detail(), separators=(",", ":"))
            entry = {"EventBusName": self.bus_name, "Source": SOURCE, "DetailType": event.type.value,
                     "Detail": detail, "Time": event.occurred_at}
            entry_size = 14 + len(SOURCE) + len(event.type.value) + len(detail.encode())
            if len(batches[-1]) == self.MAX_ENTRIES or (
                    batches[-1] and size + entry_size > self.MAX_BYTES):
                batches.append([])
                size = 0
            batches[-1].append((event, entry))
            size += entry_size
        batches = [b for b in batches if b]
        if not batches:
            return 0
        self._events  # noqa: B018 - create the client once, before any worker thread needs it
        if len(batches) == 1:
            results = [self._put(batches[0])]
        else:
            with ThreadPoolExecutor(min(self.WORKERS, len(batches))) as pool:
                results = list(pool.map(self._put, batches))
        failed = [f for batch_failed in results for f in batch_failed]
        total = sum(len(b) for b in batches)
        _count("EventsPublished", total - len(failed))
        if failed:
            _count("EventsNotPublished", len(failed))
            LOGGER.error("events not published", extra={
                "events_failed": len(failed),
                "failed": [{"type": e.type.value, "event_id": e.event_id, "tenant": e.tenant_id,
                            "error": error} for e, error in failed[:20]],
            })
        return total - len(failed)

    def _put(self, batch: list[tuple[DomainEvent, dict[str, Any]]]
             ) -> list[tuple[DomainEvent, str]]:
        """Send one request; refused entries are sent once more. Returns what still failed."""
        failed: list[tuple[DomainEvent, str]] = []
        for _attempt in range(2):
            try:
                response = self._events.put_events(Entries=[entry for _, entry in batch])
            except Exception as exc:  # any outage (botocore retried it already): keep going
                code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
                return [(event, str(code)) for event, _ in batch]
            failed = [(event, str(result.get("ErrorCode")))
                      for (event, _), result in zip(batch, response["Entries"], strict=True)
                      if result.get("ErrorCode")]
            if not failed:
                return []
            refused = {id(event) for event, _ in failed}
            batch = [(event, entry) for event, entry in batch if id(event) in refused]
        return failed


def _count(metric: str, value: int) -> None:
    """A CloudWatch metric through Powertools (its metric set is shared with the handler's
    ``log_metrics``, which flushes it); nothing where Powertools is not installed."""
    if value <= 0:
        return
    try:
        from aws_lambda_powertools import Metrics
        from aws_lambda_powertools.metrics import MetricUnit
    except ImportError:  # pragma: no cover - the Lambda runtime has the Powertools layer
        return
    Metrics().add_metric(name=metric, unit=MetricUnit.Count, value=value)


def queue_depths(urls: Iterable[str], region: str) -> dict[str, int]:
    """Messages waiting (visible or in flight) per queue, by queue name."""
    urls = list(urls)
    if not urls:
        return {}
    sqs = boto3.client("sqs", region_name=region)
    depths: dict[str, int] = {}
    for url in urls:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        depths[url.rsplit("/", 1)[-1]] = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"])
    return depths
