"""/v1/settings: the tenant's validated settings document (policy, texts, branding)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..service import mail, tenants
from .common import ctx, now, tenant_of

router = Router()


@router.get("/", summary="The settings document")
def get_settings() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return {"settings": tenants.settings_document(ctx(), tenant)}


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
    warnings = tenants.save_settings(ctx(), tenant_of(router.current_event), document, now())
    return {"settings": document, "warnings": [w.json() for w in warnings]}


@router.get("/inbox", summary="The tenant's inbox address and who may send to it",
            description="address: rechnungen+{token}@{InboxDomain}, or null while none was made "
                        "(POST /v1/settings/inbox/rotate makes one). senders: the allow-list "
                        "(settings inbox.senders; the company e-mail address when empty).")
def get_inbox() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    context = ctx()
    settings = tenants.load_settings(context, tenant)
    return {"address": mail.current_inbox(context, tenant),
            "senders": list(mail.allowed_senders(settings)),
            "senders_default": not settings.inbox_senders}


@router.post("/inbox/rotate", summary="A new inbox address; the old one stops working at once",
             description="The token is random (128 bits). Mail to an old address is refused "
                         "without a reply.")
def rotate_inbox() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return {"address": mail.rotate_inbox(ctx(), tenant, now())}
