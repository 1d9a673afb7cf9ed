"""DynamoDB through pynamodb: one table, tenant-leading keys. See README "Access patterns".

Money is stored as strings (pynamodb's NumberAttribute goes through float). Table names come from
``configure()``, called by ``service.bootstrap``; connections are created lazily on first use.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action as UpdateAction
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.customers import MASTER_FIELDS, master
from ..domain.dunning import NoticePlan
from ..domain.errors import MahnwerkError
from ..domain.model import Address, Channel, Customer, CustomerOverrides, Invoice, InvoiceStatus
from ..domain.money import from_str, to_str

TENANTS = "TENANTS"


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def customer_pk(tenant_id: str, customer_id: str) -> str:
    return f"T#{tenant_id}#C#{customer_id}"


class _Base(Model):
    class Meta:
        table_name = "mahnwerk-unconfigured"
        region = "eu-central-1"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class CustomerIndex(GlobalSecondaryIndex["InvoiceItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "CustomerIndex"
        projection = AllProjection()

    cust_pk = UnicodeAttribute(hash_key=True)
    cust_sk = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex["InvoiceItem"]):  # type: ignore[no-untyped-call]
    """Sparse: only open, unpaused invoices carry due_pk/due_sk (removed on payment/hand-over)."""

    class Meta:
        index_name = "DueIndex"
        projection = AllProjection()

    due_pk = UnicodeAttribute(hash_key=True)
    due_sk = UnicodeAttribute(range_key=True)


class InvoiceItem(_Base):
    cust_pk = UnicodeAttribute()
    cust_sk = UnicodeAttribute()
    due_pk = UnicodeAttribute(null=True)
    due_sk = UnicodeAttribute(null=True)
    number = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    issue_date = UnicodeAttribute()
    due_date = UnicodeAttribute()
    amount = UnicodeAttribute()
    open_amount = UnicodeAttribute()
    currency = UnicodeAttribute(default="EUR")
    status = UnicodeAttribute(default="open")
    level = NumberAttribute(default=0)
    next_action_on = UnicodeAttribute(null=True)
    last_notice_on = UnicodeAttribute(null=True)
    paused_until = UnicodeAttribute(null=True)
    due_date_source = UnicodeAttribute(default="invoice")
    source = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)
    pause_reason = UnicodeAttribute(null=True)
    consumer_notice = NumberAttribute(default=0)
    reminder_reached_on = UnicodeAttribute(null=True)
    fees_open = UnicodeAttribute(default="0.00")
    flat_fee_paid = UnicodeAttribute(default="0.00")
    interest_accrued = UnicodeAttribute(default="0")  # exact, unrounded
    interest_through = UnicodeAttribute(null=True)
    interest_paid = UnicodeAttribute(default="0.00")
    charges_open = UnicodeAttribute(default="0.00")
    charges_waived = UnicodeAttribute(default="0.00")
    charges_state = UnicodeAttribute(null=True)
    last_payment_id = UnicodeAttribute(null=True)
    last_payment_on = UnicodeAttribute(null=True)
    last_payment_amount = UnicodeAttribute(default="0.00")
    #: while disputed (items written before these existed load as None)
    disputed_on = UnicodeAttribute(null=True)
    held_next_action_on = UnicodeAttribute(null=True)
    customer_index = CustomerIndex()
    due_index = DueIndex()


class CustomerItem(_Base):
    customer_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    street = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    is_consumer = NumberAttribute(default=0)
    locale = UnicodeAttribute(default="de")
    overrides = UnicodeAttribute(default="{}")
    email_status = UnicodeAttribute(null=True)
    # payment behaviour, counted atomically as invoices are settled
    paid_count = NumberAttribute(default=0)
    paid_on_time = NumberAttribute(default=0)
    days_to_pay_sum = NumberAttribute(default=0)
    paid_after_l0 = NumberAttribute(default=0)
    paid_after_l1 = NumberAttribute(default=0)
    paid_after_l2 = NumberAttribute(default=0)
    paid_after_l3 = NumberAttribute(default=0)
    paid_after_l4 = NumberAttribute(default=0)


class NoticeItem(_Base):
    cust_pk = UnicodeAttribute()
    cust_sk = UnicodeAttribute()
    notice_id = UnicodeAttribute()
    status = UnicodeAttribute()  # reserved → sent
    plan = UnicodeAttribute()  # the decided letter as JSON: a retry resumes it, never re-decides
    pdf_key = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    post_key = UnicodeAttribute(null=True)
    reserved_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    #: who is sending right now, and until when the claim holds (a crashed sender's lease expires)
    held_reason = UnicodeAttribute(null=True)
    fallback = UnicodeAttribute(null=True)
    lease_owner = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    #: the email was handed to SES at this moment (a crash may follow before ``message_id``)
    send_attempt_at = UnicodeAttribute(null=True)
    #: SES's "Send" event for this notice arrived (configuration set → SNS → feedback): accepted
    ses_message_id = UnicodeAttribute(null=True)


class PaymentItem(_Base):
    """One booked bank entry (sk PAY#{entry key}): its existence is the idempotency guard."""

    booking_date = UnicodeAttribute()
    amount = UnicodeAttribute()
    status = UnicodeAttribute()  # matched | unmatched | dismissed (no customer payment)
    method = UnicodeAttribute()
    invoices = UnicodeAttribute(default="[]")  # JSON: [{number, fees, flat_fee, interest, principal}]
    customer_id = UnicodeAttribute(null=True)
    unapplied = UnicodeAttribute(default="0.00")
    remittance = UnicodeAttribute(default="")
    debtor_name = UnicodeAttribute(default="")
    suggestions = UnicodeAttribute(default="[]")
    source = UnicodeAttribute(null=True)
    #: the events of the booking not yet published (JSON, domain.events.outbox_json): written in
    #: the booking's transaction, removed once the bus took them, so a crash in between loses none
    outbox = UnicodeAttribute(null=True)
    #: how the payment was applied: "designated" (§367 Abs. 2 BGB: the debtor named the invoices,
    #: their principal first) or "statutory" (§366 Abs. 2, §367 Abs. 1: costs → interest →
    #: principal); absent on payments booked before it was recorded
    application = UnicodeAttribute(null=True)
    #: why it was applied so ("named in the remittance", "amount equals the open principal", …)
    application_why = UnicodeAttribute(null=True)
    #: status "dismissed": why this credit is no customer payment (a tax refund, …)
    dismiss_reason = UnicodeAttribute(null=True)
    #: what the owner undid or changed (JSON list: unassigned, dismissed, restored; newest last)
    history = UnicodeAttribute(null=True)


class EventItem(_Base):
    """The audit timeline of an invoice: received, changed, notice sent, …"""

    kind = UnicodeAttribute()
    at = UnicodeAttribute()
    detail = UnicodeAttribute(default="{}")


class DocItem(_Base):
    """A JSON document per tenant: settings, import reports, tenant registry entries."""

    document = UnicodeAttribute(default="{}")
    updated_at = UnicodeAttribute(null=True)


class InvoiceSendItem(_Base):
    """Sending an invoice Mahnwerk wrote itself (sk ISEND#{number}): reserved → sending → sent|held.
    Created conditionally and claimed with a lease like a notice, so it goes out once."""

    number = UnicodeAttribute()
    status = UnicodeAttribute()
    reserved_at = UnicodeAttribute()
    pdf_key = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    post_key = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    held_reason = UnicodeAttribute(null=True)
    fallback = UnicodeAttribute(null=True)
    lease_owner = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)


