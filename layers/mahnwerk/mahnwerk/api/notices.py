"""/v1/notices: the letters sent, and each one's PDF through a short-lived presigned URL."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..domain.money import to_str
from ..domain.notices import Notice, plan_from_json
from ..service.letters import letter_url
from ..service.listings import notice_page
from .common import ctx, page_json, tenant_of

router = Router()
URL_SECONDS = 300


def notice_json(item: Notice) -> dict[str, Any]:
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
    page = notice_page(ctx(), tenant, limit, cursor)
    return page_json([notice_json(n) for n in page.items], page.cursor)


@router.get("/<notice_id>/letter", summary="A presigned URL to the letter PDF (valid 5 minutes)")
def letter(notice_id: str) -> dict[str, Any]:
    url = letter_url(ctx(), tenant_of(router.current_event), notice_id, URL_SECONDS)
    return {"url": url, "expires_in": URL_SECONDS}
