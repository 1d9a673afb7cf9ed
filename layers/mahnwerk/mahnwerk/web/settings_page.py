"""The dashboard's settings page: the form over the tenant's settings document (policy, texts,
bank, branding), its validation with each reason at its field, and the letter preview. Its routes
are registered on the dashboard's router (``web.pages.router``)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from markupsafe import Markup

from ..api.common import ctx, now
from ..domain.model import DomainError
from ..domain.policy import Action, Level, Tone
from ..domain.settings import TenantSettings
from ..domain.settings_checks import Problem, problems_of, settings_warnings
from ..domain.workdays import REGIONS
from ..letters.formatting import format_money
from ..letters.texts import LetterTemplateError
from ..service.mail import allowed_senders, current_inbox, rotate_inbox
from ..service.tenants import load_settings, save_settings, settings_document
from . import preview
from .credit_page import credit_form_values, credit_from_form
from .i18n import TEXTS, translate
from .pages import _amount, check_csrf, form_lists, page, pdf_response, router, signed_in
from .render import View, html, redirect, render

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

    context = ctx()
    return page(view, "settings.html", status, s=settings, error="", tones=list(Tone), regions=REGIONS,
                inbox=current_inbox(context, view.tenant),
                inbox_configured=bool(context.config.inbox_domain),
                inbox_default=", ".join(allowed_senders(settings)),
                refused=refused, warned=warned,
                field_errors={n[0]: n[2] for n in refused},
                field_warnings={n[0]: n[2] for n in warned},
                value=value, checked=checked, channels=channels,
                actions=list(Action), cf=credit_form_values(settings.credit),
                initial_preview=Markup(first))  # noqa: S704 - our own render


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
    if part == "inbox":
        return f"inbox_{rest}"
    if part == "credit":  # the form's credit inputs (web/credit_page.py)
        return "credit_overdue_days" if rest.endswith(".above") else f"credit_{rest}" \
            if rest in {"bureau_check", "bureau_max_age_days"} else "credit_overdue_days"
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
    current = settings_document(ctx(), view.tenant)
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
    if "inbox_senders" in form:  # one address or domain per line (or comma-separated)
        senders = [s for s in re.split(r"[\s,;]+", form["inbox_senders"]) if s]
        doc["inbox"] = {**(doc.get("inbox") or {}), "senders": senders}
    doc["locale"] = form.get("locale", "de")
    policy = doc.setdefault("policy", {})
    policy["payment_terms_days"] = _form_int(form.get("payment_terms_days", "14"))
    policy["deadline_days"] = _form_int(form.get("deadline_days", "10"))
    policy["holiday_region"] = form.get("holiday_region", policy.get("holiday_region") or "").strip()
    policy["minimum_amount"] = _form_money(form.get("minimum_amount", "0"))
    policy["bank_freshness_days"] = _form_int(
        form.get("bank_freshness_days", str(policy.get("bank_freshness_days", 3))))
    policy["residual_charges"] = form.get("residual_charges",
                                          policy.get("residual_charges") or "waive").strip()
    policy["residual_minimum"] = _form_money(
        form.get("residual_minimum", str(policy.get("residual_minimum", "10.00"))))
    policy["approval"] = form.get("approval", policy.get("approval") or "none").strip()
    amount = form.get("approval_amount", str(policy.get("approval_amount") or "")).strip()
    policy["approval_amount"] = _form_money(amount) if amount else None
    for flag in ("consolidate", "statutory_interest", "flat_fee_b2b"):
        policy[flag] = form.get(flag) == "on"
    count = _int(form.get("level_count", "0"))
    if not 1 <= count <= 9:
        raise DomainError("policy.levels: 1 to 9 levels")
    policy["levels"] = [_level_from(form, lists, i) for i in range(1, count + 1)]
    if form.get("credit_form") == "1":
        doc["credit"] = credit_from_form(doc.get("credit"), form)
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


@router.post("/settings/inbox")
def settings_inbox_rotate() -> Response[str]:
    """A new address for the tenant's invoice inbox; the old one stops working at once."""
    view = signed_in()
    form = {k: v[0] for k, v in form_lists().items()}
    check_csrf(view, form)
    rotate_inbox(ctx(), view.tenant, now())
    return redirect(view.url("/app/settings", done="inbox_rotated") + "#inbox-h")


@router.get("/settings/preview")
def settings_preview() -> Response[Any]:
    view = signed_in()
    return _preview(view, load_settings(ctx(), view.tenant), dict(view.query))
