"""/v1/notices: the letters sent, and each one's PDF through a short-lived presigned URL."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..adapters.api_store import page_size
from ..domain.money import to_str
from ..domain.notices import plan_from_json
from .common import ctx, page_json, store, tenant_of

router = Router()
URL_SECONDS = 300


def notice_json(item: Any) -> dict[str, Any]:
    plan = plan_from_json(item.plan)
    return {
        "notice_id": item.notice_id, "customer_id": plan.customer_id, "status": item.status,
        "kind": plan.kind, "level": plan.level, "level_name": plan.level_name,
        "run_date": plan.run_date.isoformat(), "deadline": plan.deadline.isoformat(),
        "invoices": list(plan.invoice_numbers),
        # what the letter claims, each part its own figure; they add up to the total
        "principal": to_str(plan.principal), "paid": to_str(plan.paid),
        "interest": to_str(plan.interest), "fees": to_str(plan.fees),
        "flat_fee": to_str(plan.flat_fee), "total": to_str(plan.total),
        "channels": [c for c, k in (("email", item.message_id), ("post", item.post_key)) if k],
        "reserved_at": item.reserved_at, "sent_at": item.sent_at, "held_reason": item.held_reason,
        "has_letter": bool(item.pdf_key),
    }


@router.get("/", summary="List notices")
def list_notices(
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    page = store().notice_page(tenant, page_size(limit), cursor)
    return page_json([notice_json(n) for n in page.items], page.cursor)


def letter_key(tenant: str, notice_id: str) -> str:
    """The S3 key of a notice's letter PDF; NotFoundError unless it is this tenant's letter."""
    item = ctx().notices.get_notice(tenant, notice_id)
    if item is None or not item.pdf_key:
        raise NotFoundError(f"no letter for notice {notice_id}")
    if not item.pdf_key.startswith(f"notices/{tenant}/"):
        raise NotFoundError(f"no letter for notice {notice_id}")  # never hand out another tenant's key
    return str(item.pdf_key)


@router.get("/<notice_id>/letter", summary="A presigned URL to the letter PDF (valid 5 minutes)")
def letter(notice_id: str) -> dict[str, Any]:
    key = letter_key(tenant_of(router.current_event), notice_id)
    return {"url": ctx().store.presign_get(key, URL_SECONDS), "expires_in": URL_SECONDS}
