"""Undoing a booked payment on its invoices (``domain.undo``): pure."""

from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain import residual, undo
from mahnwerk.domain.actions import NotAllowed
from mahnwerk.domain.model import Invoice, InvoiceStatus
from mahnwerk.domain.policy import default_policy

POLICY = default_policy()
TODAY = date(2026, 12, 1)
HANDED = Invoice(tenant_id="t1", number="R1", customer_id="K1", issue_date=date(2026, 9, 1),
                 due_date=date(2026, 9, 15), amount=Decimal("100.00"),
                 open_amount=Decimal("100.00"), status=InvoiceStatus.HANDED_OVER, level=4,
                 last_notice_on=date(2026, 11, 20), fees_open=Decimal("4.00"),
                 last_payment_id="P0", last_payment_on=date(2026, 10, 1),
                 last_payment_amount=Decimal("5.00"))


def booked(inv, principal="100.00", fees="1.00", interest="0.50"):
    """The invoice after a payment P1 paid it off (residual charges waived), and the stored line."""
    line = {"number": inv.number, "principal": principal, "fees": fees, "flat_fee": "0.00",
            "interest": interest, "paid_in_full": True, "before": undo.snapshot(inv)}
    paid = inv.with_changes(open_amount=Decimal("0.00"), interest_paid=Decimal(interest),
                            fees_open=inv.fees_open - Decimal(fees), last_payment_id="P1",
                            last_payment_on=date(2026, 11, 25), last_payment_amount=Decimal("101.50"))
    return residual.principal_paid(paid, Decimal("3.00"), POLICY, date(2026, 11, 25)), line


def test_a_payment_that_paid_a_handed_over_invoice_off_is_undone_to_the_hand_over():
    paid, line = booked(HANDED)
    assert (paid.status, paid.charges_state, paid.fees_open) == (InvoiceStatus.PAID, "waived", 0)
    back = undo.unassign(paid, line, "P1", TODAY, POLICY)
    assert back.status is InvoiceStatus.HANDED_OVER and back.next_action_on is None
    assert (back.open_amount, back.fees_open, back.interest_paid) == (100, Decimal("4.00"), 0)
    assert (back.charges_open, back.charges_waived, back.charges_state) == (0, 0, "")
    assert (back.last_payment_id, back.last_payment_amount) == ("P0", Decimal("5.00"))
    assert undo.behaviour_undone(paid, line, date(2026, 11, 25)) == {
        "paid_count": -1, "paid_on_time": 0, "days_to_pay_sum": -85, "paid_after_l4": -1}


def test_an_open_invoice_paid_off_continues_on_its_schedule_not_before_today():
    open_ = HANDED.with_changes(status=InvoiceStatus.OPEN, level=1, next_action_on=date(2026, 11, 26))
    paid, line = booked(open_)
    back = undo.unassign(paid, line, "P1", TODAY, POLICY)
    assert (back.status, back.next_action_on) == (InvoiceStatus.OPEN, TODAY)


def test_a_part_payment_gives_back_its_money_and_a_later_payment_must_go_first():
    part = HANDED.with_changes(status=InvoiceStatus.PARTIALLY_PAID, open_amount=Decimal("60.00"),
                               fees_open=Decimal("1.50"), last_payment_id="P1")
    line = {"number": "R1", "principal": "40.00", "fees": "2.50", "flat_fee": "0", "interest": "0"}
    back = undo.unassign(part, line, "P1", TODAY, POLICY)
    assert (back.status, back.open_amount, back.fees_open) == (InvoiceStatus.OPEN, 100, Decimal("4.00"))
    assert back.last_payment_id == ""  # stored before snapshots: no earlier payment known
    assert undo.behaviour_undone(part, line, TODAY) == {}
    with pytest.raises(NotAllowed, match="later payment"):
        undo.unassign(part.with_changes(last_payment_id="P2"), line, "P1", TODAY, POLICY)
