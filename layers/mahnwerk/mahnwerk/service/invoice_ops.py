"""Use cases behind the API's invoice resource: import by API, and the owner's actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain import residual
from ..domain.actions import NEEDS_POLICY, ActionResult, apply_action
from ..domain.dates import business_date
from ..domain.events import handed_over_by_owner
from ..domain.model import DomainError, Invoice, InvoiceRecord, Reject
from ..domain.money import ZERO, to_str
from ..domain.reasons import Reason, reason_of
from ..intake.csv_invoices import FieldError, record_from_fields
from ..intake.result import record_warnings
from .bootstrap import Context
from .credit import credit_changed
from .intake import ImportReport, apply_records
from .invoicing import queue_invoices
from .tenants import load_settings

MAX_BATCH = 1000


class NotFound(DomainError):
    code, status, message = "not_found", 404, "not found"


def import_invoices(ctx: Context, tenant_id: str, rows: Sequence[Mapping[str, str]], at: datetime,
                    request_id: str) -> ImportReport:
    """Invoices sent as data: the checks of a CSV row, the writes of a file import (conditional,
    batched; the same invoice twice changes nothing; an invoice in dunning is not overwritten)."""
    if len(rows) > MAX_BATCH:
        raise DomainError(f"at most {MAX_BATCH} invoices per request")
    settings = load_settings(ctx, tenant_id)
    source = f"api/{request_id}"
    report = ImportReport(tenant_id, source, "api", at.isoformat())
    records = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=1):
        try:
            record = check_row(row, tenant_id, settings.policy.payment_terms_days, line)
        except ValueError as exc:  # FieldError included
            report.rejected.append(Reject("api", line, reason_of(exc)))
            continue
        if record.number in seen:
            report.rejected.append(Reject("api", line, Reason("invoice_repeated", number=record.number)))
            continue
        seen.add(record.number)
        records.append(record)
    report.warnings.extend(record_warnings(records, "api"))
    ctx.tenants.register_tenant(tenant_id, at)
    apply_records(ctx, report, records, settings.policy, source, at)
    # opted-in tenants: Mahnwerk writes and sends these invoices (each at most once)
    queue_invoices(ctx, settings, report.created, at.isoformat())
    return report


def check_row(row: Mapping[str, str], tenant_id: str, default_terms_days: int,
              line: int) -> InvoiceRecord:
    """One invoice given as named fields (the API, the dashboard's form) through the checks of a
    CSV row, and the sign rule of a credit note. Raises ValueError (a FieldError names the field)."""
    record = record_from_fields(row, tenant_id, default_terms_days, line)
    negative = record.amount < ZERO or record.open_amount < ZERO
    credit_note = row.get("credit_note") == "true"
    if negative and not credit_note:
        raise FieldError(Reason("amount_negative", amount=record.amount), "amount", "negative")
    if credit_note and not negative:
        raise FieldError(Reason("credit_positive", amount=record.amount), "amount",
                         "credit_positive")
    return record


@dataclass(frozen=True)
class FieldProblem:
    """A refused value of the invoice form: the field, a stable kind (see ``FieldError``) and the
    English reason."""

    field: str
    kind: str
    message: str


#: a value that passes the row checks, put in place of a refused one to find the next problem:
#: every refused field of the form is named at once, by the one validation
_PASSING = {"number": "X", "amount": "1", "issue_date": "2000-01-01", "name": "X"}


def invoice_problems(row: Mapping[str, str], tenant_id: str,
                     default_terms_days: int) -> list[FieldProblem]:
    """Every refused field of one invoice given as named fields, by ``check_row``."""
    current = dict(row)
    problems: list[FieldProblem] = []
    for _ in range(len(current) + 8):
        try:
            check_row(current, tenant_id, default_terms_days, 1)
        except FieldError as exc:
            if any(p.field == exc.field for p in problems):
                break  # cannot happen with a passing placeholder: never loop
            problems.append(FieldProblem(exc.field, exc.kind, str(exc)))
            current[exc.field] = _PASSING.get(exc.field, "")
            continue
        except ValueError as exc:
            problems.append(FieldProblem("", "invalid", str(exc)))
        break
    return problems


def enter_invoice(ctx: Context, tenant_id: str, row: Mapping[str, str], at: datetime,
                  form_token: str, text: str = "") -> tuple[ImportReport | None, list[FieldProblem]]:
    """One invoice the owner typed into the dashboard: the checks of a CSV row (every refused
    field named), then imported exactly as the API's ``POST /v1/invoices`` (timeline "received",
    conditional write, InvoiceReceived once). ``form_token`` identifies the form: a double submit
    finds the invoice it created and changes nothing; an existing invoice of another source with
    that number is refused, never overwritten by a typed form. A known customer named by its
    number only keeps all its data (merge, domain.customers.overlay). ``text`` (what the invoice
    was for) goes into the invoice's timeline."""
    settings = load_settings(ctx, tenant_id)
    problems = invoice_problems(row, tenant_id, settings.policy.payment_terms_days)
    customer_id = str(row.get("customer_id") or "").strip()
    if row.get("customer_mode") == "existing" and (
            not customer_id or ctx.customers.get_customer(tenant_id, customer_id) is None):
        problems.append(FieldProblem("customer_id", "unknown_customer",
                                     f"customer {customer_id!r} not found"))
    if problems:
        return None, problems
    request = f"web-{form_token}"
    number = str(row.get("number") or "").strip()
    existing = ctx.invoices.get_invoice(tenant_id, number)
    if existing is not None and existing.source != f"api/{request}":
        return None, [FieldProblem("number", "exists", f"invoice {number} exists already")]
    report = import_invoices(ctx, tenant_id, [row], at, request)
    if report.rejected:  # changed meanwhile, or in dunning: the reason at the number
        return None, [FieldProblem("number", "invalid", report.rejected[0].reason)]
    if text.strip() and number in report.created:  # once: a double submit creates nothing
        ctx.invoices.add_event(tenant_id, number, "note", at,
                               {"reason": text.strip()[:500], "by": "dashboard"})
    return report, []


