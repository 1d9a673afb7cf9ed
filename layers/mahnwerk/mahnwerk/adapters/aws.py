"""Thin adapters over S3, SES and SQS. boto3 clients are created lazily, on first use."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cached_property
from typing import Any, BinaryIO

import boto3

MAX_FILE_BYTES = 20 * 1024 * 1024  # intake refuses larger files before reading them


class FileTooLarge(Exception):
    pass


class DocumentStore:
    """The private document bucket: inbox, rejects, reports, letters, post outbox."""

    def __init__(self, bucket: str, region: str) -> None:
        self.bucket = bucket
        self._region = region

    @cached_property
    def _s3(self) -> Any:
        return boto3.client("s3", region_name=self._region)

    def open(self, key: str, version_id: str | None = None,
             max_bytes: int = MAX_FILE_BYTES) -> BinaryIO:
        """The object's body as a stream (one GET; nothing is read yet). Larger than ``max_bytes``
        by its Content-Length: refused unread."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        response = self._s3.get_object(**kwargs)
        if response["ContentLength"] > max_bytes:
            response["Body"].close()
            raise FileTooLarge(f"{response['ContentLength']} bytes; the limit is {max_bytes}")
        body: BinaryIO = response["Body"]
        return body

    def get(self, key: str, version_id: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
        with self.open(key, version_id, max_bytes) as body:
            return body.read()

    def presign_get(self, key: str, seconds: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds)
        return url

    def presign_put(self, key: str, seconds: int) -> str:
        url: str = self._s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds)
        return url

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
                            ServerSideEncryption="AES256")

    def put_json(self, key: str, document: Any) -> None:
        self.put(key, json.dumps(document, ensure_ascii=False, indent=2).encode(),
                 "application/json; charset=utf-8")

    def keys(self, prefix: str) -> list[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                    Prefix=prefix)
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


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
        message_id: str = self._ses.send_raw_email(**kwargs)["MessageId"]
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
