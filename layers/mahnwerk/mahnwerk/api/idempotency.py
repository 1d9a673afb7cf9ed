"""The ``Idempotency-Key`` header: the same key and body within 24 h return the first answer
(Powertools idempotency on the stack's IdempotencyTable); the same key with another body is
refused (422); a request still running under the key answers 409."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from .common import ctx

CONFIG = IdempotencyConfig(
    event_key_jmespath="[tenant, operation, key]",
    payload_validation_jmespath="body",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


@lru_cache(maxsize=4)
def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=table_name)


def once(tenant: str, operation: str, key: str | None, body: Any,
         run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    if not key:
        return run()
    table = ctx().config.idempotency_table
    if not table:
        return run()

    @idempotent_function(data_keyword_argument="request", persistence_store=_persistence(table),
                         config=CONFIG)
    def guarded(request: dict[str, Any]) -> dict[str, Any]:
        return run()

    result: dict[str, Any] = guarded(request={"tenant": tenant, "operation": operation, "key": key,
                                              "body": body})
    return result
