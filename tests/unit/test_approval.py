"""policy.approval: which letters wait for the owner."""

import json
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


# --- wired in: the policy fields, the stored plan, the letter ------------------------------------

def test_the_settings_document_takes_the_rule_and_refuses_it_at_its_field():
    from mahnwerk.domain.settings_checks import SettingsInvalid
    from mahnwerk.domain.settings_doc import policy_from_dict

    assert policy_from_dict({}).approval == "none"
    policy = policy_from_dict({"approval": "above_amount", "approval_amount": "500.00"})
    assert (policy.approval, policy.approval_amount) == ("above_amount", Decimal("500.00"))
    assert policy_from_dict({"approval": "first_letter", "approval_amount": None}).approval_amount \
        is None
    for doc, field in (({"approval": "sometimes"}, "policy.approval"),
                       ({"approval": "above_amount"}, "policy.approval_amount"),
                       ({"approval": "above_amount", "approval_amount": "0"},
                        "policy.approval_amount"),
                       ({"approval": "all", "approval_amount": "-5"}, "policy.approval_amount")):
        with pytest.raises(SettingsInvalid) as refused:
            policy_from_dict(doc)
        assert [p.field for p in refused.value.problems] == [field], doc


def _plan():
    from datetime import date

    from mahnwerk.domain.dunning import decide
    from mahnwerk.domain.model import Customer, Invoice
    from mahnwerk.domain.policy import default_policy
    from mahnwerk.service.law import base_rates

    customer = Customer(tenant_id="t", customer_id="K-1", name="Anna Schmidt",
                        email="anna@example.org")
    invoice = Invoice(tenant_id="t", number="R-1", customer_id="K-1",
                      issue_date=date(2026, 9, 1), due_date=date(2026, 9, 15),
                      amount=Decimal("100.00"), open_amount=Decimal("100.00"),
                      next_action_on=date(2026, 9, 22))
    plan = decide(customer, [invoice], default_policy(), base_rates(),
                  date(2026, 11, 23))
    assert plan is not None
    return plan, customer, invoice


def test_a_waiting_plan_keeps_the_last_letter_and_the_note_through_storage():
    from dataclasses import replace
    from datetime import date

    from mahnwerk.domain.notices import plan_from_json, plan_to_json
    from mahnwerk.service.approvals import waiting_plan

    plan, _, invoice = _plan()
    earlier = invoice.with_changes(last_notice_on=date(2026, 10, 1))
    kept = replace(waiting_plan(plan, [earlier]), note="Gern auch in Raten.")
    assert kept.advances[0].last_notice_before == date(2026, 10, 1)
    again = plan_from_json(plan_to_json(kept))
    assert again == kept and again.note == "Gern auch in Raten."
    # a plan stored before these fields existed reads as before
    assert plan_from_json(plan_to_json(plan)).note == ""


def test_the_owners_note_ends_the_letter():
    from dataclasses import replace

    from mahnwerk.domain.settings_doc import settings_from_dict
    from mahnwerk.letters.texts import compose

    from ..conftest import ROOT

    doc = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    settings = settings_from_dict("t", doc)
    plan, customer, _ = _plan()
    assert "Raten" not in " ".join(compose(plan, customer, settings).paragraphs)
    letter = compose(replace(plan, note="Gern auch in Raten."), customer, settings)
    assert letter.paragraphs[-1] == "Gern auch in Raten."
