"""/v1/approvals: the letters waiting for the owner's approval (``policy.approval``), and the
owner's decision on each: approve (it goes out through the exactly-once delivery), skip (it never
goes out), or edit (deadline, note, channel; it keeps waiting)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from ..domain.dates import business_date
from ..service import approvals
from .common import ctx, now, tenant_of

router = Router()


@router.get("/", summary="List the letters waiting for approval (oldest first)")
def list_approvals() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    at = now()
    items = approvals.waiting(ctx(), tenant, business_date(at))
    return {"items": [w.as_dict() for w in items]}


@router.post("/<approval_id>/approve",
             summary="Approve a waiting letter: it is sent once (approving again changes nothing)")
def approve(approval_id: str) -> dict[str, Any]:
    return approvals.approve(ctx(), tenant_of(router.current_event), approval_id, now())


@router.post("/<approval_id>/skip",
             summary="Skip a waiting letter: it never goes out; its invoices keep their level "
                     "and move on after the cooldown")
def skip(approval_id: str) -> dict[str, Any]:
    return approvals.skip(ctx(), tenant_of(router.current_event), approval_id, now())


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the payment deadline printed on the letter (a working day after today)
    deadline: Annotated[str | None, Field(max_length=20)] = None
    #: a note printed at the end of the letter ("" removes it)
    note: Annotated[str | None, Field(max_length=approvals.MAX_NOTE)] = None
    channel: Literal["email", "post", "both"] | None = None


@router.post("/<approval_id>/edit",
             summary="Change a waiting letter's deadline, note or channel (it keeps waiting)")
def edit(approval_id: str, body: EditIn) -> dict[str, Any]:
    return approvals.edit(ctx(), tenant_of(router.current_event), approval_id, now(),
                          deadline=body.deadline, note=body.note, channel=body.channel)
