"""DynamoDB rows (pynamodb models) and their mapping to domain objects: one table, tenant-leading
keys. See README "Access patterns". The per-aggregate adapters (``dynamo_*.py``) build on these.

Money is stored as strings (pynamodb's NumberAttribute goes through float). Table names come from
``configure()``, called by ``service.bootstrap``; connections are created lazily on first use.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ..domain.dates import iso_day, parse_day
from ..domain.model import Address, Channel, Customer, CustomerOverrides, Invoice, InvoiceStatus
from ..domain.money import from_str, to_str
from ..domain.notices import InvoiceSend, Notice, NoticeStatus
from ..domain.payment_record import FIELDS as PAYMENT_FIELDS
from ..domain.payment_record import PaymentRecord

TENANTS = "TENANTS"
#: inbox address tokens → tenant (SES receiving)
INBOX_TOKENS = "INBOX"

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
    #: the owner approved this letter (policy.approval) at this moment
    approved_at = UnicodeAttribute(null=True)


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
    #: BANKDAY: the newest booking day of the tenant's bank statements (ISO, compared as text)
    day = UnicodeAttribute(null=True)


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
    #: the SES-attempt window, as on a notice (``service.delivery``)
    send_attempt_at = UnicodeAttribute(null=True)
    ses_message_id = UnicodeAttribute(null=True)


class ReviewRow(_Base):
    """A file on the review list (sk REV#{id}, the id a digest of the file): created once,
    then open → imported | discarded by a conditional update."""

    review_id = UnicodeAttribute()
    document_key = UnicodeAttribute()
    document_version = UnicodeAttribute(default="")
    file_name = UnicodeAttribute()
    source = UnicodeAttribute()
    created_at = UnicodeAttribute()
    reason_en = UnicodeAttribute(default="")
    reason_de = UnicodeAttribute(default="")
    found = UnicodeAttribute(default="{}")
    status = UnicodeAttribute(default="open")
    invoice_number = UnicodeAttribute(default="")
    decided_at = UnicodeAttribute(default="")
    #: the invoice number an import in progress holds the item for (absent: none)
    claim = UnicodeAttribute(null=True)




class CreditItem(_Base):
    """A customer's credit state (sk CREDIT#{customer id}): JSON (domain.credit.record_to_json),
    versioned; ``hold`` and ``over_limit`` beside it for the credit report."""

    customer_id = UnicodeAttribute()
    document = UnicodeAttribute(default="{}")
    version = NumberAttribute(default=0)
    hold = NumberAttribute(default=0)
    over_limit = NumberAttribute(default=0)


# --- recurring invoices (adapters/dynamo_recurring.py) ---------------------------------------------

class RecurringItem(_Base):
    """A recurring-invoice template (sk RTPL#{id}); versioned like an invoice."""

    template_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    line_text = UnicodeAttribute()
    amount = UnicodeAttribute()
    vat = UnicodeAttribute()
    interval = UnicodeAttribute()
    day = UnicodeAttribute()
    start = UnicodeAttribute()
    end_on = UnicodeAttribute(null=True)
    periods_max = NumberAttribute(null=True)
    terms_days = NumberAttribute()
    status = UnicodeAttribute()
    #: JSON lists: the periods created, the numbers whose send request may still be missing
    created = UnicodeAttribute(default="[]")
    pending = UnicodeAttribute(default="[]")
    version = NumberAttribute(default=0)
    created_at = UnicodeAttribute(default="")
    skip_before = UnicodeAttribute(null=True)


class PeriodItem(_Base):
    """One period of a template (sk RPER#{id}#{period:06d}), created once with its number."""

    number = UnicodeAttribute()
    created_at = UnicodeAttribute()


class CounterItem(_Base):
    """A tenant's invoice-number counter (sk SEQ#{sequence}): the last number drawn."""

    value = NumberAttribute(default=0)


MODELS: tuple[type[_Base], ...] = (_Base, InvoiceItem, CustomerItem, NoticeItem, EventItem, DocItem,
                                   PaymentItem, InvoiceSendItem, ReviewRow, CreditItem, RecurringItem,
                                   PeriodItem, CounterItem)


def configured() -> tuple[str, str]:
    """The table and region the models point at now."""
    return _Base.Meta.table_name, _Base.Meta.region


def configure(table_name: str, region: str) -> None:
    for model in MODELS:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model._connection = None



def conditional(exc: Exception) -> bool:
    """The write failed on its condition (and nothing else)."""
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


# --- mapping -----------------------------------------------------------------------------------

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
        next_action_on=parse_day(item.next_action_on),
        last_notice_on=parse_day(item.last_notice_on),
        paused_until=parse_day(item.paused_until),
        due_date_source=item.due_date_source,
        version=int(item.version),
        pause_reason=item.pause_reason or "",
        consumer_notice=bool(item.consumer_notice),
        reminder_reached_on=parse_day(item.reminder_reached_on),
        fees_open=from_str(item.fees_open),
        flat_fee_paid=from_str(item.flat_fee_paid),
        interest_accrued=Decimal(item.interest_accrued),
        interest_through=parse_day(item.interest_through),
        interest_paid=from_str(item.interest_paid),
        received_at=item.received_at,
        source=item.source,
        charges_open=from_str(item.charges_open),
        charges_waived=from_str(item.charges_waived),
        charges_state=item.charges_state or "",
        last_payment_id=item.last_payment_id or "",
        last_payment_on=parse_day(item.last_payment_on),
        last_payment_amount=from_str(item.last_payment_amount),
        disputed_on=parse_day(item.disputed_on),
        held_next_action_on=parse_day(item.held_next_action_on),
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
        reminder_reached_on=iso_day(inv.reminder_reached_on),
        fees_open=to_str(inv.fees_open),
        flat_fee_paid=to_str(inv.flat_fee_paid),
        interest_accrued=str(inv.interest_accrued),
        interest_through=iso_day(inv.interest_through),
        interest_paid=to_str(inv.interest_paid),
        charges_open=to_str(inv.charges_open),
        charges_waived=to_str(inv.charges_waived),
        charges_state=inv.charges_state or None,
        last_payment_id=inv.last_payment_id or None,
        last_payment_on=iso_day(inv.last_payment_on),
        last_payment_amount=to_str(inv.last_payment_amount),
        disputed_on=iso_day(inv.disputed_on),
        held_next_action_on=iso_day(inv.held_next_action_on),
    )


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


def customer_item(customer: Customer) -> CustomerItem:
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
        "paused_until": iso_day(o.paused_until), "pause_reason": o.pause_reason,
        "excluded": o.excluded, "due_dates_agreed": o.due_dates_agreed,
    }, sort_keys=True)


