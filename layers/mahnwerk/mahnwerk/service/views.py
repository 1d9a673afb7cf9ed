"""The JSON shapes of an invoice and a customer: what the API answers and the dashboard shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain.deliverability import next_letter
from ..domain.model import DUNNABLE, Customer, Invoice
from ..domain.money import to_str
from ..domain.policy import Policy


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def invoice_json(inv: Invoice) -> dict[str, Any]:
    return {
        "number": inv.number, "customer_id": inv.customer_id,
        "issue_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
        "due_date_source": inv.due_date_source, "amount": to_str(inv.amount),
        "open_amount": to_str(inv.open_amount), "paid_amount": to_str(inv.paid_amount),
        "fees_open": to_str(inv.fees_open), "interest_paid": to_str(inv.interest_paid),
        "charges_open": to_str(inv.charges_open), "charges_waived": to_str(inv.charges_waived),
        "charges_state": inv.charges_state or None,
        "currency": inv.currency, "status": inv.status.value, "level": inv.level,
        "next_action_on": iso(inv.next_action_on), "last_notice_on": iso(inv.last_notice_on),
        "paused_until": iso(inv.paused_until), "pause_reason": inv.pause_reason or None,
        "received_at": inv.received_at, "version": inv.version,
    }


def customer_json(c: Customer) -> dict[str, Any]:
    o = c.overrides
    return {
        "customer_id": c.customer_id, "name": c.name, "email": c.email or None,
        "address": {"street": c.address.street, "postal_code": c.address.postal_code,
                    "city": c.address.city, "country": c.address.country},
        "is_consumer": c.is_consumer, "locale": c.locale, "email_status": c.email_status or None,
        "overrides": {
            "payment_terms_days": o.payment_terms_days,
            "channels": [ch.value for ch in o.channels] if o.channels is not None else None,
            "paused_until": iso(o.paused_until), "pause_reason": o.pause_reason or None,
            "excluded": o.excluded, "due_dates_agreed": o.due_dates_agreed,
        },
    }


def delivery_json(customer: Customer, policy: Policy, invoices: Iterable[Invoice] = ()) -> dict[str, Any]:
    """Whether the customer's next letter reaches them (domain.deliverability): the level after
    the lowest one of the open invoices (the first letter when none is in dunning yet)."""
    levels = [inv.level + 1 for inv in invoices if inv.status in DUNNABLE and inv.level < policy.top]
    level = min(levels, default=1)
    route = next_letter(customer, policy, level)
    if route is None:  # the next step is a hand-over: no letter to deliver
        return {"deliverable": True, "undeliverable_reason": None, "undeliverable_message": None,
                "delivery_channels": []}
    return {"deliverable": route.deliverable, "undeliverable_reason": route.reason or None,
            "undeliverable_message": route.message or None,
            "delivery_channels": [c.value for c in route.channels]}
