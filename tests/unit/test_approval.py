"""policy.approval: which letters wait for the owner."""

from decimal import Decimal

import pytest

from mahnwerk.domain.approval import Approval, check_approval, is_stale, needs_approval
from mahnwerk.domain.model import DomainError

A = Approval


@pytest.mark.parametrize("rule, level, total, hand_over, waits", [
    (A.NONE, 1, "50.00", False, False),
    (A.NONE, 4, "50.00", True, False),
    (A.ALL, 2, "50.00", False, True),
    (A.ALL, 4, "50.00", True, True),
    (A.FIRST_LETTER, 1, "50.00", False, True),
    (A.FIRST_LETTER, 2, "50.00", False, False),
    (A.HANDOVER, 3, "50.00", False, False),   # the letter announcing it goes out
    (A.HANDOVER, 4, "50.00", True, True),
    (A.ABOVE_AMOUNT, 2, "999.99", False, False),
    (A.ABOVE_AMOUNT, 2, "1000.00", False, True),  # "above" includes the amount itself
])
def test_which_letters_wait(rule, level, total, hand_over, waits):
    assert needs_approval(rule, level=level, total=Decimal(total), hand_over=hand_over,
                          amount=Decimal("1000.00")) is waits


def test_unknown_rules_and_a_missing_amount_are_refused_with_the_reason():
    with pytest.raises(DomainError, match="one of none, first_letter"):
        check_approval("sometimes", None)
    with pytest.raises(DomainError, match="approval_amount"):
        check_approval("above_amount", None)
    assert check_approval("above_amount", Decimal("500")) is A.ABOVE_AMOUNT


def test_a_letter_waiting_more_than_three_days_is_planned_afresh():
    assert not is_stale(3) and is_stale(4)
