"""Use case: the owner edits a customer's master data (the API's PATCH, the dashboard's form).

Only the fields given change; each change is written to the customer's timeline (who, when,
old → new). The values are checked by the caller's model (``api.customers.CustomerPatch``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..domain.actions import NotAllowed
from ..domain.customers import audit_changes, changes, with_master
from ..domain.model import ERASED_NAME_PREFIX, Customer
from .bootstrap import Context
from .invoice_ops import NotFound


def edit_customer(ctx: Context, tenant: str, customer_id: str, values: Mapping[str, Any],
                  who: Mapping[str, str], at: datetime) -> Customer:
    """The customer with ``values`` (master field → new value; "" clears a text) applied; ``who``
    (``by``: api or dashboard, ``key_id``: the key) goes into the timeline entry.
    NotFound for a customer the tenant does not have; NotAllowed for an erased one; Conflict when
    the fields changed between the read and the write (read again and retry)."""
    old = ctx.customers.get_customer(tenant, customer_id)
    if old is None:
        raise NotFound(f"customer {customer_id} not found")
    if old.name.startswith(ERASED_NAME_PREFIX):
        raise NotAllowed(f"customer {customer_id} was erased on request (GDPR Art. 17); its master "
                         "data cannot be edited")
    new = with_master(old, values)
    found = changes(old, new)
    if found:
        ctx.customers.update_customer_master(old, new)
        ctx.customers.add_customer_event(tenant, customer_id, "master_changed", at,
                                    {**who, "changes": audit_changes(found)})
    return new
