"""build_many: instances built field by field equal the ones __init__ builds."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pytest

from mahnwerk.domain.model import Address, Customer, CustomerOverrides, InvoiceRecord, build_many


def test_customers_built_many_equal_customers_built_one_by_one():
    addresses = build_many(Address, 2, {"street": ["Weg 1", ""], "city": ["Berlin", "Köln"]},
                           {"postal_code": "10115"})
    built = build_many(Customer, 2, {"customer_id": ["K1", "K2"], "name": ["Anna", "Ben"],
                                     "address": addresses, "is_consumer": [True, False]},
                       {"tenant_id": "t1"})
    assert built == [
        Customer(tenant_id="t1", customer_id="K1", name="Anna", address=Address("Weg 1", "10115", "Berlin"),
                 is_consumer=True),
        Customer(tenant_id="t1", customer_id="K2", name="Ben", address=Address("", "10115", "Köln")),
    ]
    assert built[1].overrides == CustomerOverrides() and built[1].address.country == "DE"
    assert hash(built[0]) == hash(Customer(tenant_id="t1", customer_id="K1", name="Anna",
                                           address=Address("Weg 1", "10115", "Berlin"), is_consumer=True))


def test_every_field_is_set():
    [record] = build_many(InvoiceRecord, 1, {"number": ["R1"], "customer": [None], "issue_date": [None],
                                             "due_date": [None], "amount": [1], "open_amount": [1]})
    assert all(hasattr(record, spec.name) for spec in fields(InvoiceRecord))


def test_what_cannot_be_built_is_refused():
    with pytest.raises(TypeError, match="no default"):
        build_many(Customer, 1, {"customer_id": ["K1"]}, {"tenant_id": "t1"})
    with pytest.raises(TypeError, match="no field"):
        build_many(Address, 1, {"stret": ["Weg 1"]})
    with pytest.raises(ValueError, match="1 values for 2"):
        build_many(Address, 2, {"street": ["Weg 1"]})

    @dataclass
    class Plain:
        x: int = 0

    with pytest.raises(TypeError, match="not a slotted dataclass"):
        build_many(Plain, 1, {})
