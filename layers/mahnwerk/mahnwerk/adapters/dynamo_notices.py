"""Notices and the sends of invoices Mahnwerk writes itself, in DynamoDB: reserved once, claimed
with a lease, finished only by the holder of the claim."""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action as UpdateAction
from pynamodb.transactions import TransactWrite

from ..domain.dunning import NoticePlan
from ..domain.model import InvoiceStatus
from ..domain.money import to_str
from ..domain.notices import InvoiceSend, Notice, NoticeStatus, plan_to_json
from ..service.ports import Conflict
from .dynamo_models import (
    InvoiceItem,
    InvoiceSendItem,
    NoticeItem,
    conditional,
    customer_pk,
    invoice_send_from_item,
    notice_from_item,
    tenant_pk,
)


class DynamoNotices:
    """Implements ``service.ports.Notices``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection  # for transactions; its client is lazy

    def reserve_notice(self, plan: NoticePlan, at: datetime,
                       awaiting_approval: bool = False) -> bool:
        """Reserve the notice and move its invoices in one transaction (``awaiting_approval``:
        the notice waits for the owner instead of being sendable).

        False if this notice was reserved before (a retry or a second run the same day).
        Raises Conflict if an invoice changed since the decision (e.g. paid meanwhile).
        """
        tid = plan.tenant_id
        notice = NoticeItem(
            pk=tenant_pk(tid), sk=f"NOT#{plan.notice_id}",
            cust_pk=customer_pk(tid, plan.customer_id),
            cust_sk=f"NOT#{plan.run_date.isoformat()}#L{plan.level}",
            notice_id=plan.notice_id, plan=plan_to_json(plan),
            status=(NoticeStatus.AWAITING_APPROVAL if awaiting_approval
                    else NoticeStatus.RESERVED).value,
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
                    if adv.next_action_on is None or adv.status is InvoiceStatus.HANDED_OVER:
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

    def get_notice(self, tenant_id: str, notice_id: str) -> Notice | None:
        try:
            item = NoticeItem.get(tenant_pk(tenant_id), f"NOT#{notice_id}", consistent_read=True)
        except NoticeItem.DoesNotExist:
            return None
        return notice_from_item(item)

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

    def transition_notice(self, tenant_id: str, notice_id: str, expected: str,
                          **fields: str) -> bool:
        """Set ``fields`` only if the notice's status is ``expected``; False otherwise."""
        item = NoticeItem(pk=tenant_pk(tenant_id), sk=f"NOT#{notice_id}")
        try:
            item.update(actions=[getattr(NoticeItem, k).set(v) for k, v in fields.items()],
                        condition=NoticeItem.status == expected)
        except UpdateError as exc:
            if conditional(exc):
                return False
            raise
        return True

    def notices_of_day(self, tenant_id: str, customer_id: str, run_date: date) -> list[Notice]:
        """Strongly consistent: a retry must see the reservation its first attempt made."""
        prefix = f"NOT#{customer_id}:{run_date.isoformat()}:"
        return [notice_from_item(item) for item in NoticeItem.query(
            tenant_pk(tenant_id), NoticeItem.sk.startswith(prefix), consistent_read=True)]

    def notices_of_customer(self, tenant_id: str, customer_id: str,
                            after: str = "") -> list[Notice]:
        """The customer's notices (of the days after ``after``, an ISO date, if given), oldest
        first: found on the customer index, each read again strongly consistent."""
        found = []
        key = InvoiceItem.cust_sk.between(f"NOT#{after}~", "NOT#~") if after else \
            InvoiceItem.cust_sk.startswith("NOT#")
        for hit in InvoiceItem.customer_index.query(customer_pk(tenant_id, customer_id), key):
            notice = self.get_notice(tenant_id, str(getattr(hit, "sk", "")).removeprefix("NOT#"))
            if notice is not None:
                found.append(notice)
        return found

    def notices(self, tenant_id: str) -> list[Notice]:
        return [notice_from_item(item) for item in
                NoticeItem.query(tenant_pk(tenant_id), NoticeItem.sk.startswith("NOT#"))]