def overrides_from_json(text: str | None) -> CustomerOverrides:
    doc = json.loads(text or "{}")
    channels = doc.get("channels")
    return CustomerOverrides(
        payment_terms_days=doc.get("payment_terms_days"),
        channels=tuple(Channel(c) for c in channels) if channels is not None else None,
        paused_until=parse_day(doc.get("paused_until")), pause_reason=doc.get("pause_reason") or "",
        excluded=bool(doc.get("excluded")), due_dates_agreed=doc.get("due_dates_agreed"),
    )



def notice_from_item(item: NoticeItem) -> Notice:
    return Notice(
        notice_id=item.notice_id, status=NoticeStatus(item.status), plan=item.plan,
        reserved_at=item.reserved_at, pdf_key=item.pdf_key, message_id=item.message_id,
        post_key=item.post_key, sent_at=item.sent_at, held_reason=item.held_reason,
        fallback=item.fallback, send_attempt_at=item.send_attempt_at,
        ses_message_id=item.ses_message_id, approved_at=item.approved_at)


def invoice_send_from_item(item: InvoiceSendItem) -> InvoiceSend:
    return InvoiceSend(
        number=item.number, status=NoticeStatus(item.status), reserved_at=item.reserved_at,
        pdf_key=item.pdf_key, message_id=item.message_id, post_key=item.post_key,
        sent_at=item.sent_at, held_reason=item.held_reason, fallback=item.fallback,
        send_attempt_at=item.send_attempt_at, ses_message_id=item.ses_message_id)


def payment_from_item(item: PaymentItem) -> PaymentRecord:
    return PaymentRecord(payment_id=str(item.sk).removeprefix("PAY#"),
                         **{name: getattr(item, name) for name in PAYMENT_FIELDS})
