"""Use cases: recurring invoices — the templates (create, change, pause, resume, end, import) and
the daily run that issues the invoices due.

The daily run (``runs.plan_tenant``) queues one message of kind :data:`KIND` per tenant with
templates; the notice worker then calls :func:`process_request`, which issues every period due up
to the run day that was not issued yet, oldest first (a run missed for days catches up each
period once). Each period is one transaction (``RecurringTemplates.create_period``): the period
item, the next number of the tenant's range (``invoicing.number_format``, gap-free), the invoice
and the template's list of periods — all or nothing, so a retried or repeated run finds the
period and issues nothing twice. The invoice is dated on the day it is issued (a caught-up period
too: the customer gets the full payment terms) and names its billing period in the line text.

Then each new invoice goes to the notice queue as an invoice send (``service.invoicing``): it is
written as Factur-X and sent by the customer's channel exactly once, like any invoice Mahnwerk
writes; from then on it is dunned like any invoice. A number whose send request may not have
been queued (a crash between the transaction and the queue) stays ``pending`` on the template
and is queued again by the next run (sending is idempotent).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.dates import business_date
from ..domain.dunning import first_action_on
from ..domain.events import invoice_received
from ..domain.model import ERASED_NAME_PREFIX, DomainError, Invoice, InvoiceStatus, check_tenant_id
from ..domain.recurring import MONTHS, due_periods, render_number, sequence_key
from ..domain.recurring_templates import (
    ACTIVE,
    ENDED,
    FIELDS,
    PAUSED,
    Problem,
    Template,
    TemplateInvalid,
    check_input,
    new_template,
)
from ..domain.settings import TenantSettings
from .bootstrap import Context
from .invoice_ops import NotFound
from .ports import Conflict
from .tenants import load_settings

#: the notice queue's message kind for "issue this tenant's recurring invoices due today"
KIND = "recurring"
#: the source an issued invoice records (its timeline shows where it came from)
SOURCE_PREFIX = "recurring/"


def _customer_state(ctx: Context, tenant_id: str, customer_id: str) -> tuple[bool, bool]:
    """(known, erased) of the customer a template names."""
    customer = ctx.customers.get_customer(tenant_id, customer_id) if customer_id else None
    if customer is None:
        return False, False
    return True, customer.name.startswith(ERASED_NAME_PREFIX)


def _checked(ctx: Context, tenant_id: str, raw: Mapping[str, object], today: date,
             base: Template | None) -> dict[str, Any]:
    customer_id = str(raw.get("customer_id") or "").strip()
    known, erased = _customer_state(ctx, tenant_id, customer_id) if customer_id else (True, False)
    values, problems = check_input(raw, today, base, known, erased)
    if problems:
        raise TemplateInvalid(problems)
    return values


def create_template(ctx: Context, tenant_id: str, raw: Mapping[str, object], at: datetime,
                    by: str = "api", template_id: str = "") -> Template:
    """A new template, every refused field named (:class:`TemplateInvalid`). ``template_id``
    (an import's: derived from the file and row) makes a repeated create find the first one."""
    tenant_id = check_tenant_id(tenant_id)
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise TemplateInvalid([Problem(name, "unknown_field", "not a field of a recurring invoice")
                               for name in unknown])
    values = _checked(ctx, tenant_id, raw, business_date(at), None)
    terms = load_settings(ctx, tenant_id).policy.payment_terms_days
    template = new_template(tenant_id, template_id or f"rt-{secrets.token_hex(6)}", values, at,
                            terms)
    if template_id and ctx.recurring.get_template(tenant_id, template_id) is not None:
        raise Conflict(template_id)  # created by an earlier delivery of the same file
    ctx.recurring.put_template(template)
    ctx.recurring.add_template_event(tenant_id, template.template_id, "template_created", at,
                                     {"by": by})
    return template


def get_template(ctx: Context, tenant_id: str, template_id: str) -> Template:
    found = ctx.recurring.get_template(tenant_id, template_id[:100])
    if found is None:
        raise NotFound(f"recurring invoice {template_id} not found")
    return found


def change_template(ctx: Context, tenant_id: str, template_id: str, raw: Mapping[str, object],
                    at: datetime, by: str = "api") -> Template:
    """PATCH: only the fields sent change (a field left out keeps its value; ``end``/``count``
    sent as null clear it); ``status`` ``paused``/``active`` pauses or resumes (audited)."""
    unknown = sorted(set(raw) - set(FIELDS) - {"status"})
    if unknown:
        raise TemplateInvalid([Problem(name, "unknown_field", "not a field of a recurring invoice")
                               for name in unknown])
    current = get_template(ctx, tenant_id, template_id)
    if current.status == ENDED:
        raise TemplateInvalid([Problem("status", "ended", "the recurring invoice has ended")])
    fields = {k: v for k, v in raw.items() if k != "status"}
    values = _checked(ctx, tenant_id, fields, business_date(at), current)
    status = raw.get("status")
    if status is not None and status not in (ACTIVE, PAUSED):
        raise TemplateInvalid([Problem("status", "invalid_status",
                                       "active or paused (DELETE ends the recurring invoice)")])
    changed = current.with_changes(**values)
    try:
        changed.schedule  # noqa: B018 - the combined values must still form a schedule
    except DomainError as exc:
        where, _, reason = str(exc).partition(": ")
        raise TemplateInvalid([Problem(where, "invalid", reason)]) from exc
    if values:
        changed = ctx.recurring.replace_template(changed, current.version)
        ctx.recurring.add_template_event(tenant_id, template_id, "template_changed", at,
                                         {"by": by, "fields": sorted(values)})
    if status is not None and status != changed.status:
        changed = set_status(ctx, tenant_id, template_id, str(status), at, by)
    return changed


_EVENT = {PAUSED: "template_paused", ACTIVE: "template_resumed", ENDED: "template_ended"}


def set_status(ctx: Context, tenant_id: str, template_id: str, status: str, at: datetime,
               by: str = "api") -> Template:
    """Pause, resume or end a template: audited on its timeline. Ending is final; pausing an
    ended one or ending twice changes nothing."""
    for _ in range(5):
        current = get_template(ctx, tenant_id, template_id)
        if current.status == status or current.status == ENDED:
            return current
        changes: dict[str, Any] = {"status": status}
        detail: dict[str, Any] = {"by": by}
        if status == ACTIVE:  # periods billed during the pause are not issued afterwards
            changes["skip_before"] = business_date(at)
            detail["skipped"] = [p for p, day in due_periods(
                current.schedule, business_date(at) - timedelta(days=1), set(current.created))
                if not current.skipped(day)]
        try:
            changed = ctx.recurring.replace_template(current.with_changes(**changes),
                                                     current.version)
        except Conflict:
            continue  # the run issued a period meanwhile: read again
        ctx.recurring.add_template_event(tenant_id, template_id, _EVENT[status], at, detail)
        return changed
    raise Conflict(template_id)


def template_json(ctx: Context, template: Template, detail: bool = False) -> dict[str, Any]:
    body = template.as_json()
    if detail:
        numbers = ctx.recurring.period_numbers(template.tenant_id, template.template_id)
        body["invoices"] = [{"period": p, "number": n} for p, n in sorted(numbers.items())]
        body["timeline"] = ctx.recurring.template_events(template.tenant_id, template.template_id)
    return body


# --------------------------------------------------------------------------------------------------
# the daily run


def request(ctx: Context, tenant_id: str, run_date: date, at: datetime) -> list[dict[str, Any]]:
    """The queue message of a tenant's run: only when a template has a period due by
    ``run_date`` or sends still to queue (most days none; one query either way)."""
    def due(t: Template) -> bool:
        upcoming = t.next_issue() if t.status == ACTIVE else None
        return bool(t.pending) or (upcoming is not None and upcoming <= run_date)

    if not any(due(t) for t in ctx.recurring.templates(tenant_id)):
        return []
    return [{"kind": KIND, "tenant_id": tenant_id, "run_date": run_date.isoformat(),
             "scheduled_time": at.isoformat()}]


def process_request(ctx: Context, message: Mapping[str, Any]) -> dict[str, Any]:
    tenant_id = check_tenant_id(str(message["tenant_id"]))
    return run_tenant(ctx, tenant_id, date.fromisoformat(str(message["run_date"])),
                      datetime.fromisoformat(str(message["scheduled_time"])))


def period_label(template: Template, billing_day: date) -> str:
    """The billing period an invoice covers, e.g. ``05/2026`` or ``04/2026–06/2026``."""
    months = MONTHS[template.interval]
    last = billing_day.year * 12 + billing_day.month - 1 + months - 1
    end = f"{last % 12 + 1:02d}/{last // 12}"
    first = f"{billing_day.month:02d}/{billing_day.year}"
    return first if months == 1 else f"{first}–{end}"


def _invoice(template: Template, number: str, issued: date, settings: TenantSettings) -> Invoice:
    due = issued + timedelta(days=template.terms_days)
    return Invoice(
        tenant_id=template.tenant_id, number=number, customer_id=template.customer_id,
        issue_date=issued, due_date=due, amount=template.amount, open_amount=template.amount,
        status=InvoiceStatus.OPEN, next_action_on=first_action_on(due, settings.policy),
        due_date_source="terms")


def run_tenant(ctx: Context, tenant_id: str, run_date: date, at: datetime) -> dict[str, Any]:
    """Issue every period due up to ``run_date`` of the tenant's active templates (each once),
    queue their sends. Returns what was issued (``created``) and what was found issued already."""
    settings = load_settings(ctx, tenant_id)
    fmt = settings.invoicing.number_format
    created: list[str] = []
    skipped: list[dict[str, str]] = []
    for template in ctx.recurring.templates(tenant_id):
        queue: list[tuple[str, int | None]] = [(n, None) for n in template.pending]
        due = [(p, day) for p, day in due_periods(template.schedule, run_date, set(template.created))
               if not template.skipped(day)] if template.status == ACTIVE else []
        if due:
            known, erased = _customer_state(ctx, tenant_id, template.customer_id)
            if erased or not known:  # nothing is issued to an erased or vanished customer
                skipped.append({"template": template.template_id,
                                "reason": "the customer was erased" if erased
                                else "the customer is unknown"})
                due = []
        for period, billing_day in due:
            number_of = _numbering(template, fmt, run_date, settings)
            result = ctx.recurring.create_period(
                template, period, sequence_key(fmt, run_date), number_of,
                f"{SOURCE_PREFIX}{template.template_id}", at)
            if result is None:  # paused or ended meanwhile
                break
            if result.fresh:
                created.append(result.number)
                invoice = ctx.invoices.get_invoice(tenant_id, result.number)
                ctx.invoices.add_event(tenant_id, result.number, "recurring_issued", at, {
                    "template": template.template_id, "period": period,
                    "billing_day": billing_day.isoformat(),
                    "period_label": period_label(template, billing_day)})
                if invoice is not None:
                    ctx.events.publish([invoice_received(invoice, at, "recurring")])
            queue.append((result.number, period))
        if queue:
            _queue_sends(ctx, template, queue, at)
    return {"tenant_id": tenant_id, "run_date": run_date.isoformat(), "created": created,
            "skipped": skipped}


def _numbering(template: Template, fmt: str, issued: date,
               settings: TenantSettings) -> Callable[[int], Invoice]:
    def build(seq: int) -> Invoice:
        return _invoice(template, render_number(fmt, issued, seq), issued, settings)
    return build


def _queue_sends(ctx: Context, template: Template, queue: Sequence[tuple[str, int | None]],
                 at: datetime) -> None:
    from .invoicing import KIND as INVOICE

    periods = {n: p for n, p in queue if p is not None}
    if any(p is None for _, p in queue):
        periods.update({n: p for p, n in ctx.recurring.period_numbers(
            template.tenant_id, template.template_id).items()})
    numbers = list(dict.fromkeys(n for n, _ in queue))
    ctx.notice_queue.send_all(
        {"kind": INVOICE, "tenant_id": template.tenant_id, "number": n, "at": at.isoformat(),
         "template": template.template_id, "period": periods.get(n, -1)} for n in numbers)
    ctx.recurring.clear_pending(template.tenant_id, template.template_id, numbers)


def document_settings(ctx: Context, settings: TenantSettings, template_id: str,
                      period: int) -> TenantSettings:
    """The settings an issued invoice is written with: the template's line text (with the
    billing period) and VAT instead of the tenant's defaults."""
    template = ctx.recurring.get_template(settings.tenant_id, template_id)
    if template is None:
        return settings
    text = template.line_text
    if period >= 0:
        text = f"{text} ({period_label(template, template.schedule.issue_date(period))})"
    invoicing = replace(settings.invoicing, line_text=text, vat_rate=template.vat_rate,
                        small_business=template.small_business)
    return replace(settings, invoicing=invoicing)


# --------------------------------------------------------------------------------------------------
# CSV import of templates

#: the CSV headers (German and English) → template fields; a file with an interval column is a
#: file of templates (``is_template_header``)
HEADERS = {
    "kundennummer": "customer_id", "kunde": "customer_id", "customer_id": "customer_id",
    "customer": "customer_id", "text": "line_text", "leistung": "line_text",
    "line_text": "line_text", "bezeichnung": "line_text", "betrag": "amount", "amount": "amount",
    "brutto": "amount", "ust": "vat", "mwst": "vat", "vat": "vat", "umsatzsteuer": "vat",
    "intervall": "interval", "interval": "interval", "tag": "day", "day": "day",
    "beginn": "start", "start": "start", "ende": "end", "end": "end", "anzahl": "count",
    "count": "count", "zahlungsziel": "terms_days", "terms_days": "terms_days",
}


def is_template_header(header: Sequence[str]) -> bool:
    return any(h.strip().lower() in ("intervall", "interval") for h in header)


def import_templates(ctx: Context, tenant_id: str, data: bytes, at: datetime,
                     by: str = "import", source: str = "") -> dict[str, Any]:
    """A CSV file of templates (``;`` or ``,``, UTF-8 or Windows-1252): each valid row becomes a
    template, each refused row is reported with its line, field and reason — nothing is lost.
    ``source`` (the upload's key and event time) makes the import idempotent: a redelivered
    event finds the templates of its rows (``unchanged``) and creates none twice."""
    import csv
    import hashlib
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])
    columns = [HEADERS.get(h.strip().lower(), "") for h in header]
    created: list[str] = []
    unchanged: list[str] = []
    rejected: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        raw = {name: cell for name, cell in zip(columns, row, strict=False) if name}
        template_id = ("rt-" + hashlib.sha256(f"{tenant_id}#{source}#{line}".encode()).hexdigest()[:12]
                       if source else "")
        try:
            created.append(create_template(ctx, tenant_id, raw, at, by, template_id).template_id)
        except Conflict:
            unchanged.append(template_id)
        except TemplateInvalid as exc:
            rejected.append({"line": line, "errors": [p.as_json() for p in exc.problems]})
        if line > 10_000:
            rejected.append({"line": line, "errors": [{"field": "file", "code": "too_many_rows",
                                                       "message": "at most 10000 rows"}]})
            break
    return {"created": created, "unchanged": unchanged, "rejected": rejected}
