"""DynamoDB access the integration API needs beyond the pipelines: keys, pages, owner actions.

Same table and item types as :mod:`.dynamo`; every key leads with the tenant (``T#{tenant}``),
except the API key lookup item, which is found by its random key id and names its tenant.
Lists are Queries with a page-size cap and an opaque cursor bound to the tenant's partition.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from ..domain.model import Customer, CustomerOverrides, DomainError, Invoice
from ..service.ports import Conflict, InvoiceFilter, Timeline
from .dynamo_customers import BEHAVIOUR_COUNTERS
from .dynamo_models import (
    CustomerItem,
    EventItem,
    InvoiceItem,
    NoticeItem,
    PaymentItem,
    customer_from_item,
    customer_pk,
    invoice_from_item,
    invoice_to_item,
    notice_from_item,
    overrides_to_json,
    tenant_pk,
)
from .dynamo_payments import add_settlement

MAX_PAGE = 200
#: a filtered list reads pages of this many items …
FILTER_PAGE = 200
#: … at most this many per call (1,000 items, ~125 read units): then it answers with what matched
#: so far and a cursor to go on from
FILTER_REQUESTS = 5
DEFAULT_PAGE = 50


def invoice_condition(where: InvoiceFilter) -> Condition | None:
    """The filter as a DynamoDB condition on the invoice items (None: no condition)."""
    conditions: list[Condition] = []
    if len(where.statuses) == 1:
        conditions.append(InvoiceItem.status == where.statuses[0])
    elif where.statuses:
        conditions.append(InvoiceItem.status.is_in(*where.statuses))
    if where.level is not None:
        conditions.append(InvoiceItem.level == where.level)
    if where.min_level is not None:
        conditions.append(InvoiceItem.level >= where.min_level)
    if where.due_from is not None:
        conditions.append(InvoiceItem.due_date >= where.due_from.isoformat())
    if where.due_to is not None:
        conditions.append(InvoiceItem.due_date <= where.due_to.isoformat())
    if where.charges is not None:
        conditions.append(InvoiceItem.charges_state == where.charges)
    search: Condition | None = None
    found: list[Condition] = [InvoiceItem.number.contains(text) for text in where.number_contains]
    if where.customer_ids:
        found.append(InvoiceItem.customer_id.is_in(*where.customer_ids))
    for one in found:
        search = one if search is None else search | one
    if search is not None:
        conditions.append(search)
    condition: Condition | None = None
    for c in conditions:
        condition = c if condition is None else condition & c
    return condition


class BadCursor(DomainError):
    code, status, message = "invalid_cursor", 400, "the cursor is not valid"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    cursor: str | None


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, tenant_id: str) -> dict[str, Any] | None:
    """A cursor is the last key of the previous page; one naming another tenant is refused."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, binascii.Error) as exc:
        raise BadCursor("cursor is not valid") from exc
    if not isinstance(key, dict) or not key:
        raise BadCursor("cursor is not valid")
    own = tenant_pk(tenant_id)
    for name, value in key.items():
        if not (isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)):
            raise BadCursor("cursor is not valid")
        if name in {"pk", "cust_pk", "due_pk"} and not (
                value["S"] == own or value["S"].startswith(own + "#")):
            raise BadCursor("cursor is not valid")
    return key


def page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if limit < 1:
        raise DomainError("limit must be at least 1")
    return min(limit, MAX_PAGE)


