"""The contract suite: every test runs against the in-memory fake and the real adapter (on moto),
so the fakes the service tests use cannot drift from what the adapters do."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.model import Address, Customer, Invoice
from mahnwerk.service.bootstrap import Context
from mahnwerk_local.stack import LocalStack

from ..fakes import fake_context

_tenants = itertools.count(1)


@pytest.fixture(scope="module")
def moto_stack() -> Iterator[LocalStack]:
    with LocalStack() as local:
        local.verify_sender("mahnwerk@example.org")
        yield local


@pytest.fixture(params=["fake", "moto"])
def ctx(request: pytest.FixtureRequest) -> Iterator[Context]:
    if request.param == "fake":
        yield fake_context()
        return
    stack = request.getfixturevalue("moto_stack")
    with stack.service_context() as real:
        yield real


@pytest.fixture
def tenant() -> str:
    """A tenant of its own per test: the moto table is shared by the tests of a module."""
    return f"c{next(_tenants)}"


def invoice(tenant: str, number: str = "RE-1", customer: str = "K-1", **changes: object) -> Invoice:
    base = Invoice(tenant_id=tenant, number=number, customer_id=customer,
                   issue_date=date(2026, 10, 1), due_date=date(2026, 10, 15),
                   amount=Decimal("119.00"), open_amount=Decimal("119.00"),
                   next_action_on=date(2026, 10, 22))
    return base.with_changes(**changes)


def customer(tenant: str, customer_id: str = "K-1", **changes: object) -> Customer:
    from dataclasses import replace

    base = Customer(tenant_id=tenant, customer_id=customer_id, name="Anna Schmidt",
                    email="anna@example.org", address=Address("Weg 1", "10115", "Berlin", "DE"))
    return replace(base, **changes)
