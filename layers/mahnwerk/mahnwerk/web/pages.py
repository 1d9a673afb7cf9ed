"""The signed-in pages: overview, invoices, customers, payments to review, upload, settings.

Reads go through ``web.data`` (the API's own store and report functions); writes call the same use
cases as the API's routers (``invoice_ops.act``, ``payments.assign``/``record_payment``, the
settings and overrides savers). Every POST checks the session's CSRF token and answers with a
303 redirect to a page (reload-safe), or renders the page again with the reason it failed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, UnauthorizedError
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from markupsafe import Markup
from pydantic import ValidationError

from ..api.common import ctx, invoice_json, now, store, tenant_of
from ..api.customers import CustomerPatch, OverridesIn, customer_detail, key_of, save_master, save_overrides
from ..api.notices import letter_key
from ..api.uploads import inbox_key
from ..domain import reports
from ..domain.actions import ALLOWED, MAX_PAUSE_DAYS, NotAllowed
from ..domain.customers import MASTER_FIELDS
from ..domain.dates import business_date
from ..domain.model import Channel, DomainError
from ..domain.policy import Action, Level, Tone
from ..domain.settings import TenantSettings
from ..domain.settings_checks import Problem, problems_of, settings_warnings
from ..domain.workdays import REGIONS
from ..letters.formatting import format_money
from ..letters.texts import LetterTemplateError
from ..service.invoice_ops import NotFound, act, decide_charges
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
from ..service.ports import Conflict
from ..service.sessions import cookies, csrf_ok, session_id_of
from ..service.tenants import SETTINGS_KEY, load_settings, save_settings
from ..service.timeline import invoice_timeline
from . import data, preview
from .charts import Bar, bar_chart
from .i18n import TEXTS, translate
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
        "master"}
ACTIONS = {"pause": "paused", "dispute": "disputed", "resolve": "resolved", "write-off": "written_off",
           "resume": "resumed", "reopen": "reopened"}


class SignIn(Exception):
    """No valid session for this request: to the sign-in page."""


class CsrfFailed(Exception):
    pass


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
    o = data.overview(view.tenant, view.today)
    aging = bar_chart([
        Bar(view.t("aging_current") if b.label == "current" else view.t("aging_days", label=b.label),
            b.open_amount, view.money(b.open_amount), AGING_TONES[b.label])
        for b in o.aging.buckets], view.t("aging_title"))
    weeks = bar_chart([
        Bar(view.t("week_of", week=start.isocalendar().week), amount, view.money(amount), "b-in")
        for start, amount in o.weeks], view.t("collected_title"))
    return page(view, "overview.html", o=o, aging_chart=aging, weeks_chart=weeks,
                settings=load_settings(ctx(), view.tenant))


# --- invoices -----------------------------------------------------------------------------------

@router.get("/invoices")
def invoices() -> Response[str]:
    view = signed_in()
    phase = view.query.get("phase", "")
    phase = phase if phase in data.PHASES else ""
    listing = data.invoice_list(view.tenant, phase, view.query.get("q", ""), view.query.get("cursor"))
    return page(view, "invoices.html", phase=phase, q=view.query.get("q", "")[:100], listing=listing,
                phases=data.PHASES, phase_of=data.phase_of, policy=load_settings(ctx(), view.tenant).policy)


def _invoice_page(view: View, number: str, status: int = 200, error: str = "") -> Response[str]:
    c = ctx()
    invoice = c.invoices.get_invoice(view.tenant, number)
    if invoice is None:
        raise NotFoundError(f"invoice {number} not found")
    timeline = invoice_timeline(c, view.tenant, number)
    customer = c.customers.get_customer(view.tenant, invoice.customer_id)
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
        return _invoice_page(view, number, 409, view.t("conflict", reason=str(exc)))
    except Conflict:
        return _invoice_page(view, number, 409, view.t("conflict", reason="changed meanwhile"))
    except NotFound:
        raise
    except DomainError as exc:
        return _invoice_page(view, number, 400, view.t("bad_request", reason=str(exc)))
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
    key = letter_key(view.tenant, notice_id.removesuffix(".pdf"))
    return pdf_response(ctx().store.get(key), key.rsplit("/", 1)[-1])


# --- customers ----------------------------------------------------------------------------------

@router.get("/customers")
def customers() -> Response[str]:
    view = signed_in()
    return page(view, "customers.html", rows=data.customer_rows(view.tenant))


def _customer_page(view: View, customer_id: str, status: int = 200, error: str = "",
                   edit: dict[str, str] | None = None) -> Response[str]:
    detail = customer_detail(view.tenant, customer_id)
    a = detail["address"]
    shown = edit or {"name": detail["name"], "email": detail["email"] or "", "street": a["street"],
                     "postal_code": a["postal_code"], "city": a["city"], "country": a["country"],
                     "consumer": "yes" if detail["is_consumer"] else "no", "locale": detail["locale"]}
    return page(view, "customer.html", status, c=detail, error=error, phase=data.phase_of_json,
                settings=load_settings(ctx(), view.tenant), edit=shown, edit_open=edit is not None,
                fields=MASTER_FIELDS)


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
        save_overrides(view.tenant, customer_id, body)
    except (ValueError, ValidationError) as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
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
        save_master(view.tenant, customer_id, body, "dashboard", key_of(router.current_event))
    except ValidationError as exc:
        return _customer_page(view, customer_id, 400, _master_errors(view, exc), typed)
    except NotAllowed as exc:
        return _customer_page(view, customer_id, 409, view.t("conflict", reason=str(exc)), typed)
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
    found = store().payment_page(view.tenant, 200, None, status="unmatched")
    payments = [payment_json(p) for p in found.items]
    dismissed = [payment_json(p) for p in
                 store().payment_page(view.tenant, 200, None, status="dismissed").items]
    suggested = data.suggested_invoices(view.tenant, payments)
    ids = sorted({inv.customer_id for inv in suggested.values()})
    found_customers = ctx().customers.batch_get_customers(view.tenant, ids) if ids else {}
    names = {cid: c.name for cid, c in found_customers.items()}
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
        return _payments_page(view, 409, view.t("conflict", reason=str(exc) or "changed meanwhile"))
    except DomainError as exc:
        return _payments_page(view, 400, view.t("bad_request", reason=str(exc)))
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
        reason = view.t("conflict", reason=str(exc) or "changed meanwhile")
        if number:
            return _invoice_page(view, number, 409, reason)
        return _payments_page(view, 409, reason)
    except NotFound:
        raise
    except DomainError as exc:
        return _payments_page(view, 400, view.t("bad_request", reason=str(exc)))
    done = {"dismiss": "dismissed", "restore": "restored", "unassign": "unassigned"}[action]
    if number:
        return redirect(view.url(f"/app/invoices/{_q(number)}", done=done))
    return redirect(view.url("/app/payments", done=done))


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
    ctx().store.put(key, content, UPLOAD_TYPES.get(suffix, "application/octet-stream"))
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
    prefix = f"reports/{view.tenant}/imports/{name}"
    found: dict[str, Any] | None = None
    for key in ctx().store.keys(prefix):
        report = json.loads(ctx().store.get(key))
        if report.get("file") != name:
            continue
        received = datetime.fromisoformat(str(report.get("received_at")).replace("Z", "+00:00"))
        if received >= since and (found is None or str(report["received_at"]) > str(found["received_at"])):
            found = report
    if found is None:
        return json_response({"status": "pending"})
    return json_response({"status": "done", "html": render("_import.html", view, r=found)})


# --- settings -----------------------------------------------------------------------------------

def _settings_page(view: View, status: int = 200, problems: list[Problem] | None = None,
                   posted: dict[str, list[str]] | None = None) -> Response[str]:
    """The form with the stored settings; after a refused save, the owner's own input again with
    each reason at its field. The stored settings' warnings (a high fee, …) are shown always."""
    settings = load_settings(ctx(), view.tenant)
    first = _preview(view, settings, {"level": "1"}).body
    refused = [_note(view, p) for p in problems or []]
    warned = [] if problems else [_note(view, p) for p in settings_warnings(settings)]
    form = posted or {}

    def value(name: str, stored: object) -> object:
        """What the owner posted (kept after a refused save), else the stored value."""
        return form[name][0] if name in form else stored

    def checked(name: str, stored: bool) -> bool:
        return (name in form) if posted else stored

    def channels(i: int, stored: tuple[str, ...]) -> list[str]:
        return form.get(f"level{i}_channels", []) if posted else [str(c) for c in stored]

    return page(view, "settings.html", status, s=settings, error="", tones=list(Tone), regions=REGIONS,
                refused=refused, warned=warned,
                field_errors={n[0]: n[2] for n in refused},
                field_warnings={n[0]: n[2] for n in warned},
                value=value, checked=checked, channels=channels,
                actions=list(Action), initial_preview=Markup(first))  # noqa: S704 - our own render


