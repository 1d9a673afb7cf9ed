"""/v1/uploads: a presigned URL that puts one file into the tenant's inbox."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field

from ..service.intake import inbox_key, upload_url
from .common import ctx, tenant_of

router = Router()
URL_SECONDS = 900


class UploadIn(BaseModel):
    file_name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["invoices", "bank"] = "invoices"


@router.post("/", summary="A presigned PUT URL into the tenant's inbox (valid 15 minutes)")
def create(body: UploadIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    key = inbox_key(tenant, body.kind, body.file_name)
    url, max_bytes = upload_url(ctx(), key, URL_SECONDS)
    return {"key": key, "url": url, "method": "PUT",
            "expires_in": URL_SECONDS, "max_bytes": max_bytes}
