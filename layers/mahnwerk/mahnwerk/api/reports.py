"""/v1/reports and /v1/forecast: aging, DSO, reliability, dunning effectiveness, the collection
calendar. Figures come from the pure functions in ``domain.reports`` and ``domain.forecast``."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..domain import reports
from ..domain.dates import business_date
from ..domain.forecast import MAX_FORECAST_DAYS
from ..service import listings
from .common import ctx, now, tenant_of

router = Router()


@router.get("/reports/aging", summary="Open receivables by days overdue")
def aging() -> dict[str, Any]:
    """The euro figures at the top (as always), each other currency in ``other_currencies``:
    amounts of different currencies are never added up."""
    tenant = tenant_of(router.current_event)
    first, *others = reports.aging_by_currency(listings.receivables(ctx(), tenant),
                                               business_date(now()))
    return {**first.as_dict(), "other_currencies": [a.as_dict() for a in others]}


@router.get("/reports/dso", summary="Days sales outstanding")
def dso(period_days: Annotated[int, Query(ge=7, le=365)] = 90) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    first, *others = reports.dso_by_currency(listings.receivables(ctx(), tenant),
                                             business_date(now()), period_days)
    return {**first.as_dict(), "other_currencies": [d.as_dict() for d in others]}


@router.get("/reports/reliability", summary="Customers ranked by payment reliability")
def reliability(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    ranking = reports.reliability_ranking(listings.behaviours(ctx(), tenant))
    return {"customers": [r.as_dict() for r in ranking[:limit]], "total": len(ranking)}


@router.get("/reports/effectiveness", summary="Share of invoices paid after each dunning level")
def effectiveness() -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    return reports.effectiveness(c for _, c in listings.behaviours(ctx(), tenant)).as_dict()


@router.get("/forecast", summary="The collection calendar: letters of the next days if nobody pays")
def collection_calendar(days: Annotated[int, Query(ge=1, le=MAX_FORECAST_DAYS)] = 14) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    today = business_date(now())
    entries = listings.calendar_entries(ctx(), tenant, today, days)
    return {"from": today.isoformat(), "days": days, "entries": [e.as_dict() for e in entries]}
