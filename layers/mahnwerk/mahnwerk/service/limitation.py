"""The limitation watch (§§195, 199, 212 BGB): every open claim's limitation date, the report of a
year, and the owner's weekly e-mail from 1 October. The rules are the core's
(``domain.limitation``); here: one query for the tenant's invoices, one for its payments."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from ..domain.limitation import (
    Limitation,
    LimitationState,
    expires_this_year,
    file_by,
    limitation,
    watch_open,
)
from ..domain.model import DomainError
from ..domain.money import ZERO, from_str, to_str
from ..domain.reports import RECEIVABLE
from .tenants import load_settings

if TYPE_CHECKING:
    from .bootstrap import Context


class YearInvalid(DomainError):
    code, status, message = "invalid_year", 400, "year: expected a year from 2000 to 2100"


@dataclass(frozen=True)
class Claim:
    number: str
    customer_id: str
    due_date: date
    open_amount: Decimal
    limitation: Limitation

    def as_dict(self) -> dict[str, Any]:
        expires = self.limitation.expires_on
        return {"number": self.number, "customer_id": self.customer_id,
                "due_date": self.due_date.isoformat(), "open_amount": to_str(self.open_amount),
                **self.limitation.as_dict(),
                # the step that stops it: a Mahnbescheid application (§204 Abs. 1 Nr. 3 BGB)
                "file_by": file_by(expires).isoformat() if expires else None}


def claims(ctx: Context, tenant_id: str, on: date,
           court_applications: dict[str, date] | None = None) -> list[Claim]:
    """Every open claim with its limitation as of ``on``. Acknowledgements (§212 Abs. 1 Nr. 1):
    the days payments were booked on the claim. ``court_applications``: recorded Mahnbescheid
    applications by invoice number (none are recorded yet: the court hand-off is to come)."""
    paid_on: dict[str, list[date]] = defaultdict(list)
    for p in ctx.payments.payments(tenant_id):
        if p.status != "matched":
            continue
        for line in json.loads(p.invoices or "[]"):
            parts = (from_str(str(line.get(k) or "0"))
                     for k in ("principal", "fees", "flat_fee", "interest"))
            if sum(parts, ZERO) > ZERO:
                paid_on[str(line.get("number"))].append(date.fromisoformat(p.booking_date[:10]))
    applied = court_applications or {}
    found = [Claim(inv.number, inv.customer_id, inv.due_date, inv.open_amount,
                   limitation(inv.due_date, on, paid_on.get(inv.number, ()),
                              applied.get(inv.number)))
             for inv in ctx.invoices.invoices(tenant_id)
             if inv.status in RECEIVABLE and inv.open_amount > ZERO]
    return sorted(found, key=lambda c: (c.limitation.expires_on or date.max, c.number))


def report(ctx: Context, tenant_id: str, year: int, on: date) -> dict[str, Any]:
    """``GET /v1/reports/limitation?year=``: the open claims that expire in ``year`` (running, as
    of ``on``), and those already held by a court application."""
    if not 2000 <= year <= 2100:
        raise YearInvalid(f"year: expected a year from 2000 to 2100, got {year}")
    every = claims(ctx, tenant_id, on)
    expiring = [c for c in every if c.limitation.expires_on is not None
                and c.limitation.expires_on.year == year]
    return {"year": year, "as_of": on.isoformat(),
            "claims": [c.as_dict() for c in expiring],
            "total": to_str(sum((c.open_amount for c in expiring), ZERO)),
            "held": [c.as_dict() for c in every if c.limitation.state is LimitationState.HELD]}


def watch(ctx: Context, tenant_id: str, on: date) -> list[Claim]:
    """From 1 October: the running claims that expire by 31 December (dashboard and e-mail)."""
    if not watch_open(on):
        return []
    return [c for c in claims(ctx, tenant_id, on) if expires_this_year(c.limitation, on)]


def weekly_mail(ctx: Context, tenant_id: str, on: date, at: datetime) -> bool:
    """From 1 October, once per ISO week (document ``LIMITATION#MAIL#{year}-W{week}``, added
    before the send): the owner is told which claims expire on 31 December and what stops it."""
    if not watch_open(on):
        return False
    iso = on.isocalendar()
    key = f"LIMITATION#MAIL#{iso.year}-W{iso.week:02d}"
    if ctx.tenants.get_document(tenant_id, key) is not None:
        return False  # this week's went out: the daily run reads nothing more
    found = watch(ctx, tenant_id, on)
    settings = load_settings(ctx, tenant_id)
    to = settings.company.email or settings.sender_email
    if not found or not to:
        return False
    if not ctx.tenants.add_document(tenant_id, key, {"to": to, "count": len(found)}, at):
        return False
    msg = EmailMessage()
    msg["From"] = settings.sender_email or ctx.config.default_sender
    msg["To"] = to
    msg["Subject"] = f"Mahnwerk: {len(found)} Forderung(en) verjähren am 31.12.{on.year}"
    lines = ["Guten Tag,", "",
             f"die folgenden offenen Forderungen verjähren mit Ablauf des 31.12.{on.year} "
             "(§§ 195, 199 BGB):", ""]
    for c in found:
        expires = c.limitation.expires_on
        assert expires is not None
        amount = f"{c.open_amount:.2f}".replace(".", ",")
        lines.append(f"- Rechnung {c.number} ({c.customer_id}), offen {amount} €, fällig seit "
                     f"{c.due_date:%d.%m.%Y}: verjährt am {expires:%d.%m.%Y}; Mahnbescheid "
                     f"bitte bis {file_by(expires):%d.%m.%Y} beantragen")
    lines += ["", "Die Verjährung hemmt ein Antrag auf Erlass eines Mahnbescheids (§ 204 Abs. 1 "
              "Nr. 3 BGB), der demnächst zugestellt wird (§ 167 ZPO), oder eine Anerkennung durch "
              "den Kunden, etwa eine Abschlagszahlung (§ 212 BGB).", "",
              "Mit freundlichen Grüßen", "Mahnwerk"]
    msg.set_content("\n".join(lines))
    ctx.mailer.send_raw(msg.as_bytes(), str(msg["From"]), [to], {"kind": "limitation_watch"})
    return True
