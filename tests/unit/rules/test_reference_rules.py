"""The RF creditor reference (ISO 11649) on our letters, as the debtor's bank checks it, and how alike
two payer names are."""

import pytest

from mahnwerk.domain.names import name_similarity
from mahnwerk.domain.references import format_rf, parse_rf, rf_payload, rf_reference, rf_valid


def test_the_reference_of_one_invoice_is_its_number_with_check_digits():
    assert rf_reference("RE-2026-0042") == "RF97RE20260042"
    assert rf_valid("RF97RE20260042") and not rf_valid("RF98RE20260042")
    assert format_rf("rf97re20260042") == "RF97 RE20 2600 42"  # printed in groups of four, capitals
    assert format_rf("RF97 RE20 2600 42") == "RF97 RE20 2600 42"
    # the debtor may type it in small letters and with spaces: it is still ours
    assert parse_rf("rf97 re20 2600 42") == "RE20260042"


def test_a_number_of_exactly_21_characters_is_its_own_reference_a_longer_one_is_hashed():
    assert rf_payload("ABCDEFGHIJKLMNOPQRSTU") == "ABCDEFGHIJKLMNOPQRSTU"
    # 30 characters do not fit: a fixed 21-character hash stands for the number (the index resolves it)
    assert rf_payload("A" * 30) == "HY2P65NXNZQS1FM6GRMRJ"
    assert rf_reference("A" * 30) == "RF32HY2P65NXNZQS1FM6GRMRJ"


def test_a_number_without_ascii_letters_or_digits_gets_no_reference():
    for number in ("Ü-1", "---"):
        with pytest.raises(ValueError) as refused:
            rf_payload(number)
        assert str(refused.value) == (f"no RF reference for {[number]!r}: "
                                      "numbers need ASCII letters or digits")


def test_several_invoices_that_do_not_fit_go_into_the_free_text_instead():
    with pytest.raises(ValueError) as refused:
        rf_payload(["RE-2026-00001", "RE-2026-00002"])  # 2 × 11 characters
    assert str(refused.value) == ("2 invoice numbers do not fit in one RF reference (21 characters); "
                                  "name them in the free text (remittance) instead")


def test_umlauts_legal_forms_and_capitals_do_not_make_two_names_different():
    assert name_similarity("Müller Bau GmbH", "MUELLER BAU") == 1.0
    assert name_similarity("Müller Bau GmbH", "Schmidt Elektro") == 0.0


def test_a_reference_written_with_other_digits_than_0_to_9_is_not_ours():
    assert rf_valid("RF97RE20260042")
    assert not rf_valid("RF\u0669\u0667RE20260042")  # the check digits 97 in Arabic-Indic digits


def test_names_that_are_only_partly_alike_get_a_score_between_0_and_1():
    score = name_similarity("Müller Bau GmbH", "Müller Baustoffe Handel")
    assert 0.0 < score < 1.0