def decide_charges(ctx: Context, tenant_id: str, number: str, decision: str, at: datetime,
                   reason: str = "") -> Invoice:
    """The owner's decision on an invoice's residual charges (policy ``ask``): waive or claim."""
    invoice = ctx.invoices.get_invoice(tenant_id, number)
    if invoice is None:
        raise NotFound(f"invoice {number} not found")
    changed = residual.decide(invoice, decision, business_date(at))
    detail: dict[str, Any] = {"amount": to_str(invoice.charges_open)}
    if reason.strip():
        detail["reason"] = reason.strip()[:500]
    kind = "charges_waived" if decision == "waive" else "charges_claim"
    return ctx.api.change_invoice(changed, invoice.version, kind, at, detail)


def act(ctx: Context, tenant_id: str, number: str, action: str, at: datetime,
        **params: Any) -> Invoice:
    invoice = ctx.invoices.get_invoice(tenant_id, number)
    if invoice is None:
        raise NotFound(f"invoice {number} not found")
    if action in NEEDS_POLICY or (action == "resolve" and invoice.disputed_on is None):
        # resume, reopen, and a dispute stored before it kept its schedule: the policy's schedule
        params["policy"] = load_settings(ctx, tenant_id).policy
    result: ActionResult = apply_action(invoice, action, business_date(at), **params)
    changed = ctx.api.change_invoice(result.invoice, invoice.version, result.kind, at,
                                                result.detail)
    if action == "hand_over":
        ctx.events.publish([handed_over_by_owner(changed, at)])
    # a write-off, cancellation, hand-over or reopening moves the exposure and the risk class
    credit_changed(ctx, tenant_id, [changed.customer_id], at)
    return changed