MODELS: tuple[type[_Base], ...] = (_Base, InvoiceItem, CustomerItem, NoticeItem, EventItem, DocItem,
                                   PaymentItem, InvoiceSendItem)


def configured() -> tuple[str, str]:
    """The table and region the models point at now."""
    return _Base.Meta.table_name, _Base.Meta.region


def configure(table_name: str, region: str) -> None:
    for model in MODELS:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model._connection = None


class Conflict(MahnwerkError):
    """A conditional write lost: somebody else changed the item first."""

    code, status, public_detail = "conflict", 409, False  # str() is the item's key: internal
    message = "changed meanwhile by another request; read it again and retry"


# --- mapping -----------------------------------------------------------------------------------

def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def invoice_from_item(item: InvoiceItem, tenant_id: str) -> Invoice:
    return Invoice(
        tenant_id=tenant_id,
        number=item.number,
        customer_id=item.customer_id,
        issue_date=date.fromisoformat(item.issue_date),
        due_date=date.fromisoformat(item.due_date),
        amount=from_str(item.amount),
        open_amount=from_str(item.open_amount),
        currency=item.currency,
        status=InvoiceStatus(item.status),
        level=int(item.level),
        next_action_on=_d(item.next_action_on),
        last_notice_on=_d(item.last_notice_on),
        paused_until=_d(item.paused_until),
        due_date_source=item.due_date_source,
        version=int(item.version),
        pause_reason=item.pause_reason or "",
        consumer_notice=bool(item.consumer_notice),
        reminder_reached_on=_d(item.reminder_reached_on),
        fees_open=from_str(item.fees_open),
        flat_fee_paid=from_str(item.flat_fee_paid),
        interest_accrued=Decimal(item.interest_accrued),
        interest_through=_d(item.interest_through),
        interest_paid=from_str(item.interest_paid),
        received_at=item.received_at,
        source=item.source,
        charges_open=from_str(item.charges_open),
        charges_waived=from_str(item.charges_waived),
        charges_state=item.charges_state or "",
        last_payment_id=item.last_payment_id or "",
        last_payment_on=_d(item.last_payment_on),
        last_payment_amount=from_str(item.last_payment_amount),
        disputed_on=_d(item.disputed_on),
        held_next_action_on=_d(item.held_next_action_on),
    )


