"""An invoice's history: received, its events, every notice that listed it and every payment
booked on it, in time order (the API's invoice resource and the dashboard's invoice page)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bootstrap import Context


def invoice_timeline(ctx: Context, tenant_id: str, number: str) -> list[dict[str, Any]]:
    """[] for an unknown invoice."""
    invoice = ctx.invoices.get_invoice(tenant_id, number, consistent=False)
    if invoice is None:
        return []
    entries: list[dict[str, Any]] = []
    if invoice.received_at:
        entries.append({"kind": "received", "at": invoice.received_at, "source": invoice.source})
    entries += ctx.invoices.events(tenant_id, number)
    for notice in ctx.notices.notices_of_customer(tenant_id, invoice.customer_id):
        plan = json.loads(notice.plan)
        if number in [line["number"] for line in plan["lines"]]:
            entries.append({"kind": f"notice_{notice.status}", "at": notice.sent_at or notice.reserved_at,
                            "notice": notice.notice_id, "level": plan["level"],
                            "level_name": plan["level_name"], "pdf": notice.pdf_key,
                            "channels": [c for c, k in (("email", notice.message_id),
                                                        ("post", notice.post_key)) if k]})
    entries += ctx.payments.payments_of(tenant_id, number)
    return sorted(entries, key=lambda e: str(e["at"]))
