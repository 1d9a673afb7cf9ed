"""Customers in DynamoDB: master data, payment-behaviour counters and the customer's timeline."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action as UpdateAction

from ..domain.customers import MASTER_FIELDS, master
from ..domain.model import Customer
from ..service.ports import Conflict
from .dynamo_models import (
    CustomerItem,
    EventItem,
    conditional,
    customer_from_item,
    customer_item,
    overrides_to_json,
    tenant_pk,
)

#: the payment-behaviour counters a customer item carries
BEHAVIOUR_COUNTERS = ("paid_count", "paid_on_time", "days_to_pay_sum", "paid_after_l0",
                      "paid_after_l1", "paid_after_l2", "paid_after_l3", "paid_after_l4")


class DynamoCustomers:
    """Implements ``service.ports.Customers``."""

    def get_customer(self, tenant_id: str, customer_id: str) -> Customer | None:
        try:
            return customer_from_item(CustomerItem.get(tenant_pk(tenant_id), f"CUS#{customer_id}"),
                                      tenant_id)
        except CustomerItem.DoesNotExist:
            return None

    def put_customer(self, customer: Customer) -> None:
        customer_item(customer).save()

    def batch_get_customers(self, tenant_id: str, ids: list[str]) -> dict[str, Customer]:
        keys = [(tenant_pk(tenant_id), f"CUS#{c}") for c in dict.fromkeys(ids)]
        return {item.customer_id: customer_from_item(item, tenant_id)
                for item in CustomerItem.batch_get(keys, consistent_read=True)}

    def put_customers(self, customers: list[Customer]) -> None:
        """Upsert master data (BatchWriteItem, 25 per request)."""
        with CustomerItem.batch_write() as batch:
            for c in customers:
                batch.save(customer_item(c))

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
            if conditional(exc):
                raise Conflict(new.customer_id) from exc
            raise

    def set_email_status(self, tenant_id: str, customer_id: str, status: str) -> None:
        item = CustomerItem(pk=tenant_pk(tenant_id), sk=f"CUS#{customer_id}")
        item.update(actions=[CustomerItem.email_status.set(status)],
                    condition=CustomerItem.pk.exists())

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

    def customers(self, tenant_id: str) -> list[Customer]:
        return [customer_from_item(i, tenant_id)
                for i in CustomerItem.query(tenant_pk(tenant_id), CustomerItem.sk.startswith("CUS#"))]

    def behaviour(self, tenant_id: str, customer_id: str) -> dict[str, int]:
        try:
            item = CustomerItem.get(tenant_pk(tenant_id), f"CUS#{customer_id}")
        except CustomerItem.DoesNotExist:
            return {}
        return {k: int(getattr(item, k)) for k in BEHAVIOUR_COUNTERS}


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
