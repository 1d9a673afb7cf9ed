"""/v1/settings: the tenant's validated settings document (policy, texts, branding)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..domain.settings_checks import Problem, settings_warnings
from ..domain.settings_doc import settings_from_dict
from ..service.tenants import SETTINGS_KEY, forget_settings
from .common import ctx, now, tenant_of

router = Router()


@router.get("/", summary="The settings document")
def get_settings() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return {"settings": ctx().repo.get_document(tenant, SETTINGS_KEY) or {}}


def save_settings(tenant: str, document: dict[str, Any]) -> list[Problem]:
    """Validate, then store (the API's PUT and the dashboard's settings form); the warnings of
    what was saved (a fee above 2.50 EUR, a BIC that is not the IBAN's)."""
    # SettingsInvalid → 400 with every field and its reason; nothing is stored
    settings = settings_from_dict(tenant, document)
    ctx().repo.put_document(tenant, SETTINGS_KEY, document, now())
    forget_settings(tenant)
    return settings_warnings(settings)


def unwrap(document: dict[str, Any]) -> dict[str, Any]:
    """GET answers ``{"settings": {…}}``; PUT takes that same body, or the bare document."""
    inner = document.get("settings")
    if set(document) == {"settings"} and isinstance(inner, dict):
        return inner
    return document


@router.put("/", summary="Replace the settings document (validated first)",
            description="Takes the body GET returns ({\"settings\": {…}}) or the bare document. "
                        "Refused fields: 400 with errors [{field, code, message}], nothing saved. "
                        "Saved: the document and warnings [{field, code, message}] about what is "
                        "allowed but unwise (a fee above 2.50 EUR, a BIC not of the IBAN's bank).")
def put_settings(document: dict[str, Any]) -> dict[str, Any]:
    document = unwrap(document)
    warnings = save_settings(tenant_of(router.current_event), document)
    return {"settings": document, "warnings": [w.json() for w in warnings]}
