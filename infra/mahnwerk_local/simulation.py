"""Run the real pipeline day by day on the embedded stack and collect what came out."""

from __future__ import annotations

import email
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from mahnwerk.domain.reports import aging_by_currency, dso_by_currency
from mahnwerk.domain.reports import behaviour as payment_behaviour

from .inbox import addressed, deliver
from .portal_debtor import Answer
from .portal_debtor import answer as portal_answer
from .stack import LocalStack

BERLIN_TZ = "Europe/Berlin"


@dataclass
class SimulationInput:
    tenant_id: str
    settings: dict[str, Any]
    invoice_files: Sequence[Path]
    start: date
    end: date
    out: Path
    template: Path | None = None
    payment_files: Sequence[Path] = ()
    #: raw e-mails (.eml) delivered to the tenant's inbox on the first morning
    mail_files: Sequence[Path] = ()
    #: debtors answering on their page after a day's run (portal_debtor.Answer)
    portal_answers: Sequence[Answer] = ()


@dataclass
class SimulationResult:
    summary: dict[str, Any]
    out: Path
    days: int
    files: dict[str, list[str]] = field(default_factory=dict)


def _at(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, 0), tzinfo=ZoneInfo(BERLIN_TZ))


def simulate(spec: SimulationInput) -> SimulationResult:
    stack = LocalStack(template_path=spec.template) if spec.template else LocalStack()
    with stack:
        answered: list[dict[str, Any]] = []
        days = run_book(stack, spec.tenant_id, spec.settings, spec.invoice_files,
                        spec.payment_files, spec.start, spec.end, spec.mail_files,
                        spec.portal_answers, answered)
        return _collect(stack, spec, days, answered)


def run_book(stack: LocalStack, tenant: str, settings: dict[str, Any],
             invoice_files: Sequence[Path], payment_files: Sequence[Path], start: date,
             end: date, mail_files: Sequence[Path] = (), answers: Sequence[Answer] = (),
             answered: list[dict[str, Any]] | None = None) -> int:
    """The real pipeline day by day on ``stack``: the tenant's settings, its invoice files on the
    first morning, each bank statement the morning after its last booking, and the daily dunning
    run at the template's hour. Returns the number of days run."""
    from mahnwerk.domain.settings_doc import settings_from_dict
    from mahnwerk.service.tenants import SETTINGS_KEY

    parsed = settings_from_dict(tenant, settings)  # fail early, with the reason
    dunning_hour = dunning_hour_of(stack)
    with stack.service_context() as ctx:
        ctx.tenants.put_document(tenant, SETTINGS_KEY, settings, _at(start, 0))
        ctx.tenants.register_tenant(tenant, _at(start, 0))
    if parsed.sender_email:
        stack.verify_sender(parsed.sender_email)
    address = _inbox(stack, tenant, _at(start, 0)) if mail_files else ""
    arrivals = _statement_days(payment_files)
    day, days = start, 0
    while day <= end:
        stack.now = _at(day, 5)
        if day == start:
            for path in invoice_files:
                stack.upload(f"inbox/{tenant}/invoices/{path.name}", path.read_bytes())
            for path in mail_files:
                deliver(stack, addressed(path.read_bytes(), address))
        for path in arrivals.get(day, []):
            stack.upload(f"inbox/{tenant}/bank/{path.name}", path.read_bytes())
        stack.drain()
        stack.now = _at(day, dunning_hour)
        stack.fire_schedule("DunningFunction", stack.now)
        stack.drain()
        for item in answers:  # the debtor answers on their page at noon
            if item.day == day:
                stack.now = _at(day, 12)
                found = portal_answer(stack, tenant, item)
                stack.drain()
                if answered is not None:
                    answered.append(found)
        day += timedelta(days=1)
        days += 1
    return days


def _inbox(stack: LocalStack, tenant: str, at: datetime) -> str:
    from mahnwerk.service.mail import current_inbox, rotate_inbox

    with stack.service_context() as ctx:
        return current_inbox(ctx, tenant) or rotate_inbox(ctx, tenant, at)


def dunning_hour_of(stack: LocalStack) -> int:
    return int(stack.resolver.values.get("DunningHour", 6))


def _statement_days(paths: Sequence[Path]) -> dict[date, list[Path]]:
    """A statement arrives the morning after its last booking day (as banks deliver them)."""
    from mahnwerk.intake.bank import parse_bank_file

    days: dict[date, list[Path]] = {}
    for path in paths:
        parsed = parse_bank_file(path.read_bytes(), path.name)
        booked = [e.booking_date for e in parsed.entries]
        if not booked:
            raise ValueError(f"{path}: no bookings found ({[r.reason for r in parsed.rejects]})")
        days.setdefault(max(booked) + timedelta(days=1), []).append(path)
    return days


