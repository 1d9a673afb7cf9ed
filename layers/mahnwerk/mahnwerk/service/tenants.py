"""Tenant settings as stored; the default policy and a plain company where none are stored yet."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain.settings import Company, TenantSettings
from ..domain.settings_checks import Problem, settings_warnings
from ..domain.settings_doc import settings_from_dict

if TYPE_CHECKING:
    from .bootstrap import Context

SETTINGS_KEY = "SETTINGS"


#: a warm container reuses a tenant's settings this long (a batch of notices reads them once)
CACHE_SECONDS = 60.0


def load_settings(ctx: Context, tenant_id: str) -> TenantSettings:
    hit = ctx.settings_cache.get(tenant_id)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    settings = _load(ctx, tenant_id)
    ctx.settings_cache[tenant_id] = (time.monotonic(), settings)
    return settings


def forget_settings(ctx: Context, tenant_id: str) -> None:
    """Drop a tenant's cached settings (after a PUT /settings in this container)."""
    ctx.settings_cache.pop(tenant_id, None)


def _load(ctx: Context, tenant_id: str) -> TenantSettings:
    doc = ctx.tenants.get_document(tenant_id, SETTINGS_KEY)
    if doc is None:
        return TenantSettings(tenant_id=tenant_id, company=Company(name=tenant_id),
                              sender_email=ctx.config.default_sender)
    settings = settings_from_dict(tenant_id, doc)
    if not settings.sender_email:
        settings = replace(settings, sender_email=ctx.config.default_sender)
    return settings


def settings_document(ctx: Context, tenant_id: str) -> dict[str, Any]:
    """The tenant's settings document as stored ({} when none is)."""
    return ctx.tenants.get_document(tenant_id, SETTINGS_KEY) or {}


def save_settings(ctx: Context, tenant_id: str, document: dict[str, Any],
                  at: datetime) -> list[Problem]:
    """Validate, then store (the API's PUT and the dashboard's settings form); the warnings of
    what was saved (a fee above 2.50 EUR, a BIC that is not the IBAN's). SettingsInvalid (every
    field and its reason) when the document is refused: nothing is stored."""
    # the inbox token is Mahnwerk's to make (rotate_inbox): a saved document keeps the stored one
    stored_token = ((settings_document(ctx, tenant_id).get("inbox") or {}).get("token")) or ""
    inbox = document.get("inbox")
    if isinstance(inbox, dict) or stored_token:
        inbox = dict(inbox) if isinstance(inbox, dict) else {}
        inbox.pop("token", None)
        if stored_token:
            inbox["token"] = stored_token
        document = {**document, "inbox": inbox}
    settings = settings_from_dict(tenant_id, document)
    ctx.tenants.put_document(tenant_id, SETTINGS_KEY, document, at)
    forget_settings(ctx, tenant_id)
    return settings_warnings(settings)


def set_inbox_token(ctx: Context, tenant_id: str, token: str, at: datetime) -> None:
    """Store a new inbox token in the tenant's settings (only ``service.mail.rotate_inbox``)."""
    document = settings_document(ctx, tenant_id) or {"company": {"name": tenant_id}}
    document["inbox"] = {**(document.get("inbox") or {}), "token": token}
    ctx.tenants.put_document(tenant_id, SETTINGS_KEY, document, at)
    forget_settings(ctx, tenant_id)
