"""An invoice's own rules: when it can be dunned, how overdue it is, what was paid; tenant ids."""

from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.model import Address, DomainError, Invoice, InvoiceStatus, check_tenant_id

DUE = date(2026, 3, 1)


def invoice(open_amount: str = "119.00", **changes: object) -> Invoice:
    inv = Invoice("t", "R-1", "K1", date(2026, 2, 15), DUE, Decimal("119.00"), Decimal(open_amount))
    return inv.with_changes(**changes) if changes else inv


def test_an_invoice_paused_through_today_waits_and_is_dunnable_the_day_after():
    paused = invoice(paused_until=date(2026, 3, 20))
    assert not paused.is_dunnable(date(2026, 3, 20))
    assert paused.is_dunnable(date(2026, 3, 21))
    assert invoice().is_dunnable(date(2026, 3, 2))


def test_only_open_or_partly_paid_invoices_with_something_owed_are_dunned():
    assert invoice(status=InvoiceStatus.PARTIALLY_PAID, open_amount="19.00").is_dunnable(date(2026, 3, 2))
    assert not invoice(open_amount="0.00").is_dunnable(date(2026, 3, 2))  # settled to the cent
    assert not invoice(open_amount="-5.00").is_dunnable(date(2026, 3, 2))  # a credit
    for status in (InvoiceStatus.PAID, InvoiceStatus.DISPUTED, InvoiceStatus.HANDED_OVER,
                   InvoiceStatus.WRITTEN_OFF, InvoiceStatus.CANCELLED):
        assert not invoice(status=status).is_dunnable(date(2026, 3, 2))


def test_days_overdue_count_from_the_day_after_the_due_date_and_never_below_zero():
    assert invoice().days_overdue(date(2026, 2, 20)) == 0
    assert invoice().days_overdue(DUE) == 0
    assert invoice().days_overdue(date(2026, 3, 2)) == 1
    assert invoice().days_overdue(date(2026, 3, 31)) == 30


def test_what_was_paid_and_whether_dunning_started():
    assert invoice("19.00").paid_amount == Decimal("100.00")
    assert not invoice().dunning_started
    assert invoice(level=1).dunning_started


def test_a_letter_needs_street_postal_code_and_city():
    assert Address("Hauptstr. 1", "10115", "Berlin").complete
    assert not Address("", "10115", "Berlin").complete
    assert not Address("Hauptstr. 1", "", "Berlin").complete
    assert not Address("Hauptstr. 1", "10115", "").complete


def test_tenant_ids_are_lower_case_letters_digits_and_dashes():
    assert check_tenant_id("acme-gmbh-2") == "acme-gmbh-2"
    for bad in ("Acme", "a", "-acme", "acme_gmbh", "a" * 64):
        with pytest.raises(DomainError) as refused:
            check_tenant_id(bad)
        assert str(refused.value) == f"invalid tenant id: {bad!r}"


def test_a_bulk_import_builds_the_same_records_and_names_what_it_cannot_build():
    from mahnwerk.domain.model import Customer, CustomerOverrides, build_many

    built = build_many(Customer, 2, {"customer_id": ["K1", "K2"], "name": ["A", "B"]}, {"tenant_id": "t1"})
    assert built == [Customer("t1", "K1", "A"), Customer("t1", "K2", "B")]
    assert built[0].overrides == CustomerOverrides() and built[0].address == Address()
    assert built[1].locale == "de" and built[1].email == ""
    with pytest.raises(TypeError) as refused:
        build_many(Customer, 1, {"customer_id": ["K1"]}, {"tenant_id": "t1"})
    assert str(refused.value) == "Customer.name has no default and no values"
    with pytest.raises(TypeError) as refused:
        build_many(Address, 1, {"stret": ["Weg 1"], "cty": ["Berlin"]})
    assert str(refused.value) == "Address has no field(s) ['cty', 'stret']"
    with pytest.raises(ValueError) as wrong:
        build_many(Address, 2, {"street": ["Weg 1"]})
    assert str(wrong.value) == "Address.street: 1 values for 2 instances"
    with pytest.raises(TypeError) as refused:
        build_many(Invoice, 1, {})
    assert str(refused.value) == "Invoice is not a slotted dataclass without __post_init__"


def test_a_record_type_that_checks_itself_is_never_built_in_bulk():
    from dataclasses import dataclass

    from mahnwerk.domain.model import build_many

    @dataclass(slots=True)
    class Checked:
        amount: int = 0

        def __post_init__(self) -> None:
            if self.amount < 0:
                raise ValueError("negative")

    with pytest.raises(TypeError) as refused:
        build_many(Checked, 1, {"amount": [-1]})
    assert str(refused.value) == "Checked is not a slotted dataclass without __post_init__"
