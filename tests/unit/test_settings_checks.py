"""Settings that cannot hurt: what an owner types is checked before a letter can carry it."""

import copy
import json
from decimal import Decimal

import pytest

from mahnwerk.domain.model import DomainError
from mahnwerk.domain.policy import Action, Level, Policy
from mahnwerk.domain.settings_checks import SettingsInvalid, settings_warnings
from mahnwerk.domain.settings_doc import policy_from_dict, settings_from_dict

from ..conftest import ROOT

DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))


def doc_with(path, value):
    doc = copy.deepcopy(DEMO)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def refusal(path, value):
    with pytest.raises(SettingsInvalid) as caught:
        settings_from_dict("t", doc_with(path, value))
    return caught.value


@pytest.mark.parametrize("iban, code", [
    ("DE02120300000000202052", "iban_checksum"),  # the demo IBAN with its last digit mistyped
    ("DE12 3456 7890", "iban_length"),
    ("DE97999999990000012345", "iban_bank_unknown"),  # valid check digits, no such bank code
    ("XX89370400440532013000", "iban_country"),
])
def test_a_wrong_iban_is_refused_at_its_field(iban, code):
    exc = refusal(("bank", "iban"), iban)
    assert [(p.field, p.code) for p in exc.problems] == [("bank.iban", code)]
    assert str(exc).startswith("bank.iban: ")


def test_a_valid_iban_is_kept_compact_and_an_empty_one_means_no_bank_block():
    settings = settings_from_dict("t", doc_with(("bank", "iban"), "de89 3704 0044 0532 0130 00"))
    assert settings.bank.iban == "DE89370400440532013000"
    assert settings_from_dict("t", doc_with(("bank", "iban"), "")).bank.iban == ""


def test_a_bic_of_the_wrong_form_is_refused_and_an_empty_one_is_fine():
    exc = refusal(("bank", "bic"), "BYLA DEM")
    assert [(p.field, p.code) for p in exc.problems] == [("bank.bic", "bic_invalid")]
    assert settings_from_dict("t", doc_with(("bank", "bic"), "")).bank.bic == ""


def test_a_bic_that_is_not_the_ibans_bank_is_saved_with_a_warning():
    settings = settings_from_dict("t", doc_with(("bank", "bic"), "COBADEFFXXX"))
    assert [(w.field, w.code) for w in settings_warnings(settings)] == [("bank.bic", "bic_mismatch")]
    assert "BYLADEM1001" in settings_warnings(settings)[0].message
    assert settings_warnings(settings_from_dict("t", DEMO)) == []  # the demo's BIC is its IBAN's


@pytest.mark.parametrize("vat_id, code", [
    ("DE123456789", "vat_checksum"),
    ("123456788", "vat_country"),
    ("DE12345", "vat_invalid"),
])
def test_a_wrong_vat_id_is_refused(vat_id, code):
    exc = refusal(("company", "vat_id"), vat_id)
    assert [(p.field, p.code) for p in exc.problems] == [("company.vat_id", code)]


def test_a_valid_vat_id_is_kept_compact():
    assert settings_from_dict("t", doc_with(("company", "vat_id"), "DE 123 456 788")
                              ).company.vat_id == "DE123456788"


@pytest.mark.parametrize("path", [("company", "email"), ("sender_email",)])
@pytest.mark.parametrize("email", ["buchhaltung", "a@b", "a b@example.org", "x@exa mple.de",
                                   "mahnung@@example.org"])
def test_an_email_address_of_the_wrong_form_is_refused(path, email):
    exc = refusal(path, email)
    assert exc.problems[0].code == "email_invalid"
    assert exc.problems[0].field == ("company.email" if path[0] == "company"
                                     else "settings.sender_email")


@pytest.mark.parametrize("fee", ["250", "999.00", "10.01", 11])
def test_a_fee_above_ten_euro_is_refused_with_the_reason(fee):
    exc = refusal(("policy", "levels", 1, "fee"), fee)
    assert [(p.field, p.code) for p in exc.problems] == [("policy.levels[1].fee", "fee_max")]
    assert "BGH VIII ZR 95/18" in str(exc) and "material costs" in str(exc)


def test_a_fee_of_ten_euro_is_taken_and_above_two_fifty_warned():
    ten = settings_from_dict("t", doc_with(("policy", "levels", 2, "fee"), "10.00"))
    assert ten.policy.level(3).fee == Decimal("10.00")
    warned = settings_from_dict("t", doc_with(("policy", "levels", 1, "fee"), "2.51"))
    assert [(w.field, w.code) for w in settings_warnings(warned)] == [("policy.levels[1].fee",
                                                                       "fee_high")]
    assert settings_warnings(settings_from_dict("t", DEMO)) == []  # 2.50 is not warned


def test_no_policy_can_hold_a_fee_above_ten_euro_even_built_in_code():
    with pytest.raises(DomainError, match="BGH VIII ZR 95/18"):
        Policy(levels=(Level("Erinnerung", 7), Level("Mahnung", 14, fee=Decimal("10.01"))))


@pytest.mark.parametrize("path, field", [
    (("policy", "levels", 0, "days"), "policy.levels[0].days"),
    (("policy", "levels", 2, "days"), "policy.levels[2].days"),
    (("policy", "deadline_days"), "policy.deadline_days"),
])
def test_days_must_be_at_least_one(path, field):
    exc = refusal(path, 0)
    assert [(p.field, p.code) for p in exc.problems] == [(field, "whole_number")]
    assert "≥ 1" in str(exc)


def test_a_hand_over_needs_a_letter_before_it():
    levels = [{"name": "Inkasso", "days": 14, "action": "hand_over", "channels": []},
              {"name": "Mahnung", "days": 14}]
    with pytest.raises(SettingsInvalid) as caught:
        policy_from_dict({"levels": levels[:1]})
    assert [(p.field, p.code) for p in caught.value.problems] == [("policy.levels[0].action",
                                                                   "hand_over_first")]
    with pytest.raises(DomainError, match="before the hand-over"):
        Policy(levels=(Level("Inkasso", 14, action=Action.HAND_OVER),))


def test_a_negative_minimum_amount_is_refused():
    exc = refusal(("policy", "minimum_amount"), "-5")
    assert [(p.field, p.code) for p in exc.problems] == [("policy.minimum_amount", "negative")]


def test_every_refused_field_is_named_at_once():
    doc = doc_with(("bank", "iban"), "DE12 3456 7890")
    doc["company"]["vat_id"] = "DE123456789"
    doc["policy"]["levels"][1]["fee"] = "250"
    doc["policy"]["deadline_days"] = 0
    with pytest.raises(SettingsInvalid) as caught:
        settings_from_dict("t", doc)
    assert {p.field for p in caught.value.problems} == {
        "bank.iban", "company.vat_id", "policy.levels[1].fee", "policy.deadline_days"}