class DynamoInvoiceSends:
    """Implements ``service.ports.InvoiceSends``."""

    def reserve_invoice_send(self, tenant_id: str, number: str, at: datetime) -> bool:
        """False if this invoice's sending was reserved before (a retry, a second message)."""
        item = InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}", number=number,
                               status=NoticeStatus.RESERVED.value, reserved_at=at.isoformat())
        try:
            item.save(condition=InvoiceSendItem.pk.does_not_exist())
        except PutError as exc:
            if conditional(exc):
                return False
            raise
        return True

    def get_invoice_send(self, tenant_id: str, number: str) -> InvoiceSend | None:
        try:
            item = InvoiceSendItem.get(tenant_pk(tenant_id), f"ISEND#{number}",
                                       consistent_read=True)
        except InvoiceSendItem.DoesNotExist:
            return None
        return invoice_send_from_item(item)

    def claim_invoice_send(self, tenant_id: str, number: str, owner: str, now: datetime,
                           lease_until: datetime) -> bool:
        """Take the right to send: only from 'reserved', or from 'sending' whose lease expired."""
        return _claim(InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}"), owner, now,
                      lease_until)

    def release_invoice_send(self, tenant_id: str, number: str, owner: str) -> None:
        _release(InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}"), owner)

    def update_invoice_send(self, tenant_id: str, number: str, **fields: str) -> None:
        item = InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}")
        item.update(actions=[getattr(InvoiceSendItem, k).set(v) for k, v in fields.items()],
                    condition=InvoiceSendItem.pk.exists())

    def finish_invoice_send(self, tenant_id: str, number: str, owner: str, **fields: str) -> None:
        """Mark sent (or held) — only by the holder of the claim."""
        _finish(InvoiceSendItem(pk=tenant_pk(tenant_id), sk=f"ISEND#{number}"), owner, fields)


# --- the send claim with a lease, shared by notices and invoices we send ------------------------

_Leased = NoticeItem | InvoiceSendItem


def _claim(item: _Leased, owner: str, now: datetime, lease_until: datetime) -> bool:
    """reserved → sending (or a sending whose lease expired), held by ``owner`` until then."""
    model = type(item)
    free = (model.status == NoticeStatus.RESERVED.value) | (
        (model.status == NoticeStatus.SENDING.value) & (model.lease_until < now.isoformat()))
    try:
        item.update(actions=[model.status.set(NoticeStatus.SENDING.value), model.lease_owner.set(owner),
                             model.lease_until.set(lease_until.isoformat())],
                    condition=model.pk.exists() & free)
    except UpdateError as exc:
        if conditional(exc):
            return False
        raise
    return True


def _release(item: _Leased, owner: str) -> None:
    """sending → reserved, if ``owner`` still holds the claim."""
    model = type(item)
    try:
        item.update(actions=[model.status.set(NoticeStatus.RESERVED.value), model.lease_owner.remove(),
                             model.lease_until.remove()],
                    condition=(model.status == NoticeStatus.SENDING.value) & (model.lease_owner == owner))
    except UpdateError as exc:
        if not conditional(exc):
            raise


def _finish(item: _Leased, owner: str, fields: dict[str, str]) -> None:
    """Set ``fields`` (status sent/held, …) and end the claim — only by its holder (Conflict
    for anybody else)."""
    model = type(item)
    try:
        item.update(actions=[getattr(model, k).set(v) for k, v in fields.items()]
                    + [model.lease_owner.remove(), model.lease_until.remove()],
                    condition=(model.status == NoticeStatus.SENDING.value)
                    & (model.lease_owner == owner))
    except UpdateError as exc:
        if conditional(exc):  # the lease expired and another sender took over
            raise Conflict(str(item.sk)) from exc
        raise
