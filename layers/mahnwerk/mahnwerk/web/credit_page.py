"""The dashboard's credit pages (Kreditregeln): the credit report (``/app/credit``), the credit
form on a customer's page, and the settings form's credit rules. Its routes are registered on
the dashboard's router (``web.pages.router``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from pydantic import ValidationError

from ..api.common import ctx, key_of, now
from ..domain.actions import NotAllowed
from ..domain.model import DomainError
from ..service.credit import credit_report
from ..service.customer_input import CustomerPatch
from ..service.customers import save_master
from .pages import _amount, _customer_page, _q, check_csrf, form_data, page, router, signed_in
from .render import View, redirect


def reason_text(view: View, rule: str, detail: str) -> str:
    """A rule's reason (``overdue_days:hold``, ``"45 > 30"``) in the page's language."""
    kind, _, _action = rule.partition(":")
    found, _, limit = detail.partition(" > " if kind != "risk_class" else " >= ")
    if kind == "overdue_days":
        return view.t("reason_overdue_days", days=found, limit=limit)
    if kind == "exposure_over_limit":
        return view.t("reason_exposure_over_limit", exposure=view.money(found),
                      limit=view.money(limit))
    if kind == "risk_class":
        return view.t("reason_risk_class", klass=found, limit=limit)
    return f"{rule} {detail}"


@router.get("/credit")
def credit_page() -> Response[str]:
    view = signed_in()
    return page(view, "credit.html", report=credit_report(ctx(), view.tenant),
                reason=lambda r: reason_text(view, r["rule"], r["detail"]))


@router.post("/customers/<customer_id>/credit")
def customer_credit(customer_id: str) -> Response[str]:
    """The credit form of a customer's page: the limit (empty clears it) and, for a consumer, the
    legitimate interest in a credit check."""
    view = signed_in()
    customer_id = str(customer_id)
    form = form_data()
    check_csrf(view, form)
    text = form.get("credit_limit", "").strip()[:40]
    body: dict[str, Any] = {}
    try:
        if text.startswith("-"):
            raise DomainError("negative")
        body["credit_limit"] = _amount(text, zero=True) if text else None
    except DomainError:
        return _customer_page(view, customer_id, 400, view.t("credit_bad_limit"))
    if form.get("legitimate_interest_shown") == "1":
        body["credit_legitimate_interest"] = form.get("legitimate_interest") == "on"
    try:
        save_master(ctx(), view.tenant, customer_id, CustomerPatch.model_validate(body),
                    "dashboard", key_of(router.current_event), now())
    except ValidationError:
        return _customer_page(view, customer_id, 400, view.t("credit_bad_limit"))
    except NotAllowed as exc:
        return _customer_page(view, customer_id, 409, view.t("conflict", reason=str(exc)))
    return redirect(view.url(f"/app/customers/{_q(customer_id)}", done="credit"))


def credit_from_form(stored: Any, form: dict[str, str]) -> dict[str, Any]:
    """The settings document's ``credit`` section from the settings form. The form shows the
    usual rules (hold after days overdue, over the limit, from a risk class; prepayment from a
    risk class); stored rules it cannot show (written through the API) are kept."""
    doc: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
    shown = {("overdue_days", "hold"), ("exposure_over_limit", "hold"), ("risk_class", "hold"),
             ("risk_class", "prepayment")}
    kept = [r for r in doc.get("rules") or [] if not isinstance(r, dict)
            or (r.get("kind"), r.get("action", "hold")) not in shown]
    rules: list[Any] = []
    days = form.get("credit_overdue_days", "").strip()
    if days:
        rules.append({"kind": "overdue_days", "action": "hold",
                      "above": int(days) if days.isdigit() else days})
    if form.get("credit_over_limit") == "on":
        rules.append({"kind": "exposure_over_limit", "action": "hold"})
    for name, action in (("credit_hold_class", "hold"), ("credit_prepay_class", "prepayment")):
        klass = form.get(name, "").strip()
        if klass:
            rules.append({"kind": "risk_class", "action": action, "at_least": klass})
    doc["rules"] = rules + kept
    doc["bureau_check"] = form.get("credit_bureau_check") == "on"
    age = form.get("credit_bureau_max_age_days", "").strip()
    doc["bureau_max_age_days"] = int(age) if age.isdigit() else (age or 90)
    return doc


def credit_form_values(credit: Any) -> dict[str, Any]:
    """What the settings form shows of the stored rules."""
    values: dict[str, Any] = {"overdue": "", "over_limit": False, "hold_class": "",
                              "prepay_class": ""}
    for rule in credit.rules:
        if (rule.kind, rule.action) == ("overdue_days", "hold"):
            values["overdue"] = rule.above
        elif (rule.kind, rule.action) == ("exposure_over_limit", "hold"):
            values["over_limit"] = True
        elif rule.kind == "risk_class":
            values["hold_class" if rule.action == "hold" else "prepay_class"] = rule.at_least
    return values


def limit_value(value: str | None) -> str:
    """The stored limit as the form shows it (German decimal comma)."""
    return "" if value is None else f"{Decimal(value):.2f}".replace(".", ",")
