"""/v1/exports/datev (the DATEV file for the tax advisor) and /v1/reports/limitation (claims that
expire in a year). The service builds both; bad input is refused with the field and the reason."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ..domain.dates import business_date
from ..domain.datev import PeriodInvalid
from ..service import datev, limitation
from .common import ctx, now, tenant_of

router = Router()


def _unvalidated[F](handler: F) -> F:
    """Bytes leave as they are: without a return annotation the resolver's response validation
    (which serialises a body as UTF-8 text) lets the file through; the resolver base64-encodes it
    and API Gateway decodes it for the binary media type text/csv (template.yaml)."""
    handler.__annotations__.pop("return", None)
    return handler


def _day(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PeriodInvalid(name, f"not a date (YYYY-MM-DD): {value[:40]!r}", "not_a_date") from exc


@router.get("/exports/datev",
            summary="The DATEV EXTF Buchungsstapel of a period (at most 12 months, one fiscal year)",
            responses={200: {"description": "the file, Windows-1252",
                             "content": {"text/csv; charset=windows-1252": {}}},
                       400: {"description": "invalid_period: `field` (from|to) and `reason` "
                             "(missing, not_a_date, after_to, too_long, two_fiscal_years)"},
                       409: {"description": "datev_not_configured: set datev.advisor_number "
                             "and datev.client_number first"}})
@_unvalidated
def datev_export(from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                 to: Annotated[str | None, Query(max_length=10)] = None) -> Response[bytes]:
    tenant = tenant_of(router.current_event)
    start, end = _day("from", from_), _day("to", to)
    data = datev.export(ctx(), tenant, start, end)
    assert start is not None and end is not None
    return Response(status_code=200, content_type="text/csv; charset=windows-1252", body=data,
                    compress=False,
                    headers={"Content-Disposition":
                             f'attachment; filename="{datev.file_name(start, end)}"',
                             "Cache-Control": "private, no-store"})


@router.get("/reports/limitation", summary="Open claims that become time-barred in a year "
            "(§§195, 199, 212 BGB), with the day to file a Mahnbescheid application by")
def limitation_report(year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> dict[str, Any]:
    tenant = tenant_of(router.current_event)
    today = business_date(now())
    return limitation.report(ctx(), tenant, year or today.year, today)
