"""Booked payments in DynamoDB: one transaction books the entry and everything it settles."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..domain.model import Invoice
from ..domain.money import from_str, to_str
from ..service.ports import Conflict, Timeline
from .dynamo_models import (
    CustomerItem,
    EventItem,
    InvoiceItem,
    PaymentItem,
    conditional,
    invoice_to_item,
    tenant_pk,
)


class DynamoPayments:
    """Implements ``service.ports.Payments``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection  # for transactions; its client is lazy

    def payment_outbox(self, tenant_id: str, entry_key: str) -> str | None:
        """None if the entry was never booked; else the events its booking has not published yet
        (JSON; "" when none are left)."""
        try:
            item = PaymentItem.get(tenant_pk(tenant_id), f"PAY#{entry_key}", consistent_read=True,
                                   attributes_to_get=["pk", "outbox"])
        except PaymentItem.DoesNotExist:
            return None
        return item.outbox or ""

    def clear_outbox(self, tenant_id: str, entry_keys: Iterable[str]) -> None:
        """The bus took these bookings' events: they leave the outbox."""
        for entry_key in entry_keys:
            try:
                PaymentItem(pk=tenant_pk(tenant_id), sk=f"PAY#{entry_key}").update(
                    actions=[PaymentItem.outbox.remove()], condition=PaymentItem.pk.exists())
            except UpdateError as exc:
                if not conditional(exc):  # erased meanwhile: nothing left to clear
                    raise

    def book_payment(self, tenant_id: str, entry_key: str, payment: dict[str, Any],
                     updates: list[tuple[Invoice, int]], credit: Invoice | None,
                     behaviour: dict[str, int] | None,
                     timeline: Timeline = ()) -> bool:
        """Book one bank entry in one transaction: the payment record (only if this entry was
        never booked: the same statement twice books nothing twice), the invoices it settles (each
        conditional on the version read), an over-payment as a customer credit, and the
        customer's payment-behaviour counters. False if the entry was booked before; Conflict if
        an invoice changed since it was read."""
        item = PaymentItem(pk=tenant_pk(tenant_id), sk=f"PAY#{entry_key}", **payment)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item, condition=PaymentItem.pk.does_not_exist())
                add_settlement(tx, tenant_id, updates, credit, payment.get("customer_id"), behaviour,
                               timeline, payment["booking_date"])
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            if "ConditionalCheckFailed" in reasons:
                raise Conflict(entry_key) from exc
            raise
        return True

    def payments(self, tenant_id: str) -> list[PaymentItem]:
        return list(PaymentItem.query(tenant_pk(tenant_id), PaymentItem.sk.startswith("PAY#")))

    def payments_of(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        """Payments booked on one invoice, for its timeline: what each paid on it in all
        (principal, fees, flat fee and interest), and how it was applied (§367 BGB)."""
        items = PaymentItem.query(tenant_pk(tenant_id), PaymentItem.sk.startswith("PAY#"),
                                  filter_condition=PaymentItem.invoices.contains(f'"{number}"'))
        return [entry for p in items for entry in paid_on(p, number)]


def paid_on(p: PaymentItem, number: str) -> list[dict[str, Any]]:
    """The timeline entries of one booked payment for invoice ``number`` (none if it paid
    nothing on it)."""
    entries = []
    for line in json.loads(p.invoices or "[]"):
        if line.get("number") != number:
            continue
        parts = {k: from_str(str(line.get(k) or "0"))
                 for k in ("principal", "fees", "flat_fee", "interest")}
        entries.append({"kind": "payment", "at": p.booking_date,
                        "payment_id": str(p.sk).removeprefix("PAY#"),
                        "amount": to_str(sum(parts.values(), Decimal(0))),
                        **{k: to_str(v) for k, v in parts.items()},
                        "payment_amount": p.amount, "method": p.method,
                        "application": p.application or "statutory"})
    return entries


def add_settlement(tx: TransactWrite, tenant_id: str, updates: list[tuple[Invoice, int]],
                   credit: Invoice | None, customer_id: str | None,
                   behaviour: dict[str, int] | None, timeline: Timeline = (),
                   booking_date: str = "") -> None:
    """What a payment changes, into the transaction that books it: the invoices it settles (each
    conditional on the version read), an over-payment as a customer credit, the customer's
    payment-behaviour counters, and the invoices' timeline entries (residual charges)."""
    for number, kind, detail in timeline:
        at = f"{booking_date}T23:59:59"
        tx.save(EventItem(pk=tenant_pk(tenant_id), sk=f"EVT#{number}#{at}#{kind}", kind=kind, at=at,
                          detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))
    for invoice, expected in updates:
        tx.save(invoice_to_item(invoice.with_changes(version=expected + 1)),
                condition=InvoiceItem.version == expected)
    if credit is not None:
        tx.save(invoice_to_item(credit), condition=InvoiceItem.pk.does_not_exist())
    if behaviour and customer_id:
        customer = CustomerItem(pk=tenant_pk(tenant_id), sk=f"CUS#{customer_id}")
        tx.update(customer, actions=[getattr(CustomerItem, k).add(v) for k, v in behaviour.items() if v])
