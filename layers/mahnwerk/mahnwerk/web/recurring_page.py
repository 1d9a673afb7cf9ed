"""The dashboard's page of recurring invoices ("Serienrechnungen"): the templates with their next
invoice, a form to create one (each refused field named in the page's language at its input,
everything typed kept) and the buttons to pause, resume and end one (audited). The routes are
registered on the dashboard's router (``web.pages.router``); they call ``service.recurring``,
the same use cases as the API's ``/v1/recurring-invoices``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from ..api.common import ctx, now
from ..domain.recurring_templates import ACTIVE, ENDED, FIELDS, PAUSED, TemplateInvalid
from ..service import recurring
from ..service.tenants import load_settings
from .i18n import TEXTS
from .pages import check_csrf, form_data, page, router, signed_in
from .render import View, redirect

#: the buttons of a template → its new status
ACTIONS = {"pause": PAUSED, "resume": ACTIVE, "end": ENDED}
DONE = {"created": "rec_done_created", "pause": "rec_done_pause", "resume": "rec_done_resume",
        "end": "rec_done_end"}


def _page(view: View, typed: dict[str, str], status: int = 200,
          errors: dict[str, str] | None = None) -> Response[str]:
    from ..service import dashboard as data

    templates = ctx().recurring.templates(view.tenant)
    customers = data.customer_choices(ctx(), view.tenant)
    done = DONE.get(view.query.get("done", ""), "")
    return page(view, "recurring.html", status, f=typed, errors=errors or {},
                rows=[t.as_json() for t in templates], names=dict(customers),
                customers=customers, notice=done,
                terms=load_settings(ctx(), view.tenant).policy.payment_terms_days)


def _blank(view: View) -> dict[str, str]:
    typed = {name: "" for name in FIELDS}
    typed.update(interval="monthly", day="1", vat="19", start=view.today.strftime("%d.%m.%Y"))
    return typed


@router.get("/recurring")
def recurring_list() -> Response[str]:
    view = signed_in()
    return _page(view, _blank(view))


@router.post("/recurring")
def recurring_create() -> Response[str]:
    view = signed_in()
    form = form_data()
    check_csrf(view, form)
    typed = {name: form.get(name, "")[:1000] for name in FIELDS}
    raw: dict[str, Any] = {k: v for k, v in typed.items() if v.strip()}
    try:
        recurring.create_template(ctx(), view.tenant, raw, now(), "dashboard")
    except TemplateInvalid as exc:
        errors: dict[str, str] = {}
        for p in exc.problems:
            key = f"rec_err_{p.kind}"
            errors.setdefault(p.field, view.t(key) if key in TEXTS else p.message)
        return _page(view, typed, 400, errors)
    return redirect(view.url("/app/recurring", done="created"))


@router.post("/recurring/<template_id>/<action>")
def recurring_action(template_id: str, action: str) -> Response[str]:
    view = signed_in()
    form = form_data()
    check_csrf(view, form)
    status = ACTIONS.get(action)
    if status is None:
        raise NotFoundError(action)
    recurring.set_status(ctx(), view.tenant, template_id, status, now(), "dashboard")
    return redirect(view.url("/app/recurring", done=action))
