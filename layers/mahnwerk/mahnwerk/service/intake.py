"""Use case: a file arrived in the inbox → invoices and customers in DynamoDB, rejects reported.

Idempotent by construction: invoices are keyed by (tenant, number) and written conditionally, so
the same file or the same S3 event twice changes nothing.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..adapters.aws import FileTooLarge
from ..adapters.dynamo import Conflict
from ..domain.dunning import first_action_on
from ..domain.model import (
    DomainError,
    Invoice,
    InvoiceRecord,
    InvoiceStatus,
    Reject,
    check_tenant_id,
)
from ..domain.money import ZERO, to_str
from ..domain.policy import Policy
from ..intake.csv_invoices import parse_invoices_csv
from .bootstrap import Context
from .tenants import load_settings

_SAFE_NAME = re.compile(r"^[\w .()+,@=-]{1,200}$", re.UNICODE)


@dataclass
class ImportReport:
    tenant_id: str
    key: str
    file: str
    received_at: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Reject] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id, "key": self.key, "file": self.file,
            "received_at": self.received_at, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"file": r.file, "line": r.line, "reason": r.reason} for r in self.rejected],
        }


@dataclass(frozen=True)
class InboxKey:
    tenant_id: str
    kind: str  # "invoices" | "bank"
    name: str


def parse_inbox_key(key: str) -> InboxKey:
    """``inbox/{tenant}/{invoices|bank}/{file}``; anything else is refused, never guessed."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "inbox":
        raise DomainError(f"unexpected inbox key (want inbox/<tenant>/invoices/<file>): {key!r}")
    _, tenant, kind, name = parts
    check_tenant_id(tenant)
    if kind not in {"invoices", "bank"}:
        raise DomainError(f"unknown inbox folder {kind!r} (invoices or bank)")
    if name in {"", ".", ".."} or not _SAFE_NAME.match(name) or posixpath.basename(name) != name:
        raise DomainError(f"unsafe file name: {name!r}")
    return InboxKey(tenant, kind, name)


def ingest_object(ctx: Context, key: str, version_id: str | None, received_at: datetime) -> ImportReport:
    inbox = parse_inbox_key(key)
    report = ImportReport(inbox.tenant_id, key, inbox.name, received_at.isoformat())
    try:
        data = ctx.store.get(key, version_id)
    except FileTooLarge as exc:
        report.rejected.append(Reject(inbox.name, 0, f"file too large: {exc}"))
        return _finish(ctx, report, version_id)
    settings = load_settings(ctx, inbox.tenant_id)
    ctx.repo.register_tenant(inbox.tenant_id, received_at)

    if inbox.kind == "bank":
        report.rejected.append(
            Reject(inbox.name, 0, "bank statement import is not available yet; file kept")
        )
        return _finish(ctx, report, version_id)
    suffix = posixpath.splitext(inbox.name)[1].lower()
    if suffix not in {".csv", ".txt"}:
        report.rejected.append(
            Reject(inbox.name, 0, f"file type {suffix or '(none)'} is not supported yet; "
                                  "upload a CSV export (PDF and XML e-invoices follow)")
        )
        return _finish(ctx, report, version_id)

    parsed = parse_invoices_csv(data, inbox.name, inbox.tenant_id,
                                settings.policy.payment_terms_days)
    report.rejected.extend(parsed.rejects)
    for record in parsed.records:
        _apply(ctx, report, record, settings.policy, key, received_at)
    return _finish(ctx, report, version_id)


def new_invoice(tenant_id: str, record: InvoiceRecord, policy: Policy) -> Invoice:
    paid = record.open_amount <= ZERO
    return Invoice(
        tenant_id=tenant_id, number=record.number, customer_id=record.customer.customer_id,
        issue_date=record.issue_date, due_date=record.due_date, amount=record.amount,
        open_amount=max(record.open_amount, ZERO), currency=record.currency,
        status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
        next_action_on=None if paid else first_action_on(record.due_date, policy),
        due_date_source=record.due_date_source,
    )


def _apply(ctx: Context, report: ImportReport, record: InvoiceRecord, policy: Policy,
           key: str, at: datetime) -> None:
    tenant = report.tenant_id
    invoice = new_invoice(tenant, record, policy)
    ctx.repo.put_customer(record.customer)
    if ctx.repo.create_invoice(invoice, source=key):
        report.created.append(record.number)
        ctx.repo.add_event(tenant, record.number, "received", at, {
            "file": report.file, "line": record.line, "amount": to_str(record.amount),
            "due_date": record.due_date.isoformat(), "due_date_source": record.due_date_source,
        })
        return
    existing = ctx.repo.get_invoice(tenant, record.number)
    if existing is None:  # deleted between the two calls: let the retry create it
        raise RuntimeError(f"invoice {record.number} vanished during import")
    changes = _diff(existing, invoice)
    if not changes:
        report.unchanged.append(record.number)
        return
    if existing.dunning_started:
        report.rejected.append(Reject(
            report.file, record.line,
            f"invoice {record.number} is already in dunning (level {existing.level}); "
            f"changes ({', '.join(changes)}) must be made through the API",
        ))
        return
    if existing.customer_id != invoice.customer_id:
        report.rejected.append(Reject(
            report.file, record.line,
            f"invoice {record.number} belongs to customer {existing.customer_id}, "
            f"not {invoice.customer_id}",
        ))
        return
    try:
        ctx.repo.replace_invoice(invoice, existing.version, source=key)
    except Conflict:
        report.rejected.append(Reject(report.file, record.line,
                                      f"invoice {record.number} changed meanwhile; upload again"))
        return
    report.updated.append(record.number)
    ctx.repo.add_event(tenant, record.number, "changed", at, {
        "file": report.file, "line": record.line,
        "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()},
    })


def _diff(old: Invoice, new: Invoice) -> dict[str, tuple[object, object]]:
    fields = ("customer_id", "issue_date", "due_date", "amount", "open_amount", "currency")
    return {f: (getattr(old, f), getattr(new, f)) for f in fields
            if getattr(old, f) != getattr(new, f)}


def _finish(ctx: Context, report: ImportReport, version_id: str | None) -> ImportReport:
    """The import report is kept next to the original (which is never deleted)."""
    suffix = f".{version_id}" if version_id else ""
    ctx.store.put_json(f"reports/{report.tenant_id}/imports/{report.file}{suffix}.json",
                       report.as_dict())
    if report.rejected:
        ctx.store.put_json(f"rejected/{report.tenant_id}/{report.file}{suffix}.json",
                           report.as_dict()["rejected"])
    return report
