"""Use case: Mahnwerk writes and sends the invoices itself (Factur-X EN 16931 PDF/A-3).

For tenants that opt in (``invoicing.send_invoices``), every invoice that arrived as data (a CSV
row) is rendered as a hybrid e-invoice, archived under ``archive/{tenant}/invoices/`` and sent the
way letters go: by email (SES, PDF attached), else to the post outbox.

1. Intake (:func:`request_sending`): after a file is imported, one message per invoice that *this
   S3 event* created goes to the notice queue. "Created by this event" is what makes retries and
   re-uploads safe: a redelivered event finds the invoices it created before (same source key,
   same ``received_at`` = the event time) and asks again; a re-upload (a new event) finds them
   created by an earlier event and asks for nothing.
2. Notice worker (:func:`process_request`): exactly once per invoice. The sending item
   ``ISEND#{number}`` is created conditionally (one per invoice, ever), then claimed with a lease
   (``reserved`` → ``sending``) before anything goes out, and marked ``sent``/``held`` by the
   holder of the claim. A second message, a retry or a concurrent worker finds it claimed or done
   and sends nothing. As with notices, the one window left is a crash after SES accepted the mail
   and before ``sent`` was written: the lease expires and the retry sends again, with the same
   Message-ID, so mail clients show it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.dates import business_date
from ..domain.model import InvoiceRecord, InvoiceStatus, check_tenant_id
from ..domain.money import ZERO
from ..domain.notices import FINAL_STATUSES, NoticeStatus
from ..domain.settings import TenantSettings
from .bootstrap import Context
from .delivery import accepted_earlier, deliver_once, invoice_send_claim, key_part, send_email
from .dunning import feedback_tag
from .tenants import load_settings

#: the notice queue's message kind for "send this invoice" (letters have no kind)
KIND = "invoice"
@dataclass(frozen=True)
class InvoiceOutcome:
    status: str  # sent | held | already_done | skipped
    number: str
    channels: tuple[str, ...] = ()
    reason: str = ""


def archive_key(tenant_id: str, number: str) -> str:
    return f"archive/{tenant_id}/invoices/{key_part(number)}.pdf"


# --------------------------------------------------------------------------------------------------
# 1. intake: which invoices to send


def request_sending(ctx: Context, settings: TenantSettings, key: str, received_at: str,
                    records: list[InvoiceRecord], created: list[str], unchanged: list[str]) -> int:
    """Queue one message per invoice that this S3 event created from CSV rows (see module doc).
    Returns how many were queued; nothing for tenants that did not opt in."""
    if not settings.invoicing.send_invoices:
        return 0
    # data invoices only (an uploaded e-invoice or PDF is the tenant's own document); claims only
    wanted = list(dict.fromkeys(r.number for r in records if r.source_format == "" and not r.credit_note
                                and r.amount > ZERO and r.open_amount > ZERO))
    fresh = set(created)
    numbers = [n for n in wanted if n in fresh]
    retried = [n for n in wanted if n not in fresh and n in set(unchanged)]
    if retried:  # a redelivered event: the invoices it created the first time are ours to ask for
        stored = ctx.invoices.batch_get_invoices(settings.tenant_id, retried)
        numbers += [n for n in retried if n in stored and stored[n].source == key
                    and stored[n].received_at == received_at]
    return queue_invoices(ctx, settings, numbers, received_at)


def queue_invoices(ctx: Context, settings: TenantSettings, numbers: list[str], at: str) -> int:
    """Ask the notice worker to write and send these invoices (each goes out at most once, however
    often it is asked). For other ways invoices arrive as data, e.g. an API that creates one:
    call it after the create succeeded."""
    if not settings.invoicing.send_invoices:
        return 0
    return ctx.notice_queue.send_all({"kind": KIND, "tenant_id": settings.tenant_id, "number": n,
                                      "at": at} for n in numbers)


# --------------------------------------------------------------------------------------------------
# 2. notice worker: render, archive, send — once


def process_request(ctx: Context, message: dict[str, Any]) -> InvoiceOutcome:
    tenant_id = check_tenant_id(str(message["tenant_id"]))
    number = str(message["number"])
    at = datetime.fromisoformat(str(message["at"]))
    settings = load_settings(ctx, tenant_id)
    template = str(message.get("template") or "")
    if template:  # a recurring invoice Mahnwerk issued: its template's text and VAT, always sent
        from .recurring import document_settings

        settings = document_settings(ctx, settings, template, int(message.get("period", -1)))
    elif not settings.invoicing.send_invoices:
        return InvoiceOutcome("skipped", number, reason="the tenant no longer sends invoices")
    resumed = not ctx.invoice_sends.reserve_invoice_send(tenant_id, number, at)
    if resumed:
        current = ctx.invoice_sends.get_invoice_send(tenant_id, number)
        if current is not None and current.status in FINAL_STATUSES:
            return InvoiceOutcome("already_done", number)
    return deliver_once(invoice_send_claim(ctx, tenant_id, number),
                        lambda owner: _send(ctx, settings, number, at, owner, resumed),
                        lambda: InvoiceOutcome("already_done", number))


def _send(ctx: Context, settings: TenantSettings, number: str, at: datetime,
          owner: str, resumed: bool) -> InvoiceOutcome:
    from ..letters.einvoice_out import InvoiceDataError, outgoing_invoice
    from ..letters.email import EmailError
    from ..letters.invoice_email import build_invoice_email
    from ..letters.invoice_pdf import render_invoice_pdf

    tenant_id = settings.tenant_id
    invoice = ctx.invoices.get_invoice(tenant_id, number)
    customer = ctx.customers.get_customer(tenant_id, invoice.customer_id) if invoice else None
    reason = ""
    if invoice is None or customer is None:
        reason = "the invoice or its customer is gone"
    elif invoice.status is InvoiceStatus.CANCELLED:
        reason = "the invoice was cancelled"
    if reason:
        return _hold(ctx, tenant_id, number, owner, at, reason)
    assert invoice is not None and customer is not None
    try:
        doc = outgoing_invoice(invoice, customer, settings)
    except InvoiceDataError as exc:  # nothing a retry could fix: held, with the reason
        return _hold(ctx, tenant_id, number, owner, at, str(exc))
    pdf = render_invoice_pdf(doc)
    key = archive_key(tenant_id, number)
    ctx.store.put(key, pdf, "application/pdf")

    fields: dict[str, str] = {"pdf_key": key}
    channels: list[str] = []
    message = None
    # An earlier attempt handed the email to SES and died before it could note that: SES's "Send"
    # event tells whether SES took it; then the invoice stands as sent by email, not sent twice.
    # Only a resumed send can have had an earlier attempt (read under the claim).
    earlier = ctx.invoice_sends.get_invoice_send(tenant_id, number) if resumed else None
    accepted = accepted_earlier(number, earlier.send_attempt_at if earlier else None,
                                earlier.ses_message_id if earlier else None)
    if accepted is None and customer.email and not customer.email_status:
        try:
            message = build_invoice_email(doc, pdf, at, ctx.config.configuration_set or None)
        except EmailError as exc:  # a malformed address: the invoice goes by post instead
            fields["fallback"] = f"{exc}: sent by post instead"
    if accepted is not None:
        fields["message_id"] = accepted
        channels.append("email")
    elif message is not None:
        def note(moment: str) -> None:
            ctx.invoice_sends.update_invoice_send(tenant_id, number, send_attempt_at=moment)

        fields["message_id"] = send_email(
            ctx, note, message.as_bytes(), settings.sender_email, customer.email,
            tags={"mw": feedback_tag(tenant_id, customer.customer_id, f"invoice:{number}")})
        channels.append("email")
    elif customer.address.complete:
        if customer.email_status and customer.email:
            fields["fallback"] = f"email {customer.email_status}: sent by post instead"
        day = business_date(at).isoformat()
        post_key = f"outbox/post/{day}/{tenant_id}/invoice-{key_part(number)}.pdf"
        ctx.store.put(post_key, pdf, "application/pdf")
        fields["post_key"] = post_key
        channels.append("post")
    else:
        return _hold(ctx, tenant_id, number, owner, at,
                     "no usable email address and an incomplete postal address", fields)
    ctx.invoice_sends.finish_invoice_send(tenant_id, number, owner, status=NoticeStatus.SENT.value,
                                          sent_at=at.isoformat(),
                                 **fields)
    ctx.invoices.add_event(tenant_id, number, "invoice_sent", at, {"channels": channels, "pdf": key})
    return InvoiceOutcome("sent", number, tuple(channels))


def _hold(ctx: Context, tenant_id: str, number: str, owner: str, at: datetime, reason: str,
          fields: dict[str, str] | None = None) -> InvoiceOutcome:
    ctx.invoice_sends.finish_invoice_send(tenant_id, number, owner, status=NoticeStatus.HELD.value,
                                          held_reason=reason,
                                 sent_at=at.isoformat(), **(fields or {}))
    ctx.invoices.add_event(tenant_id, number, "invoice_held", at, {"reason": reason})
    return InvoiceOutcome("held", number, reason=reason)