def _note(view: View, problem: Problem) -> tuple[str, str, str]:
    """(form input, its label, the reason) of one refused or warned field."""
    name = _input_of(problem.field)
    level = re.fullmatch(r"level(\d+)_(\w+)", name)
    if level:
        part = f"level_{level[2]}"
        label = view.t("level_n", n=int(level[1])) + (f" · {view.t(part)}" if part in TEXTS else "")
    else:
        key = {"company_name": "company_name", "level_count": "levels", "bank_bank_name":
               "bank_name"}.get(name, name.removeprefix("company_").removeprefix("bank_"))
        label = view.t(key) if key in TEXTS else problem.field
    return name, label, _problem_text(view, problem)


def _problem_text(view: View, problem: Problem) -> str:
    """The reason in the owner's language (a code without a text of its own: the core's)."""
    key = f"problem_{problem.code}"
    if key in TEXTS and problem.code != "invalid":
        return view.t(key, **problem.params) if problem.params else view.t(key)
    return problem.message


def _input_of(field_path: str) -> str:
    """The form input a settings field is edited in ("policy.levels[1].fee" → "level2_fee");
    the path itself for what the form does not show."""
    level = re.fullmatch(r"policy\.levels\[(\d+)\]\.(\w+)", field_path)
    if level:
        return f"level{int(level[1]) + 1}_{level[2]}"
    part, _, rest = field_path.partition(".")
    if part == "company":
        return "company_" + rest.removeprefix("address.")
    if part == "bank":
        return f"bank_{rest}"
    if part in {"policy", "settings"} and rest:
        return {"levels": "level_count"}.get(rest, rest)
    return field_path


