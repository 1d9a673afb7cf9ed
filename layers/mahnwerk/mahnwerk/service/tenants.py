"""Tenant settings as stored; the default policy and a plain company where none are stored yet."""

from __future__ import annotations

from ..domain.settings import Company, TenantSettings
from ..domain.settings_doc import settings_from_dict
from .bootstrap import Context

SETTINGS_KEY = "SETTINGS"


def load_settings(ctx: Context, tenant_id: str) -> TenantSettings:
    doc = ctx.repo.get_document(tenant_id, SETTINGS_KEY)
    if doc is None:
        return TenantSettings(tenant_id=tenant_id, company=Company(name=tenant_id),
                              sender_email=ctx.config.default_sender)
    settings = settings_from_dict(tenant_id, doc)
    if not settings.sender_email:
        from dataclasses import replace

        settings = replace(settings, sender_email=ctx.config.default_sender)
    return settings
