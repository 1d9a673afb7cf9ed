"""In-memory fakes of the ports (``mahnwerk.service.ports``), for service tests without moto.

Same semantics as the DynamoDB/S3/SES/SQS/EventBridge adapters, down to what the service relies
on: conditional writes that lose raise ``Conflict`` (or answer False where the adapter does),
versions move on with every invoice write, a notice or invoice send is reserved once and sent by
the holder of a lease only, a booking is one all-or-nothing step. ``tests/contract`` runs one
suite against both a fake and the real adapter so the two cannot drift apart.

Invoices and customers are kept as the table would return them: each write goes through the
adapters' own row mapping (no I/O: pynamodb models are plain objects until saved), so a value
the table normalises (an empty country, money as text) reads back the same here.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, BinaryIO

from mahnwerk.adapters.aws import MAX_FILE_BYTES, FileTooLarge, SendRefused
from mahnwerk.adapters.dynamo_customers import BEHAVIOUR_COUNTERS
from mahnwerk.adapters.dynamo_models import (
    customer_from_item,
    customer_item,
    invoice_from_item,
    invoice_to_item,
)
from mahnwerk.domain.access import KeyRecord, SessionRecord
from mahnwerk.domain.credit import (
    BureauResult,
    BureauSubject,
    CreditRecord,
    record_from_json,
    record_to_json,
)
from mahnwerk.domain.customers import MASTER_FIELDS, master
from mahnwerk.domain.dunning import NoticePlan
from mahnwerk.domain.model import Customer, Invoice, InvoiceStatus
from mahnwerk.domain.notices import InvoiceSend, Notice, NoticeStatus, plan_to_json
from mahnwerk.domain.payment_record import PaymentRecord, paid_on
from mahnwerk.domain.recurring_templates import ACTIVE, Template
from mahnwerk.domain.review import ReviewItem, ReviewStatus
from mahnwerk.service.bootstrap import Config, Context
from mahnwerk.service.ports import Conflict, PeriodCreated, Timeline

_RESERVED, _SENDING = NoticeStatus.RESERVED, NoticeStatus.SENDING


def _stored_invoice(invoice: Invoice, source: str | None = None,
                    received_at: str | None = None) -> tuple[Invoice, str | None]:
    """The invoice as the table returns it, and its due-index key (None: not in the index)."""
    item = invoice_to_item(invoice, source, received_at)
    return invoice_from_item(item, invoice.tenant_id), item.due_sk if item.due_pk else None


def _stored_customer(customer: Customer) -> Customer:
    return customer_from_item(customer_item(customer), customer.tenant_id)


@dataclass
class FakeTable:
    """The state behind the fakes: one "table" that all of them share, like the real one."""

    #: (tenant, number) → (invoice, due-index key)
    invoices: dict[tuple[str, str], tuple[Invoice, str | None]] = field(default_factory=dict)
    customers: dict[tuple[str, str], Customer] = field(default_factory=dict)
    counters: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    #: tenant → sort key → (kind, at, detail JSON): invoice and customer timelines
    events: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=dict)
    #: (tenant, notice id) → (notice, customer id, customer-index key)
    notices: dict[tuple[str, str], tuple[Notice, str, str]] = field(default_factory=dict)
    sends: dict[tuple[str, str], InvoiceSend] = field(default_factory=dict)
    #: (kind, tenant, id) → (owner, lease until): who holds the claim to send
    leases: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    payments: dict[tuple[str, str], PaymentRecord] = field(default_factory=dict)
    documents: dict[tuple[str, str], str] = field(default_factory=dict)
    inbox_tokens: dict[str, str] = field(default_factory=dict)
    tenants: set[str] = field(default_factory=set)
    bank_days: dict[str, date] = field(default_factory=dict)
    ticks: Iterator[int] = field(default_factory=itertools.count)

    def event(self, tenant_id: str, sk: str, kind: str, at: str, detail: dict[str, Any]) -> None:
        self.events.setdefault(tenant_id, {})[sk] = (
            kind, at, json.dumps(detail, ensure_ascii=False, sort_keys=True))

    def event_entries(self, tenant_id: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        found = self.events.get(tenant_id, {})
        return [(sk, {"kind": kind, "at": at, **json.loads(detail)})
                for sk, (kind, at, detail) in sorted(found.items()) if sk.startswith(prefix)]

    def version_is(self, tenant_id: str, number: str, version: int) -> bool:
        held = self.invoices.get((tenant_id, number))
        return held is not None and held[0].version == version


class FakeTenants:
    def __init__(self, table: FakeTable) -> None:
        self.t = table

    def register_tenant(self, tenant_id: str, at: datetime) -> None:
        self.t.tenants.add(tenant_id)

    def tenants(self) -> Iterator[str]:
        yield from sorted(self.t.tenants)

    def get_document(self, tenant_id: str, key: str) -> dict[str, Any] | None:
        text = self.t.documents.get((tenant_id, key))
        return None if text is None else dict(json.loads(text))

    def put_document(self, tenant_id: str, key: str, document: dict[str, Any],
                     at: datetime) -> None:
        self.t.documents[(tenant_id, key)] = json.dumps(document, ensure_ascii=False,
                                                        sort_keys=True)

    def raise_bank_day(self, tenant_id: str, day: date, at: datetime) -> None:
        known = self.t.bank_days.get(tenant_id)
        if known is None or known < day:
            self.t.bank_days[tenant_id] = day

    def bank_day(self, tenant_id: str) -> date | None:
        return self.t.bank_days.get(tenant_id)

    def add_document(self, tenant_id: str, key: str, document: dict[str, Any],
                     at: datetime) -> bool:
        if (tenant_id, key) in self.t.documents:
            return False
        self.put_document(tenant_id, key, document, at)
        return True

    def put_inbox_token(self, token: str, tenant_id: str, at: datetime) -> None:
        self.t.inbox_tokens[token] = tenant_id

    def inbox_tenant(self, token: str) -> str | None:
        return self.t.inbox_tokens.get(token)


class FakeCustomers:
    def __init__(self, table: FakeTable) -> None:
        self.t = table

    def get_customer(self, tenant_id: str, customer_id: str) -> Customer | None:
        return self.t.customers.get((tenant_id, customer_id))

    def put_customer(self, customer: Customer) -> None:
        self.t.customers[(customer.tenant_id, customer.customer_id)] = _stored_customer(customer)

    def put_customers(self, customers: list[Customer]) -> None:
        for customer in customers:
            self.put_customer(customer)

    def batch_get_customers(self, tenant_id: str, ids: list[str]) -> dict[str, Customer]:
        return {c: self.t.customers[(tenant_id, c)] for c in dict.fromkeys(ids)
                if (tenant_id, c) in self.t.customers}

    def customers(self, tenant_id: str) -> list[Customer]:
        return [c for (t, cid), c in sorted(self.t.customers.items()) if t == tenant_id]

    def update_customer_master(self, old: Customer, new: Customer) -> None:
        key = (new.tenant_id, new.customer_id)
        current = self.t.customers.get(key)
        before, after = master(old), master(new)
        changed = [name for name in MASTER_FIELDS if before[name] != after[name]]
        if not changed:
            return
        if current is None or any(
                master(current)[name] != master(_stored_customer(old))[name]
                for name in changed if name != "channels"):
            raise Conflict(new.customer_id)
        values = {name: after[name] for name in changed if name != "channels"}
        address = replace(current.address, **{k: v for k, v in values.items()
                                               if k in ("street", "postal_code", "city", "country")})
        updated = replace(
            current, name=values.get("name", current.name), email=values.get("email", current.email),
            address=address, is_consumer=values.get("is_consumer", current.is_consumer),
            locale=values.get("locale", current.locale),
            overrides=new.overrides if "channels" in changed else current.overrides,
            email_status="" if new.email != old.email else current.email_status)
        self.t.customers[key] = _stored_customer(updated)

    def set_email_status(self, tenant_id: str, customer_id: str, status: str) -> None:
        current = self.t.customers[(tenant_id, customer_id)]  # KeyError: no such customer
        self.t.customers[(tenant_id, customer_id)] = replace(current, email_status=status)

    def behaviour(self, tenant_id: str, customer_id: str) -> dict[str, int]:
        if (tenant_id, customer_id) not in self.t.customers:
            return {}
        counted = self.t.counters.get((tenant_id, customer_id), {})
        return {k: counted.get(k, 0) for k in BEHAVIOUR_COUNTERS}

    def add_customer_event(self, tenant_id: str, customer_id: str, kind: str, at: datetime,
                           detail: dict[str, Any]) -> None:
        sk = f"CEV#{customer_id}#{at.isoformat()}#{next(self.t.ticks):020d}"
        self.t.event(tenant_id, sk, kind, at.isoformat(), detail)

    def customer_events(self, tenant_id: str, customer_id: str) -> list[dict[str, Any]]:
        prefix = f"CEV#{customer_id}#"
        return [entry for sk, entry in self.t.event_entries(tenant_id, prefix)
                if sk[len(prefix):].count("#") == 1]


class FakeInvoices:
    def __init__(self, table: FakeTable) -> None:
        self.t = table

    def get_invoice(self, tenant_id: str, number: str, consistent: bool = True) -> Invoice | None:
        held = self.t.invoices.get((tenant_id, number))
        return None if held is None else held[0]

    def create_invoice(self, invoice: Invoice, source: str, received_at: str | None = None) -> bool:
        key = (invoice.tenant_id, invoice.number)
        if key in self.t.invoices:
            return False
        self.t.invoices[key] = _stored_invoice(invoice, source, received_at)
        return True

    def create_invoices(self, invoices: list[Invoice], source: str, received_at: str) -> list[str]:
        return [inv.number for inv in invoices if not self.create_invoice(inv, source, received_at)]

    def batch_get_invoices(self, tenant_id: str, numbers: list[str]) -> dict[str, Invoice]:
        return {n: self.t.invoices[(tenant_id, n)][0] for n in dict.fromkeys(numbers)
                if (tenant_id, n) in self.t.invoices}

    def replace_invoice(self, invoice: Invoice, expected_version: int, source: str) -> None:
        held = self.t.invoices.get((invoice.tenant_id, invoice.number))
        if held is None or held[0].version != expected_version or held[0].level != 0:
            raise Conflict(invoice.number)
        self.t.invoices[(invoice.tenant_id, invoice.number)] = _stored_invoice(
            invoice.with_changes(version=expected_version + 1), source)

    def customer_invoices(self, tenant_id: str, customer_id: str) -> list[Invoice]:
        return [inv for (t, _), (inv, _) in sorted(self.t.invoices.items())
                if t == tenant_id and inv.customer_id == customer_id]

    def due_customers(self, tenant_id: str, on: date) -> list[str]:
        due = sorted(key for (t, _), (_, key) in self.t.invoices.items()
                     if t == tenant_id and key is not None and key <= f"{on.isoformat()}~")
        return list(dict.fromkeys(key.split("#")[1] for key in due))

    def invoices(self, tenant_id: str) -> list[Invoice]:
        return [inv for (t, _), (inv, _) in sorted(self.t.invoices.items()) if t == tenant_id]

    def add_event(self, tenant_id: str, number: str, kind: str, at: datetime,
                  detail: dict[str, Any]) -> None:
        self.t.event(tenant_id, f"EVT#{number}#{at.isoformat()}#{kind}", kind, at.isoformat(),
                     detail)

    def events(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        return [entry for _, entry in self.t.event_entries(tenant_id, f"EVT#{number}#")]


def _claim(table: FakeTable, key: tuple[str, str, str], status: NoticeStatus | None, owner: str,
           now: datetime, lease_until: datetime) -> bool:
    held = table.leases.get(key)
    free = status is _RESERVED or (status is _SENDING and held is not None
                                   and held[1] < now.isoformat())
    if free:
        table.leases[key] = (owner, lease_until.isoformat())
    return free


def _holds(table: FakeTable, key: tuple[str, str, str], status: NoticeStatus | None,
           owner: str) -> bool:
    held = table.leases.get(key)
    return status is _SENDING and held is not None and held[0] == owner


def _changed(record: Any, fields: dict[str, str]) -> Any:
    values = {k: (NoticeStatus(v) if k == "status" else v) for k, v in fields.items()}
    return replace(record, **values)


class FakeNotices:
    def __init__(self, table: FakeTable) -> None:
        self.t = table

    def reserve_notice(self, plan: NoticePlan, at: datetime,
                       awaiting_approval: bool = False) -> bool:
        tid = plan.tenant_id
        if (tid, plan.notice_id) in self.t.notices:
            return False
        room = 99 - len(plan.advances)
        expected = [(a.number, a.expected_version) for a in plan.advances]
        if not all(self.t.version_is(tid, n, v) for n, v in expected + list(plan.checks[:max(room, 0)])):
            raise Conflict(plan.notice_id)
        for adv in plan.advances:
            invoice, due = self.t.invoices[(tid, adv.number)]
            changes: dict[str, Any] = dict(
                level=adv.to_level, last_notice_on=plan.run_date, status=adv.status,
                version=adv.expected_version + 1, fees_open=adv.fees_open)
            if adv.charges_state is not None:
                changes["charges_state"] = adv.charges_state
            if adv.reminder_reached_on is not None:
                changes["reminder_reached_on"] = adv.reminder_reached_on
            if adv.next_action_on is None or adv.status is InvoiceStatus.HANDED_OVER:
                changes["next_action_on"], due = None, None
            else:
                changes["next_action_on"] = adv.next_action_on
                if due is not None:
                    due = f"{adv.next_action_on.isoformat()}#{plan.customer_id}#{adv.number}"
            self.t.invoices[(tid, adv.number)] = (invoice.with_changes(**changes), due)
        status = NoticeStatus.AWAITING_APPROVAL if awaiting_approval else _RESERVED
        notice = Notice(notice_id=plan.notice_id, status=status, plan=plan_to_json(plan),
                        reserved_at=at.isoformat())
        self.t.notices[(tid, plan.notice_id)] = (
            notice, plan.customer_id, f"NOT#{plan.run_date.isoformat()}#L{plan.level}")
        return True

    def get_notice(self, tenant_id: str, notice_id: str) -> Notice | None:
        held = self.t.notices.get((tenant_id, notice_id))
        return None if held is None else held[0]

    def _status(self, tenant_id: str, notice_id: str) -> NoticeStatus | None:
        notice = self.get_notice(tenant_id, notice_id)
        return None if notice is None else notice.status

    def _set(self, tenant_id: str, notice_id: str, fields: dict[str, str]) -> None:
        notice, customer_id, index_key = self.t.notices[(tenant_id, notice_id)]
        self.t.notices[(tenant_id, notice_id)] = (_changed(notice, fields), customer_id, index_key)

    def claim_notice(self, tenant_id: str, notice_id: str, owner: str, now: datetime,
                     lease_until: datetime) -> bool:
        key = ("notice", tenant_id, notice_id)
        if not _claim(self.t, key, self._status(tenant_id, notice_id), owner, now, lease_until):
            return False
        self._set(tenant_id, notice_id, {"status": _SENDING})
        return True

    def release_notice(self, tenant_id: str, notice_id: str, owner: str) -> None:
        key = ("notice", tenant_id, notice_id)
        if _holds(self.t, key, self._status(tenant_id, notice_id), owner):
            del self.t.leases[key]
            self._set(tenant_id, notice_id, {"status": _RESERVED})

    def finish_notice(self, tenant_id: str, notice_id: str, owner: str, **fields: str) -> None:
        key = ("notice", tenant_id, notice_id)
        if not _holds(self.t, key, self._status(tenant_id, notice_id), owner):
            raise Conflict(notice_id)
        del self.t.leases[key]
        self._set(tenant_id, notice_id, fields)

    def update_notice(self, tenant_id: str, notice_id: str, **fields: str) -> None:
        self._set(tenant_id, notice_id, fields)  # KeyError: no such notice

    def transition_notice(self, tenant_id: str, notice_id: str, expected: str,
                          **fields: str) -> bool:
        if self._status(tenant_id, notice_id) != expected:
            return False
        self._set(tenant_id, notice_id, fields)
        return True

    def notices_of_day(self, tenant_id: str, customer_id: str, run_date: date) -> list[Notice]:
        prefix = f"{customer_id}:{run_date.isoformat()}:"
        return [n for n in self.notices(tenant_id) if n.notice_id.startswith(prefix)]

    def notices_of_customer(self, tenant_id: str, customer_id: str,
                            after: str = "") -> list[Notice]:
        found = sorted((index_key, n) for (t, _), (n, c, index_key) in self.t.notices.items()
                       if t == tenant_id and c == customer_id
                       and (not after or index_key > f"NOT#{after}~"))
        return [n for _, n in found]

    def notices(self, tenant_id: str) -> list[Notice]:
        return [n for (t, _), (n, _, _) in sorted(self.t.notices.items()) if t == tenant_id]


class FakeInvoiceSends:
    def __init__(self, table: FakeTable) -> None:
        self.t = table

    def reserve_invoice_send(self, tenant_id: str, number: str, at: datetime) -> bool:
        if (tenant_id, number) in self.t.sends:
            return False
        self.t.sends[(tenant_id, number)] = InvoiceSend(number=number, status=_RESERVED,
                                                        reserved_at=at.isoformat())
        return True

    def get_invoice_send(self, tenant_id: str, number: str) -> InvoiceSend | None:
        return self.t.sends.get((tenant_id, number))

    def _status(self, tenant_id: str, number: str) -> NoticeStatus | None:
        send = self.t.sends.get((tenant_id, number))
        return None if send is None else send.status

    def claim_invoice_send(self, tenant_id: str, number: str, owner: str, now: datetime,
                           lease_until: datetime) -> bool:
        key = ("send", tenant_id, number)
        if not _claim(self.t, key, self._status(tenant_id, number), owner, now, lease_until):
            return False
        self.t.sends[(tenant_id, number)] = _changed(self.t.sends[(tenant_id, number)],
                                                     {"status": _SENDING})
        return True

    def release_invoice_send(self, tenant_id: str, number: str, owner: str) -> None:
        key = ("send", tenant_id, number)
        if _holds(self.t, key, self._status(tenant_id, number), owner):
            del self.t.leases[key]
            self.t.sends[(tenant_id, number)] = _changed(self.t.sends[(tenant_id, number)],
                                                         {"status": _RESERVED})

    def update_invoice_send(self, tenant_id: str, number: str, **fields: str) -> None:
        if (tenant_id, number) in self.t.sends:
            self.t.sends[(tenant_id, number)] = _changed(self.t.sends[(tenant_id, number)], fields)

    def finish_invoice_send(self, tenant_id: str, number: str, owner: str,
                            **fields: str) -> None:
        key = ("send", tenant_id, number)
        if not _holds(self.t, key, self._status(tenant_id, number), owner):
            raise Conflict(number)
        del self.t.leases[key]
        self.t.sends[(tenant_id, number)] = _changed(self.t.sends[(tenant_id, number)], fields)


class FakePayments:
    """Keeps the payments as the real adapter returns them (``PaymentRecord``)."""

    def __init__(self, table: FakeTable) -> None:
        self.t = table

    def book_payment(self, tenant_id: str, entry_key: str, payment: dict[str, Any],
                     updates: list[tuple[Invoice, int]], credit: Invoice | None,
                     behaviour: dict[str, int] | None, timeline: Timeline = ()) -> bool:
        if (tenant_id, entry_key) in self.t.payments:
            return False
        if not all(self.t.version_is(tenant_id, inv.number, v) for inv, v in updates) or (
                credit is not None and (tenant_id, credit.number) in self.t.invoices):
            raise Conflict(entry_key)
        self.t.payments[(tenant_id, entry_key)] = PaymentRecord(payment_id=entry_key, **payment)
        at = f"{payment['booking_date']}T23:59:59"
        for number, kind, detail in timeline:
            self.t.event(tenant_id, f"EVT#{number}#{at}#{kind}", kind, at, detail)
        for invoice, expected in updates:
            self.t.invoices[(tenant_id, invoice.number)] = _stored_invoice(
                invoice.with_changes(version=expected + 1))
        if credit is not None:
            self.t.invoices[(tenant_id, credit.number)] = _stored_invoice(credit)
        customer_id = payment.get("customer_id")
        if behaviour and customer_id:
            counted = self.t.counters.setdefault((tenant_id, customer_id), {})
            for name, value in behaviour.items():
                counted[name] = counted.get(name, 0) + value
        return True

    def payment_outbox(self, tenant_id: str, entry_key: str) -> str | None:
        item = self.t.payments.get((tenant_id, entry_key))
        return None if item is None else (item.outbox or "")

    def clear_outbox(self, tenant_id: str, entry_keys: Iterable[str]) -> None:
        for entry_key in entry_keys:
            item = self.t.payments.get((tenant_id, entry_key))
            if item is not None:
                self.t.payments[(tenant_id, entry_key)] = replace(item, outbox=None)

    def payments(self, tenant_id: str) -> list[PaymentRecord]:
        return [p for (t, _), p in sorted(self.t.payments.items()) if t == tenant_id]

    def payments_of(self, tenant_id: str, number: str) -> list[dict[str, Any]]:
        return [entry for p in self.payments(tenant_id) for entry in paid_on(p, number)]


class FakeKeys:
    def __init__(self, table: FakeTable) -> None:
        self.t = table
        self.records: dict[str, KeyRecord] = {}

    def put_key(self, record: KeyRecord) -> None:
        if record.key_id in self.records:
            raise Conflict(record.key_id)
        self.records[record.key_id] = record

    def get_key(self, key_id: str) -> KeyRecord | None:
        return self.records.get(key_id)

    def keys(self, tenant_id: str) -> list[dict[str, Any]]:
        return [r.public() for _, r in sorted(self.records.items()) if r.tenant_id == tenant_id]

    def revoke_key(self, tenant_id: str, key_id: str, at: datetime) -> bool:
        record = self.records.get(key_id)
        if record is None or record.tenant_id != tenant_id:
            return False
        self.records[key_id] = replace(record, revoked_at=record.revoked_at or at.isoformat())
        return True


class FakeSessions:
    def __init__(self) -> None:
        self.records: dict[str, SessionRecord] = {}

    def put_session(self, session: SessionRecord) -> None:
        if session.session_id in self.records:
            raise Conflict(session.session_id)
        self.records[session.session_id] = session

    def get_session(self, session_id: str) -> SessionRecord | None:
        return self.records.get(session_id)

    def delete_session(self, session_id: str) -> None:
        self.records.pop(session_id, None)


class FakeReviews:
    """The review list: (tenant, id) → item; ids listed in order as the table's sort key."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], ReviewItem] = {}
        #: (tenant, id) → the invoice number an import in progress holds the item for
        self.claims: dict[tuple[str, str], str] = {}

    def add_review(self, item: ReviewItem) -> bool:
        key = (item.tenant_id, item.review_id)
        if key in self.items:
            return False
        self.items[key] = item
        return True

    def get_review(self, tenant_id: str, review_id: str) -> ReviewItem | None:
        return self.items.get((tenant_id, review_id))

    def reviews(self, tenant_id: str, limit: int, after: str = "",
                status: ReviewStatus | None = None) -> tuple[list[ReviewItem], str]:
        found = [i for (t, rid), i in sorted(self.items.items())
                 if t == tenant_id and rid > after and (status is None or i.status == status)]
        if len(found) > limit:
            return found[:limit], found[limit - 1].review_id
        return found, ""

    def count_open(self, tenant_id: str) -> int:
        return sum(1 for (t, _), i in self.items.items()
                   if t == tenant_id and i.status == ReviewStatus.OPEN)

    def decide_review(self, tenant_id: str, review_id: str, status: ReviewStatus, at: str,
                      invoice_number: str = "") -> bool:
        item = self.items.get((tenant_id, review_id))
        if item is None or item.status != ReviewStatus.OPEN:
            return False
        self.items[(tenant_id, review_id)] = item.with_changes(
            status=status, decided_at=at, invoice_number=invoice_number)
        return True

    def claim_review(self, tenant_id: str, review_id: str, number: str) -> str:
        item = self.items.get((tenant_id, review_id))
        if item is None:
            return ""
        held = self.claims.get((tenant_id, review_id))
        if item.status != ReviewStatus.OPEN:
            return held or (item.invoice_number if item.status == ReviewStatus.IMPORTED else "")
        if held is None or held == number:
            self.claims[(tenant_id, review_id)] = number
            return number
        return held

    def release_review(self, tenant_id: str, review_id: str, number: str) -> None:
        if self.claims.get((tenant_id, review_id)) == number:
            del self.claims[(tenant_id, review_id)]