@router.get("/settings")
def settings_page() -> Response[str]:
    return _settings_page(signed_in())


def _level_from(form: dict[str, str], lists: dict[str, list[str]], i: int) -> dict[str, Any]:
    p = f"level{i}_"
    level: dict[str, Any] = {
        "name": form.get(p + "name", "").strip(),
        "days": _form_int(form.get(p + "days", "")),
        "fee": _form_money(form.get(p + "fee", "0")),
        "tone": form.get(p + "tone", "friendly"), "channels": lists.get(p + "channels", [])}
    if form.get(p + "action") == "hand_over":
        level["action"] = "hand_over"
    return level


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise DomainError(f"not a whole number: {text!r}") from exc


def _money(text: str) -> Decimal:
    return _amount(text, zero=True) if text.strip() else Decimal(0)


def _form_int(text: str) -> int | str:
    """A whole number typed into the form; anything else goes on as typed, for the core to refuse
    at its field with the reason (every refused field is then named at once)."""
    try:
        return int(text.strip())
    except ValueError:
        return text.strip()


def _form_money(text: str) -> str:
    """An amount typed into the form (1,50 or 1.50); anything else as typed, for the core."""
    try:
        return str(_money(text))
    except DomainError:
        return text.strip()


@router.post("/settings")
def settings_save() -> Response[str]:
    view = signed_in()
    lists = form_lists()
    form = {k: v[0] for k, v in lists.items()}
    check_csrf(view, form)
    current = ctx().tenants.get_document(view.tenant, SETTINGS_KEY) or {}
    try:
        document = _settings_document(current, form, lists)
        save_settings(ctx(), view.tenant, document, now())
    except DomainError as exc:
        return _settings_page(view, 400, problems_of(exc), lists)
    return redirect(view.url("/app/settings", done="settings"))


