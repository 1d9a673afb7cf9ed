"""The signed-in pages: overview, invoices, customers, payments to review, upload (the settings
page is ``web.settings_page``, on the same router).

Pages call the service only: reads go through ``service.dashboard`` and ``service.listings`` (the
API's own listings and report functions); writes call the same use cases as the API's routers
(``invoice_ops.act``, ``payments.assign``/``record_payment``, the settings and overrides savers).
Every POST checks the session's CSRF token and answers with a 303 redirect to a page
(reload-safe), or renders the page again with the reason it failed.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, UnauthorizedError
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from pydantic import ValidationError

from ..api.common import ctx, key_of, now, tenant_of
from ..domain import reports
from ..domain.actions import ALLOWED, MAX_PAUSE_DAYS, NotAllowed
from ..domain.approval import STALE_AFTER_DAYS
from ..domain.customers import MASTER_FIELDS
from ..domain.dates import business_date
from ..domain.errors import MahnwerkError
from ..domain.model import ERASED_NAME_PREFIX, Channel, DomainError
from ..domain.reasons import Reason
from ..service import approvals
from ..service import dashboard as data
from ..service.credit import holds_of
from ..service.customer_input import CustomerPatch, OverridesIn
from ..service.customers import customer_detail, save_master, save_overrides
from ..service.intake import inbox_key, latest_report, put_upload
from ..service.invoice_ops import FieldProblem, NotFound, act, decide_charges, enter_invoice
from ..service.letters import letter_pdf
from ..service.listings import payment_page
from ..service.payments import (
    AlreadyAssigned,
    ProbableDuplicate,
    assign,
    dismiss,
    payment_json,
    preview_assign,
    record_payment,
    restore,
    unassign,
)
from ..service.portal import inbox as portal_inbox
from ..service.ports import Conflict
from ..service.review import open_count
from ..service.runs import run_now, run_status
from ..service.sessions import cookies, csrf_ok, session_id_of
from ..service.tenants import load_settings
from ..service.views import invoice_json
from .charts import Bar, bar_chart
from .error_texts import error_text
from .i18n import TEXTS
from .render import View, header, html, is_https, lang_cookie, path_segment, redirect, render, view_of

router = Router()

#: what the dashboard relays into the inbox: API Gateway takes 10 MB, Lambda 6 MB of request, and
#: the file travels base64-encoded (4/3); larger files go through the API's presigned URL
UPLOAD_MAX = 4 * 1024 * 1024
UPLOAD_TYPES = {".csv": "text/csv", ".txt": "text/plain", ".pdf": "application/pdf",
                ".xml": "application/xml", ".sta": "text/plain", ".mt940": "text/plain",
                ".940": "text/plain"}
#: the success messages a redirect may name (?done=…)
DONE = {"paused", "disputed", "resolved", "written_off", "payment", "assigned", "overrides", "settings",
        "charges_waive", "charges_claim", "resumed", "reopened", "unassigned", "dismissed", "restored",
        "master", "approved", "skipped", "edited", "run", "run_held", "entered", "inbox_rotated",
        "review_imported", "review_discarded",
        "credit"}
ACTIONS = {"pause": "paused", "dispute": "disputed", "resolve": "resolved", "write-off": "written_off",
           "resume": "resumed", "reopen": "reopened"}


class SignIn(MahnwerkError):
    """No valid session for this request: to the sign-in page."""

    code, status, message = "sign_in_required", 401, "sign in first"


class CsrfFailed(MahnwerkError):
    code, status, message = "csrf_failed", 403, "The form has expired. Please reload the page and try again."


# --- request helpers ----------------------------------------------------------------------------

def cookie(event: BaseProxyEvent, name: str) -> str:
    return cookies(header(event, "Cookie")).get(name, "")


def signed_in() -> View:
    """The page's view for the tenant the authorizer found, or SignIn. The session in the cookie
    must be the one the authorizer checked (an API-key request has no session: no pages)."""
    event = router.current_event
    try:
        tenant = tenant_of(event)
    except UnauthorizedError as exc:
        raise SignIn from exc
    authorizer = (event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    view = view_of(event, tenant, business_date(now()))
    session = authorizer.get("session_id")
    if not session or session_id_of(view.token) != session:
        raise SignIn
    return view


def form_lists() -> dict[str, list[str]]:
    return parse_qs(router.current_event.decoded_body or "", keep_blank_values=True)


def form_data() -> dict[str, str]:
    return {k: v[0] for k, v in form_lists().items()}


def check_csrf(view: View, data: dict[str, str]) -> None:
    presented = data.get("csrf") or header(router.current_event, "X-CSRF-Token")
    if not csrf_ok(view.token, presented):
        raise CsrfFailed


def page(view: View, template: str, status: int = 200, **context: Any) -> Response[str]:
    done = view.query.get("done", "")
    context.setdefault("company", load_settings(ctx(), view.tenant).company.name)
    context.setdefault("review_open", open_count(ctx(), view.tenant))
    body = render(template, view, done=done if done in DONE else "", **context)
    return html(body, status, lang_cookie(view, is_https(router.current_event)))


def pdf_response(data_: bytes, name: str) -> Response[bytes]:
    """Bytes: the resolver sends them base64-encoded (isBase64Encoded), API Gateway decodes them
    (the dashboard API's binary media types)."""
    return Response(status_code=200, content_type="application/pdf", body=data_, compress=False,
                    headers={"Content-Disposition": f'inline; filename="{name}"',
                             "Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})


def json_response(body: dict[str, Any], status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body, ensure_ascii=False), headers={"Cache-Control": "no-store"})


# --- overview -----------------------------------------------------------------------------------

AGING_TONES = {"current": "b-ok", "1-30": "b-warn1", "31-60": "b-warn2", "61-90": "b-warn3",
               "90+": "b-bad"}


@router.get("/")
def overview() -> Response[str]:
    view = signed_in()
    o = data.overview(ctx(), view.tenant, view.today)
    aging = bar_chart([
        Bar(view.t("aging_current") if b.label == "current" else view.t("aging_days", label=b.label),
            b.open_amount, view.money(b.open_amount), AGING_TONES[b.label])
        for b in o.aging.buckets], view.t("aging_title"))
    weeks = bar_chart([
        Bar(view.t("week_of", week=start.isocalendar().week), amount, view.money(amount), "b-in")
        for start, amount in o.weeks], view.t("collected_title"))
    return page(view, "overview.html", o=o, aging_chart=aging, weeks_chart=weeks,
                settings=load_settings(ctx(), view.tenant),
                approvals_waiting=len(approvals.waiting(ctx(), view.tenant, view.today)),
                runs=run_status(ctx(), view.tenant, now()),
                portal_answers=len(portal_inbox(ctx(), view.tenant)))


@router.post("/runs")
def run_today() -> Response[str]:
    """"Jetzt ausführen": today's planning for this tenant, exactly once with the schedule."""
    view = signed_in()
    check_csrf(view, form_data())
    report = run_now(ctx(), view.tenant, now())
    return redirect(view.url("/app/", done="run_held" if report["held"] else "run"))


# --- invoices -----------------------------------------------------------------------------------

@router.get("/invoices")
def invoices() -> Response[str]:
    view = signed_in()
    phase = view.query.get("phase", "")
    phase = phase if phase in data.PHASES else ""
    listing = data.invoice_list(ctx(), view.tenant, phase, view.query.get("q", ""), view.query.get("cursor"))
    return page(view, "invoices.html", phase=phase, q=view.query.get("q", "")[:100], listing=listing,
                phases=data.PHASES, phase_of=data.phase_of, policy=load_settings(ctx(), view.tenant).policy)


def _invoice_page(view: View, number: str, status: int = 200, error: str = "") -> Response[str]:
    invoice, timeline, customer = data.invoice_view(ctx(), view.tenant, number)
    allowed = {a for a, statuses in ALLOWED.items() if invoice.status in statuses}
    if invoice.paused_until is None or invoice.paused_until < view.today:
        allowed.discard("resume")  # nothing to resume
    receivable = invoice.status in reports.RECEIVABLE and invoice.open_amount > 0
    return page(view, "invoice.html", status, inv=invoice_json(invoice), invoice=invoice,
                phase=data.phase_of(invoice), customer=customer, timeline=timeline, allowed=allowed,
                receivable=receivable, error=error, payment_token=secrets.token_hex(16),
                pause_min=(view.today + timedelta(days=1)).isoformat(),
                pause_max=(view.today + timedelta(days=MAX_PAUSE_DAYS)).isoformat(),
                pause_default=(view.today + timedelta(days=14)).isoformat())


@router.get("/invoices/<number>")
def invoice(number: str) -> Response[str]:
    return _invoice_page(signed_in(), number)


@router.post("/invoices/<number>/<action>")
def invoice_action(number: str, action: str) -> Response[str]:
    view = signed_in()
    number = str(number)
    form = form_data()
    check_csrf(view, form)
    try:
        if action == "payment":
            amount = _amount(form.get("amount", ""))
            booked = _day(form.get("booking_date", "")) or view.today
            record_payment(ctx(), view.tenant, amount=amount, on=booked,
                           reference=form.get("reference", "")[:300], debtor_name="",
                           invoices=[number], idempotency_key=form.get("token") or None,
                           today=view.today)
            done = "payment"
        elif action in ("charges-waive", "charges-claim"):
            decide_charges(ctx(), view.tenant, number, action.removeprefix("charges-"), now(),
                           form.get("reason", "")[:500])
            done = action.replace("-", "_")
        elif action in ACTIONS:
            params: dict[str, Any] = {"reason": form.get("reason", "")[:500]}
            if action == "pause":
                params["until"] = _day(form.get("until", ""))
            act(ctx(), view.tenant, number, action.replace("-", "_"), now(), **params)
            done = ACTIONS[action]
        else:
            raise NotFoundError(action)
    except (NotAllowed, AlreadyAssigned, ProbableDuplicate) as exc:
        return _invoice_page(view, number, 409, view.t("conflict", reason=view.reason(exc)))
    except Conflict:
        return _invoice_page(view, number, 409, view.t("conflict", reason="changed meanwhile"))
    except NotFound:
        raise
    except DomainError as exc:
        return _invoice_page(view, number, 400, view.t("bad_request", reason=view.reason(exc)))
    return redirect(view.url(f"/app/invoices/{_q(number)}", done=done))


def _q(value: str) -> str:
    return path_segment(value)


def _amount(text: str, zero: bool = False) -> Decimal:
    """An amount typed by a person: ``1.234,56``, ``1234.56`` or ``12 €``."""
    cleaned = text.strip().replace("€", "").replace(" ", "")
    if "," in cleaned:  # German input: 1.234,56
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise DomainError(f"not an amount: {text!r}") from exc
    if not amount.is_finite() or amount < 0 or (amount == 0 and not zero) \
            or amount > Decimal("999999999.99"):
        raise DomainError(f"not an amount: {text!r}")
    return amount.quantize(Decimal("0.01"))


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        try:
            return datetime.strptime(text, "%d.%m.%Y").date()
        except ValueError as exc:
            raise DomainError(f"not a date: {text!r}") from exc


@router.get("/letters/<notice_id>")
def letter(notice_id: str) -> Response[bytes]:
    view = signed_in()
    return pdf_response(*letter_pdf(ctx(), view.tenant, notice_id.removesuffix(".pdf")))


# --- customers ----------------------------------------------------------------------------------

@router.get("/customers")
def customers() -> Response[str]:
    view = signed_in()
    rows = data.customer_rows(ctx(), view.tenant)
    return page(view, "customers.html", rows=rows,
                credit=holds_of(ctx(), view.tenant, [r.customer.customer_id for r in rows]))


def _customer_page(view: View, customer_id: str, status: int = 200, error: str = "",
                   edit: dict[str, str] | None = None) -> Response[str]:
    detail = customer_detail(ctx(), view.tenant, customer_id, now())
    a = detail["address"]
    shown = edit or {"name": detail["name"], "email": detail["email"] or "", "street": a["street"],
                     "postal_code": a["postal_code"], "city": a["city"], "country": a["country"],
                     "consumer": "yes" if detail["is_consumer"] else "no", "locale": detail["locale"]}
    from .credit_page import limit_value, reason_text
    from .portal_owner import link_for, pt  # the debtor's page (issue 17)

    portal_link = "" if detail["name"].startswith(ERASED_NAME_PREFIX) else \
        link_for(view, customer_id)
    return page(view, "customer.html", status, c=detail, error=error, phase=data.phase_of_json,
                credit_reason=lambda r: reason_text(view, r["rule"], r["detail"]),
                credit_limit_value=limit_value,
                settings=load_settings(ctx(), view.tenant), edit=shown, edit_open=edit is not None,
                fields=MASTER_FIELDS, portal_link=portal_link,
                portal_texts=lambda key, **values: pt(view, key, **values))


@router.get("/customers/<customer_id>")
def customer(customer_id: str) -> Response[str]:
    return _customer_page(signed_in(), customer_id)


@router.post("/customers/<customer_id>/overrides")
def customer_overrides(customer_id: str) -> Response[str]:
    view = signed_in()
    customer_id = str(customer_id)
    lists = form_lists()
    form = {k: v[0] for k, v in lists.items()}
    check_csrf(view, form)
    agreed = form.get("due_dates_agreed", "")
    try:
        body = OverridesIn(
            payment_terms_days=int(form["payment_terms_days"]) if form.get("payment_terms_days") else None,
            channels=[Channel(c) for c in lists.get("channels", [])]
            if form.get("channels_set") == "custom" else None,
            paused_until=_day(form.get("paused_until", "")),
            pause_reason=form.get("pause_reason", "")[:500],
            excluded=form.get("excluded") == "on",
            due_dates_agreed={"yes": True, "no": False}.get(agreed))
        save_overrides(ctx(), view.tenant, customer_id, body)
    except (ValueError, ValidationError) as exc:
        # a value with a reason of its own ("Kein gültiges Datum: …"); otherwise (a library's
        # English message, e.g. pydantic's or int()'s) the page's own words, never English
        own = getattr(exc, "reason", None) or (exc.args[0] if exc.args else None)
        reason = view.reason(exc) if isinstance(own, Reason) else view.t("err_invalid")
        return _customer_page(view, customer_id, 400, view.t("bad_request", reason=reason))
    return redirect(view.url(f"/app/customers/{_q(customer_id)}", done="overrides"))


MASTER_FORM = ("name", "email", "street", "postal_code", "city", "country", "consumer", "locale")
#: the form's field per model field (the address fields are the form's own)
_MASTER_LABELS = {"name": "customer_name", "email": "email", "street": "street",
                  "postal_code": "postal_code", "city": "city", "country": "country",
                  "is_consumer": "col_customer", "locale": "letter_language"}


@router.post("/customers/<customer_id>/master")
def customer_master(customer_id: str) -> Response[str]:
    """The master-data form: only what changed is written (and entered in the timeline); a
    refused value is named in the page's language, the form keeps what was typed."""
    view = signed_in()
    customer_id = str(customer_id)
    form = form_data()
    check_csrf(view, form)
    typed = {name: form.get(name, "")[:1000] for name in MASTER_FORM}
    try:
        body = CustomerPatch.model_validate({
            "name": typed["name"], "email": typed["email"],
            "address": {k: typed[k] for k in ("street", "postal_code", "city", "country")},
            "is_consumer": {"yes": True, "no": False}.get(typed["consumer"]),
            "locale": typed["locale"]})
        save_master(ctx(), view.tenant, customer_id, body, "dashboard", key_of(router.current_event),
                    now())
    except ValidationError as exc:
        return _customer_page(view, customer_id, 400, _master_errors(view, exc), typed)
    except NotAllowed as exc:
        return _customer_page(view, customer_id, 409, view.t("conflict", reason=view.reason(exc)), typed)
    except Conflict:
        return _customer_page(view, customer_id, 409, view.t("master_conflict"), typed)
    return redirect(view.url(f"/app/customers/{_q(customer_id)}", done="master"))


def _master_errors(view: View, exc: ValidationError) -> str:
    """Each refused field with its reason, in the page's language."""
    reasons = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        field = next((p for p in reversed(loc) if p in _MASTER_LABELS), "")
        label = view.t(_MASTER_LABELS[field]) if field else view.t("invalid_field")
        kind = error.get("type", "")
        if kind == "string_too_long":
            reason = view.t("err_too_long", n=(error.get("ctx") or {}).get("max_length", ""))
        elif f"err_{kind}" in MASTER_ERRORS:
            reason = view.t(f"err_{kind}")
        else:
            reason = view.t("err_invalid")
        reasons.append(f"{label}: {reason}")
    return view.t("bad_request", reason="; ".join(reasons))


#: the reasons the master-data form can give (web/i18n.py has their words)
MASTER_ERRORS = ("err_not_clearable", "err_email_syntax", "err_hidden_characters", "err_formula",
                 "err_country_code", "err_literal_error", "err_bool_type")


# --- payments to review -------------------------------------------------------------------------

def _payments_page(view: View, status: int = 200, error: str = "",
                   preview: dict[str, Any] | None = None) -> Response[str]:
    found = payment_page(ctx(), view.tenant, 200, None, status="unmatched")
    payments = [payment_json(p) for p in found.items]
    dismissed = [payment_json(p) for p in
                 payment_page(ctx(), view.tenant, 200, None, status="dismissed").items]
    suggested = data.suggested_invoices(ctx(), view.tenant, payments)
    names = data.customer_names(ctx(), view.tenant, [inv.customer_id for inv in suggested.values()])
    return page(view, "payments.html", status, payments=payments, suggested=suggested, names=names,
                error=error, preview=preview, dismissed=dismissed)


@router.get("/payments")
def payments() -> Response[str]:
    return _payments_page(signed_in())


@router.post("/payments/<payment_id>/assign")
def payment_assign(payment_id: str) -> Response[str]:
    """First submit: what the assignment would do, with a button to confirm it; the second submit
    (``confirm=1``) assigns."""
    view = signed_in()
    payment_id = str(payment_id)
    form = form_data()
    check_csrf(view, form)
    numbers = [n for n in form.get("invoices", "").replace(",", " ").split() if n][:100]
    try:
        if form.get("confirm") != "1":
            shown = preview_assign(ctx(), view.tenant, payment_id, numbers)
            return _payments_page(view, preview={**shown, "numbers": " ".join(numbers)})
        assign(ctx(), view.tenant, payment_id, numbers, now())
    except (NotFound, AlreadyAssigned, Conflict) as exc:
        return _payments_page(view, 409, view.t("conflict", reason=view.reason(exc) or "changed meanwhile"))
    except DomainError as exc:
        return _payments_page(view, 400, view.t("bad_request", reason=view.reason(exc)))
    return redirect(view.url("/app/payments", done="assigned"))


@router.post("/payments/<payment_id>/<action>")
def payment_action(payment_id: str, action: str) -> Response[str]:
    """Dismiss (no customer payment) or restore an unmatched payment; unassign a matched one
    (from the invoice page: back there)."""
    view = signed_in()
    payment_id = str(payment_id)
    form = form_data()
    check_csrf(view, form)
    number = form.get("invoice", "")[:64]
    try:
        if action == "dismiss":
            dismiss(ctx(), view.tenant, payment_id, now(), form.get("reason", ""))
        elif action == "restore":
            restore(ctx(), view.tenant, payment_id, now())
        elif action == "unassign":
            unassign(ctx(), view.tenant, payment_id, now(), form.get("reason", ""))
        else:
            raise NotFoundError(action)
    except (NotAllowed, Conflict) as exc:
        reason = view.t("conflict", reason=view.reason(exc) or "changed meanwhile")
        if number:
            return _invoice_page(view, number, 409, reason)
        return _payments_page(view, 409, reason)
    except NotFound:
        raise
    except DomainError as exc:
        return _payments_page(view, 400, view.t("bad_request", reason=view.reason(exc)))
    done = {"dismiss": "dismissed", "restore": "restored", "unassign": "unassigned"}[action]
    if number:
        return redirect(view.url(f"/app/invoices/{_q(number)}", done=done))
    return redirect(view.url("/app/payments", done=done))


# --- letters waiting for approval ---------------------------------------------------------------

def _approvals_page(view: View, status: int = 200, error: str = "",
                    error_id: str = "", kept: dict[str, str] | None = None) -> Response[str]:
    found = [w.as_dict() for w in approvals.waiting(ctx(), view.tenant, view.today)]
    names = data.customer_names(ctx(), view.tenant, [w["customer_id"] for w in found])
    return page(view, "approvals.html", status, items=found, names=names, error=error,
                error_id=error_id, kept=kept or {}, section="approvals",
                stale_after=STALE_AFTER_DAYS)


@router.get("/approvals")
def approvals_list() -> Response[str]:
    return _approvals_page(signed_in())


@router.post("/approvals/<notice_id>/<action>")
def approval_action(notice_id: str, action: str) -> Response[str]:
    """Approve, skip or edit a letter waiting for approval (``service.approvals``)."""
    view = signed_in()
    notice_id = str(notice_id)
    form = form_data()
    check_csrf(view, form)
    try:
        if action == "approve":
            approvals.approve(ctx(), view.tenant, notice_id, now())
        elif action == "skip":
            approvals.skip(ctx(), view.tenant, notice_id, now())
        elif action == "edit":
            approvals.edit(ctx(), view.tenant, notice_id, now(),
                           deadline=_german_day(form.get("deadline", "")),
                           note=form.get("note", ""), channel=form.get("channel", ""))
        else:
            raise NotFoundError(action)
    except approvals.ApprovalNotFound:
        raise
    except (approvals.ApprovalDone, Conflict) as exc:
        return _approvals_page(view, 409, error_text(view.lang, exc), notice_id)
    except DomainError as exc:
        return _approvals_page(view, 400, _edit_reason(view, str(exc)), notice_id,
                               kept={k: form.get(k, "") for k in ("deadline", "note", "channel")})
    done = {"approve": "approved", "skip": "skipped", "edit": "edited"}[action]
    return redirect(view.url("/app/approvals", done=done))


def _german_day(text: str) -> str:
    """The date input sends ISO dates; a typed German date (31.12.2026) is taken too."""
    try:
        day = _day(text)
    except DomainError:
        return text  # refused by the service, at its field
    return day.isoformat() if day else text


def _edit_reason(view: View, message: str) -> str:
    """The edit form's refusal in the page's language, by the field it names."""
    field = message.split(":", 1)[0]
    key = {"deadline": "approval_bad_deadline", "note": "approval_bad_note",
           "channel": "approval_bad_channel"}.get(field, "approval_nothing")
    return view.t(key)


# --- upload -------------------------------------------------------------------------------------

@router.get("/upload")
def upload_page() -> Response[str]:
    view = signed_in()
    return page(view, "upload.html", max_mb=UPLOAD_MAX // (1024 * 1024), max_bytes=UPLOAD_MAX)


@router.post("/upload")
def upload() -> Response[str]:
    """One file from the drop zone into the tenant's inbox, under the key rules of the API's
    presigned uploads; S3 notifies the intake queue exactly as for a presigned PUT."""
    view = signed_in()
    try:
        body = json.loads(router.current_event.decoded_body or "{}")
    except ValueError:
        return json_response({"error": "expected JSON"}, 400)
    if not isinstance(body, dict):
        return json_response({"error": "expected JSON"}, 400)
    check_csrf(view, {"csrf": str(body.get("csrf", ""))})
    name, kind = str(body.get("file_name", "")).strip(), str(body.get("kind", "invoices"))
    if kind not in {"invoices", "bank"}:
        return json_response({"error": "kind: invoices or bank"}, 400)
    try:
        content = base64.b64decode(str(body.get("content", "")), validate=True)
    except (binascii.Error, ValueError):
        return json_response({"error": "content: base64 expected"}, 400)
    if len(content) > UPLOAD_MAX:
        return json_response({"error": view.t("upload_limit", mb=UPLOAD_MAX // (1024 * 1024))}, 413)
    if not content:
        return json_response({"error": "the file is empty"}, 400)
    try:
        key = inbox_key(view.tenant, kind, name)
    except DomainError as exc:
        return json_response({"error": str(exc)}, 400)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    put_upload(ctx(), key, content, UPLOAD_TYPES.get(suffix, "application/octet-stream"))
    since = now().replace(microsecond=0)
    return json_response({"file": name, "kind": kind, "since": since.isoformat(),
                          "result": view.url("/app/upload/result", file=name, since=since.isoformat())})


@router.get("/upload/result")
def upload_result() -> Response[str]:
    """The intake's report on a file uploaded at ``since`` (reports/{tenant}/imports/…), once the
    intake has written it."""
    view = signed_in()
    name = view.query.get("file", "")
    try:
        since = datetime.fromisoformat(view.query.get("since", ""))
    except ValueError:
        return json_response({"error": "since: a timestamp"}, 400)
    found = latest_report(ctx(), view.tenant, name, since)
    if found is None:
        return json_response({"status": "pending"})
    return json_response({"status": "done", "html": render("_import.html", view, r=found)})


# --- one invoice by hand ------------------------------------------------------------------------

#: the invoice form's inputs (the names of the CSV row's fields, and how the customer is given)
ENTRY_FIELDS = ("customer_mode", "customer_id", "name", "email", "street", "postal_code", "city",
                "country", "consumer", "number", "issue_date", "due_date", "terms_days", "amount",
                "text")
#: the fields a picked (known) customer is given by: its number only, so nothing is erased
_NEW_CUSTOMER = ("name", "email", "street", "postal_code", "city", "country", "consumer")


def _entry_page(view: View, typed: dict[str, str], status: int = 200,
                problems: list[FieldProblem] | None = None) -> Response[str]:
    errors: dict[str, str] = {}
    for p in problems or []:
        key = f"entry_err_{p.kind}"
        errors.setdefault(p.field or "number", view.t(key) if key in TEXTS else p.message)
    return page(view, "new_invoice.html", status, f=typed, errors=errors,
                customers=data.customer_choices(ctx(), view.tenant),
                terms=load_settings(ctx(), view.tenant).policy.payment_terms_days)


@router.get("/new-invoice")
def new_invoice_form() -> Response[str]:
    view = signed_in()
    typed = {name: "" for name in ENTRY_FIELDS}
    typed.update(customer_mode="existing", country="DE", consumer="nein",
                 issue_date=view.today.strftime("%d.%m.%Y"), token=secrets.token_urlsafe(16))
    if view.query.get("customer"):
        typed["customer_id"] = view.query["customer"][:100]
    return _entry_page(view, typed)


@router.post("/new-invoice")
def new_invoice() -> Response[str]:
    """One invoice typed by the owner: the checks of a CSV row, each refused field named in the
    page's language at its input with everything typed kept; then imported as the API does."""
    view = signed_in()
    form = form_data()
    check_csrf(view, form)
    typed = {name: form.get(name, "")[:1000] for name in ENTRY_FIELDS}
    typed["customer_mode"] = "new" if typed["customer_mode"] == "new" else "existing"
    if typed["customer_mode"] == "new":
        typed["customer_id"] = form.get("new_customer_id", "")[:1000]
    token = form.get("token", "")[:64] or secrets.token_urlsafe(16)
    typed["token"] = token
    row = {name: typed[name].strip() for name in ENTRY_FIELDS if name != "text"}
    if typed["customer_mode"] == "existing":
        for name in _NEW_CUSTOMER:  # a known customer keeps its data: nothing to overwrite
            row[name] = ""
    report, problems = enter_invoice(ctx(), view.tenant, row, now(), token, typed["text"][:500])
    if problems or report is None:
        return _entry_page(view, typed, 400, problems)
    return redirect(view.url(f"/app/invoices/{_q(row['number'])}", done="entered"))
