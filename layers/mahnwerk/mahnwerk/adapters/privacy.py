"""Reads and writes behind GDPR export and erasure (``service.privacy``).

Same table and item types as :mod:`.dynamo` (every key leads with the tenant), plus the S3 calls
the document store does not need elsewhere: object versions, their tags, deleting every version.
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import UpdateError

from ..domain.notices import Notice
from .aws import DocumentStore
from .dynamo_customers import customer_event_items
from .dynamo_models import (
    CustomerItem,
    DocItem,
    EventItem,
    InvoiceItem,
    NoticeItem,
    PaymentItem,
    conditional,
    notice_from_item,
    tenant_pk,
)

#: the sort key prefix of erasure records (one per erased customer, in the tenant's partition)
ERASURE_PREFIX = "ERASURE#"


class PrivacyStore:
    """Takes the tenant id on every call; S3 keys are passed in whole (callers build them inside
    the tenant's prefixes)."""

    def __init__(self, documents: DocumentStore) -> None:
        self.bucket = documents.bucket
        self._documents = documents  # one S3 client: the document store's

    @property
    def _s3(self) -> Any:
        return self._documents.client

    # --- DynamoDB: reading ----------------------------------------------------------------------
    def customer_item(self, tenant_id: str, customer_id: str) -> CustomerItem | None:
        try:
            return CustomerItem.get(tenant_pk(tenant_id), f"CUS#{customer_id}", consistent_read=True)
        except CustomerItem.DoesNotExist:
            return None

    def notices_of(self, tenant_id: str, customer_id: str) -> list[Notice]:
        """Notice ids start with the customer id and a colon; the plan names the customer."""
        items = NoticeItem.query(tenant_pk(tenant_id), NoticeItem.sk.startswith(f"NOT#{customer_id}:"),
                                 consistent_read=True)
        return [notice_from_item(n) for n in items
                if json.loads(n.plan).get("customer_id") == customer_id]

    def payments(self, tenant_id: str) -> list[PaymentItem]:
        return list(PaymentItem.query(tenant_pk(tenant_id), PaymentItem.sk.startswith("PAY#"),
                                      consistent_read=True))

    def event_items(self, tenant_id: str, number: str) -> list[EventItem]:
        return list(EventItem.query(tenant_pk(tenant_id), EventItem.sk.startswith(f"EVT#{number}#"),
                                    consistent_read=True))

    def customer_event_items(self, tenant_id: str, customer_id: str) -> list[EventItem]:
        return customer_event_items(tenant_id, customer_id, consistent=True)

    def invoice_item(self, tenant_id: str, number: str) -> InvoiceItem | None:
        try:
            return InvoiceItem.get(tenant_pk(tenant_id), f"INV#{number}", consistent_read=True)
        except InvoiceItem.DoesNotExist:
            return None

    def records(self, tenant_id: str) -> list[DocItem]:
        return list(DocItem.query(tenant_pk(tenant_id), DocItem.sk.startswith(ERASURE_PREFIX),
                                  consistent_read=True))

    # --- DynamoDB: erasing ----------------------------------------------------------------------
    def pseudonymise_customer(self, tenant_id: str, customer_id: str, pseudonym: str,
                              overrides_json: str) -> None:
        """Name → pseudonym; email, address, email status removed; overrides replaced (excluded)."""
        item = CustomerItem(pk=tenant_pk(tenant_id), sk=f"CUS#{customer_id}")
        item.update(actions=[
            CustomerItem.name.set(pseudonym), CustomerItem.email.remove(),
            CustomerItem.street.remove(), CustomerItem.postal_code.remove(),
            CustomerItem.city.remove(), CustomerItem.country.remove(),
            CustomerItem.email_status.remove(), CustomerItem.overrides.set(overrides_json),
        ], condition=CustomerItem.pk.exists())

    def redact_payment(self, tenant_id: str, sk: str, debtor_name: str, remittance: str) -> None:
        item = PaymentItem(pk=tenant_pk(tenant_id), sk=sk)
        item.update(actions=[PaymentItem.debtor_name.set(debtor_name),
                             PaymentItem.remittance.set(remittance)],
                    condition=PaymentItem.pk.exists())

    def redact_event(self, tenant_id: str, sk: str, detail: dict[str, Any]) -> None:
        item = EventItem(pk=tenant_pk(tenant_id), sk=sk)
        item.update(actions=[EventItem.detail.set(json.dumps(detail, ensure_ascii=False,
                                                             sort_keys=True))],
                    condition=EventItem.pk.exists())

    def clear_pause_reason(self, tenant_id: str, number: str, version: int) -> bool:
        """Remove an invoice's free-text pause reason, if nobody changed the invoice since it was
        read (the version moves on, as with every invoice write). False if it changed."""
        item = InvoiceItem(pk=tenant_pk(tenant_id), sk=f"INV#{number}")
        try:
            item.update(actions=[InvoiceItem.pause_reason.remove(),
                                 InvoiceItem.version.set(version + 1)],
                        condition=InvoiceItem.version == version)
        except UpdateError as exc:
            if conditional(exc):
                return False
            raise
        return True

    # --- S3 ---------------------------------------------------------------------------------------
    def list_objects(self, prefix: str) -> list[dict[str, Any]]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [obj for page in pages for obj in page.get("Contents", [])]

    def versions(self, key: str) -> list[dict[str, Any]]:
        """Every version and delete marker of exactly this key (newest first)."""
        found: list[dict[str, Any]] = []
        pages = self._s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket,
                                                                         Prefix=key)
        for page in pages:
            for kind in ("Versions", "DeleteMarkers"):
                for entry in page.get(kind, []):
                    if entry["Key"] == key:
                        found.append({**entry, "DeleteMarker": kind == "DeleteMarkers"})
        return sorted(found, key=lambda e: e["LastModified"], reverse=True)

    def tags(self, key: str, version_id: str | None) -> dict[str, str]:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id and version_id != "null":
            kwargs["VersionId"] = version_id
        tag_set = self._s3.get_object_tagging(**kwargs).get("TagSet", [])
        return {t["Key"]: t["Value"] for t in tag_set}

    def put_tags(self, key: str, version_id: str | None, tags: dict[str, str]) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Tagging": {
            "TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}}
        if version_id and version_id != "null":
            kwargs["VersionId"] = version_id
        self._s3.put_object_tagging(**kwargs)

    def delete_version(self, key: str, version_id: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key, VersionId=version_id)

    def delete_everything(self, key: str) -> int:
        """Delete every version and delete marker of the key: gone, not merely hidden behind a
        delete marker of the versioned bucket. Returns how many versions were removed."""
        removed = 0
        for entry in self.versions(key):
            self.delete_version(key, entry["VersionId"])
            removed += 1
        return removed
