"""The review list in the dashboard: PDFs that could not be read safely, each shown beside a form
prefilled with what was found; "Übernehmen" imports the invoice (``service.review``, the checks of
a typed invoice), "Verwerfen" discards it. Registered on the dashboard's router."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from aws_lambda_powertools.event_handler import Response

from ..api.common import ctx, now
from ..domain.review import ReviewItem
from ..service.invoice_ops import FieldProblem
from ..service.review import (
    FORM_FIELDS,
    complete_review,
    discard_review,
    get_review,
    open_count,
    review_document,
    review_page,
)
from .i18n import TEXTS
from .pages import check_csrf, form_data, page, pdf_response, router, signed_in
from .render import CSP, View, html, path_segment, redirect, render

#: the detail page frames the original PDF from its own origin (nothing else may be framed)
REVIEW_CSP = CSP + "; frame-src 'self'"
STATUSES = ("open", "imported", "discarded")


def _typed(found: dict[str, str]) -> dict[str, str]:
    """What was found as a person types it: German dates and amounts."""
    typed = {name: found.get(name, "") for name in FORM_FIELDS}
    for name in ("issue_date", "due_date"):
        try:
            typed[name] = date.fromisoformat(typed[name]).strftime("%d.%m.%Y") if typed[name] else ""
        except ValueError:
            typed[name] = ""
    for name in ("amount", "open_amount"):
        try:
            value = Decimal(typed[name]) if typed[name] else None
        except InvalidOperation:
            value = None
        typed[name] = "" if value is None else \
            f"{value:,.2f}".replace(",", "§").replace(".", ",").replace("§", ".")
    if typed["open_amount"] == typed["amount"]:
        typed["open_amount"] = ""
    typed["currency"] = typed["currency"] or "EUR"
    typed["country"] = typed["country"] or "DE"
    return typed


def _detail(view: View, item: ReviewItem, typed: dict[str, str], status: int = 200,
            problems: list[FieldProblem] | None = None) -> Response[str]:
    errors: dict[str, str] = {}
    for p in problems or []:
        key = f"entry_err_{p.kind}"
        errors.setdefault(p.field or "number", view.t(key) if key in TEXTS else p.message)
    from ..service.tenants import load_settings

    body = render("review_item.html", view, done="", item=item, f=typed, errors=errors,
                  review_open=open_count(ctx(), view.tenant),
                  company=load_settings(ctx(), view.tenant).company.name,
                  pdf=view.url(f"/app/review/{item.review_id}/pdf"))
    return html(body, status, headers={"Content-Security-Policy": REVIEW_CSP})


@router.get("/review")
def review_list() -> Response[str]:
    view = signed_in()
    status = view.query.get("status", "open")
    status = status if status in STATUSES else "open"
    items, cursor = review_page(ctx(), view.tenant, 50, view.query.get("cursor") or None, status)
    items = sorted(items, key=lambda i: i.created_at, reverse=True)
    return page(view, "review.html", items=items, shown=status, statuses=STATUSES,
                next_url=view.url("/app/review", status=status, cursor=cursor) if cursor else "")


@router.get("/review/<review_id>")
def review_item(review_id: str) -> Response[str]:
    view = signed_in()
    item = get_review(ctx(), view.tenant, review_id)
    return _detail(view, item, _typed(item.found))


@router.get("/review/<review_id>/pdf")
def review_pdf(review_id: str) -> Response[bytes]:
    """The original, for the detail page's frame and the "PDF öffnen" link (same origin, the
    session's tenant only)."""
    view = signed_in()
    data = review_document(ctx(), view.tenant, review_id)
    item = get_review(ctx(), view.tenant, review_id)
    response = pdf_response(data, path_segment(item.file_name.rsplit("/", 1)[-1]))
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@router.post("/review/<review_id>")
def review_complete(review_id: str) -> Response[str]:
    view = signed_in()
    form = form_data()
    check_csrf(view, form)
    typed = {name: form.get(name, "")[:1000] for name in FORM_FIELDS}
    done = complete_review(ctx(), view.tenant, review_id, typed, now())
    if done.problems:
        return _detail(view, done.item, typed, 400, done.problems)
    return redirect(view.url(f"/app/invoices/{path_segment(done.item.invoice_number)}",
                             done="review_imported"))


@router.post("/review/<review_id>/discard")
def review_discard(review_id: str) -> Response[str]:
    view = signed_in()
    check_csrf(view, form_data())
    discard_review(ctx(), view.tenant, review_id, now())
    return redirect(view.url("/app/review", done="review_discarded"))