class FakeDocumentStore:
    def __init__(self, bucket: str = "fake-bucket") -> None:
        self.bucket = bucket
        self.objects: dict[str, tuple[bytes, str]] = {}

    def open(self, key: str, version_id: str | None = None,
             max_bytes: int = MAX_FILE_BYTES) -> BinaryIO:
        import io

        data = self.objects[key][0]
        if len(data) > max_bytes:
            raise FileTooLarge(f"{len(data)} bytes; the limit is {max_bytes}")
        return io.BytesIO(data)

    def get(self, key: str, version_id: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
        with self.open(key, version_id, max_bytes) as body:
            return body.read()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (bytes(data), content_type)

    def put_json(self, key: str, document: Any) -> None:
        self.put(key, json.dumps(document, ensure_ascii=False, indent=2).encode(),
                 "application/json; charset=utf-8")

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def exists(self, key: str) -> bool:
        return key in self.objects

    def presign_get(self, key: str, seconds: int) -> str:
        return f"https://{self.bucket}.invalid/{key}?get&expires={seconds}"

    def presign_put(self, key: str, seconds: int) -> str:
        return f"https://{self.bucket}.invalid/{key}?put&expires={seconds}"


@dataclass
class SentMail:
    raw: bytes
    source: str
    destinations: list[str]
    tags: dict[str, str]
    message_id: str


class FakeMailer:
    """Records what was sent. ``refuse`` holds codes: the next sends raise SendRefused with them."""

    def __init__(self) -> None:
        self.sent: list[SentMail] = []
        self.refuse: list[str] = []

    def send_raw(self, raw: bytes, source: str, destinations: list[str],
                 tags: dict[str, str] | None = None) -> str:
        if self.refuse:
            raise SendRefused(self.refuse.pop(0))
        message_id = f"fake-{len(self.sent) + 1:06d}"
        self.sent.append(SentMail(raw, source, list(destinations), dict(tags or {}), message_id))
        return message_id


class FakeEventPublisher:
    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, events: Iterable[Any]) -> int:
        batch = list(events)
        self.published += batch
        return len(batch)


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send_all(self, messages: Iterable[dict[str, Any]]) -> int:
        batch = [json.loads(json.dumps(m)) for m in messages]
        self.messages += batch
        return len(batch)

    def take(self) -> list[dict[str, Any]]:
        taken, self.messages = self.messages, []
        return taken


