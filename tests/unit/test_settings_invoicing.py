"""The invoicing settings (Mahnwerk writes the invoices itself): validated by the core, published in
docs/settings.schema.json, and the two agree."""

import copy
import json
import re
from decimal import Decimal

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


def with_invoicing(invoicing):
    doc = copy.deepcopy(DEMO)
    doc["invoicing"] = invoicing
    return doc


@pytest.mark.parametrize("invoicing", [
    {"send_invoices": True},
    {"send_invoices": True, "vat_rate": "7", "line_text": "Wartung Heizungsanlage"},
    {"send_invoices": True, "vat_rate": 19},
    {"send_invoices": True, "vat_rate": "5.5"},
    {"send_invoices": True, "small_business": True, "tax_number": "12/345/67890"},
    {},
])
def test_schema_and_core_accept_an_invoicing_section(invoicing):
    doc = with_invoicing(invoicing)
    assert schema_ok(doc) and core_ok(doc)


@pytest.mark.parametrize("invoicing", [
    {"send_invoices": "yes"},
    {"vat_rate": "0"},
    {"vat_rate": 0},
    {"vat_rate": "100"},
    {"vat_rate": "neunzehn"},
    {"vat_rate": "19.123"},
    {"small_business": 1},
    {"line_text": "x" * 201},
    {"surprise": True},
])
def test_what_the_schema_refuses_the_core_refuses(invoicing):
    doc = with_invoicing(invoicing)
    assert not schema_ok(doc)
    assert not core_ok(doc)


def test_opting_in_needs_what_an_invoice_must_name_which_only_the_core_can_check():
    # §14 Abs. 4 UStG / EN 16931: address, VAT id or tax number, IBAN: other sections of the document
    doc = with_invoicing({"send_invoices": True})
    doc["bank"] = {}
    assert schema_ok(doc) and not core_ok(doc)


@pytest.mark.parametrize("invoicing, company, message", [
    ({"send_invoices": True}, {"vat_id": ""}, "company.vat_id or invoicing.tax_number"),
    ({"send_invoices": True}, {"address": {"city": "Berlin"}}, "company.address.street"),
    ({"send_invoices": True}, {"vat_id": "123456789"}, "country code"),
    ({"send_invoices": True, "vat_rate": "0"}, {}, "vat_rate"),
    ({"vat_rate": "19.001"}, {}, "vat_rate"),
    ({"send_invoices": "yes"}, {}, "send_invoices"),
])
def test_settings_refuse_an_opt_in_that_could_not_write_a_lawful_invoice(invoicing, company, message):
    doc = copy.deepcopy(DEMO)
    doc["company"].update(company)
    doc["invoicing"] = invoicing
    with pytest.raises(DomainError, match=re.escape(message)):
        settings_from_dict("acme", doc)


def test_settings_default_to_not_sending_and_19_percent():
    conf = settings_from_dict("acme", DEMO)
    assert conf.invoicing.send_invoices is False and conf.invoicing.vat_rate == Decimal(19)
    doc = copy.deepcopy(DEMO)
    doc["bank"] = {}
    doc["invoicing"] = {"send_invoices": True}
    with pytest.raises(DomainError, match=re.escape("bank.iban")):
        settings_from_dict("acme", doc)
    doc["invoicing"] = {"send_invoices": False}  # without the opt-in nothing more is required
    assert settings_from_dict("acme", doc).invoicing.send_invoices is False
