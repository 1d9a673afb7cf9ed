"""/v1/runs: "run now" (today's planning for the caller's tenant) and the run status (the last
run, the next scheduled one, whether letters are held by the stale-bank-data guard)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..service.runs import run_now, run_status
from .common import ctx, now, tenant_of

router = Router()


@router.get("/", summary="Run status: last run, next run, letters held for stale bank data")
def status() -> dict[str, Any]:
    return run_status(ctx(), tenant_of(router.current_event), now())


@router.post("/", summary="Run today's dunning for this tenant now (exactly once with the schedule)")
def run() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    report = run_now(ctx(), tenant, now())
    return {"run": report, **run_status(ctx(), tenant, now())}
