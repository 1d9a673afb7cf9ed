"""Credit rules: exposure, risk class and the verdict of the tenant's rules, figures by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.credit import History, evaluate, exposure, parse_rules, risk_class
from mahnwerk.domain.model import DomainError, Invoice, InvoiceStatus

ON = date(2026, 12, 1)
S = InvoiceStatus


def inv(number, due_ago, amount, open_amount=None, status=S.OPEN, fees="0.00", charges="0.00"):
    return Invoice(tenant_id="t", number=number, customer_id="K", issue_date=ON - timedelta(days=due_ago + 14),
                   due_date=ON - timedelta(days=due_ago), amount=Decimal(amount),
                   open_amount=Decimal(open_amount if open_amount is not None else amount), status=status,
                   fees_open=Decimal(fees), charges_open=Decimal(charges))


BOOK = [
    inv("1", 45, "1000.00", fees="2.50"),                  # 45 days late: 1002.50 overdue
    inv("2", -10, "500.00"),                               # not due yet
    inv("3", 5, "300.00", "100.00", S.PARTIALLY_PAID),     # 5 days late: 100 overdue
    inv("4", 90, "200.00", "0.00", S.PAID, charges="4.20"),  # paid: not receivable
    inv("5", 0, "-50.00"),                                 # credit note, due today
    inv("6", 70, "80.00", status=S.WRITTEN_OFF),           # not receivable
]


def test_exposure_is_principal_and_charges_with_credits_netted():
    figures = exposure(BOOK, ON)
    # 1002.50 + 500 + 100 - 50 = 1552.50; overdue 1002.50 + 100 = 1102.50; oldest 45 days
    assert figures.as_dict() == {"exposure": "1552.50", "overdue": "1102.50", "oldest_overdue_days": 45}


@pytest.mark.parametrize("counters, history, klass", [
    ({"paid_count": 5, "paid_on_time": 5, "paid_after_l0": 5}, History(), "A"),
    ({"paid_count": 2, "paid_on_time": 2, "paid_after_l0": 2}, History(), "B"),  # new: too few for A
    ({}, History(), "B"),
    ({"paid_count": 4, "paid_after_l1": 4}, History(highest_level=1), "C"),  # always after the reminder: 60
    ({"paid_count": 5, "paid_on_time": 5, "paid_after_l0": 5}, History(highest_level=3), "C"),
    ({"paid_count": 5, "paid_on_time": 5, "paid_after_l0": 5}, History(broken_promises=1), "C"),
    ({"paid_count": 5, "paid_on_time": 5, "paid_after_l0": 5}, History(handed_over=True), "D"),
    ({"paid_count": 3, "paid_after_l2": 3}, History(highest_level=2), "D"),  # 30 points
    ({}, History(broken_promises=2), "D"),
])
def test_risk_class(counters, history, klass):
    assert risk_class(counters, history) == klass


def test_rules_hold_and_suggest_prepayment_with_their_reasons():
    rules = parse_rules([{"kind": "overdue_days", "above": 30, "action": "hold"},
                         {"kind": "exposure_over_limit", "action": "hold"},
                         {"kind": "risk_class", "at_least": "D", "action": "prepayment"}])
    verdict = evaluate(rules, exposure(BOOK, ON), Decimal("2000.00"), "C")
    assert (verdict.hold, verdict.prepayment) == (True, False)
    assert verdict.reasons == (("overdue_days:hold", "45 > 30"),)
    verdict = evaluate(rules, exposure(BOOK, ON), Decimal("1500.00"), "D")
    assert verdict.prepayment and ("exposure_over_limit:hold", "1552.50 > 1500.00") in verdict.reasons
    assert not evaluate(rules, exposure(BOOK[1:2], ON), None, "B").hold  # nothing overdue, no limit


@pytest.mark.parametrize("raw, field", [
    ([{"kind": "mood", "action": "hold"}], r"credit.rules\[1\].kind"),
    ([{"kind": "overdue_days", "action": "hold"}], r"credit.rules\[1\].above"),
    ([{"kind": "overdue_days", "above": -1}], r"credit.rules\[1\].above"),
    ([{"kind": "risk_class", "at_least": "B"}], r"credit.rules\[1\].at_least"),
    ([{"kind": "exposure_over_limit", "action": "shout"}], r"credit.rules\[1\].action"),
    (["hold"], r"credit.rules\[1\]"),
])
def test_bad_rules_are_refused_with_the_field(raw, field):
    with pytest.raises(DomainError, match=field):
        parse_rules(raw)
