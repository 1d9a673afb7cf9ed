"""Reports on a fixed, small book; every expected figure is worked out by hand in the comments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.model import DomainError, Invoice, InvoiceStatus
from mahnwerk.domain.reports import aging, behaviour, dso, effectiveness, reliability_ranking

ON = date(2026, 11, 23)
S = InvoiceStatus


def inv(number, customer, issued_ago, due_ago, amount, open_amount=None, status=S.OPEN, fees="0.00",
        level=0):
    """``issued_ago`` / ``due_ago``: days before ON (negative: after ON)."""
    return Invoice(
        tenant_id="t1", number=number, customer_id=customer,
        issue_date=ON - timedelta(days=issued_ago), due_date=ON - timedelta(days=due_ago),
        amount=Decimal(amount), open_amount=Decimal(open_amount if open_amount is not None else amount),
        status=status, fees_open=Decimal(fees), level=level,
    )


BOOK = [
    # K1
    inv("A1", "K1", 14, 0, "100.00"),                                    # due today: current
    inv("A2", "K1", 4, -10, "250.00"),                                   # not yet due: current
    inv("A3", "K1", 114, 100, "30.00", status=S.WRITTEN_OFF),            # not receivable
    # K2
    inv("B1", "K2", 44, 30, "200.00", level=1),                          # 30 days: 1-30
    inv("B2", "K2", 45, 31, "300.00", "120.00", S.PARTIALLY_PAID, "1.50", 2),  # 31 days: 31-60
    inv("B3", "K2", 15, 1, "60.00"),                                     # 1 day: 1-30
    # K3
    inv("C1", "K3", 89, 60, "80.00", status=S.DISPUTED),                 # 60 days: 31-60, disputed counts
    inv("C2", "K3", 75, 61, "150.00", fees="4.00", level=3),             # 61 days: 61-90
    inv("C3", "K3", 90, 90, "40.00"),                                    # 90 days: 61-90
    # K4
    inv("D1", "K4", 105, 91, "500.00", status=S.HANDED_OVER, fees="4.00", level=4),  # 91 days: 90+
    inv("D2", "K4", 5, 5, "-60.00"),                                     # credit note
    inv("D3", "K4", 54, 40, "90.00", "0.00", S.PAID),                    # paid: not receivable
    inv("D4", "K4", 34, 20, "70.00", status=S.CANCELLED),                # cancelled: nowhere
]


# --- aging -------------------------------------------------------------------------------------

def test_aging_buckets_at_the_day_boundaries():
    report = aging(BOOK, ON)
    got = [(b.label, b.count, b.open_amount) for b in report.buckets]
    assert got == [
        ("current", 2, Decimal("350.00")),   # A1 100 + A2 250
        ("1-30", 2, Decimal("260.00")),      # B1 200 (30 days) + B3 60 (1 day)
        ("31-60", 2, Decimal("200.00")),     # B2 open 120 (31 days) + C1 80 (60 days, disputed)
        ("61-90", 2, Decimal("190.00")),     # C2 150 (61 days) + C3 40 (90 days)
        ("90+", 1, Decimal("500.00")),       # D1 (91 days, handed over)
    ]


def test_aging_totals_fees_and_credits():
    report = aging(BOOK, ON)
    assert (report.count, report.total) == (9, Decimal("1500.00"))
    assert (report.overdue_count, report.overdue) == (7, Decimal("1150.00"))
    assert report.fees_open == Decimal("9.50")         # B2 1.50 + C2 4.00 + D1 4.00
    assert (report.credit_count, report.credits) == (1, Decimal("-60.00"))
    assert report.net == Decimal("1449.50")            # 1500 + 9.50 - 60


def test_aging_moves_an_invoice_one_bucket_a_day_later():
    later = aging(BOOK, ON + timedelta(days=1))
    # A1 leaves "current"; B1 (now 31) moves to 31-60; C1 (61) and C3 (91) move on
    assert [(b.label, b.count, b.open_amount) for b in later.buckets] == [
        ("current", 1, Decimal("250.00")),
        ("1-30", 2, Decimal("160.00")),      # A1 100 + B3 60
        ("31-60", 2, Decimal("320.00")),     # B1 200 + B2 120
        ("61-90", 2, Decimal("230.00")),     # C1 80 + C2 150
        ("90+", 2, Decimal("540.00")),       # C3 40 + D1 500
    ]


def test_aging_fees_of_a_settled_principal_still_count():
    fees_only = inv("E1", "K5", 40, 26, "50.00", "0.00", S.PARTIALLY_PAID, "2.50", 2)
    report = aging([fees_only], ON)
    assert (report.count, report.total, report.fees_open) == (0, Decimal("0.00"), Decimal("2.50"))


def test_aging_as_dict_is_json_ready():
    d = aging(BOOK, ON).as_dict()
    assert d["on"] == "2026-11-23"
    assert d["buckets"][2] == {"label": "31-60", "count": 2, "open_amount": "200.00"}
    assert (d["total"], d["overdue"], d["fees_open"], d["credits"], d["net"]) == \
        ("1500.00", "1150.00", "9.50", "-60.00", "1449.50")


# --- DSO ---------------------------------------------------------------------------------------

def test_dso_over_ninety_days():
    result = dso(BOOK, ON)
    # receivables: 1500 principal - 60 credit = 1440
    # sales, issued in (ON-90, ON], not cancelled: A1 100 + A2 250 + B1 200 + B2 300 + B3 60 + C1 80 (89 days)
    #   + C2 150 + D2 -60 + D3 90 (paid, still a sale) = 1170; C3 (exactly 90 days), D1, A3, D4 stay out
    assert (result.receivables, result.sales, result.period_days) == \
        (Decimal("1440.00"), Decimal("1170.00"), 90)
    assert result.figure == Decimal("110.8")  # 1440 / 1170 * 90 = 110.769…
    assert result.as_dict() == {"on": "2026-11-23", "currency": "EUR", "period_days": 90,
                                "receivables": "1440.00",
                                "sales": "1170.00", "dso": "110.8"}


def test_dso_over_thirty_days():
    result = dso(BOOK, ON, period_days=30)
    # issued in (ON-30, ON]: A1 100 + A2 250 + B3 60 + D2 -60 = 350
    assert result.sales == Decimal("350.00")
    assert result.figure == Decimal("123.4")  # 1440 / 350 * 30 = 123.428…


def test_dso_without_sales_in_the_period_has_no_figure():
    result = dso(BOOK, ON + timedelta(days=200))
    assert result.sales == Decimal("0.00")
    assert result.figure is None
    assert result.as_dict()["dso"] is None


def test_dso_period_must_be_positive():
    with pytest.raises(DomainError):
        dso(BOOK, ON, period_days=0)


# --- behaviour -----------------------------------------------------------------------------

K1 = {"paid_count": 10, "paid_on_time": 7, "days_to_pay_sum": 245, "paid_after_l0": 8, "paid_after_l1": 2}
K2 = {"paid_count": 6, "paid_on_time": 2, "days_to_pay_sum": 250, "paid_after_l0": 3, "paid_after_l1": 2,
      "paid_after_l2": 1}
K3 = {"paid_count": 4, "paid_on_time": 0, "days_to_pay_sum": 260, "paid_after_l1": 1, "paid_after_l2": 2,
      "paid_after_l3": 1}
K4 = {"paid_count": 2, "paid_on_time": 2, "days_to_pay_sum": 20, "paid_after_l0": 2}
K6 = {"paid_count": 3, "paid_on_time": 0, "days_to_pay_sum": 90, "paid_after_l1": 3}


def test_behaviour_of_a_reliable_customer_at_the_threshold():
    b = behaviour(K1)
    assert b.average_days_to_pay == Decimal("24.5")   # 245 / 10
    assert b.on_time_share == Decimal("0.700")
    assert b.paid_after == (8, 2, 0, 0, 0)
    assert b.paid_after_shares[:2] == (Decimal("0.800"), Decimal("0.200"))
    assert b.score == 90   # (7*100 + 1*80 + 2*60) / 10
    assert b.badge == "reliable"


def test_behaviour_mostly_on_time_rounds_the_average_and_score():
    b = behaviour(K2)
    assert b.average_days_to_pay == Decimal("41.7")   # 250 / 6 = 41.67
    assert b.on_time_share == Decimal("0.333")
    assert b.score == 72   # (2*100 + 1*80 + 2*60 + 1*30) / 6 = 71.67
    assert b.badge == "mostly_on_time"


def test_behaviour_rounds_a_half_point_up_and_is_unreliable():
    b = behaviour(K3)
    assert b.average_days_to_pay == Decimal("65.0")
    assert b.on_time_share == Decimal("0.000")
    assert b.score == 33   # (60 + 2*30 + 10) / 4 = 32.5
    assert b.badge == "unreliable"


def test_behaviour_slow_when_every_invoice_needs_the_reminder():
    b = behaviour(K6)
    assert (b.score, b.badge) == (60, "slow")


def test_behaviour_new_with_few_payments_or_none():
    few = behaviour(K4)
    assert (few.score, few.badge) == (100, "new")
    none = behaviour({})
    assert (none.paid_count, none.average_days_to_pay, none.on_time_share, none.score, none.badge) == \
        (0, None, None, None, "new")
    assert none.paid_after_shares == (None,) * 5


def test_behaviour_as_dict():
    d = behaviour(K2).as_dict()
    assert (d["average_days_to_pay"], d["on_time_share"], d["score"], d["badge"]) == \
        ("41.7", "0.333", 72, "mostly_on_time")
    assert d["paid_after"][2] == {"level": 2, "label": "first_dunning", "count": 1, "share": "0.167"}


def test_ranking_best_first_ties_by_id_new_last():
    late_new = {"paid_count": 1, "paid_after_l3": 1}  # score 10, but new
    ranked = reliability_ranking([("K8", late_new), ("K3", K3), ("K4", K4), ("K1", K1), ("K2", K2),
                                  ("K6", K6), ("K5", {}), ("K0", dict(K2))])
    assert [(r.rank, r.customer_id, r.behaviour.score) for r in ranked] == [
        (1, "K1", 90), (2, "K0", 72), (3, "K2", 72), (4, "K6", 60), (5, "K3", 33),
        # new ones last, by id whatever their score
        (6, "K4", 100), (7, "K5", None), (8, "K8", 10),
    ]
    assert ranked[0].as_dict()["customer_id"] == "K1"


# --- effectiveness ---------------------------------------------------------------------------

def test_effectiveness_sums_over_customers():
    handed = {"paid_count": 2, "paid_after_l3": 1, "paid_after_l4": 1}
    e = effectiveness([K1, K2, K3, K4, handed, {}])
    # paid 10+6+4+2+2 = 24; l0 8+3+2 = 13, l1 2+2+1 = 5, l2 1+2 = 3, l3 1+1 = 2, l4 1
    assert e.paid_count == 24
    assert e.paid_after == (13, 5, 3, 2, 1)
    assert e.shares == (Decimal("0.542"), Decimal("0.208"), Decimal("0.125"), Decimal("0.083"),
                        Decimal("0.042"))
    assert e.after_letters == 11
    d = e.as_dict()
    assert d["after_letters_share"] == "0.458"
    assert d["paid_after"][4] == {"level": 4, "label": "level_4_plus", "count": 1, "share": "0.042"}


def test_effectiveness_of_nothing_paid():
    e = effectiveness([{}, {}])
    assert (e.paid_count, e.paid_after, e.shares) == (0, (0, 0, 0, 0, 0), (None,) * 5)