def _due_keys(inv: Invoice) -> tuple[str | None, str | None]:
    if inv.next_action_on is None:
        return None, None
    dunnable = inv.status.value in ("open", "partially_paid") and inv.open_amount > 0
    if not dunnable and not (inv.charges_state == "claim" and inv.charges_open > 0):
        return None, None
    return tenant_pk(inv.tenant_id), f"{inv.next_action_on.isoformat()}#{inv.customer_id}#{inv.number}"


def invoice_to_item(inv: Invoice, source: str | None = None,
                    received_at: str | None = None) -> InvoiceItem:
    due_pk, due_sk = _due_keys(inv)
    return InvoiceItem(
        pk=tenant_pk(inv.tenant_id),
        sk=f"INV#{inv.number}",
        cust_pk=customer_pk(inv.tenant_id, inv.customer_id),
        cust_sk=f"INV#{inv.number}",
        due_pk=due_pk,
        due_sk=due_sk,
        number=inv.number,
        customer_id=inv.customer_id,
        issue_date=inv.issue_date.isoformat(),
        due_date=inv.due_date.isoformat(),
        amount=to_str(inv.amount),
        open_amount=to_str(inv.open_amount),
        currency=inv.currency,
        status=inv.status.value,
        level=inv.level,
        next_action_on=inv.next_action_on.isoformat() if inv.next_action_on else None,
        last_notice_on=inv.last_notice_on.isoformat() if inv.last_notice_on else None,
        paused_until=inv.paused_until.isoformat() if inv.paused_until else None,
        due_date_source=inv.due_date_source,
        source=source or inv.source,
        received_at=received_at or inv.received_at,
        version=inv.version,
        pause_reason=inv.pause_reason or None,
        consumer_notice=int(inv.consumer_notice),
        reminder_reached_on=_iso(inv.reminder_reached_on),
        fees_open=to_str(inv.fees_open),
        flat_fee_paid=to_str(inv.flat_fee_paid),
        interest_accrued=str(inv.interest_accrued),
        interest_through=_iso(inv.interest_through),
        interest_paid=to_str(inv.interest_paid),
        charges_open=to_str(inv.charges_open),
        charges_waived=to_str(inv.charges_waived),
        charges_state=inv.charges_state or None,
        last_payment_id=inv.last_payment_id or None,
        last_payment_on=_iso(inv.last_payment_on),
        last_payment_amount=to_str(inv.last_payment_amount),
        disputed_on=_iso(inv.disputed_on),
        held_next_action_on=_iso(inv.held_next_action_on),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def customer_from_item(item: CustomerItem, tenant_id: str) -> Customer:
    return Customer(
        tenant_id=tenant_id,
        customer_id=item.customer_id,
        name=item.name,
        email=item.email or "",
        address=Address(item.street or "", item.postal_code or "", item.city or "",
                        item.country or "DE"),
        is_consumer=bool(item.is_consumer),
        locale=item.locale,
        overrides=overrides_from_json(item.overrides),
        email_status=item.email_status or "",
    )


def _customer_item(customer: Customer) -> CustomerItem:
    return CustomerItem(
        pk=tenant_pk(customer.tenant_id), sk=f"CUS#{customer.customer_id}",
        customer_id=customer.customer_id, name=customer.name, email=customer.email or None,
        street=customer.address.street or None, postal_code=customer.address.postal_code or None,
        city=customer.address.city or None, country=customer.address.country or None,
        is_consumer=int(customer.is_consumer), locale=customer.locale,
        overrides=overrides_to_json(customer.overrides),
        email_status=customer.email_status or None,
    )


def overrides_to_json(o: CustomerOverrides) -> str:
    return json.dumps({
        "payment_terms_days": o.payment_terms_days,
        "channels": [c.value for c in o.channels] if o.channels is not None else None,
        "paused_until": _iso(o.paused_until), "pause_reason": o.pause_reason,
        "excluded": o.excluded, "due_dates_agreed": o.due_dates_agreed,
    }, sort_keys=True)


def overrides_from_json(text: str | None) -> CustomerOverrides:
    doc = json.loads(text or "{}")
    channels = doc.get("channels")
    return CustomerOverrides(
        payment_terms_days=doc.get("payment_terms_days"),
        channels=tuple(Channel(c) for c in channels) if channels is not None else None,
        paused_until=_d(doc.get("paused_until")), pause_reason=doc.get("pause_reason") or "",
        excluded=bool(doc.get("excluded")), due_dates_agreed=doc.get("due_dates_agreed"),
    )


def plan_to_json(plan: NoticePlan) -> str:
    def enc(value: Any) -> Any:
        if isinstance(value, Decimal):
            return to_str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, tuple | list):
            return [enc(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: enc(getattr(value, k)) for k in value.__dataclass_fields__}
        if hasattr(value, "value"):
            return value.value
        return value

    return json.dumps(enc(plan), ensure_ascii=False, sort_keys=True)


# --- repository --------------------------------------------------------------------------------

class Repository:
    """All DynamoDB reads and writes. Every call names its tenant; keys always lead with it."""

    def __init__(self, region: str) -> None:
        self._region = region
        self._connection = Connection(region=region)  # for transactions; its client is lazy

    # tenants
    def register_tenant(self, tenant_id: str, at: datetime) -> None:
        try:
            DocItem(pk=TENANTS, sk=tenant_id, updated_at=at.isoformat()).save(
                condition=DocItem.pk.does_not_exist()
            )
        except PutError as exc:
            if not _conditional(exc):
                raise

    def tenants(self) -> Iterator[str]:
        for item in DocItem.query(TENANTS):
            yield item.sk

    # documents (settings, import reports)
    def get_document(self, tenant_id: str, key: str) -> dict[str, Any] | None:
        try:
            item = DocItem.get(tenant_pk(tenant_id), key)
        except DocItem.DoesNotExist:
            return None
        value: dict[str, Any] = json.loads(item.document)
        return value

    def put_document(self, tenant_id: str, key: str, document: dict[str, Any], at: datetime) -> None:
        DocItem(pk=tenant_pk(tenant_id), sk=key,
                document=json.dumps(document, ensure_ascii=False, sort_keys=True),
                updated_at=at.isoformat()).save()

    # customers
    def get_customer(self, tenant_id: str, customer_id: str) -> Customer | None:
        try:
            return customer_from_item(CustomerItem.get(tenant_pk(tenant_id), f"CUS#{customer_id}"),
                                      tenant_id)
        except CustomerItem.DoesNotExist:
            return None

    def put_customer(self, customer: Customer) -> None:
        _customer_item(customer).save()

    # invoices
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
            if _conditional(exc):
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

    def batch_get_customers(self, tenant_id: str, ids: list[str]) -> dict[str, Customer]:
        keys = [(tenant_pk(tenant_id), f"CUS#{c}") for c in dict.fromkeys(ids)]
        return {item.customer_id: customer_from_item(item, tenant_id)
                for item in CustomerItem.batch_get(keys, consistent_read=True)}

    def put_customers(self, customers: list[Customer]) -> None:
        """Upsert master data (BatchWriteItem, 25 per request)."""
        with CustomerItem.batch_write() as batch:
            for c in customers:
                batch.save(_customer_item(c))

    def update_customer_master(self, old: Customer, new: Customer) -> None:
        """Write the master data that differs between ``old`` (as read) and ``new``, field by
        field: overrides other than the channels, and payment behaviour, stay untouched. Only if
        those fields still hold ``old``'s values: Conflict when someone changed them meanwhile
        (or the customer is gone). A new e-mail address drops the old one's bounce status."""
        before, after = master(old), master(new)
        item = CustomerItem(pk=tenant_pk(new.tenant_id), sk=f"CUS#{new.customer_id}")
        actions: list[UpdateAction] = []
        condition = CustomerItem.pk.exists()
        for name in MASTER_FIELDS:
            if before[name] == after[name]:
                continue
            if name == "channels":
                actions.append(CustomerItem.overrides.set(overrides_to_json(new.overrides)))
                continue
            attribute = _MASTER_ATTRIBUTES[name]
            value, was = _stored(name, after[name]), _stored(name, before[name])
            actions.append(attribute.set(value) if value is not None else attribute.remove())
            condition &= attribute.does_not_exist() if was is None else attribute == was
        if not actions:
            return
        if new.email != old.email:
            actions.append(CustomerItem.email_status.remove())
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if _conditional(exc):
                raise Conflict(new.customer_id) from exc
            raise

    def set_email_status(self, tenant_id: str, customer_id: str, status: str) -> None:
        item = CustomerItem(pk=tenant_pk(tenant_id), sk=f"CUS#{customer_id}")
        item.update(actions=[CustomerItem.email_status.set(status)],
                    condition=CustomerItem.pk.exists())

    def replace_invoice(self, invoice: Invoice, expected_version: int, source: str) -> None:
        """Overwrite if nobody changed it since we read it and dunning has not started."""
        item = invoice_to_item(invoice.with_changes(version=expected_version + 1), source)
        try:
            item.save(condition=(InvoiceItem.version == expected_version) & (InvoiceItem.level == 0))
        except PutError as exc:
            if _conditional(exc):
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

    def add_customer_event(self, tenant_id: str, customer_id: str, kind: str, at: datetime,
                           detail: dict[str, Any]) -> None:
        """An entry of the customer's timeline (a change of master data: who, when, old → new).
        Keyed by the time and a tie-breaker: two changes within the same instant both stay."""
        EventItem(pk=tenant_pk(tenant_id),
                  sk=f"{customer_event_prefix(customer_id)}{at.isoformat()}#{time.time_ns():020d}",
                  kind=kind, at=at.isoformat(),
                  detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)).save()

    def customer_events(self, tenant_id: str, customer_id: str) -> list[dict[str, Any]]:
        """The customer's timeline, oldest first."""
        return [{"kind": e.kind, "at": e.at, **json.loads(e.detail)}
                for e in customer_event_items(tenant_id, customer_id)]

    def events(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        return [
            {"kind": e.kind, "at": e.at, **json.loads(e.detail)}
            for e in EventItem.query(tenant_pk(tenant_id), EventItem.sk.startswith(f"EVT#{number}#"))
        ]

    def timeline(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        """An invoice's history: received (from the invoice item), its events, and every notice
        that listed it (the notice items of its customer), in time order."""
        try:
            item = InvoiceItem.get(tenant_pk(tenant_id), f"INV#{number}")
        except InvoiceItem.DoesNotExist:
            return []
        entries: list[dict[str, Any]] = []
        if item.received_at:
            entries.append({"kind": "received", "at": item.received_at, "source": item.source})
        entries += self.events(tenant_id, number)
        for notice in InvoiceItem.customer_index.query(
                customer_pk(tenant_id, item.customer_id), InvoiceItem.cust_sk.startswith("NOT#")):
            full = self.get_notice(tenant_id, str(getattr(notice, "sk", "")).removeprefix("NOT#"))
            if full is None:
                continue
            plan = json.loads(full.plan)
            if number in [line["number"] for line in plan["lines"]]:
                entries.append({"kind": f"notice_{full.status}", "at": full.sent_at or full.reserved_at,
                                "notice": full.notice_id, "level": plan["level"],
                                "level_name": plan["level_name"], "pdf": full.pdf_key,
                                "channels": [c for c, k in (("email", full.message_id),
                                                            ("post", full.post_key)) if k]})
        entries += self.payments_of(tenant_id, number)
        return sorted(entries, key=lambda e: str(e["at"]))

    def payments_of(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        """Payments booked on one invoice, for its timeline: what each paid on it in all
        (principal, fees, flat fee and interest), and how it was applied (§367 BGB)."""
        entries = []
        for p in PaymentItem.query(tenant_pk(tenant_id), PaymentItem.sk.startswith("PAY#"),
                                   filter_condition=PaymentItem.invoices.contains(f'"{number}"')):
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

    # payments
    def customers(self, tenant_id: str) -> list[Customer]:
        return [customer_from_item(i, tenant_id)
                for i in CustomerItem.query(tenant_pk(tenant_id), CustomerItem.sk.startswith("CUS#"))]

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
                if not _conditional(exc):  # erased meanwhile: nothing left to clear
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

    def behaviour(self, tenant_id: str, customer_id: str) -> dict[str, int]:
        try:
            item = CustomerItem.get(tenant_pk(tenant_id), f"CUS#{customer_id}")
        except CustomerItem.DoesNotExist:
            return {}
        return {k: int(getattr(item, k)) for k in (
            "paid_count", "paid_on_time", "days_to_pay_sum", "paid_after_l0", "paid_after_l1",
            "paid_after_l2", "paid_after_l3", "paid_after_l4")}

    # notices
    def reserve_notice(self, plan: NoticePlan, at: datetime) -> bool:
        """Reserve the notice and move its invoices in one transaction.

        False if this notice was reserved before (a retry or a second run the same day).
        Raises Conflict if an invoice changed since the decision (e.g. paid meanwhile).
        """
        tid = plan.tenant_id
        notice = NoticeItem(
            pk=tenant_pk(tid), sk=f"NOT#{plan.notice_id}",
            cust_pk=customer_pk(tid, plan.customer_id),
            cust_sk=f"NOT#{plan.run_date.isoformat()}#L{plan.level}",
            notice_id=plan.notice_id, status="reserved", plan=plan_to_json(plan),
            reserved_at=at.isoformat(),
        )
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(notice, condition=NoticeItem.pk.does_not_exist())
                for adv in plan.advances:
                    item = InvoiceItem(pk=tenant_pk(tid), sk=f"INV#{adv.number}")
                    actions: list[UpdateAction] = [
                        InvoiceItem.level.set(adv.to_level),
                        InvoiceItem.last_notice_on.set(plan.run_date.isoformat()),
                        InvoiceItem.status.set(adv.status.value),
                        InvoiceItem.version.set(adv.expected_version + 1),
                        InvoiceItem.fees_open.set(to_str(adv.fees_open)),
                    ]
                    if adv.charges_state is not None:
                        actions.append(InvoiceItem.charges_state.set(adv.charges_state))
                    if adv.reminder_reached_on is not None:
                        actions.append(InvoiceItem.reminder_reached_on.set(
                            adv.reminder_reached_on.isoformat()))
                    if adv.next_action_on is None or adv.status.value == "handed_over":
                        actions += [InvoiceItem.next_action_on.remove(),
                                    InvoiceItem.due_pk.remove(), InvoiceItem.due_sk.remove()]
                    else:
                        nxt = adv.next_action_on.isoformat()
                        actions += [
                            InvoiceItem.next_action_on.set(nxt),
                            InvoiceItem.due_sk.set(f"{nxt}#{plan.customer_id}#{adv.number}"),
                        ]
                    tx.update(item, actions=actions,
                              condition=(InvoiceItem.version == adv.expected_version))
                # DynamoDB allows 100 items per transaction; listed lines beyond that go unchecked
                room = 99 - len(plan.advances)
                for number, version in plan.checks[:max(room, 0)]:
                    tx.condition_check(InvoiceItem, tenant_pk(tid), f"INV#{number}",
                                       condition=InvoiceItem.version == version)
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            if "ConditionalCheckFailed" in reasons:
                raise Conflict(plan.notice_id) from exc
            raise
        return True

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeItem | None:
        try:
            return NoticeItem.get(tenant_pk(tenant_id), f"NOT#{notice_id}", consistent_read=True)
        except NoticeItem.DoesNotExist:
            return None

    def claim_notice(self, tenant_id: str, notice_id: str, owner: str, now: datetime,
                     lease_until: datetime) -> bool:
        """Take the right to send: only from 'reserved', or from 'sending' whose lease expired."""
        return _claim(NoticeItem(pk=tenant_pk(tenant_id), sk=f"NOT#{notice_id}"), owner, now,
                      lease_until)

    def release_notice(self, tenant_id: str, notice_id: str, owner: str) -> None:
        """Give a claim back after a failure we saw happen, so a retry need not wait the lease."""
        _release(NoticeItem(pk=tenant_pk(tenant_id), sk=f"NOT#{notice_id}"), owner)

    def finish_notice(self, tenant_id: str, notice_id: str, owner: str, **fields: str) -> None:
        """Mark sent (or held) — only by the holder of the claim."""
        _finish(NoticeItem(pk=tenant_pk(tenant_id), sk=f"NOT#{notice_id}"), owner, fields)

    def update_notice(self, tenant_id: str, notice_id: str, **fields: str) -> None:
        item = NoticeItem(pk=tenant_pk(tenant_id), sk=f"NOT#{notice_id}")
        item.update(actions=[getattr(NoticeItem, k).set(v) for k, v in fields.items()],
                    condition=NoticeItem.pk.exists())

    def notices_of_day(self, tenant_id: str, customer_id: str, run_date: date) -> list[NoticeItem]:
        """Strongly consistent: a retry must see the reservation its first attempt made."""
        prefix = f"NOT#{customer_id}:{run_date.isoformat()}:"
        return list(NoticeItem.query(tenant_pk(tenant_id), NoticeItem.sk.startswith(prefix),
                                     consistent_read=True))

    def notices(self, tenant_id: str) -> list[NoticeItem]:
        return list(NoticeItem.query(tenant_pk(tenant_id), NoticeItem.sk.startswith("NOT#")))


    # invoices Mahnwerk writes and sends itself
    def reserve_invoice_send(self, tenant_id: str, number: str, at: datetime) -> bool:
        """False if this invoice's sending was reserved before (a retry, a second message)."""
        item = InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}", number=number,
                               status="reserved", reserved_at=at.isoformat())
        try:
            item.save(condition=InvoiceSendItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def get_invoice_send(self, tenant_id: str, number: str) -> InvoiceSendItem | None:
        try:
            return InvoiceSendItem.get(tenant_pk(tenant_id), f"ISEND#{number}", consistent_read=True)
        except InvoiceSendItem.DoesNotExist:
            return None

    def claim_invoice_send(self, tenant_id: str, number: str, owner: str, now: datetime,
                           lease_until: datetime) -> bool:
        """Take the right to send: only from 'reserved', or from 'sending' whose lease expired."""
        return _claim(InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}"), owner, now,
                      lease_until)

    def release_invoice_send(self, tenant_id: str, number: str, owner: str) -> None:
        _release(InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}"), owner)

    def finish_invoice_send(self, tenant_id: str, number: str, owner: str, **fields: str) -> None:
        """Mark sent (or held) — only by the holder of the claim."""
        _finish(InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}"), owner, fields)


# --- the send claim with a lease, shared by notices and invoices we send ------------------------

_Leased = NoticeItem | InvoiceSendItem


def _claim(item: _Leased, owner: str, now: datetime, lease_until: datetime) -> bool:
    """reserved → sending (or a sending whose lease expired), held by ``owner`` until then."""
    model = type(item)
    free = (model.status == "reserved") | (
        (model.status == "sending") & (model.lease_until < now.isoformat()))
    try:
        item.update(actions=[model.status.set("sending"), model.lease_owner.set(owner),
                             model.lease_until.set(lease_until.isoformat())],
                    condition=model.pk.exists() & free)
    except UpdateError as exc:
        if _conditional(exc):
            return False
        raise
    return True


def _release(item: _Leased, owner: str) -> None:
    """sending → reserved, if ``owner`` still holds the claim."""
    model = type(item)
    try:
        item.update(actions=[model.status.set("reserved"), model.lease_owner.remove(),
                             model.lease_until.remove()],
                    condition=(model.status == "sending") & (model.lease_owner == owner))
    except UpdateError as exc:
        if not _conditional(exc):
            raise


def _finish(item: _Leased, owner: str, fields: dict[str, str]) -> None:
    """Set ``fields`` (status sent/held, …) and end the claim — only by its holder."""
    model = type(item)
    item.update(actions=[getattr(model, k).set(v) for k, v in fields.items()]
                + [model.lease_owner.remove(), model.lease_until.remove()],
                condition=(model.status == "sending") & (model.lease_owner == owner))

#: timeline entries written with a booking: (invoice number, kind, detail)
Timeline = Sequence[tuple[str, str, dict[str, str]]]


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


#: master field → the attribute that stores it ("channels" live in the overrides document)
_MASTER_ATTRIBUTES: dict[str, Any] = {
    "name": CustomerItem.name, "email": CustomerItem.email, "street": CustomerItem.street,
    "postal_code": CustomerItem.postal_code, "city": CustomerItem.city,
    "country": CustomerItem.country, "is_consumer": CustomerItem.is_consumer,
    "locale": CustomerItem.locale}


def _stored(name: str, value: Any) -> Any:
    """A master value as the customer item holds it (None: the attribute is absent)."""
    if name == "is_consumer":
        return int(bool(value))
    if name == "country":
        return value or "DE"
    return (value or None) if name in {"email", "street", "postal_code", "city"} else value


def customer_event_prefix(customer_id: str) -> str:
    return f"CEV#{customer_id}#"


def customer_event_items(tenant_id: str, customer_id: str,
                         consistent: bool = False) -> list[EventItem]:
    """A customer's timeline items. A key is ``CEV#{id}#{time}#{tie-breaker}``: the items of an id
    that merely starts with this one and a '#' have more parts, and are left out."""
    prefix = customer_event_prefix(customer_id)
    return [e for e in EventItem.query(tenant_pk(tenant_id), EventItem.sk.startswith(prefix),
                                       consistent_read=consistent)
            if str(e.sk)[len(prefix):].count("#") == 1]


def _conditional(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


def plan_from_json(text: str) -> NoticePlan:
    from ..domain.dunning import Advance, NoticeLine
    from ..domain.model import Channel
    from ..domain.policy import Action, Tone

    doc = json.loads(text)

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    lines = tuple(
        NoticeLine(
            number=ln["number"], issue_date=date.fromisoformat(ln["issue_date"]),
            due_date=date.fromisoformat(ln["due_date"]), amount=from_str(ln["amount"]),
            paid=from_str(ln["paid"]), open_amount=from_str(ln["open_amount"]),
            level=int(ln["level"]), days_overdue=int(ln["days_overdue"]),
            interest=from_str(ln["interest"]), fees=from_str(ln["fees"]),
            flat_fee=from_str(ln.get("flat_fee", "0")), default_from=day(ln.get("default_from")),
        )
        for ln in doc["lines"]
    )
    advances = tuple(
        Advance(number=a["number"], from_level=int(a["from_level"]), to_level=int(a["to_level"]),
                next_action_on=day(a["next_action_on"]), status=InvoiceStatus(a["status"]),
                expected_version=int(a["expected_version"]),
                fees_open=from_str(a.get("fees_open", "0")),
                reminder_reached_on=day(a.get("reminder_reached_on")),
                charges_state=a.get("charges_state"))
        for a in doc["advances"]
    )
    return NoticePlan(
        tenant_id=doc["tenant_id"], customer_id=doc["customer_id"],
        run_date=date.fromisoformat(doc["run_date"]), level=int(doc["level"]),
        level_name=doc["level_name"], tone=Tone(doc["tone"]),
        channels=tuple(Channel(c) for c in doc["channels"]), action=Action(doc["action"]),
        lines=lines, fee=from_str(doc["fee"]), deadline=date.fromisoformat(doc["deadline"]),
        advances=advances, stale_base_rate=bool(doc.get("stale_base_rate")),
        checks=tuple((str(n), int(v)) for n, v in doc.get("checks", [])),
        kind=doc.get("kind", "dunning"),
        payments=tuple((date.fromisoformat(d), from_str(a)) for d, a in doc.get("payments", [])),
    )
