"""/v1/settings: the tenant's validated settings document (policy, texts, branding)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..domain.settings_doc import settings_from_dict
from ..service.tenants import SETTINGS_KEY, forget_settings
from .common import ctx, now, tenant_of

router = Router()


@router.get("/", summary="The settings document")
def get_settings() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return {"settings": ctx().repo.get_document(tenant, SETTINGS_KEY) or {}}


def save_settings(tenant: str, document: dict[str, Any]) -> None:
    """Validate, then store (the API's PUT and the dashboard's settings form)."""
    settings_from_dict(tenant, document)  # DomainError → 400 with the field and the reason
    ctx().repo.put_document(tenant, SETTINGS_KEY, document, now())
    forget_settings(tenant)


@router.put("/", summary="Replace the settings document (validated first)")
def put_settings(document: dict[str, Any]) -> dict[str, Any]:
    save_settings(tenant_of(router.current_event), document)
    return {"settings": document}
