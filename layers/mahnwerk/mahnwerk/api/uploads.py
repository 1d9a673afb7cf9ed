"""/v1/uploads: a presigned URL that puts one file into the tenant's inbox."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field

from ..service.intake import parse_inbox_key
from .common import ctx, tenant_of

router = Router()
URL_SECONDS = 900


class UploadIn(BaseModel):
    file_name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["invoices", "bank"] = "invoices"


def inbox_key(tenant: str, kind: str, file_name: str) -> str:
    """Where an uploaded file goes: ``inbox/{tenant}/{invoices|bank}/{name}``, by the intake's own
    rules (no path tricks, no odd characters; DomainError otherwise)."""
    key = f"inbox/{tenant}/{kind}/{file_name}"
    parse_inbox_key(key)
    return key


@router.post("/", summary="A presigned PUT URL into the tenant's inbox (valid 15 minutes)")
def create(body: UploadIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    key = inbox_key(tenant, body.kind, body.file_name)
    max_bytes = ctx().config.max_upload_bytes
    return {"key": key, "url": ctx().store.presign_put(key, URL_SECONDS), "method": "PUT",
            "expires_in": URL_SECONDS, "max_bytes": max_bytes}
