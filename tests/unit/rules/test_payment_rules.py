"""§366 BGB: which claim a payment pays, on the boundaries (exact amounts, nothing left, a tie)."""

from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.allocation import allocate
from mahnwerk.domain.dunning import NoticeLine


def claim(number: str, due: date, open_amount: str) -> NoticeLine:
    amount = Decimal(open_amount)
    return NoticeLine(number, due, due, amount, Decimal("0"), amount, 1, 0)


def test_a_payment_that_exactly_settles_the_oldest_claim_leaves_the_next_one_untouched():
    claims = [claim("R-2", date(2025, 6, 1), "80.00"), claim("R-1", date(2025, 5, 1), "119.00")]
    result = allocate(Decimal("119.00"), claims)
    assert [(c.number, c.principal) for c in result.credits] == [("R-1", Decimal("119.00"))]
    assert result.unapplied == Decimal("0.00")


def test_a_payment_one_cent_short_leaves_one_cent_open_and_one_cent_over_is_left_over():
    short = allocate(Decimal("118.99"), [claim("R-1", date(2025, 5, 1), "119.00")])
    assert [(c.number, c.principal) for c in short.credits] == [("R-1", Decimal("118.99"))]
    assert short.unapplied == Decimal("0.00")
    over = allocate(Decimal("119.01"), [claim("R-1", date(2025, 5, 1), "119.00")])
    assert [(c.number, c.principal) for c in over.credits] == [("R-1", Decimal("119.00"))]
    assert over.unapplied == Decimal("0.01")


def test_claims_due_on_the_same_day_are_paid_in_the_order_of_their_numbers():
    claims = [claim("R-11", date(2025, 5, 1), "50.00"), claim("R-10", date(2025, 5, 1), "50.00")]
    result = allocate(Decimal("60.00"), claims)
    assert [(c.number, c.principal) for c in result.credits] == [
        ("R-10", Decimal("50.00")), ("R-11", Decimal("10.00"))]


def test_a_zero_payment_pays_nothing_and_a_negative_one_is_refused():
    assert allocate(Decimal("0.00"), [claim("R-1", date(2025, 5, 1), "119.00")]).credits == ()
    with pytest.raises(ValueError, match=r"^a payment cannot be negative$"):
        allocate(Decimal("-0.01"), [claim("R-1", date(2025, 5, 1), "119.00")])


def test_a_claim_already_settled_gets_no_credit_line():
    claims = [claim("R-1", date(2025, 5, 1), "0.00"), claim("R-2", date(2025, 6, 1), "50.00")]
    result = allocate(Decimal("50.00"), claims)
    assert [(c.number, c.principal) for c in result.credits] == [("R-2", Decimal("50.00"))]
