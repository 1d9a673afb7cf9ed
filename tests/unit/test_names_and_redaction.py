"""One name folding, two rules on top of it: payment matching is lenient (ä = ae = a), finding a
person's name to redact it is strict (every word, umlauts spelled either way); retention periods
and redaction are pure rules of the domain."""

from datetime import date

import pytest

from mahnwerk.domain.names import find_name, fold, id_names_person, names_match, same_person
from mahnwerk.domain.redaction import REDACTED, pseudonym, redact_name, redacted_change
from mahnwerk.domain.retention import BANK, INVOICE, LETTER, RULES


@pytest.mark.parametrize("text, folded", [
    ("Şahin", "sahin"), ("Łukasz", "lukasz"), ("Straße", "strasse"), ("Müller", "muller"),
    ("ØSTERGAARD", "ostergaard"), ("Œuvre", "oeuvre"),
])
def test_one_folding_removes_case_accents_and_special_letters(text, folded):
    assert fold(text) == folded


def test_umlauts_can_be_spelled_out_instead():
    assert fold("Müller", spell_umlauts=True) == "mueller"


@pytest.mark.parametrize("a, b", [
    ("Müller Bau GmbH", "MUELLER BAU"), ("Mueller Bau", "Muller Bau"), ("Łukasz Nowak", "Lukasz Nowak"),
])
def test_payers_names_match_leniently(a, b):
    assert names_match(a, b)


@pytest.mark.parametrize("debtor, name, same", [
    ("MUELLER, ANNA", "Anna Müller", True),
    ("Muller Anna", "Anna Müller", True),
    ("Sahin Ayse", "Ayşe Şahin", True),
    ("Anna Muller", "Anna Mueller", False),  # written with "ae"/"ue" by the customer: kept apart
    ("Anna Müller-Schmidt", "Anna Müller", False),
])
def test_a_persons_name_is_found_strictly(debtor, name, same):
    assert same_person(debtor, name) is same


def test_the_name_is_redacted_from_a_text():
    text = "RE-1 Zahlung Anna Schmidt, Danke"
    assert find_name(text, "Anna Schmidt", whole_only=True) == [(13, 25)]
    assert redact_name(text, "Anna Schmidt", whole_only=True) == f"RE-1 Zahlung {REDACTED}, Danke"
    assert redact_name("Schmidt zahlt", "Anna Schmidt", whole_only=False) == f"{REDACTED} zahlt"


def test_customer_ids_made_from_the_name_are_noticed():
    assert id_names_person("N-ANNA-SCHMIDT", "Anna Schmidt")
    assert not id_names_person("K-1001", "Anna Schmidt")


def test_the_pseudonym_is_stable_and_made_from_ids_only():
    assert pseudonym("acme", "K-1") == pseudonym("acme", "K-1") != pseudonym("acme", "K-2")
    assert pseudonym("acme", "K-1").startswith("gelöscht/erased ")


def test_a_master_data_change_keeps_fields_who_and_when_but_not_the_person():
    detail = {"by": "api", "changes": {"name": ["Anna", "Anna S."], "country": ["DE", "AT"]},
              "file": "anna.csv"}
    assert redacted_change(detail) == {"by": "api", "file": REDACTED, "changes": {
        "name": [REDACTED, REDACTED], "country": ["DE", "AT"]}}


def test_retention_ends_with_the_last_year_of_the_period():
    assert LETTER.until(date(2026, 3, 1)) == date(2032, 12, 31)
    assert INVOICE.until(date(2026, 12, 31)) == date(2034, 12, 31)
    assert RULES[BANK.id].years == 8
