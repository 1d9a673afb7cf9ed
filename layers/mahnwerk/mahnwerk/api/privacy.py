"""/v1/customers/{id}/export and /erase: a debtor's data on request (GDPR Art. 15 and 17).

The tenant is the controller and decides on the request; these routes carry it out. The rules of
what is erased and what is retained (and until when) are in docs/data-protection.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field

from ..domain.model import DomainError
from ..service.privacy import erase_customer, export_customer
from .common import ctx, now, tenant_of

router = Router()

Reason = Literal["data_subject_request", "no_longer_necessary", "consent_withdrawn", "objection",
                 "unlawful_processing", "legal_obligation"]


class EraseIn(BaseModel):
    reason: Reason = Field(description="why (Art. 17(1) GDPR); recorded as this code, never as text")
    confirm: Annotated[str, Field(min_length=1, max_length=200,
                                  description="the customer id again: erasure cannot be undone")]


@router.get("/<customer_id>/export",
            summary="Everything held about the customer (GDPR Art. 15), with links to the letters")
def export(customer_id: str) -> dict[str, Any]:
    return export_customer(ctx(), tenant_of(router.current_event), customer_id)


@router.post("/<customer_id>/erase",
             summary="Erase the customer's personal data (GDPR Art. 17); keeps what law requires")
def erase(customer_id: str, body: EraseIn) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    if body.confirm != customer_id:
        raise DomainError("confirm: repeat the customer id to erase it (this cannot be undone)")
    return erase_customer(ctx(), tenant, customer_id, now(), body.reason)
