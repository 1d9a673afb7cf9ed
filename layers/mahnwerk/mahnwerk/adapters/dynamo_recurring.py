"""Recurring-invoice templates, their periods and the number counters in DynamoDB (one table,
tenant-leading keys: ``T#{tenant}`` with sk ``RTPL#{id}``, ``RPER#{id}#{period}``, ``SEQ#{key}``,
and the template's timeline ``REVT#{id}#{at}#{kind}``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..domain.model import Invoice
from ..domain.recurring import LAST, Interval
from ..domain.recurring_templates import ACTIVE, Template
from ..service.ports import Conflict, PeriodCreated
from .dynamo_models import (
    CounterItem,
    EventItem,
    InvoiceItem,
    PeriodItem,
    RecurringItem,
    conditional,
    invoice_to_item,
    tenant_pk,
)

#: how often one period's creation is tried again after another writer won a condition
_ATTEMPTS = 25


def _template_sk(template_id: str) -> str:
    return f"RTPL#{template_id}"


def _period_sk(template_id: str, period: int) -> str:
    return f"RPER#{template_id}#{period:06d}"


def template_item(t: Template) -> RecurringItem:
    return RecurringItem(
        pk=tenant_pk(t.tenant_id), sk=_template_sk(t.template_id), template_id=t.template_id,
        customer_id=t.customer_id, line_text=t.line_text, amount=f"{t.amount:.2f}", vat=t.vat,
        interval=t.interval.value, day=str(t.day), start=t.start.isoformat(),
        end_on=t.end.isoformat() if t.end else None, periods_max=t.count,
        terms_days=t.terms_days, status=t.status, created=json.dumps(sorted(t.created)),
        pending=json.dumps(list(t.pending)), version=t.version, created_at=t.created_at,
        skip_before=t.skip_before.isoformat() if t.skip_before else None)


def template_from_item(item: RecurringItem, tenant_id: str) -> Template:
    return Template(
        tenant_id=tenant_id, template_id=item.template_id, customer_id=item.customer_id,
        line_text=item.line_text, amount=Decimal(item.amount), vat=item.vat,
        interval=Interval(item.interval), day=LAST if item.day == LAST else int(item.day),
        start=date.fromisoformat(item.start),
        end=date.fromisoformat(item.end_on) if item.end_on else None,
        count=int(item.periods_max) if item.periods_max is not None else None,
        terms_days=int(item.terms_days), status=item.status,
        created=frozenset(int(p) for p in json.loads(item.created or "[]")),
        version=int(item.version), created_at=item.created_at or "",
        pending=tuple(json.loads(item.pending or "[]")),
        skip_before=date.fromisoformat(item.skip_before) if item.skip_before else None)


class DynamoRecurring:
    """Implements ``service.ports.RecurringTemplates``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection  # for transactions; its client is lazy

    def put_template(self, template: Template) -> None:
        try:
            template_item(template).save(condition=RecurringItem.pk.does_not_exist())
        except PutError as exc:
            if conditional(exc):
                raise Conflict(template.template_id) from exc
            raise

    def get_template(self, tenant_id: str, template_id: str) -> Template | None:
        try:
            item = RecurringItem.get(tenant_pk(tenant_id), _template_sk(template_id),
                                     consistent_read=True)
        except RecurringItem.DoesNotExist:
            return None
        return template_from_item(item, tenant_id)

    def templates(self, tenant_id: str) -> list[Template]:
        return [template_from_item(i, tenant_id) for i in RecurringItem.query(
            tenant_pk(tenant_id), RecurringItem.sk.startswith("RTPL#"), consistent_read=True)]

    def replace_template(self, template: Template, expected_version: int) -> Template:
        stored = template.with_changes(version=expected_version + 1)
        try:
            template_item(stored).save(condition=RecurringItem.version == expected_version)
        except PutError as exc:
            if conditional(exc):
                raise Conflict(template.template_id) from exc
            raise
        return stored

    def counter(self, tenant_id: str, sequence: str) -> int:
        try:
            item = CounterItem.get(tenant_pk(tenant_id), f"SEQ#{sequence}", consistent_read=True)
        except CounterItem.DoesNotExist:
            return 0
        return int(item.value)

    def _period(self, tenant_id: str, template_id: str, period: int) -> str | None:
        try:
            item = PeriodItem.get(tenant_pk(tenant_id), _period_sk(template_id, period),
                                  consistent_read=True)
        except PeriodItem.DoesNotExist:
            return None
        return str(item.number)

    def create_period(self, template: Template, period: int, sequence: str,
                      build: Callable[[int], Invoice], source: str,
                      at: datetime) -> PeriodCreated | None:
        tenant_id, template_id = template.tenant_id, template.template_id
        pk = tenant_pk(tenant_id)
        for _ in range(_ATTEMPTS):
            current = self.get_template(tenant_id, template_id)
            if current is None or current.status != ACTIVE:
                return None
            if period in current.created:
                number = self._period(tenant_id, template_id, period)
                if number is not None:
                    return PeriodCreated(number, fresh=False)
            last = self.counter(tenant_id, sequence)
            invoice = build(last + 1)
            counter = CounterItem(pk=pk, sk=f"SEQ#{sequence}")
            try:
                with TransactWrite(connection=self._connection) as tx:
                    tx.save(PeriodItem(pk=pk, sk=_period_sk(template_id, period),
                                       number=invoice.number, created_at=at.isoformat()),
                            condition=PeriodItem.pk.does_not_exist())
                    tx.update(counter, actions=[CounterItem.value.set(last + 1)],
                              condition=(CounterItem.value == last) if last
                              else CounterItem.pk.does_not_exist())
                    tx.save(invoice_to_item(invoice, source, at.isoformat()),
                            condition=InvoiceItem.pk.does_not_exist())
                    tx.update(RecurringItem(pk=pk, sk=_template_sk(template_id)), actions=[
                        RecurringItem.created.set(json.dumps(sorted({*current.created, period}))),
                        RecurringItem.pending.set(json.dumps([*current.pending, invoice.number])),
                        RecurringItem.version.set(current.version + 1)],
                        condition=(RecurringItem.version == current.version)
                        & (RecurringItem.status == ACTIVE))
            except TransactWriteError:
                number = self._period(tenant_id, template_id, period)
                if number is not None:  # a retried or concurrent run created it: its number
                    return PeriodCreated(number, fresh=False)
                if self.counter(tenant_id, sequence) == last and _exists(tenant_id, invoice.number):
                    # the number is taken by an invoice from elsewhere (an import): it is part
                    # of the range already, so the counter moves past it (no gap, no overwrite)
                    self._skip(tenant_id, sequence, last)
                continue  # the counter or the template moved on: read again
            return PeriodCreated(invoice.number, fresh=True)
        raise Conflict(f"{template_id}#{period}")

    def _skip(self, tenant_id: str, sequence: str, last: int) -> None:
        try:
            CounterItem(pk=tenant_pk(tenant_id), sk=f"SEQ#{sequence}").update(
                actions=[CounterItem.value.set(last + 1)],
                condition=(CounterItem.value == last) if last else CounterItem.pk.does_not_exist())
        except UpdateError as exc:
            if not conditional(exc):
                raise

    def period_numbers(self, tenant_id: str, template_id: str) -> dict[int, str]:
        return {int(i.sk.rsplit("#", 1)[1]): str(i.number) for i in PeriodItem.query(
            tenant_pk(tenant_id), PeriodItem.sk.startswith(f"RPER#{template_id}#"))}

    def clear_pending(self, tenant_id: str, template_id: str, numbers: Sequence[str]) -> None:
        for _ in range(5):
            current = self.get_template(tenant_id, template_id)
            if current is None or not set(numbers) & set(current.pending):
                return
            left = [n for n in current.pending if n not in set(numbers)]
            try:
                RecurringItem(pk=tenant_pk(tenant_id), sk=_template_sk(template_id)).update(
                    actions=[RecurringItem.pending.set(json.dumps(left)),
                             RecurringItem.version.set(current.version + 1)],
                    condition=RecurringItem.version == current.version)
                return
            except UpdateError as exc:
                if not conditional(exc):
                    raise
        # still pending: the next run queues them again (sending is idempotent)

    def add_template_event(self, tenant_id: str, template_id: str, kind: str, at: datetime,
                           detail: dict[str, Any]) -> None:
        EventItem(pk=tenant_pk(tenant_id), sk=f"REVT#{template_id}#{at.isoformat()}#{kind}",
                  kind=kind, at=at.isoformat(),
                  detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)).save()

    def template_events(self, tenant_id: str, template_id: str) -> list[dict[str, Any]]:
        return [{"kind": e.kind, "at": e.at, **json.loads(e.detail)} for e in EventItem.query(
            tenant_pk(tenant_id), EventItem.sk.startswith(f"REVT#{template_id}#"))]


def _exists(tenant_id: str, number: str) -> bool:
    try:
        InvoiceItem.get(tenant_pk(tenant_id), f"INV#{number}", consistent_read=True)
    except InvoiceItem.DoesNotExist:
        return False
    return True