def _settings_document(current: dict[str, Any], form: dict[str, str],
                       lists: dict[str, list[str]]) -> dict[str, Any]:
    """The stored document with the form's fields replaced; what the form does not show
    (CSV columns, invoicing, cooldown, …) stays as it was."""
    doc: dict[str, Any] = json.loads(json.dumps(current))
    company = doc.setdefault("company", {})
    for name in ("name", "email", "phone", "vat_id", "register", "managing_director", "website"):
        company[name] = form.get(f"company_{name}", "").strip()
    company["address"] = {k: form.get(f"company_{k}", "").strip()
                          for k in ("street", "postal_code", "city", "country")}
    if form.get("logo_remove") == "on":
        company.pop("logo", None)
    elif form.get("logo_data", "").startswith("data:image/"):
        company["logo"] = form["logo_data"]
    doc["bank"] = {k: form.get(f"bank_{k}", "").strip() for k in ("iban", "bic", "bank_name")}
    doc["sender_email"] = form.get("sender_email", "").strip()
    doc["locale"] = form.get("locale", "de")
    policy = doc.setdefault("policy", {})
    policy["payment_terms_days"] = _form_int(form.get("payment_terms_days", "14"))
    policy["deadline_days"] = _form_int(form.get("deadline_days", "10"))
    policy["holiday_region"] = form.get("holiday_region", policy.get("holiday_region") or "").strip()
    policy["minimum_amount"] = _form_money(form.get("minimum_amount", "0"))
    policy["residual_charges"] = form.get("residual_charges",
                                          policy.get("residual_charges") or "waive").strip()
    policy["residual_minimum"] = _form_money(
        form.get("residual_minimum", str(policy.get("residual_minimum", "10.00"))))
    for flag in ("consolidate", "statutory_interest", "flat_fee_b2b"):
        policy[flag] = form.get(flag) == "on"
    count = _int(form.get("level_count", "0"))
    if not 1 <= count <= 9:
        raise DomainError("policy.levels: 1 to 9 levels")
    policy["levels"] = [_level_from(form, lists, i) for i in range(1, count + 1)]
    return doc


def _preview(view: View, settings: TenantSettings, q: dict[str, str]) -> Response[Any]:
    """The letter of one level with the form's values (not yet saved): an HTML fragment, or the
    PDF with ``format=pdf``."""
    try:
        level_no = _int(q.get("level", "1"))
        if not 1 <= level_no <= settings.policy.top:
            raise DomainError(f"no level {level_no}")
        current = settings.policy.level(level_no)
        edited = Level(
            name=(q.get("name") or current.name).strip()[:100],
            days=_int(q["days"]) if q.get("days") else current.days,
            fee=_money(q["fee"]) if q.get("fee") else current.fee,
            tone=Tone(q.get("tone") or current.tone), channels=current.channels,
            action=Action(q.get("action") or current.action))
        lang = q["letter_lang"] if q.get("letter_lang") in {"de", "en"} else settings.locale
        edited_settings = preview.with_level(settings, level_no, edited)
        if q.get("format") == "pdf":
            return pdf_response(preview.letter_pdf(edited_settings, level_no, view.today, lang),
                                f"vorschau-stufe-{level_no}.pdf")
        plan, text = preview.letter_text(edited_settings, level_no, view.today, lang)
    except (DomainError, LetterTemplateError, ValueError) as exc:
        return html(render("_preview.html", view, error=str(exc), text=None, plan=None, lang=""))
    return html(render("_preview.html", view, text=text, plan=plan, lang=lang,
                       hand_over=edited.action is Action.HAND_OVER,
                       total=format_money(plan.total, lang), total_label=translate(lang, "col_total")))


@router.get("/settings/preview")
def settings_preview() -> Response[Any]:
    view = signed_in()
    return _preview(view, load_settings(ctx(), view.tenant), dict(view.query))
