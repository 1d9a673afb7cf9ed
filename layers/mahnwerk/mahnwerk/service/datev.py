"""The DATEV export for the tax advisor: the tenant's history as facts, the period's EXTF file, and
the monthly e-mail of the previous month's file. The format and the booking rules are the core's
(``domain.datev``); this module only reads — every read is a query on the tenant's partition."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import TYPE_CHECKING

from ..domain import datev
from ..domain.dates import business_date
from ..domain.datev import Fact, LetterFacts, PaymentFacts
from ..domain.errors import MahnwerkError
from ..domain.model import InvoiceStatus
from ..domain.money import ZERO, from_str
from ..domain.notices import NoticeStatus
from .tenants import load_settings

if TYPE_CHECKING:
    from .bootstrap import Context

LOG = logging.getLogger(__name__)


class DatevNotConfigured(MahnwerkError):
    """The export needs the advisor's and the client's number (``datev.advisor_number``,
    ``datev.client_number``)."""

    code, status = "datev_not_configured", 409
    message = "set datev.advisor_number and datev.client_number in the settings first"


def _day(moment: str) -> date:
    """The Berlin day of a stored moment (one stored without a zone is UTC, as all are written)."""
    at = datetime.fromisoformat(moment)
    return business_date(at if at.tzinfo else at.replace(tzinfo=UTC))


def facts(ctx: Context, tenant_id: str) -> list[Fact]:
    """Every booked fact of the tenant's history (all periods: a period's file filters by day)."""
    settings = load_settings(ctx, tenant_id)
    rate = ZERO if settings.invoicing.small_business else settings.invoicing.vat_rate
    letters = []
    for notice in ctx.notices.notices(tenant_id):
        if notice.status is not NoticeStatus.SENT:
            continue
        plan = notice.decided()
        day = _day(notice.sent_at) if notice.sent_at else plan.run_date
        # the fee goes on the oldest invoice that advances (domain.dunning: ``fee_bearer``)
        advancing = {a.number for a in plan.advances}
        bearer = min(((ln.due_date, ln.number) for ln in plan.lines if ln.number in advancing),
                     default=(date.min, ""))[1]
        letters.append(LetterFacts(day, notice.notice_id, plan.customer_id, plan.fee,
                                   tuple((ln.number, ln.interest, ln.flat_fee) for ln in plan.lines),
                                   bearer))
    payments = []
    for p in ctx.payments.payments(tenant_id):
        if p.status != "matched" or not p.customer_id:
            continue
        parts = tuple((str(ln.get("number") or ""), from_str(str(ln.get("fees") or "0")),
                       from_str(str(ln.get("interest") or "0")),
                       from_str(str(ln.get("flat_fee") or "0")))
                      for ln in json.loads(p.invoices or "[]"))
        payments.append(PaymentFacts(date.fromisoformat(p.booking_date[:10]), p.payment_id,
                                     p.customer_id, from_str(p.amount), parts))
    others: list[Fact] = []
    for inv in ctx.invoices.invoices(tenant_id):
        if inv.amount < ZERO:
            others.append(Fact("credit_note", inv.issue_date, inv.number, inv.customer_id,
                               -inv.amount, inv.number, rate))
        if inv.status is not InvoiceStatus.WRITTEN_OFF and inv.charges_waived <= ZERO:
            continue
        for event in ctx.invoices.events(tenant_id, inv.number):
            kind = {"written_off": "write_off", "charges_waived": "waived"}.get(event["kind"])
            amount = Decimal(str(event.get("amount") or "0"))
            if kind and amount > ZERO:
                others.append(Fact(kind, _day(event["at"]), inv.number, inv.customer_id, amount,
                                   f"{inv.number}@{event['at']}", rate))
    return datev.facts_of(letters, payments, others)


def export(ctx: Context, tenant_id: str, start: date | None, end: date | None) -> bytes:
    """The EXTF file of [start, end]; PeriodInvalid (field and reason) for a bad period,
    DatevNotConfigured without the advisor's and client's numbers."""
    settings = load_settings(ctx, tenant_id).datev
    datev.check_period(start, end, settings.fiscal_year_start)
    assert start is not None and end is not None
    if not settings.configured:
        raise DatevNotConfigured()
    return datev.export_file(facts(ctx, tenant_id), settings, start, end)


def file_name(start: date, end: date) -> str:
    return f"EXTF_Buchungsstapel_{start:%Y%m%d}_{end:%Y%m%d}.csv"


def previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def monthly_mail(ctx: Context, tenant_id: str, today: date, at: datetime) -> bool:
    """On the 1st of a month: the previous month's file to ``datev.email``, once per month (the
    document ``DATEV#MAIL#{YYYY-MM}`` is added before the send; a second run finds it). Whether a
    mail went out."""
    settings = load_settings(ctx, tenant_id)
    conf = settings.datev
    if today.day != 1 or not conf.email or not conf.configured:
        return False
    start, end = previous_month(today)
    key = f"DATEV#MAIL#{start:%Y-%m}"
    if not ctx.tenants.add_document(tenant_id, key, {"to": conf.email, "at": at.isoformat()}, at):
        return False
    data = datev.export_file(facts(ctx, tenant_id), conf, start, end)
    msg = EmailMessage()
    msg["From"] = settings.sender_email or ctx.config.default_sender
    msg["To"] = conf.email
    msg["Subject"] = f"DATEV-Buchungsstapel {start:%m/%Y} – {settings.company.name}"
    msg.set_content(
        f"Guten Tag,\n\nanbei erhalten Sie den DATEV-Buchungsstapel (EXTF) von "
        f"{settings.company.name} für den Zeitraum {start:%d.%m.%Y} bis {end:%d.%m.%Y}: "
        f"Zahlungseingänge, Mahngebühren, Verzugszinsen, Pauschalen, Forderungsausfälle und "
        f"Gutschriften aus Mahnwerk.\n\nMit freundlichen Grüßen\nMahnwerk im Auftrag von "
        f"{settings.company.name}\n")
    msg.add_attachment(data, maintype="text", subtype="csv", filename=file_name(start, end))
    ctx.mailer.send_raw(msg.as_bytes(), str(msg["From"]), [conf.email],
                        {"kind": "datev_export"})
    return True


def handoff_mails(ctx: Context, tenant_id: str, today: date, at: datetime) -> dict[str, bool]:
    """The owner's hand-off mails of the daily run: the DATEV file on the 1st of a month, the
    limitation watch once a week from 1 October. A failure is logged and never stops the run
    (the month's or week's key is then taken: the owner downloads the file in the dashboard)."""
    from .limitation import weekly_mail

    sent = {"datev": False, "limitation": False}
    for name, job in (("datev", monthly_mail), ("limitation", weekly_mail)):
        try:
            sent[name] = job(ctx, tenant_id, today, at)
        except Exception:  # a mail is a courtesy: the dunning run goes on
            LOG.exception("hand-off mail %s failed for %s", name, tenant_id)
    return sent
