"""Invoices in DynamoDB (versioned, with the sparse due index) and their event timeline."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.model import Invoice
from ..service.ports import Conflict
from .dynamo_models import (
    EventItem,
    InvoiceItem,
    conditional,
    customer_pk,
    invoice_from_item,
    invoice_to_item,
    tenant_pk,
)


class DynamoInvoices:
    """Implements ``service.ports.Invoices``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection  # for transactions; its client is lazy

    def get_invoice(self, tenant_id: str, number: str, consistent: bool = True) -> Invoice | None:
        try:
            item = InvoiceItem.get(tenant_pk(tenant_id), f"INV#{number}", consistent_read=consistent)
        except InvoiceItem.DoesNotExist:
            return None
        return invoice_from_item(item, tenant_id)

    def create_invoice(self, invoice: Invoice, source: str, received_at: str | None = None) -> bool:
        """Insert if absent. False when it exists already (a retried event, a re-upload)."""
        try:
            invoice_to_item(invoice, source, received_at).save(
                condition=InvoiceItem.pk.does_not_exist())
        except PutError as exc:
            if conditional(exc):
                return False
            raise
        return True

    def batch_get_invoices(self, tenant_id: str, numbers: list[str]) -> dict[str, Invoice]:
        """Existing invoices among ``numbers`` (BatchGetItem, 100 keys per request)."""
        keys = [(tenant_pk(tenant_id), f"INV#{n}") for n in dict.fromkeys(numbers)]
        return {item.number: invoice_from_item(item, tenant_id)
                for item in InvoiceItem.batch_get(keys, consistent_read=True)}

    def create_invoices(self, invoices: list[Invoice], source: str, received_at: str) -> list[str]:
        """Insert new invoices, 100 per transaction, each conditional on not existing yet (a
        concurrent import of the same number can never overwrite an invoice in dunning).
        Returns the numbers that existed after all (created meanwhile): the caller re-checks."""
        existed: list[str] = []
        for start in range(0, len(invoices), 100):
            chunk = invoices[start:start + 100]
            try:
                with TransactWrite(connection=self._connection) as tx:
                    for inv in chunk:
                        tx.save(invoice_to_item(inv, source, received_at),
                                condition=InvoiceItem.pk.does_not_exist())
            except TransactWriteError:
                for inv in chunk:  # someone was faster for at least one: one by one
                    if not self.create_invoice(inv, source, received_at):
                        existed.append(inv.number)
        return existed

    def replace_invoice(self, invoice: Invoice, expected_version: int, source: str) -> None:
        """Overwrite if nobody changed it since we read it and dunning has not started."""
        item = invoice_to_item(invoice.with_changes(version=expected_version + 1), source)
        try:
            item.save(condition=(InvoiceItem.version == expected_version) & (InvoiceItem.level == 0))
        except PutError as exc:
            if conditional(exc):
                raise Conflict(invoice.number) from exc
            raise

    def customer_invoices(self, tenant_id: str, customer_id: str) -> list[Invoice]:
        """A customer's invoices from the GSI (eventually consistent). Nothing is acted on without
        a check: the reservation transaction is conditional on the version of every invoice it
        moves or lists, so a state read stale (paid, paused, disputed meanwhile) cancels it and
        the request is retried on fresh data — the re-read, without reading every item twice."""
        items = InvoiceItem.customer_index.query(
            customer_pk(tenant_id, customer_id), InvoiceItem.cust_sk.startswith("INV#")
        )
        return [invoice_from_item(item, tenant_id) for item in items]

    def due_customers(self, tenant_id: str, on: date) -> list[str]:
        """Customers with at least one invoice whose next action is on or before ``on``."""
        customers: dict[str, None] = {}
        for item in InvoiceItem.due_index.query(
            tenant_pk(tenant_id), InvoiceItem.due_sk <= f"{on.isoformat()}~"
        ):
            customers.setdefault(item.customer_id)
        return list(customers)

    def invoices(self, tenant_id: str) -> list[Invoice]:
        return [invoice_from_item(i, tenant_id)
                for i in InvoiceItem.query(tenant_pk(tenant_id), InvoiceItem.sk.startswith("INV#"))]

    # events
    def add_event(self, tenant_id: str, number: str, kind: str, at: datetime,
                  detail: dict[str, Any]) -> None:
        EventItem(pk=tenant_pk(tenant_id), sk=f"EVT#{number}#{at.isoformat()}#{kind}",
                  kind=kind, at=at.isoformat(),
                  detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)).save()

    def events(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        return [
            {"kind": e.kind, "at": e.at, **json.loads(e.detail)}
            for e in EventItem.query(tenant_pk(tenant_id), EventItem.sk.startswith(f"EVT#{number}#"))
        ]
