"""The published JSON schema (docs/settings.schema.json) and the validator in the core agree."""

import copy
import json

import jsonschema
import pytest

from mahnwerk.domain.model import DomainError
from mahnwerk.domain.settings_doc import settings_from_dict

from ..conftest import ROOT

SCHEMA = json.loads((ROOT / "docs/settings.schema.json").read_text("utf-8"))
DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))


def schema_ok(doc):
    try:
        jsonschema.validate(doc, SCHEMA)
    except jsonschema.ValidationError:
        return False
    return True


def core_ok(doc):
    try:
        settings_from_dict("t", doc)
    except DomainError:
        return False
    return True


def test_the_schema_is_valid_and_accepts_the_demo_settings():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert schema_ok(DEMO) and core_ok(DEMO)


def mutate(path, value):
    doc = copy.deepcopy(DEMO)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize("path, value", [
    (("company", "name"), KeyError),
    (("company",), KeyError),
    (("locale",), "fr"),
    (("policy", "cooldown_days"), -1),
    (("policy", "consolidate"), "yes"),
    (("policy", "levels"), []),
    (("policy", "levels", 0, "tone"), "rude"),
    (("policy", "levels", 1, "fee"), "abc"),
    (("policy", "levels", 0, "channels"), ["fax"]),
    (("policy", "surprise"), 1),
    (("company", "slogan"), "x"),
    (("policy", "holiday_region"), "XX"),
    (("policy", "holiday_region"), "by"),
    (("policy", "holiday_region"), 9),
    (("policy", "levels", 1, "fee"), "250.00"),
    (("policy", "levels", 1, "fee"), "10.01"),
    (("policy", "levels", 2, "fee"), 999),
    (("policy", "levels", 1, "days"), 0),
    (("policy", "deadline_days"), 0),
    (("bank", "iban"), "DE12 3456 7890"),
    (("bank", "bic"), "BYLA"),
    (("inbox",), {"senders": "anna@example.org"}),
    (("inbox",), {"senders": ["not an address"]}),
    (("inbox",), {"token": "guessable"}),
    (("inbox",), {"other": 1}),
])
def test_what_the_schema_refuses_the_core_refuses(path, value):
    doc = mutate(path, value)
    assert not schema_ok(doc)
    assert not core_ok(doc)


def test_rules_beyond_a_schema_are_enforced_by_the_core():
    # §286 Abs. 1 BGB: the first reminder is free — JSON schema cannot express "first item only"
    doc = mutate(("policy", "levels", 0, "fee"), "5.00")
    assert schema_ok(doc) and not core_ok(doc)


@pytest.mark.parametrize("path, value", [
    (("bank", "iban"), "DE02120300000000202052"),  # check digits
    (("bank", "iban"), "DE97999999990000012345"),  # no such German bank code
    (("company", "vat_id"), "DE123456789"),  # check digit
    (("company", "email"), "buchhaltung@"),
    (("policy", "levels"), [{"name": "Inkasso", "days": 14, "action": "hand_over", "channels": []}]),
])
def test_what_only_the_core_can_check_it_refuses(path, value):
    doc = mutate(path, value)
    assert schema_ok(doc) and not core_ok(doc)


@pytest.mark.parametrize("fee", ["10.00", "10", 10, "2.51", "0"])
def test_schema_and_core_accept_fees_up_to_ten_euro(fee):
    doc = mutate(("policy", "levels", 2, "fee"), fee)
    assert schema_ok(doc) and core_ok(doc)


def test_schema_and_core_accept_every_land_and_none_as_holiday_region():
    from mahnwerk.domain.workdays import REGIONS

    for region in ("", *REGIONS):
        doc = mutate(("policy", "holiday_region"), region)
        assert schema_ok(doc) and core_ok(doc), region


def test_schema_and_core_accept_an_inbox_allow_list():
    doc = mutate(("inbox",), {"senders": ["anna@example.org", "@lieferant.de", "partner.example"]})
    assert schema_ok(doc) and core_ok(doc)
    assert settings_from_dict("t", doc).inbox_senders == ("anna@example.org", "lieferant.de",
                                                          "partner.example")


@pytest.mark.parametrize("credit", [
    {"rules": [{"kind": "overdue_days", "above": -1}]},
    {"rules": [{"kind": "overdue_days"}]},
    {"rules": [{"kind": "risk_class", "at_least": "B"}]},
    {"rules": [{"kind": "exposure_over_limit", "action": "stop"}]},
    {"rules": [{"kind": "nope"}]},
    {"rules": "overdue_days"},
    {"bureau_max_age_days": 0},
    {"bureau_check": "yes"},
    {"other": 1},
])
def test_credit_rules_the_schema_refuses_the_core_refuses(credit):
    doc = {**copy.deepcopy(DEMO), "credit": credit}
    assert not schema_ok(doc) and not core_ok(doc)


def test_credit_rules_both_accept():
    doc = {**copy.deepcopy(DEMO), "credit": {
        "rules": [{"kind": "overdue_days", "above": 30}, {"kind": "exposure_over_limit"},
                  {"kind": "risk_class", "at_least": "D", "action": "prepayment"}],
        "bureau_check": True, "bureau_max_age_days": 30}}
    assert schema_ok(doc) and core_ok(doc)