class FakeCreditRecords:
    """Credit records kept as their stored JSON (the adapter's mapping), versioned like the table."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}

    def _record(self, tenant_id: str, customer_id: str) -> CreditRecord | None:
        found = self.items.get((tenant_id, customer_id))
        return record_from_json(tenant_id, customer_id, json.loads(json.dumps(found[0])),
                                found[1]) if found else None

    def get_credit(self, tenant_id: str, customer_id: str) -> CreditRecord | None:
        return self._record(tenant_id, customer_id)

    def batch_get_credit(self, tenant_id: str, ids: list[str]) -> dict[str, CreditRecord]:
        return {c: r for c in ids if (r := self._record(tenant_id, c)) is not None}

    def put_credit(self, record: CreditRecord, expected_version: int) -> bool:
        key = (record.tenant_id, record.customer_id)
        current = self.items.get(key)
        if (current[1] if current else 0) != expected_version:
            return False
        self.items[key] = (json.loads(json.dumps(record_to_json(record))), expected_version + 1)
        return True

    def credit_records(self, tenant_id: str) -> list[CreditRecord]:
        return [r for (t, c) in sorted(self.items) if t == tenant_id
                and (r := self._record(t, c)) is not None]

    def delete_credit(self, tenant_id: str, customer_id: str) -> None:
        self.items.pop((tenant_id, customer_id), None)


class FakeBureau:
    """A credit bureau that knows the customers given to it; it notes whom it was asked about."""

    def __init__(self, known: dict[str, BureauResult] | None = None) -> None:
        self.known = dict(known or {})
        self.asked: list[BureauSubject] = []

    def look_up(self, subject: BureauSubject) -> BureauResult | None:
        self.asked.append(subject)
        return self.known.get(subject.customer_id)
class FakeRecurring:
    """Templates, periods and counters; ``create_period`` is all-or-nothing like the transaction."""

    def __init__(self, table: FakeTable) -> None:
        self.t = table
        self.templates_: dict[tuple[str, str], Template] = {}
        self.periods: dict[tuple[str, str, int], str] = {}
        self.counters: dict[tuple[str, str], int] = {}

    def put_template(self, template: Template) -> None:
        key = (template.tenant_id, template.template_id)
        if key in self.templates_:
            raise Conflict(template.template_id)
        self.templates_[key] = template

    def get_template(self, tenant_id: str, template_id: str) -> Template | None:
        return self.templates_.get((tenant_id, template_id))

    def templates(self, tenant_id: str) -> list[Template]:
        return [t for (tenant, _), t in sorted(self.templates_.items()) if tenant == tenant_id]

    def replace_template(self, template: Template, expected_version: int) -> Template:
        key = (template.tenant_id, template.template_id)
        held = self.templates_.get(key)
        if held is None or held.version != expected_version:
            raise Conflict(template.template_id)
        self.templates_[key] = stored = template.with_changes(version=expected_version + 1)
        return stored

    def counter(self, tenant_id: str, sequence: str) -> int:
        return self.counters.get((tenant_id, sequence), 0)

    def create_period(self, template: Template, period: int, sequence: str,
                      build: Callable[[int], Invoice], source: str,
                      at: datetime) -> PeriodCreated | None:
        tenant_id, template_id = template.tenant_id, template.template_id
        for _ in range(25):
            current = self.templates_.get((tenant_id, template_id))
            if current is None or current.status != ACTIVE:
                return None
            if (tenant_id, template_id, period) in self.periods:
                return PeriodCreated(self.periods[(tenant_id, template_id, period)], fresh=False)
            last = self.counter(tenant_id, sequence)
            invoice = build(last + 1)
            if (tenant_id, invoice.number) in self.t.invoices:  # taken by an import: skip it
                self.counters[(tenant_id, sequence)] = last + 1
                continue
            self.periods[(tenant_id, template_id, period)] = invoice.number
            self.counters[(tenant_id, sequence)] = last + 1
            self.t.invoices[(tenant_id, invoice.number)] = _stored_invoice(
                invoice, source, at.isoformat())
            self.templates_[(tenant_id, template_id)] = current.with_changes(
                created=current.created | {period}, pending=(*current.pending, invoice.number),
                version=current.version + 1)
            return PeriodCreated(invoice.number, fresh=True)
        raise Conflict(f"{template_id}#{period}")

    def period_numbers(self, tenant_id: str, template_id: str) -> dict[int, str]:
        return {p: n for (tenant, tid, p), n in sorted(self.periods.items())
                if (tenant, tid) == (tenant_id, template_id)}

    def clear_pending(self, tenant_id: str, template_id: str, numbers: Sequence[str]) -> None:
        held = self.templates_.get((tenant_id, template_id))
        if held is not None:
            self.templates_[(tenant_id, template_id)] = held.with_changes(
                pending=tuple(n for n in held.pending if n not in set(numbers)),
                version=held.version + 1)

    def add_template_event(self, tenant_id: str, template_id: str, kind: str, at: datetime,
                           detail: dict[str, Any]) -> None:
        self.t.event(tenant_id, f"REVT#{template_id}#{at.isoformat()}#{kind}", kind,
                     at.isoformat(), detail)

    def template_events(self, tenant_id: str, template_id: str) -> list[dict[str, Any]]:
        return [entry for _, entry in self.t.event_entries(tenant_id, f"REVT#{template_id}#")]


CONFIG = Config(region="eu-central-1", table_name="fake-table", bucket_name="fake-bucket",
                notice_queue_url="https://sqs.invalid/notices", configuration_set="fake-set",
                default_sender="mahnwerk@example.org", stage="test")


def fake_context(config: Config = CONFIG) -> Context:
    """A Context of fakes over one fresh table. The REST API's and GDPR's stores have no fake:
    service tests on fakes stay off them."""
    table = FakeTable()
    return Context(
        config=config, tenants=FakeTenants(table), customers=FakeCustomers(table),
        invoices=FakeInvoices(table), notices=FakeNotices(table),
        invoice_sends=FakeInvoiceSends(table), payments=FakePayments(table),
        keys=FakeKeys(table), sessions=FakeSessions(),
        store=FakeDocumentStore(config.bucket_name), mailer=FakeMailer(),
        events=FakeEventPublisher(), notice_queue=FakeQueue(), reviews=FakeReviews(),
        credit=FakeCreditRecords(), bureau=FakeBureau(),
        api=None, privacy=None,  # type: ignore[arg-type]
        recurring=FakeRecurring(table),
    )
