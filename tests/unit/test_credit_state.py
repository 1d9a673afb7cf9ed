"""Credit rules, the stored side: history and suggested limit from the invoices, the bureau's GDPR
gate and age, the record's stored form, the ``credit`` settings' field errors, the hold events."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest

from mahnwerk.domain import events
from mahnwerk.domain.credit import (
    BureauResult,
    CreditRecord,
    Exposure,
    bureau_due,
    history,
    may_ask_bureau,
    record_from_json,
    record_to_json,
    suggested_limit,
)
from mahnwerk.domain.model import Invoice, InvoiceStatus
from mahnwerk.domain.settings_checks import SettingsInvalid, check_credit

ON = date(2026, 12, 1)


def inv(number, issued_ago, amount, level=0, status=InvoiceStatus.PAID, notice_ago=None):
    issued = ON - timedelta(days=issued_ago)
    return Invoice(tenant_id="t", number=number, customer_id="K", issue_date=issued,
                   due_date=issued + timedelta(days=14), amount=Decimal(amount),
                   open_amount=Decimal("0"), status=status, level=level,
                   last_notice_on=ON - timedelta(days=notice_ago) if notice_ago is not None else None)


def test_history_counts_only_the_last_twelve_months():
    book = [inv("old", 500, "100", level=4, status=InvoiceStatus.HANDED_OVER, notice_ago=400),
            inv("1", 100, "100", level=2, notice_ago=60), inv("2", 30, "100", level=1, notice_ago=5)]
    assert history(book, ON).highest_level == 2 and not history(book, ON).handed_over
    book.append(inv("3", 300, "50", level=3, status=InvoiceStatus.HANDED_OVER, notice_ago=200))
    assert history(book, ON).highest_level == 3 and history(book, ON).handed_over


@pytest.mark.parametrize("klass, expected", [("A", "1500.00"), ("B", "1000.00"), ("C", "500.00"),
                                             ("D", "0.00")])
def test_suggested_limit_is_months_of_volume_by_class_rounded_down_to_hundreds(klass, expected):
    # 6,000 + 1,200 - 1,200 (credit note) = 6,000 a year: 500 a month; the old one does not count
    book = [inv("1", 10, "6000"), inv("2", 40, "1200"), inv("3", 41, "-1200"), inv("4", 400, "99999")]
    assert suggested_limit(book, klass, ON) == Decimal(expected)


def test_no_suggestion_without_recent_invoices():
    assert suggested_limit([inv("1", 400, "100")], "A", ON) is None
    assert suggested_limit([inv("1", 10, "-100")], "A", ON) == Decimal("0.00")


def test_gdpr_gate_and_age_of_the_bureau_answer():
    assert may_ask_bureau(is_consumer=False, legitimate_interest=False)
    assert not may_ask_bureau(is_consumer=True, legitimate_interest=False)
    assert may_ask_bureau(is_consumer=True, legitimate_interest=True)
    answer = BureauResult(80, None, ON - timedelta(days=30), "x")
    assert bureau_due(None, ON, 30) and not bureau_due(answer, ON, 30) and bureau_due(answer, ON, 29)


def test_the_record_round_trips_through_its_stored_form():
    record = CreditRecord("t", "K", credit_limit=Decimal("250.00"), legitimate_interest=True,
                          figures=Exposure(Decimal("300.00"), Decimal("100.00"), 45),
                          risk_class="C", suggested_limit=Decimal("500.00"), hold=True,
                          prepayment=True, reasons=(("exposure_over_limit:hold", "300.00 > 250.00"),),
                          hold_seq=2, refreshed_on=ON,
                          bureau=BureauResult(61, Decimal("1000.00"), ON, "fake"), version=3)
    assert record_from_json("t", "K", record_to_json(record), 3) == record
    assert record.over_limit and not CreditRecord("t", "K").over_limit


@pytest.mark.parametrize("doc, field, code", [
    ({"rules": [{"kind": "overdue_days", "above": "30"}]}, "credit.rules[0].above", "credit_rule_days"),
    ({"rules": [{"kind": "risk_class", "at_least": "A"}]}, "credit.rules[0].at_least",
     "credit_rule_class"),
    ({"rules": [{"kind": "limit"}]}, "credit.rules[0].kind", "credit_rule_kind"),
    ({"rules": [{"kind": "exposure_over_limit", "action": "warn"}]}, "credit.rules[0].action",
     "credit_rule_action"),
    ({"rules": [{"kind": "exposure_over_limit", "extra": 1}]}, "credit.rules[0]", "credit_rule_object"),
    ({"rules": [7]}, "credit.rules[0]", "credit_rule_object"),
    ({"rules": {}}, "credit.rules", "credit_rules_list"),
    ({"bureau_max_age_days": 0}, "credit.bureau_max_age_days", "credit_age"),
    ({"bureau_check": 1}, "credit.bureau_check", "credit_bool"),
])
def test_credit_settings_name_the_field_and_a_code(doc, field, code):
    with pytest.raises(Exception) as caught:
        check_credit(doc)
    problems = caught.value.problems if isinstance(caught.value, SettingsInvalid) \
        else [caught.value.problem]
    assert [(p.field, p.code) for p in problems] == [(field, code)]


def test_every_refused_rule_is_reported_at_once():
    with pytest.raises(SettingsInvalid) as caught:
        check_credit({"rules": [{"kind": "x"}, {"kind": "overdue_days", "above": 5},
                                {"kind": "risk_class"}]})
    assert [p.field for p in caught.value.problems] == ["credit.rules[0].kind",
                                                        "credit.rules[2].at_least"]


def test_hold_events_have_one_id_per_hold_and_match_their_schema():
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    args = ("acme", "K-1")
    figures = (Decimal("300.00"), Decimal("0.00"), 0, "B", at)
    set1 = events.credit_hold(*args, True, 1, ["exposure_over_limit:hold"], *figures)
    again = events.credit_hold(*args, True, 1, ["exposure_over_limit:hold"], *figures)
    released = events.credit_hold(*args, False, 1, [], *figures)
    set2 = events.credit_hold(*args, True, 2, ["exposure_over_limit:hold"], *figures)
    assert set1.event_id == again.event_id
    assert len({set1.event_id, released.event_id, set2.event_id}) == 3
    for event in (set1, released, set2):
        jsonschema.validate(event.detail(), events.SCHEMAS[event.type])
