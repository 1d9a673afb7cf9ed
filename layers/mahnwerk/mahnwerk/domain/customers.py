"""A customer's master data: what a source gives merged into what is stored, and what changed.

Every write that names an existing customer merges. A field the source left out keeps the stored
value: an invoice sent with only the customer number (an import row, an API call) never erases
the address or renames the customer to its number. Only an explicit edit (the API's PATCH, the
dashboard's form) clears a field. Pure: customers in, customers out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .model import Channel, Customer

#: the master data an owner can edit, by name (flat: the address fields without "address.")
MASTER_FIELDS = ("name", "email", "street", "postal_code", "city", "country", "is_consumer",
                 "locale", "channels")
#: what an invoice source (a file row, an e-invoice, the API's invoice) can give
INTAKE_FIELDS = ("name", "email", "street", "postal_code", "city", "country", "is_consumer")
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")
#: fields that hold personal data (redacted from the audit on erasure, GDPR Art. 17)
PERSONAL_FIELDS = frozenset({"name", "email", "street", "postal_code", "city"})


def master(c: Customer) -> dict[str, Any]:
    """The customer's master data by field name."""
    a = c.address
    return {"name": c.name, "email": c.email, "street": a.street, "postal_code": a.postal_code,
            "city": a.city, "country": a.country, "is_consumer": c.is_consumer, "locale": c.locale,
            "channels": c.overrides.channels}


def with_master(c: Customer, values: Mapping[str, Any]) -> Customer:
    """``c`` with the given master fields replaced (others as they are). A new e-mail address
    forgets the old one's bounce status: letters may go by e-mail again."""
    if not values:
        return c
    address = replace(c.address, **{k: values[k] for k in ADDRESS_FIELDS if k in values})
    overrides = (replace(c.overrides, channels=values["channels"]) if "channels" in values
                 else c.overrides)
    email = values.get("email", c.email)
    return replace(c, name=values.get("name", c.name), email=email, address=address,
                   is_consumer=values.get("is_consumer", c.is_consumer),
                   locale=values.get("locale", c.locale), overrides=overrides,
                   email_status=c.email_status if email == c.email else "")


def overlay(base: Customer, top: Customer) -> Customer:
    """``top``, a source's customer, over ``base``: the stored customer or the same customer from
    an earlier row. What ``top`` gives wins; a field it left out (in ``top.absent``, or an empty
    text) keeps ``base``'s value. Overrides and locale stay ``base``'s: a source sets neither."""
    absent = top.absent
    given = {name: value for name, value in _intake(top).items()
             if name not in absent and value != ""}
    merged = with_master(base, given)
    left_out = base.absent.intersection(name for name in INTAKE_FIELDS if name not in given)
    return merged if left_out == merged.absent else replace(merged, absent=frozenset(left_out))


def _intake(c: Customer) -> dict[str, Any]:
    a = c.address
    return {"name": c.name, "email": c.email, "street": a.street, "postal_code": a.postal_code,
            "city": a.city, "country": a.country, "is_consumer": c.is_consumer}


def changes(old: Customer, new: Customer) -> dict[str, tuple[Any, Any]]:
    """The master fields that differ, each as (old, new)."""
    before, after = master(old), master(new)
    return {name: (before[name], after[name]) for name in MASTER_FIELDS
            if before[name] != after[name]}


def audit_value(value: Any) -> Any:
    """A master value as the audit entry keeps it (JSON): channels as a list, "" as None."""
    if isinstance(value, tuple):
        return [c.value if isinstance(c, Channel) else c for c in value]
    return None if value == "" else value


def audit_changes(found: Mapping[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the customer's timeline."""
    return {name: [audit_value(a), audit_value(b)] for name, (a, b) in found.items()}
