"""Customers' credit state in DynamoDB: one item per customer (sk ``CREDIT#{customer id}``) in the
tenant's partition, written conditionally on its version."""

from __future__ import annotations

import json

from pynamodb.exceptions import PutError

from ..domain.credit import CreditRecord, record_from_json, record_to_json
from .dynamo_models import CreditItem, conditional, tenant_pk

PREFIX = "CREDIT#"


def _record(item: CreditItem, tenant_id: str) -> CreditRecord:
    return record_from_json(tenant_id, item.customer_id, json.loads(item.document), int(item.version))


class DynamoCreditRecords:
    """Implements ``service.ports.CreditRecords``."""

    def get_credit(self, tenant_id: str, customer_id: str) -> CreditRecord | None:
        try:
            item = CreditItem.get(tenant_pk(tenant_id), f"{PREFIX}{customer_id}", consistent_read=True)
        except CreditItem.DoesNotExist:
            return None
        return _record(item, tenant_id)

    def batch_get_credit(self, tenant_id: str, ids: list[str]) -> dict[str, CreditRecord]:
        keys = [(tenant_pk(tenant_id), f"{PREFIX}{c}") for c in dict.fromkeys(ids)]
        if not keys:
            return {}
        return {item.customer_id: _record(item, tenant_id) for item in CreditItem.batch_get(keys)}

    def put_credit(self, record: CreditRecord, expected_version: int) -> bool:
        item = CreditItem(pk=tenant_pk(record.tenant_id), sk=f"{PREFIX}{record.customer_id}",
                          customer_id=record.customer_id,
                          document=json.dumps(record_to_json(record), sort_keys=True),
                          version=expected_version + 1, hold=int(record.hold),
                          over_limit=int(record.over_limit))
        condition = (CreditItem.pk.does_not_exist() if expected_version == 0
                     else CreditItem.version == expected_version)
        try:
            item.save(condition=condition)
        except PutError as exc:
            if conditional(exc):
                return False
            raise
        return True

    def credit_records(self, tenant_id: str) -> list[CreditRecord]:
        return [_record(item, tenant_id)
                for item in CreditItem.query(tenant_pk(tenant_id), CreditItem.sk.startswith(PREFIX))]

    def delete_credit(self, tenant_id: str, customer_id: str) -> None:
        CreditItem(pk=tenant_pk(tenant_id), sk=f"{PREFIX}{customer_id}").delete()
