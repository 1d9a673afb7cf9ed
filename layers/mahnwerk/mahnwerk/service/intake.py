"""Use case: a file arrived in the inbox → invoices and customers in DynamoDB, rejects reported.

Idempotent by construction: invoices are keyed by (tenant, number) and written conditionally, so
the same file or the same S3 event twice changes nothing.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, BinaryIO

from ..adapters.aws import FileTooLarge
from ..domain.customers import audit_changes, overlay
from ..domain.customers import changes as customer_changes
from ..domain.deliverability import NO_ADDRESS, NO_CHANNEL, NO_EMAIL, next_letter
from ..domain.dunning import first_action_on
from ..domain.events import invoice_received
from ..domain.model import (
    ERASED_NAME_PREFIX,
    Customer,
    DomainError,
    Invoice,
    InvoiceRecord,
    InvoiceStatus,
    Reject,
    check_tenant_id,
)
from ..domain.money import ZERO
from ..domain.policy import Policy
from ..domain.reasons import Reason, reason_of
from ..domain.settings import TenantSettings
from ..intake.files import parse_invoice_file
from ..service.ports import Conflict
from .bootstrap import Context
from .credit import credit_changed
from .invoicing import request_sending
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
    payments: dict[str, Any] = field(default_factory=dict)
    #: invoices imported as they are but worth a look (a due date before the invoice date)
    warnings: list[Reject] = field(default_factory=list)
    #: files that went to the review list: {"file", "id"}
    review: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id, "key": self.key, "file": self.file,
            "payments": self.payments,
            "received_at": self.received_at, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.as_dict() for r in self.rejected],
            "warnings": [w.as_dict() for w in self.warnings],
            "review": list(self.review),
        }


    def as_text(self) -> str:
        """The reject report as a person reads it: headline and each reason in German and in
        English."""
        lines = [
            f"Import von / import of {self.file} ({self.received_at})",
            f"übernommen / imported: {len(self.created)} neu/new, {len(self.updated)} geändert/"
            f"changed, {len(self.unchanged)} unverändert/unchanged",
            f"abgelehnt / rejected: {len(self.rejected)}",
        ]
        if self.review:
            lines.append(f"zur Prüfung (Dashboard „Zu prüfen“) / on the review list: {len(self.review)}")
        lines.append("")
        for r in self.rejected:
            where = f"Zeile/line {r.line}" if r.line else "Datei/file"
            lines.append(f"{r.file}, {where}: {r.text('de')}")
            lines.append(f"    {r.text('en')}")
        return "\n".join(lines) + "\n"


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


def inbox_key(tenant: str, kind: str, file_name: str) -> str:
    """Where an uploaded file goes: ``inbox/{tenant}/{invoices|bank}/{name}``, by the intake's own
    rules (no path tricks, no odd characters; DomainError otherwise)."""
    key = f"inbox/{tenant}/{kind}/{file_name}"
    parse_inbox_key(key)
    return key


def upload_url(ctx: Context, key: str, seconds: int) -> tuple[str, int]:
    """A presigned PUT URL for ``key`` and the largest file the intake takes."""
    return ctx.store.presign_put(key, seconds), ctx.config.max_upload_bytes


def put_upload(ctx: Context, key: str, content: bytes, content_type: str) -> None:
    """A file the dashboard uploaded, into the inbox (the intake picks it up from there)."""
    ctx.store.put(key, content, content_type)


def latest_report(ctx: Context, tenant: str, name: str, since: datetime) -> dict[str, Any] | None:
    """The intake's newest report on the file ``name`` received at ``since`` or later (None: not
    written yet)."""
    found: dict[str, Any] | None = None
    for key in ctx.store.keys(f"reports/{tenant}/imports/{name}"):
        report = json.loads(ctx.store.get(key))
        if report.get("file") != name:
            continue
        received = datetime.fromisoformat(str(report.get("received_at")).replace("Z", "+00:00"))
        if received >= since and (found is None or str(report["received_at"]) > str(found["received_at"])):
            found = report
    return found


def ingest_object(ctx: Context, key: str, version_id: str | None, received_at: datetime) -> ImportReport:
    inbox = parse_inbox_key(key)
    report = ImportReport(inbox.tenant_id, key, inbox.name, received_at.isoformat())
    try:
        body = ctx.store.open(key, version_id, max_bytes=ctx.config.max_upload_bytes)
    except FileTooLarge as exc:
        report.rejected.append(Reject(inbox.name, 0, Reason("file_too_large", detail=str(exc))))
        return _finish(ctx, report, version_id)
    with body:
        return _ingest(ctx, inbox, report, body, key, version_id, received_at)


def _ingest(ctx: Context, inbox: InboxKey, report: ImportReport, body: BinaryIO, key: str,
            version_id: str | None, received_at: datetime) -> ImportReport:
    settings = load_settings(ctx, inbox.tenant_id)
    ctx.tenants.register_tenant(inbox.tenant_id, received_at)

    if inbox.kind == "bank":
        from .reconcile import ingest_statement

        bank = ingest_statement(ctx, settings, inbox.name, body.read(), key, received_at)
        report.rejected.extend(bank.rejected)
        suffix = f".{version_id}" if version_id else ""
        ctx.store.put_json(f"reports/{inbox.tenant_id}/bank/{inbox.name}{suffix}.json",
                           {**bank.as_dict(), "received_at": report.received_at})
        report.payments = bank.as_dict()
        return _finish(ctx, report, version_id)
    return _invoice_file(ctx, settings, report, body, key, version_id, received_at)


def _invoice_file(ctx: Context, settings: TenantSettings, report: ImportReport,
                  body: BinaryIO | bytes, key: str, version_id: str | None,
                  received_at: datetime) -> ImportReport:
    invoices = _templates_or_invoices(ctx, report, body, key, received_at)
    if invoices is None:  # a file of recurring-invoice templates (service/recurring.py)
        return _finish(ctx, report, version_id)
    parsed = parse_invoice_file(invoices, report.file, report.tenant_id,
                                settings.policy.payment_terms_days,
                                mapping=settings.csv_columns or None,
                                max_bytes=ctx.config.max_upload_bytes)
    report.rejected.extend(parsed.rejects)
    report.warnings.extend(parsed.warnings)
    if parsed.reviews:
        from .review import record_reviews

        record_reviews(ctx, report, parsed.reviews, key, version_id, received_at,
                       body if isinstance(body, bytes) else None)
    apply_records(ctx, report, parsed.records, settings.policy, key, received_at)
    request_sending(ctx, settings, key, report.received_at, parsed.records, report.created,
                    report.unchanged)
    return _finish(ctx, report, version_id)


def _templates_or_invoices(ctx: Context, report: ImportReport, body: BinaryIO | bytes, key: str,
                           received_at: datetime) -> BinaryIO | bytes | None:
    """A CSV whose header has an ``Intervall``/``interval`` column holds recurring-invoice
    templates: they are imported (each refused row reported with line, field and reason) and
    None is returned; any other file comes back whole, to be read as invoices."""
    from ..intake.guard import GuardedStream, Refused, Rejoined, read_head
    from . import recurring

    if not report.file.lower().endswith((".csv", ".txt")):
        return body
    stream = GuardedStream(io.BytesIO(body) if isinstance(body, bytes) else body,
                           ctx.config.max_upload_bytes)
    try:  # the guard reads along: a file too large or with a malware signature is refused here
        head = read_head(stream, 4096)
        first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        if not recurring.is_template_header(first.split(delimiter)):
            return head + stream.read() if isinstance(body, bytes) else Rejoined(head, stream)  # type: ignore[return-value]
        data = head + stream.read()
    except Refused as exc:
        report.rejected.append(Reject(report.file, 0, reason_of(exc)))
        return None
    result = recurring.import_templates(ctx, report.tenant_id, data, received_at,
                                        by="import", source=f"{key}#{report.received_at}")
    report.created.extend(result["created"])
    report.unchanged.extend(result["unchanged"])
    report.rejected.extend(
        Reject(report.file, r["line"], Reason(
            "template_row_invalid",
            fields=", ".join(e["field"] for e in r["errors"]),
            fields_de=", ".join(_TEMPLATE_FIELDS_DE.get(e["field"], e["field"]) for e in r["errors"])))
        for r in result["rejected"])
    return None


#: the columns of a file of recurring-invoice templates, as the import report names them in German
_TEMPLATE_FIELDS_DE = {
    "amount": "Betrag", "count": "Anzahl", "customer_id": "Kunde", "day": "Tag", "end": "Ende",
    "interval": "Intervall", "line_text": "Leistung", "start": "Beginn", "terms_days": "Zahlungsziel",
    "vat": "USt",
}


def ingest_file(ctx: Context, settings: TenantSettings, name: str, data: bytes, key: str,
                received_at: datetime) -> ImportReport:
    """An invoice file that did not come through ``inbox/`` (an e-mail attachment, named
    ``{message-id}/{attachment}``): the very same parsing, writing and reporting as an upload."""
    ctx.tenants.register_tenant(settings.tenant_id, received_at)
    report = ImportReport(settings.tenant_id, key, name, received_at.isoformat())
    return _invoice_file(ctx, settings, report, data, key, None, received_at)


def storage_number(record: InvoiceRecord) -> str:
    """E-invoice credit notes often reuse the number of the invoice they correct (the corpus has
    invoice and Gutschrift both numbered 471102): they are kept apart as ``{number}-GS`` so the
    credit reduces the claim instead of overwriting the invoice."""
    return f"{record.number}-GS" if record.credit_note else record.number


def new_invoice(tenant_id: str, record: InvoiceRecord, policy: Policy) -> Invoice:
    """A credit note (negative amount) stays open as a credit that reduces what the customer owes;
    a payable amount of 0 is recorded as paid."""
    credit = record.amount < ZERO or record.open_amount < ZERO
    paid = not credit and record.open_amount == ZERO
    dunnable = not credit and not paid
    return Invoice(
        tenant_id=tenant_id, number=storage_number(record),
        customer_id=record.customer.customer_id,
        issue_date=record.issue_date, due_date=record.due_date, amount=record.amount,
        open_amount=record.open_amount, currency=record.currency,
        status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
        next_action_on=first_action_on(record.due_date, policy) if dunnable else None,
        due_date_source=record.due_date_source,
    )


def apply_records(ctx: Context, report: ImportReport, records: list[InvoiceRecord],
                  policy: Policy, key: str, at: datetime) -> None:
    """Write a file's records with batched requests: one BatchGet per 100 numbers, one
    conditional transaction per 100 new invoices, customers in batches of 25."""
    if not records:
        return
    tenant = report.tenant_id
    customers = incoming_customers(records)
    known = ctx.customers.batch_get_customers(tenant, list(customers))
    ctx.customers.put_customers([c for c in customers.values() if c.customer_id not in known])
    for c in customers.values():
        old = known.get(c.customer_id)
        if old is not None:
            _update_customer(ctx, report, old, c, key, at)
    existing = ctx.invoices.batch_get_invoices(tenant, [storage_number(r) for r in records])
    fresh = [new_invoice(tenant, r, policy) for r in records if storage_number(r) not in existing]
    raced = set(ctx.invoices.create_invoices(fresh, source=key, received_at=at.isoformat()))
    report.created.extend(inv.number for inv in fresh if inv.number not in raced)
    _warn_undeliverable(report, records, fresh, raced, customers, known, policy)
    if raced:
        existing.update(ctx.invoices.batch_get_invoices(tenant, sorted(raced)))
    _publish_received(ctx, tenant, records, fresh, raced, existing, policy, key, at)
    for record in records:
        if storage_number(record) in existing:
            _apply_existing(ctx, report, record, existing[storage_number(record)], policy, key,
                            at)
    # new or changed invoices move the customers' exposure: their credit state follows
    credit_changed(ctx, tenant, customers, at)


#: the import report's words for a customer whose first letter cannot go as planned
_UNDELIVERABLE = {
    NO_EMAIL: "customer_no_email",
    NO_ADDRESS: "customer_no_address",
    NO_CHANNEL: "customer_no_channel",
}


def _warn_undeliverable(report: ImportReport, records: list[InvoiceRecord], fresh: list[Invoice],
                        raced: set[str], customers: dict[str, Customer],
                        known: dict[str, Customer], policy: Policy) -> None:
    """A warning per customer of the new invoices whose first letter cannot go by the planned
    channel (domain.deliverability), on the line of their first new invoice."""
    created = {inv.number for inv in fresh if inv.number not in raced}
    warned: set[str] = set()
    for record in records:
        cid = record.customer.customer_id
        if storage_number(record) not in created or cid in warned or record.amount <= ZERO:
            continue
        warned.add(cid)
        incoming = customers[cid]
        stored = known.get(cid)
        customer = incoming if stored is None else overlay(stored, incoming)
        route = next_letter(customer, policy)
        if route is not None and route.reason:
            report.warnings.append(Reject(report.file, record.line,
                                          Reason(_UNDELIVERABLE[route.reason], customer=cid)))


def incoming_customers(records: list[InvoiceRecord]) -> dict[str, Customer]:
    """One customer per id from a file's records. A file repeats a customer row after row, mostly
    as the very same object: each distinct one is merged once, the later rows' given fields over
    the earlier ones' (a row with only the customer number adds nothing and erases nothing)."""
    people = list(map(_CUSTOMER, records))
    people.reverse()
    distinct = list(dict(zip(map(id, people), people, strict=True)).values())  # by last row
    distinct.reverse()
    merged: dict[str, Customer] = {}
    for c in distinct:
        earlier = merged.get(c.customer_id)
        merged[c.customer_id] = c if earlier is None else overlay(earlier, c)
    return merged


