"""A notice's letter PDF, for the API (a short-lived URL) and the dashboard (the file)."""

from __future__ import annotations

from .bootstrap import Context
from .invoice_ops import NotFound


def letter_key(ctx: Context, tenant: str, notice_id: str) -> str:
    """The S3 key of a notice's letter PDF; NotFound unless it is this tenant's letter."""
    item = ctx.notices.get_notice(tenant, notice_id)
    if item is None or not item.pdf_key:
        raise NotFound(f"no letter for notice {notice_id}")
    if not item.pdf_key.startswith(f"notices/{tenant}/"):
        raise NotFound(f"no letter for notice {notice_id}")  # never hand out another tenant's key
    return str(item.pdf_key)


def letter_url(ctx: Context, tenant: str, notice_id: str, seconds: int) -> str:
    return ctx.store.presign_get(letter_key(ctx, tenant, notice_id), seconds)


def letter_pdf(ctx: Context, tenant: str, notice_id: str) -> tuple[bytes, str]:
    """The letter and its file name."""
    key = letter_key(ctx, tenant, notice_id)
    return ctx.store.get(key), key.rsplit("/", 1)[-1]