def _collect(stack: LocalStack, spec: SimulationInput, days: int,
             answered: Sequence[dict[str, Any]] = ()) -> SimulationResult:
    from mahnwerk.domain.money import to_str
    from mahnwerk.domain.notices import plan_from_json

    out = spec.out
    for sub in ("letters", "mail", "post"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)
    s3 = stack.client("s3")
    files: dict[str, list[str]] = {"letters": [], "mail": [], "post": []}

    with stack.service_context() as ctx:
        invoices = ctx.invoices.invoices(spec.tenant_id)
        notices = ctx.notices.notices(spec.tenant_id)
        notice_rows = []
        for item in sorted(notices, key=lambda n: (n.reserved_at, n.notice_id)):
            plan = plan_from_json(item.plan)
            row: dict[str, Any] = {
                "notice_id": plan.notice_id, "date": plan.run_date.isoformat(),
                "customer": plan.customer_id,
                "level": plan.level, "level_name": plan.level_name, "kind": plan.kind,
                "status": item.status, "channels": _channels(item),
                "invoices": list(plan.invoice_numbers), "deadline": plan.deadline.isoformat(),
                "principal": to_str(plan.principal), "paid": to_str(plan.paid),
                "interest": to_str(plan.interest), "fees": to_str(plan.fees),
                "flat_fee": to_str(plan.flat_fee), "total": to_str(plan.total),
                "currency": plan.currency, "pdf": None,
                "promise_broken": list(plan.promise_broken),
            }
            if item.pdf_key:
                name = f"letters/{_file_name(item.notice_id)}.pdf"
                (out / name).write_bytes(
                    s3.get_object(Bucket=stack.bucket, Key=item.pdf_key)["Body"].read())
                row["pdf"] = name
                files["letters"].append(name)
            if item.post_key:
                name = f"post/{_file_name(item.notice_id)}.pdf"
                (out / name).write_bytes(
                    s3.get_object(Bucket=stack.bucket, Key=item.post_key)["Body"].read())
                row["post"] = name
                files["post"].append(name)
            notice_rows.append(row)

        payments = []
        for p in sorted(ctx.payments.payments(spec.tenant_id), key=lambda p: (p.booking_date, p.payment_id)):
            payments.append({
                "date": p.booking_date, "amount": p.amount, "status": p.status,
                "method": p.method, "customer": p.customer_id,
                "application": p.application or ("statutory" if p.status == "matched" else None),
                "application_why": p.application_why,
                "matched": [i["number"] for i in json.loads(p.invoices)],
                "unmatched": p.unapplied, "suggestions": json.loads(p.suggestions),
            })
        behaviour = {c.customer_id: ctx.customers.behaviour(spec.tenant_id, c.customer_id)
                     for c in ctx.customers.customers(spec.tenant_id)}
        from mahnwerk.service.portal import inbox as portal_inbox

        told = portal_inbox(ctx, spec.tenant_id)
        for row in answered:
            row["owner_told"] = sorted({i["kind"] for i in told if i["customer_id"] == row["customer"]})
        rejected: list[dict[str, Any]] = []

        listing = s3.list_objects_v2(Bucket=stack.bucket,
                                     Prefix=f"reports/{spec.tenant_id}/imports/")
        for obj in listing.get("Contents", []):
            report = json.loads(s3.get_object(Bucket=stack.bucket, Key=obj["Key"])["Body"].read())
            rejected.extend(report.get("rejected", []))

    for raw in stack.sent_emails():
        message = email.message_from_bytes(raw)
        notice_id = message.get("X-Mahnwerk-Notice", f"mail-{len(files['mail']) + 1}")
        name = f"mail/{_file_name(notice_id)}.eml"
        (out / name).write_bytes(raw)
        files["mail"].append(name)
        for row in notice_rows:
            if _file_name(notice_id) in (row.get("pdf") or ""):
                row["eml"] = name

    summary = {
        "tenant": spec.tenant_id,
        "period": {"from": spec.start.isoformat(), "to": spec.end.isoformat()},
        "invoices": [
            {"number": inv.number, "customer": inv.customer_id, "status": inv.status.value,
             "amount": to_str(inv.amount), "open_amount": to_str(inv.open_amount),
             "currency": inv.currency, "level": inv.level, "due_date": inv.due_date.isoformat(),
             "due_date_source": inv.due_date_source,
             "charges_open": to_str(inv.charges_open),
             "charges_waived": to_str(inv.charges_waived),
             "charges_state": inv.charges_state or None,
             "next_action_on": inv.next_action_on.isoformat() if inv.next_action_on else None}
            for inv in sorted(invoices, key=lambda i: i.number)
        ],
        "notices": notice_rows,
        "payments": payments,
        "rejected": rejected,
        # every customer: the counters reconciliation keeps and what the reports derive from them
        "customers": {cid: {**b, **payment_behaviour(b).as_dict()} for cid, b in sorted(behaviour.items())},
        "dead_letters": {name: stack.queue_depth(name) for name in stack.dead_letter_queues()},
        # open receivables and DSO per currency, EUR first: never summed across currencies
        "receivables": [
            {**a.as_dict(), "dso": d.as_dict()["dso"]}
            for a, d in zip(aging_by_currency(invoices, spec.end), dso_by_currency(invoices, spec.end),
                            strict=True)],
        # the debtors' answers on their pages (issue 17) and what the owner was told
        "portal_answers": list(answered),
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    return SimulationResult(summary, out, days, files)


def _channels(item: Any) -> list[str]:
    channels = []
    if item.message_id:
        channels.append("email")
    if item.post_key:
        channels.append("post")
    return channels


def _file_name(notice_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", notice_id)
