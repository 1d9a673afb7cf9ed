"""The dashboard's hand-off page: the DATEV export for the tax advisor (period form, the file as
a download, the DATEV settings) and the limitation watch (from 1 October: the claims that expire
on 31 December and the step that stops it). Routes on the dashboard's router (``web.pages``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ..api.common import ctx, now
from ..domain.datev import PeriodInvalid
from ..domain.limitation import watch_open
from ..domain.model import DomainError
from ..domain.settings_checks import Problem, problems_of
from ..service import datev, limitation
from ..service.tenants import load_settings, save_settings, settings_document
from .i18n import TEXTS
from .pages import check_csrf, form_data, page, router, signed_in
from .render import View, redirect

#: the DATEV settings the page edits (form input → settings field)
DATEV_INPUTS = ("advisor_number", "client_number", "fiscal_year_start", "account_length", "chart",
                "taxation", "email")
NUMBERS = frozenset({"advisor_number", "client_number", "fiscal_year_start", "account_length"})


def _text(view: View, problem: Problem) -> str:
    key = f"problem_{problem.code}"
    if key in TEXTS and problem.code != "invalid":
        return view.t(key, **problem.params) if problem.params else view.t(key)
    return problem.message


def _page(view: View, status: int = 200, period_errors: dict[str, str] | None = None,
          period: dict[str, str] | None = None, setting_errors: dict[str, str] | None = None,
          posted: dict[str, str] | None = None) -> Response[str]:
    settings = load_settings(ctx(), view.tenant)
    start, end = datev.previous_month(view.today)
    watched = limitation.watch(ctx(), view.tenant, view.today)
    conf = settings.datev
    stored: dict[str, Any] = {name: getattr(conf, name) for name in DATEV_INPUTS}
    for name in ("advisor_number", "client_number"):
        stored[name] = stored[name] or ""
    return page(view, "handoff.html", status,
                period=period or {"from": start.isoformat(), "to": end.isoformat()},
                period_errors=period_errors or {}, setting_errors=setting_errors or {},
                datev_values={**stored, **(posted or {})}, configured=conf.configured,
                setting_labels={name: view.t(f"datev_{name}") for name in DATEV_INPUTS},
                watch_open=watch_open(view.today), watched=watched,
                year_end=date(view.today.year, 12, 31))


@router.get("/handoff")
def handoff() -> Response[str]:
    return _page(signed_in())


@router.get("/handoff/datev")
def handoff_datev() -> Response[Any]:
    """The file of the period as a download; a refused period: the page with the reason at its
    field, in the owner's language."""
    view = signed_in()
    raw = {"from": view.query.get("from", ""), "to": view.query.get("to", "")}
    try:
        start = _day("from", raw["from"])
        end = _day("to", raw["to"])
        data = datev.export(ctx(), view.tenant, start, end)
    except PeriodInvalid as exc:
        return _page(view, 400, {exc.field: view.t(f"datev_period_{exc.reason_code}")}, raw)
    except datev.DatevNotConfigured:
        return _page(view, 409, {"to": view.t("datev_not_configured")}, raw)
    assert start is not None and end is not None
    return Response(status_code=200, content_type="text/csv; charset=windows-1252", body=data,
                    compress=False,
                    headers={"Content-Disposition":
                             f'attachment; filename="{datev.file_name(start, end)}"',
                             "Cache-Control": "private, no-store"})


def _day(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PeriodInvalid(name, f"not a date: {value[:40]!r}", "not_a_date") from exc


@router.post("/handoff/datev-settings")
def handoff_datev_settings() -> Response[str]:
    view = signed_in()
    form = form_data()
    check_csrf(view, form)
    current = settings_document(ctx(), view.tenant)
    posted = {name: form.get(name, "").strip() for name in DATEV_INPUTS}
    typed = {name: int(value) if name in NUMBERS and value.isdigit() else value
             for name, value in posted.items()}
    document = {**current, "datev": {**(current.get("datev") or {}), **typed}}
    try:
        save_settings(ctx(), view.tenant, document, now())
    except DomainError as exc:
        errors = {p.field.removeprefix("datev."): _text(view, p) for p in problems_of(exc)}
        return _page(view, 400, setting_errors=errors, posted=posted)
    return redirect(view.url("/app/handoff", done="settings"))
