"""A payment as Mahnwerk keeps it: one booked bank credit, or one the owner recorded. Pure.

Amounts and dates are kept as their stored text (``"123.45"``, ``"2026-11-30"``), lists as the
JSON text they are written as; the service reads what it needs. ``paid_on`` gives an invoice's
timeline the part of the payment that went to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .money import from_str, to_str


@dataclass(frozen=True)
class PaymentRecord:
    payment_id: str
    booking_date: str
    amount: str
    #: matched | unmatched | dismissed (no customer payment)
    status: str
    method: str
    #: JSON: [{number, fees, flat_fee, interest, principal}]
    invoices: str = "[]"
    customer_id: str | None = None
    unapplied: str = "0.00"
    remittance: str = ""
    debtor_name: str = ""
    suggestions: str = "[]"
    source: str | None = None
    #: the booking's events not yet published (``events.outbox_json``)
    outbox: str | None = None
    #: "designated" (§367 Abs. 2 BGB) or "statutory" (§366 Abs. 2, §367 Abs. 1); None before it was kept
    application: str | None = None
    application_why: str | None = None
    dismiss_reason: str | None = None
    #: what the owner undid or changed (JSON list, newest last)
    history: str | None = None


#: the fields of a record besides its id, as stored
FIELDS = tuple(name for name in PaymentRecord.__dataclass_fields__ if name != "payment_id")


def paid_on(payment: PaymentRecord, number: str) -> list[dict[str, Any]]:
    """The timeline entries of one payment for invoice ``number`` (none if it paid nothing on it):
    what it paid on it in all (principal, fees, flat fee and interest), and how it was applied."""
    entries = []
    for line in json.loads(payment.invoices or "[]"):
        if line.get("number") != number:
            continue
        parts = {k: from_str(str(line.get(k) or "0")) for k in ("principal", "fees", "flat_fee", "interest")}
        entries.append({"kind": "payment", "at": payment.booking_date, "payment_id": payment.payment_id,
                        "amount": to_str(sum(parts.values(), Decimal(0))),
                        **{k: to_str(v) for k, v in parts.items()},
                        "payment_amount": payment.amount, "method": payment.method,
                        "application": payment.application or "statutory"})
    return entries