_CUSTOMER = attrgetter("customer")


def _update_customer(ctx: Context, report: ImportReport, old: Customer, incoming: Customer,
                     key: str, at: datetime) -> None:
    """A known customer's master data merged with what the file gives (absent fields stay as
    they are; overrides, language and payment behaviour are never a file's), and the change
    written to the customer's timeline."""
    if old.name.startswith(ERASED_NAME_PREFIX):
        return  # erased on request (GDPR Art. 17): a later file does not bring the person back
    new = overlay(old, incoming)
    found = customer_changes(old, new)
    if not found:
        return
    try:
        ctx.customers.update_customer_master(old, new)
    except Conflict:  # edited meanwhile (the dashboard, the API): the newer edit stands
        report.warnings.append(Reject(report.file, 0, Reason("customer_changed_meanwhile",
                                                                 customer=old.customer_id)))
        return
    via = "api" if key.startswith("api/") else "import"
    detail: dict[str, Any] = {"by": via, "changes": audit_changes(found)}
    if via == "import":
        detail["file"] = report.file
    ctx.customers.add_customer_event(old.tenant_id, old.customer_id, "master_changed", at, detail)


def _publish_received(ctx: Context, tenant: str, records: list[InvoiceRecord], fresh: list[Invoice],
                      raced: set[str], existing: dict[str, Invoice], policy: Policy, key: str,
                      at: datetime) -> None:
    """InvoiceReceived for the invoices created now, and again (same event ids) for those an
    earlier attempt of this very delivery created: a retried message finds them with its own
    source and time, and their events may not have gone out."""
    received = [inv for inv in fresh if inv.number not in raced]
    stamp = at.isoformat()
    received += [new_invoice(tenant, r, policy) for r in records
                 if (old := existing.get(storage_number(r))) is not None
                 and old.source == key and old.received_at == stamp]
    via = "api" if key.startswith("api/") else "file"
    ctx.events.publish(invoice_received(inv, at, via) for inv in received)


