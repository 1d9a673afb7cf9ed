"""Tenant settings as stored; the default policy and a plain company where none are stored yet."""

from __future__ import annotations

import time

from ..domain.settings import Company, TenantSettings
from ..domain.settings_doc import settings_from_dict
from .bootstrap import Context

SETTINGS_KEY = "SETTINGS"


#: a warm container reuses a tenant's settings this long (a batch of notices reads them once)
CACHE_SECONDS = 60.0
_cache: dict[tuple[int, str], tuple[float, TenantSettings]] = {}


def load_settings(ctx: Context, tenant_id: str) -> TenantSettings:
    key = (id(ctx), tenant_id)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    settings = _load(ctx, tenant_id)
    _cache[key] = (time.monotonic(), settings)
    return settings


def forget_settings(tenant_id: str | None = None) -> None:
    """Drop cached settings (after a PUT /settings in this container, or a new local stack)."""
    for key in [k for k in _cache if tenant_id is None or k[1] == tenant_id]:
        del _cache[key]


def _load(ctx: Context, tenant_id: str) -> TenantSettings:
    doc = ctx.repo.get_document(tenant_id, SETTINGS_KEY)
    if doc is None:
        return TenantSettings(tenant_id=tenant_id, company=Company(name=tenant_id),
                              sender_email=ctx.config.default_sender)
    settings = settings_from_dict(tenant_id, doc)
    if not settings.sender_email:
        from dataclasses import replace

        settings = replace(settings, sender_email=ctx.config.default_sender)
    return settings
