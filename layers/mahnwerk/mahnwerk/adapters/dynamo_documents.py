"""The tenant registry and each tenant's JSON documents (settings, import reports) in DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from .dynamo_models import INBOX_TOKENS, TENANTS, DocItem, conditional, tenant_pk


class DynamoTenants:
    """Implements ``service.ports.Tenants``."""

    def register_tenant(self, tenant_id: str, at: datetime) -> None:
        try:
            DocItem(pk=TENANTS, sk=tenant_id, updated_at=at.isoformat()).save(
                condition=DocItem.pk.does_not_exist()
            )
        except PutError as exc:
            if not conditional(exc):
                raise

    def tenants(self) -> Iterator[str]:
        for item in DocItem.query(TENANTS):
            yield item.sk

    # documents (settings, import reports)
    def get_document(self, tenant_id: str, key: str) -> dict[str, Any] | None:
        try:
            item = DocItem.get(tenant_pk(tenant_id), key)
        except DocItem.DoesNotExist:
            return None
        value: dict[str, Any] = json.loads(item.document)
        return value

    def put_document(self, tenant_id: str, key: str, document: dict[str, Any], at: datetime) -> None:
        DocItem(pk=tenant_pk(tenant_id), sk=key,
                document=json.dumps(document, ensure_ascii=False, sort_keys=True),
                updated_at=at.isoformat()).save()

    def add_document(self, tenant_id: str, key: str, document: dict[str, Any], at: datetime) -> bool:
        """Stores the document only if none is stored under ``key`` yet: True when this call
        stored it (a marker written exactly once, e.g. a mail delivery handled)."""
        try:
            DocItem(pk=tenant_pk(tenant_id), sk=key,
                    document=json.dumps(document, ensure_ascii=False, sort_keys=True),
                    updated_at=at.isoformat()).save(condition=DocItem.pk.does_not_exist())
        except PutError as exc:
            if not conditional(exc):
                raise
            return False
        return True

    def put_inbox_token(self, token: str, tenant_id: str, at: datetime) -> None:
        DocItem(pk=INBOX_TOKENS, sk=token, document=json.dumps({"tenant": tenant_id}),
                updated_at=at.isoformat()).save()

    def inbox_tenant(self, token: str) -> str | None:
        try:
            item = DocItem.get(INBOX_TOKENS, token)
        except DocItem.DoesNotExist:
            return None
        return str(json.loads(item.document)["tenant"])

    # the newest booking day of the tenant's bank statements (one small item, never a scan)
    def raise_bank_day(self, tenant_id: str, day: date, at: datetime) -> None:
        try:
            DocItem(pk=tenant_pk(tenant_id), sk=BANK_DAY_KEY).update(
                actions=[DocItem.day.set(day.isoformat()), DocItem.updated_at.set(at.isoformat())],
                condition=DocItem.day.does_not_exist() | (DocItem.day < day.isoformat()))
        except UpdateError as exc:
            if not conditional(exc):
                raise

    def bank_day(self, tenant_id: str) -> date | None:
        try:
            item = DocItem.get(tenant_pk(tenant_id), BANK_DAY_KEY)
        except DocItem.DoesNotExist:
            return None
        return date.fromisoformat(item.day) if item.day else None


BANK_DAY_KEY = "BANKDAY"
