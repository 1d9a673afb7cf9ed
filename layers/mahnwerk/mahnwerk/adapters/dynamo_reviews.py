"""The review list in DynamoDB: ``T#{tenant}`` / ``REV#{id}``, one item per file."""

from __future__ import annotations

import json

from pynamodb.exceptions import PutError, UpdateError

from ..domain.review import ReviewItem, ReviewStatus
from .dynamo_models import ReviewRow, conditional, tenant_pk

_PREFIX = "REV#"
#: at most this many items are read per call when a status filter skips items
_MAX_READ = 1000


def _to_row(item: ReviewItem) -> ReviewRow:
    return ReviewRow(
        pk=tenant_pk(item.tenant_id), sk=_PREFIX + item.review_id, review_id=item.review_id,
        document_key=item.document_key, document_version=item.document_version,
        file_name=item.file_name, source=item.source, created_at=item.created_at,
        reason_en=item.reason_en, reason_de=item.reason_de,
        found=json.dumps(item.found, ensure_ascii=False, sort_keys=True), status=item.status.value,
        invoice_number=item.invoice_number, decided_at=item.decided_at)


def _from_row(row: ReviewRow, tenant_id: str) -> ReviewItem:
    found = json.loads(row.found or "{}")
    return ReviewItem(
        tenant_id=tenant_id, review_id=row.review_id, document_key=row.document_key,
        document_version=row.document_version or "", file_name=row.file_name, source=row.source,
        created_at=row.created_at, reason_en=row.reason_en or "", reason_de=row.reason_de or "",
        found={str(k): str(v) for k, v in found.items()}, status=ReviewStatus(row.status),
        invoice_number=row.invoice_number or "", decided_at=row.decided_at or "")


class DynamoReviews:
    """Implements ``service.ports.Reviews``."""

    def add_review(self, item: ReviewItem) -> bool:
        try:
            _to_row(item).save(condition=ReviewRow.pk.does_not_exist())
        except PutError as exc:
            if not conditional(exc):
                raise
            return False
        return True

    def get_review(self, tenant_id: str, review_id: str) -> ReviewItem | None:
        try:
            row = ReviewRow.get(tenant_pk(tenant_id), _PREFIX + review_id, consistent_read=True)
        except ReviewRow.DoesNotExist:
            return None
        return _from_row(row, tenant_id)

    def reviews(self, tenant_id: str, limit: int, after: str = "",
                status: ReviewStatus | None = None) -> tuple[list[ReviewItem], str]:
        start = _PREFIX + after + "!" if after else _PREFIX
        rows = ReviewRow.query(
            tenant_pk(tenant_id), ReviewRow.sk.between(start, _PREFIX + "~"),
            page_size=min(limit + 1, 200))
        items: list[ReviewItem] = []
        last = ""
        for read, row in enumerate(rows, start=1):
            last = row.review_id
            if status is None or row.status == status.value:
                items.append(_from_row(row, tenant_id))
            if len(items) > limit:
                return items[:limit], items[limit - 1].review_id
            if read >= _MAX_READ:
                return items, last  # a filter read its bound: a short page, go on from here
        return items, ""

    def count_open(self, tenant_id: str) -> int:
        return int(ReviewRow.count(tenant_pk(tenant_id), ReviewRow.sk.startswith(_PREFIX),
                                   filter_condition=ReviewRow.status == ReviewStatus.OPEN.value))

    def decide_review(self, tenant_id: str, review_id: str, status: ReviewStatus, at: str,
                      invoice_number: str = "") -> bool:
        try:
            ReviewRow(pk=tenant_pk(tenant_id), sk=_PREFIX + review_id).update(
                actions=[ReviewRow.status.set(status.value), ReviewRow.decided_at.set(at),
                         ReviewRow.invoice_number.set(invoice_number)],
                condition=ReviewRow.pk.exists() & (ReviewRow.status == ReviewStatus.OPEN.value))
        except UpdateError as exc:
            if not conditional(exc):
                raise
            return False
        return True

    def claim_review(self, tenant_id: str, review_id: str, number: str) -> str:
        row = ReviewRow(pk=tenant_pk(tenant_id), sk=_PREFIX + review_id)
        try:
            row.update(actions=[ReviewRow.claim.set(number)],
                       condition=ReviewRow.pk.exists() & (ReviewRow.status == ReviewStatus.OPEN.value)
                       & (ReviewRow.claim.does_not_exist() | (ReviewRow.claim == number)))
        except UpdateError as exc:
            if not conditional(exc):
                raise
            try:
                held = ReviewRow.get(tenant_pk(tenant_id), _PREFIX + review_id, consistent_read=True)
            except ReviewRow.DoesNotExist:
                return ""
            return held.claim or (held.invoice_number if held.status == ReviewStatus.IMPORTED.value else "")
        return number

    def release_review(self, tenant_id: str, review_id: str, number: str) -> None:
        try:
            ReviewRow(pk=tenant_pk(tenant_id), sk=_PREFIX + review_id).update(
                actions=[ReviewRow.claim.remove()],
                condition=ReviewRow.pk.exists() & (ReviewRow.claim == number))
        except UpdateError as exc:
            if not conditional(exc):
                raise
