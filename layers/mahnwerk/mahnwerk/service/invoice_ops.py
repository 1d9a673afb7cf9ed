"""Use cases behind the API's invoice resource: import by API, and the owner's actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..domain import residual
from ..domain.actions import NEEDS_POLICY, ActionResult, apply_action
from ..domain.dates import business_date
from ..domain.events import handed_over_by_owner
from ..domain.model import DomainError, Invoice, Reject
from ..domain.money import ZERO, to_str
from ..intake.csv_invoices import record_from_fields
from ..intake.result import record_warnings
from .bootstrap import Context
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
            record = record_from_fields(row, tenant_id, settings.policy.payment_terms_days, line)
        except ValueError as exc:
            report.rejected.append(Reject("api", line, str(exc)))
            continue
        negative = record.amount < ZERO or record.open_amount < ZERO
        credit_note = row.get("credit_note") == "true"
        if negative != credit_note:
            report.rejected.append(Reject("api", line, (
                f"amount {record.amount} is negative: a credit note (Gutschrift) says "
                f"credit_note: true, an invoice has a positive amount") if negative else (
                f"a credit note has a negative amount, got {record.amount}")))
            continue
        if record.number in seen:
            report.rejected.append(Reject("api", line, f"invoice {record.number} appears twice"))
            continue
        seen.add(record.number)
        records.append(record)
    report.warnings.extend(record_warnings(records, "api"))
    ctx.tenants.register_tenant(tenant_id, at)
    apply_records(ctx, report, records, settings.policy, source, at)
    # opted-in tenants: Mahnwerk writes and sends these invoices (each at most once)
    queue_invoices(ctx, settings, report.created, at.isoformat())
    return report


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
    return changed