class ApiStore:
    """Reads and writes behind the REST API. Takes the tenant id on every call."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection  # for transactions; its client is lazy

    # --- pages ----------------------------------------------------------------------------------
    def _page(self, query: Any, model: Any, limit: int, filtered: bool, start: dict[str, Any] | None,
              convert: Any) -> Page:
        """Up to ``limit`` items of ``query(page_size=…, last_evaluated_key=…)``, in at most
        :data:`FILTER_REQUESTS` requests of :data:`FILTER_PAGE` items read each when a filter
        applies: a filter that matches few items answers with a short (even an empty) page and a
        cursor instead of walking the partition in one call. Without a filter one request of
        ``limit`` items is the page."""
        pages = query(page_size=max(limit, FILTER_PAGE) if filtered else limit,
                      last_evaluated_key=start).page_iter
        raw: list[dict[str, Any]] = []
        key = start
        for _ in range(FILTER_REQUESTS if filtered else 1):
            try:
                found = next(pages).get("Items", [])
            except StopIteration:
                break
            taken = found[: limit - len(raw)]
            raw += taken
            key = pages.last_evaluated_key
            if len(taken) < len(found):  # the page holds more: go on after the last item returned
                key = {name: taken[-1][name] for name in pages.key_names}
            if len(raw) == limit or key is None:
                break
        return Page([convert(model.from_raw_data(item)) for item in raw], encode_cursor(key))

    def invoice_page(self, tenant_id: str, limit: int, cursor: str | None,
                     customer_id: str | None = None, where: InvoiceFilter | None = None) -> Page:
        start = decode_cursor(cursor, tenant_id)
        condition = invoice_condition(where) if where is not None else None
        if customer_id:
            def query(**paging: Any) -> Any:
                return InvoiceItem.customer_index.query(
                    customer_pk(tenant_id, customer_id), InvoiceItem.cust_sk.startswith("INV#"),
                    filter_condition=condition, **paging)
        else:
            def query(**paging: Any) -> Any:
                return InvoiceItem.query(tenant_pk(tenant_id), InvoiceItem.sk.startswith("INV#"),
                                         filter_condition=condition, **paging)
        return self._page(query, InvoiceItem, limit, condition is not None, start,
                          lambda item: invoice_from_item(item, tenant_id))

    def customer_page(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        def query(**paging: Any) -> Any:
            return CustomerItem.query(tenant_pk(tenant_id), CustomerItem.sk.startswith("CUS#"), **paging)
        return self._page(query, CustomerItem, limit, False, decode_cursor(cursor, tenant_id),
                          lambda item: customer_from_item(item, tenant_id))

    def payment_page(self, tenant_id: str, limit: int, cursor: str | None,
                     status: str | None = None) -> Page:
        def query(**paging: Any) -> Any:
            return PaymentItem.query(
                tenant_pk(tenant_id), PaymentItem.sk.startswith("PAY#"),
                filter_condition=(PaymentItem.status == status) if status else None, **paging)
        return self._page(query, PaymentItem, limit, status is not None,
                          decode_cursor(cursor, tenant_id), lambda item: item)

    def notice_page(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        def query(**paging: Any) -> Any:
            return NoticeItem.query(tenant_pk(tenant_id), NoticeItem.sk.startswith("NOT#"), **paging)
        return self._page(query, NoticeItem, limit, False, decode_cursor(cursor, tenant_id),
                          lambda item: notice_from_item(item))

    def receivables(self, tenant_id: str) -> Iterator[Invoice]:
        """Every invoice of the tenant, page by page (reports): a Query on its partition."""
        for item in InvoiceItem.query(tenant_pk(tenant_id), InvoiceItem.sk.startswith("INV#")):
            yield invoice_from_item(item, tenant_id)

    def behaviours(self, tenant_id: str) -> Iterator[tuple[str, dict[str, int]]]:
        """Every customer's payment-behaviour counters (reports)."""
        for item in CustomerItem.query(tenant_pk(tenant_id), CustomerItem.sk.startswith("CUS#")):
            yield item.customer_id, {k: int(getattr(item, k)) for k in BEHAVIOUR_COUNTERS}

    def get_payment(self, tenant_id: str, payment_id: str) -> PaymentItem | None:
        try:
            return PaymentItem.get(tenant_pk(tenant_id), f"PAY#{payment_id}", consistent_read=True)
        except PaymentItem.DoesNotExist:
            return None

    # --- owner actions --------------------------------------------------------------------------
    def change_invoice(self, invoice: Invoice, expected_version: int, kind: str, at: datetime,
                       detail: dict[str, Any]) -> Invoice:
        """Save an owner's change and its timeline entry together, if nobody changed the invoice
        since it was read (Conflict otherwise)."""
        changed = invoice.with_changes(version=expected_version + 1)
        event = EventItem(pk=tenant_pk(invoice.tenant_id),
                          sk=f"EVT#{invoice.number}#{at.isoformat()}#{kind}", kind=kind,
                          at=at.isoformat(), detail=json.dumps(detail, ensure_ascii=False, sort_keys=True))
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(invoice_to_item(changed), condition=InvoiceItem.version == expected_version)
                tx.save(event)
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in [r.code if r else None
                                            for r in (exc.cancellation_reasons or [])]:
                raise Conflict(invoice.number) from exc
            raise
        return changed

    def set_overrides(self, customer: Customer, overrides: CustomerOverrides) -> None:
        item = CustomerItem(pk=tenant_pk(customer.tenant_id), sk=f"CUS#{customer.customer_id}")
        try:
            item.update(actions=[CustomerItem.overrides.set(overrides_to_json(overrides))],
                        condition=CustomerItem.pk.exists())
        except UpdateError as exc:
            raise Conflict(customer.customer_id) from exc

    # --- payments reviewed by hand -------------------------------------------------------------

    def assign_payment(self, tenant_id: str, payment_id: str, fields: dict[str, Any],
                       updates: list[tuple[Invoice, int]], credit: Invoice | None,
                       behaviour: dict[str, int], timeline: Timeline = (),
                       booking_date: str = "") -> None:
        """An unmatched payment assigned by hand, in one transaction: the payment turns matched only
        if it still is unmatched (a second click, a second reviewer: Conflict), the invoices only if
        unchanged since they were read, and the customer's behaviour counters with them."""
        payment = PaymentItem(pk=tenant_pk(tenant_id), sk=f"PAY#{payment_id}")
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.update(payment, actions=[getattr(PaymentItem, k).set(v) for k, v in fields.items()],
                          condition=PaymentItem.status == "unmatched")
                add_settlement(tx, tenant_id, updates, credit, fields.get("customer_id"), behaviour,
                               timeline, booking_date)
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in [r.code if r else None for r in (exc.cancellation_reasons or [])]:
                raise Conflict(payment_id) from exc
            raise

    def unassign_payment(self, tenant_id: str, payment_id: str, expected_invoices: str,
                         fields: dict[str, Any], remove: list[str],
                         updates: list[tuple[Invoice, int]], credit_number: str | None,
                         customer_id: str | None, behaviour: dict[str, int], timeline: Timeline,
                         at: datetime) -> None:
        """A matched payment undone, in one transaction: the payment turns unmatched only if it is
        still matched as read (a second click: Conflict), each invoice only if unchanged since it was
        read, the over-payment credit it created only if untouched (deleted), the customer's behaviour
        counters with them (``behaviour`` holds negative numbers), and the invoices' timeline entries."""
        payment = PaymentItem(pk=tenant_pk(tenant_id), sk=f"PAY#{payment_id}")
        actions = [getattr(PaymentItem, k).set(v) for k, v in fields.items()]
        actions += [getattr(PaymentItem, k).remove() for k in remove]
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.update(payment, actions=actions,
                          condition=(PaymentItem.status == "matched")
                          & (PaymentItem.invoices == expected_invoices))
                for number, kind, detail in timeline:
                    tx.save(EventItem(pk=tenant_pk(tenant_id), sk=f"EVT#{number}#{at.isoformat()}#{kind}",
                                      kind=kind, at=at.isoformat(),
                                      detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))
                for invoice, expected in updates:
                    tx.save(invoice_to_item(invoice.with_changes(version=expected + 1)),
                            condition=InvoiceItem.version == expected)
                if credit_number is not None:
                    tx.delete(InvoiceItem(pk=tenant_pk(tenant_id), sk=f"INV#{credit_number}"),
                              condition=InvoiceItem.version == 0)
                if customer_id and any(behaviour.values()):
                    customer = CustomerItem(pk=tenant_pk(tenant_id), sk=f"CUS#{customer_id}")
                    tx.update(customer, actions=[getattr(CustomerItem, k).add(v)
                                                 for k, v in behaviour.items() if v],
                              condition=CustomerItem.pk.exists())
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in [r.code if r else None for r in (exc.cancellation_reasons or [])]:
                raise Conflict(payment_id) from exc
            raise

    def set_payment_status(self, tenant_id: str, payment_id: str, from_status: str,
                           fields: dict[str, Any], remove: list[str]) -> None:
        """Change a payment's review status (dismiss, restore) if it still is ``from_status``
        (Conflict otherwise)."""
        payment = PaymentItem(pk=tenant_pk(tenant_id), sk=f"PAY#{payment_id}")
        try:
            payment.update(actions=[getattr(PaymentItem, k).set(v) for k, v in fields.items()]
                           + [getattr(PaymentItem, k).remove() for k in remove],
                           condition=PaymentItem.status == from_status)
        except UpdateError as exc:
            raise Conflict(payment_id) from exc
