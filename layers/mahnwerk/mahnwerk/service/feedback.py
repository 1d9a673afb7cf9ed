"""Use case: SES delivery feedback (bounce, complaint) → the customer's email status.

A permanent bounce or a complaint marks the customer's address; their next letters go by post and
the invoices' timelines show why.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..domain.dates import parse_iso_timestamp
from ..domain.events import notice_bounced
from .bootstrap import Context
from .dunning import read_feedback_tag


def handle(ctx: Context, envelope: dict[str, Any]) -> str:
    """One SNS-wrapped SES event; returns what was done (for logs and metrics)."""
    event = json.loads(envelope.get("Message") or "{}") if "Message" in envelope else envelope
    kind = event.get("eventType") or event.get("notificationType") or ""
    if kind == "Send":
        return _accepted(ctx, event.get("mail") or {})
    if kind == "Bounce" and (event.get("bounce") or {}).get("bounceType") == "Permanent":
        status = "bounced"
    elif kind == "Complaint":
        status = "complained"
    else:
        return f"ignored:{kind or 'unknown'}"
    mail = event.get("mail") or {}
    tags = mail.get("tags") or {}
    value = (tags.get("mw") or [None])[0]
    if not value:
        return "ignored:untagged"
    tenant_id, customer_id, notice_id = read_feedback_tag(value)
    at = parse_iso_timestamp(mail.get("timestamp") or event.get("timestamp") or
                             datetime.now().astimezone().isoformat())
    ctx.customers.set_email_status(tenant_id, customer_id, status)
    notice = ctx.notices.get_notice(tenant_id, notice_id)
    numbers = [line["number"] for line in json.loads(notice.plan)["lines"]] if notice else []
    for number in numbers:
        ctx.invoices.add_event(tenant_id, number, f"email_{status}", at,
                           {"notice": notice_id, "next_letters": "post"})
    # SNS/SQS may deliver the same feedback twice: the event then goes out twice with one id
    reported = (event.get("bounce") or event.get("complaint") or {}).get("timestamp")
    try:
        when = parse_iso_timestamp(str(reported)) if reported else at
    except ValueError:
        when = at
    ctx.events.publish([notice_bounced(tenant_id, customer_id, notice_id, status, numbers, when)])
    return status


#: the feedback tag of an invoice Mahnwerk sent: ``invoice:{number}`` where a notice has its id
INVOICE_TAG = "invoice:"


def _accepted(ctx: Context, mail: dict[str, Any]) -> str:
    """SES took a letter: noted on its notice, so a sender that died right after handing it over
    is not followed by a second copy (service.dunning._accepted_earlier)."""
    value = ((mail.get("tags") or {}).get("mw") or [None])[0]
    message_id = mail.get("messageId")
    if not value or not message_id:
        return "ignored:untagged"
    tenant_id, _, notice_id = read_feedback_tag(value)
    if notice_id.startswith(INVOICE_TAG):  # an invoice we wrote: its own send record
        number = notice_id.removeprefix(INVOICE_TAG)
        if ctx.invoice_sends.get_invoice_send(tenant_id, number) is None:
            return "ignored:unknown_invoice"
        ctx.invoice_sends.update_invoice_send(tenant_id, number, ses_message_id=str(message_id))
        return "accepted"
    if ctx.notices.get_notice(tenant_id, notice_id) is None:
        return "ignored:not_a_notice"
    ctx.notices.update_notice(tenant_id, notice_id, ses_message_id=str(message_id))
    return "accepted"
