"""Count the AWS requests (and DynamoDB items read) that code makes, for the benchmarks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client


@dataclass
class Counts:
    #: "service:Operation" → requests
    requests: Counter[str] = field(default_factory=Counter)
    #: DynamoDB operation → items it returned (Query/Scan items, GetItem hits)
    items: Counter[str] = field(default_factory=Counter)

    def clear(self) -> None:
        self.requests.clear()
        self.items.clear()

    def of(self, service: str) -> dict[str, int]:
        return {k.split(":", 1)[1]: v for k, v in self.requests.items()
                if k.startswith(f"{service}:")}


@contextmanager
def counting() -> Iterator[Counts]:
    counts = Counts()
    original = botocore.client.BaseClient._make_api_call

    def wrapper(self: Any, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        counts.requests[f"{service}:{operation}"] += 1
        response = original(self, operation, params)
        if service == "dynamodb":
            if operation in {"Query", "Scan"}:
                counts.items[operation] += len(response.get("Items", []))
            elif operation == "GetItem" and "Item" in response:
                counts.items["GetItem"] += 1
        return response

    botocore.client.BaseClient._make_api_call = wrapper  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
