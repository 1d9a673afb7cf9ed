"""Use cases: the daily run (plan who is due) and one customer's notice (decide, reserve, send).

Exactly once: a notice has a deterministic id (customer, run day, level). It is reserved with a
conditional write in the same transaction that moves its invoices; only then is it rendered and
sent; a retry finds the reservation and resumes it instead of deciding again.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from ..domain import events
from ..domain.deliverability import NO_EMAIL, REASONS
from ..domain.dunning import NoticePlan, decide, refresh
from ..domain.model import Channel, Customer, check_tenant_id
from ..domain.notices import OPEN_STATUSES, Notice, NoticeStatus, plan_to_json
from ..domain.policy import Action
from ..domain.settings import TenantSettings
from . import approvals
from .bootstrap import Context
from .credit import credit_changed
from .delivery import accepted_earlier, deliver_once, key_part, notice_claim, send_email
from .law import base_rates
from .portal import letter_url
from .tenants import load_settings


def plan_run(ctx: Context, run_date: date, scheduled_time: datetime) -> dict[str, int]:
    """Queue one notice request per customer with something due on ``run_date``.

    Reads only the sparse due index (never a scan): the cost follows today's work. A run missed
    for days catches up here, because the index holds everything due *up to* today.
    """
    from .datev import handoff_mails
    from .post import bundle_day
    from .runs import plan_tenant

    tenants = requests = held = 0
    for tenant_id in ctx.tenants.tenants():
        tenants += 1
        bundle_day(ctx, tenant_id, run_date - timedelta(days=1))  # yesterday's post, complete
        # the stale-bank-data guard holds a tenant's letters (service/runs.py)
        report = plan_tenant(ctx, tenant_id, run_date, scheduled_time)
        handoff_mails(ctx, tenant_id, run_date, scheduled_time)  # DATEV monthly, limitation weekly
        requests += report["requests"]
        held += report["held"] is not None
    return {"tenants": tenants, "requests": requests, "held": held}


#: what handling one notice request came to
OutcomeStatus = Literal["sent", "held", "resumed", "nothing_due", "handed_over", "already_done",
                        "cancelled", "awaiting_approval"]


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus
    notice_id: str | None = None
    channels: tuple[str, ...] = ()
    #: interest was charged for a day past the base-rate table's confirmed periods
    stale_base_rate: bool = False


def process_request(ctx: Context, message: dict[str, Any]) -> Outcome:
    tenant_id = check_tenant_id(str(message["tenant_id"]))
    customer_id = str(message["customer_id"])
    run_date = date.fromisoformat(str(message["run_date"]))
    sent_at = datetime.fromisoformat(str(message["scheduled_time"]))
    settings = load_settings(ctx, tenant_id)

    # A retry first finishes what an earlier attempt reserved. A redelivered request publishes
    # the day's notices' events once more (same ids): the attempt that made them may have
    # stopped before it published.
    for item in ctx.notices.notices_of_day(tenant_id, customer_id, run_date):
        ctx.events.publish(notice_events(item))
        if item.status in OPEN_STATUSES:
            return _deliver(ctx, settings, item.decided(), sent_at, resumed=True)
        if item.status is NoticeStatus.AWAITING_APPROVAL:
            return Outcome("awaiting_approval", item.notice_id)
    # one letter at a time waits for the owner: none is planned beside it
    if settings.policy.approval != "none" and \
            approvals.customer_waits(ctx, tenant_id, customer_id, run_date):
        return Outcome("awaiting_approval")
    invoices = ctx.invoices.customer_invoices(tenant_id, customer_id)
    customer = ctx.customers.get_customer(tenant_id, customer_id) or Customer(
        tenant_id=tenant_id, customer_id=customer_id, name=customer_id)
    plan = decide(customer, invoices, settings.policy, base_rates(), run_date)
    if plan is None:
        return Outcome("nothing_due")
    if plan.held:
        # no e-mail address and no postal address: nothing is reserved or sent and no invoice
        # advances; the letter waits for the owner (dashboard alert) and is planned again on
        # the next run, once the master data is complete
        return Outcome("held", plan.notice_id)
    awaiting = approvals.plan_needs_approval(plan, settings.policy)
    if awaiting:
        plan = approvals.waiting_plan(plan, invoices)
    # Conflict (an invoice changed between reading and reserving: paid, paused…) propagates:
    # the message is retried and decided again on fresh data.
    reserved = ctx.notices.reserve_notice(plan, sent_at, awaiting_approval=awaiting)
    if not reserved:
        existing = ctx.notices.get_notice(tenant_id, plan.notice_id)
        if existing is not None and existing.status in OPEN_STATUSES:
            return _deliver(ctx, settings, existing.decided(), sent_at, resumed=True)
        return Outcome("already_done", plan.notice_id)
    ctx.events.publish(events.invoices_overdue(plan, sent_at))
    if awaiting:
        approvals.hold(ctx, settings, plan, customer, sent_at)
        return Outcome("awaiting_approval", plan.notice_id)
    if plan.action is Action.HAND_OVER:
        for number in plan.invoice_numbers:
            if number in {a.number for a in plan.advances}:
                ctx.invoices.add_event(tenant_id, number, "handed_over", sent_at,
                                   {"notice": plan.notice_id})
        ctx.notices.update_notice(tenant_id, plan.notice_id, status=NoticeStatus.HANDED_OVER.value,
                               sent_at=sent_at.isoformat())
        ctx.events.publish(events.handed_over_by_dunning(plan, sent_at))
        credit_changed(ctx, tenant_id, [customer_id], sent_at)
        return Outcome("handed_over", plan.notice_id)
    return _deliver(ctx, settings, plan, sent_at, resumed=False)


def notice_events(item: Notice) -> list[events.DomainEvent]:
    """The events a stored notice stands for, rebuilt from its plan (the ids are those published
    when it was reserved, sent or handed over): InvoiceOverdue for the invoices it took into
    dunning, and NoticeSent or InvoiceHandedOver once it got that far."""
    plan = item.decided()
    found = events.invoices_overdue(plan, datetime.fromisoformat(item.reserved_at))
    if item.status is NoticeStatus.SENT and item.sent_at:
        channels = [name for name, key in (("email", item.message_id), ("post", item.post_key))
                    if key]
        found.append(events.notice_sent(plan, channels, datetime.fromisoformat(item.sent_at)))
    elif item.status is NoticeStatus.HANDED_OVER and item.sent_at:
        found += events.handed_over_by_dunning(plan, datetime.fromisoformat(item.sent_at))
    elif item.status is NoticeStatus.AWAITING_APPROVAL:
        found.append(events.notice_awaiting_approval(
            plan, datetime.fromisoformat(item.reserved_at)))
    return found


def feedback_tag(tenant_id: str, customer_id: str, notice_id: str) -> str:
    """SES tag value (only [A-Za-z0-9_.@-]) that brings bounces back to the notice."""
    raw = json.dumps([tenant_id, customer_id, notice_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_feedback_tag(value: str) -> tuple[str, str, str]:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    tenant_id, customer_id, notice_id = json.loads(raw)
    return str(tenant_id), str(customer_id), str(notice_id)


def letter_key(plan: NoticePlan) -> str:
    return f"notices/{plan.tenant_id}/{plan.customer_id}/{key_part(plan.notice_id)}.pdf"


def _accepted_earlier(ctx: Context, plan: NoticePlan) -> tuple[str, Notice] | None:
    """(message id, notice) if an earlier attempt's email was accepted by SES (see
    ``delivery.accepted_earlier``)."""
    item = ctx.notices.get_notice(plan.tenant_id, plan.notice_id)
    if item is None:
        return None
    message_id = accepted_earlier(plan.notice_id, item.send_attempt_at, item.ses_message_id)
    return None if message_id is None else (message_id, item)


def _deliver(ctx: Context, settings: TenantSettings, plan: NoticePlan, sent_at: datetime,
             resumed: bool) -> Outcome:
    return deliver_once(notice_claim(ctx, plan.tenant_id, plan.notice_id),
                        lambda owner: _send(ctx, settings, plan, sent_at, resumed, owner),
                        lambda: Outcome("already_done", plan.notice_id))


def _send(ctx: Context, settings: TenantSettings, plan: NoticePlan, sent_at: datetime,
          resumed: bool, owner: str) -> Outcome:
    from ..letters.email import build_email
    from ..letters.pdf import render_notice_pdf

    fields: dict[str, str] = {}
    customer = ctx.customers.get_customer(plan.tenant_id, plan.customer_id) or Customer(
        tenant_id=plan.tenant_id, customer_id=plan.customer_id, name=plan.customer_id)
    channels: list[str] = []
    held = ""
    # An earlier attempt handed the email to SES and died before it could note that: SES's "Send"
    # event (configuration set → SNS → feedback) tells whether SES took it. Then the letter
    # stands as sent — the same plan and PDF — and only what is left (post) is done.
    accepted = _accepted_earlier(ctx, plan) if resumed else None
    if accepted is not None:
        message_id, item = accepted
        plan = item.decided()
        key = item.pdf_key or letter_key(plan)
        pdf = ctx.store.get(key)
        fields.update(message_id=message_id, pdf_key=key)
        channels.append("email")
        wants_email, wants_post = False, Channel.POST in plan.channels
    else:
        # The last look before a letter goes out: a customer who paid since the decision gets
        # nothing; one who paid part gets the letter with what is still open.
        current = [ctx.invoices.get_invoice(plan.tenant_id, n) for n in plan.invoice_numbers]
        refreshed = refresh(plan, [inv for inv in current if inv is not None], customer,
                            settings.policy, base_rates())
        if refreshed is None:
            ctx.notices.finish_notice(plan.tenant_id, plan.notice_id, owner,
                                      status=NoticeStatus.CANCELLED.value,
                                      held_reason="paid in the meantime: nothing left to claim")
            return Outcome("cancelled", plan.notice_id)
        plan = refreshed
        if not plan.portal_url:
            # the customer's page, printed below the payment block (service.portal)
            plan = replace(plan, portal_url=letter_url(ctx, plan.tenant_id, customer, sent_at))
        fields["plan"] = plan_to_json(plan)  # the notice records what the letter really says
        pdf = render_notice_pdf(plan, customer, settings)
        key = letter_key(plan)
        ctx.store.put(key, pdf, "application/pdf")
        fields["pdf_key"] = key
        wants_email = Channel.EMAIL in plan.channels
        wants_post = Channel.POST in plan.channels
        if plan.undeliverable:  # planned for a channel the customer lacks: the other one
            fields["fallback"] = (f"email {customer.email_status}: sent by post instead"
                                  if customer.email_status and plan.undeliverable == NO_EMAIL
                                  else REASONS[plan.undeliverable])
    if wants_email and customer.email and not customer.email_status:
        message = build_email(plan, customer, settings, pdf, sent_at,
                              ctx.config.configuration_set or None)
        # noted before the hand-over to SES, with what the email carries: a retry after a crash
        # right after SES took it waits for SES's confirmation instead of sending a second copy
        def note(moment: str) -> None:
            noted = {"plan": fields["plan"], "pdf_key": key} if moment else {}
            ctx.notices.update_notice(plan.tenant_id, plan.notice_id, **noted,
                                      send_attempt_at=moment)

        fields["message_id"] = send_email(
            ctx, note, message.as_bytes(), settings.sender_email, customer.email,
            tags={"mw": feedback_tag(plan.tenant_id, plan.customer_id, plan.notice_id)})
        channels.append("email")
    elif wants_email:
        # no address, or it bounced / complained before: the letter goes by post instead
        wants_post = True
        if customer.email_status:
            fields["fallback"] = f"email {customer.email_status}: sent by post instead"
    if wants_post:
        if customer.address.complete:
            day = plan.run_date.isoformat()
            post_key = f"outbox/post/{day}/{plan.tenant_id}/{key_part(plan.notice_id)}.pdf"
            ctx.store.put(post_key, pdf, "application/pdf")
            fields["post_key"] = post_key
            channels.append("post")
        else:
            held = "post letter held: the customer's postal address is incomplete"
            fields["held_reason"] = held

    status: OutcomeStatus = "sent" if channels else "held"
    ctx.notices.finish_notice(plan.tenant_id, plan.notice_id, owner, status=status,
                              sent_at=sent_at.isoformat(), **fields)
    if channels:
        ctx.events.publish([events.notice_sent(plan, channels, sent_at)])
        # a letter raises the level (and the fees): the customer's risk class may follow
        credit_changed(ctx, plan.tenant_id, [plan.customer_id], sent_at)
    # The notice item itself lists its invoices: an invoice's timeline joins its events with the
    # customer's notices, so no per-invoice event is written here.
    return Outcome("resumed" if resumed else status, plan.notice_id, tuple(channels),
                   plan.stale_base_rate)