def _apply_existing(ctx: Context, report: ImportReport, record: InvoiceRecord, existing: Invoice,
                    policy: Policy, key: str, at: datetime) -> None:
    tenant = report.tenant_id
    invoice = new_invoice(tenant, record, policy)
    changes = _diff(existing, invoice)
    if not changes:
        report.unchanged.append(record.number)
        return
    if existing.dunning_started:
        report.rejected.append(Reject(
            report.file, record.line,
            Reason("invoice_in_dunning", number=record.number, level=existing.level,
                   changes=", ".join(changes)),
        ))
        return
    if existing.customer_id != invoice.customer_id:
        report.rejected.append(Reject(
            report.file, record.line,
            Reason("invoice_other_customer", number=record.number, customer=existing.customer_id,
                   other=invoice.customer_id),
        ))
        return
    try:
        ctx.invoices.replace_invoice(invoice.with_changes(received_at=existing.received_at),
                                 existing.version, source=key)
    except Conflict:
        report.rejected.append(Reject(report.file, record.line,
                                      Reason("invoice_changed_meanwhile", number=record.number)))
        return
    report.updated.append(record.number)
    ctx.invoices.add_event(tenant, record.number, "changed", at, {
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
        base = f"rejected/{report.tenant_id}/{report.file}{suffix}"
        ctx.store.put_json(f"{base}.json", report.as_dict()["rejected"])
        ctx.store.put(f"{base}.txt", report.as_text().encode("utf-8"), "text/plain; charset=utf-8")
    return report
