"""Payments → open invoices: numbers in remittance texts, RF references, amount+IBAN/name,
suggestions, ambiguity, and settling (§§366, 367 BGB)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahnwerk.domain.dunning import NoticeLine
from mahnwerk.domain.matching import MatchMethod, match_payment
from mahnwerk.domain.model import Customer, InvoiceStatus
from mahnwerk.domain.names import name_similarity, names_match
from mahnwerk.domain.open_book import OpenBook, OpenItem
from mahnwerk.domain.references import (
    InvoiceIndex,
    find_invoice_numbers,
    format_rf,
    normalize_number,
    parse_rf,
    rf_check_digits,
    rf_reference,
    rf_valid,
)
from mahnwerk.domain.settling import settle
from mahnwerk.intake.bank_model import BankEntry

KNOWN = ["RE-2026-101", "RE-2026-102", "RE-1001", "RE-1002", "RE-17", "GS-5000", "RE-5000"]
INDEX = InvoiceIndex(KNOWN)
BOOKED = date(2026, 11, 2)
IBAN_K1 = "DE02120300000000202051"
IBAN_K2 = "DE02100100100006820101"
IBAN_SHARED = "DE89370400440532013000"


def entry(amount="100.00", remittance="", name="", iban="", reference="", credit=True,
          booked=BOOKED):
    return BankEntry(account_iban="DE00OWN", booking_date=booked, value_date=booked,
                     amount=Decimal(amount), currency="EUR", credit=credit,
                     remittance=remittance, structured_reference=reference,
                     debtor_name=name, debtor_iban=iban)


def item(number, customer, claim, principal=None, due=date(2026, 10, 1), name="", ibans=()):
    return OpenItem(number, customer, due, Decimal(claim), Decimal(principal or claim),
                    customer_name=name, ibans=frozenset(ibans))


@pytest.fixture(scope="module")
def book():
    return OpenBook([
        item("RE-2026-101", "K1", "119.00", name="Müller Bau GmbH", ibans=[IBAN_K1],
             due=date(2026, 9, 1)),
        item("RE-2026-102", "K1", "240.50", "200.00", name="Müller Bau GmbH", ibans=[IBAN_K1],
             due=date(2026, 10, 1)),
        item("RE-2026-103", "K2", "75.00", name="Schmidt & Söhne e.K.", ibans=[IBAN_K2]),
        item("RE-2026-104", "K3", "300.00", name="Bäckerei Weiß OHG"),
        item("RE-2026-105", "K4", "300.00", name="Elektro Krause KG"),
        item("RE-2026-106", "K5", "88.00", name="Autohaus Lange AG", ibans=[IBAN_SHARED]),
        item("RE-2026-107", "K6", "88.00", name="Lange Logistik GmbH", ibans=[IBAN_SHARED]),
        item("RE-2026-108", "K7", "55.55", name="Maria Hoffmann"),
        item("RE-2026-109", "K8", "55.55", name="HOFFMANN, MARIA"),
    ])


# --- invoice numbers in remittance texts -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "RE-2026-101", "RE 2026-101", "re2026101", "Re 2026 101", "Rechnung Nr. 2026/101",
    "Rechnungsnr. RE-2026-101", "Rechnungsnr.2026-101", "RG2026101", "Rg. 2026.101",
    "Invoice 2026-101", "INV 2026/101", "Ihre Rechnung RE 2026 101 vom 01.10.2026 Danke",
    "RE2026101 KD 4711", "rechnung: re-2026-101",
])
def test_one_number_in_the_usual_spellings(text):
    assert find_invoice_numbers(text, KNOWN) == ["RE-2026-101"]


@pytest.mark.parametrize("text", [
    "RE-1001 + RE-1002", "Rg. 1001, 1002", "Rg. 1001,1002", "Rechnungen 1001 und 1002",
    "RE 1001/1002", "RE1001 RE1002", "Invoices INV-1001; INV-1002",
])
def test_several_numbers_in_one_transfer_in_text_order(text):
    assert INDEX.find(text) == ["RE-1001", "RE-1002"]


@pytest.mark.parametrize("text", [
    "210012",  # 1001 inside a longer digit run
    "Kunde 10010",
    "4711-1001-5",  # a compound number that is not ours
    "RE-1001-2",
    "E2E-210012-X",
    "Betrag 1.001,50 EUR",  # amounts and dates are never numbers
    "1001,50 EUR",
    "Zahlung vom 10.01.",
    "17",  # too short to be found without its letters
    "NOTPROVIDED",
    "",
])
def test_no_number_inside_something_longer_or_in_amounts_and_dates(text):
    assert INDEX.find(text) == []


def test_short_numbers_need_their_letters():
    assert INDEX.find("RE17") == ["RE-17"]
    assert INDEX.find("Rechnung 17") == []


def test_a_number_that_fits_several_invoices_is_reported_not_guessed():
    scan = INDEX.scan("Rechnung 5000")
    assert scan.numbers == ()
    assert scan.ambiguous == (("GS-5000", "RE-5000"),)
    assert INDEX.find("Rechnung 5000") == []
    assert INDEX.find("RE-5000") == ["RE-5000"]  # with its letters it is exact


def test_numbers_found_only_by_their_digits_are_marked_weak():
    assert INDEX.scan("2026/101").weak == {"RE-2026-101"}
    assert INDEX.scan("RE 2026/101").weak == frozenset()


def test_normalize_number():
    assert normalize_number("re-2026/101 ") == "RE2026101"


# --- RF creditor reference (ISO 11649) ---------------------------------------------------------

def _mod97(reference: str) -> int:
    moved = reference[4:] + reference[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97


def test_the_iso_11649_example():
    assert rf_check_digits("539007547034") == "18"
    assert rf_valid("RF18 5390 0754 7034")
    assert parse_rf("rf18 5390 0754 7034") == "539007547034"
    assert parse_rf("RF19 5390 0754 7034") is None
    assert parse_rf("RF18") is None


@pytest.mark.parametrize("numbers", [
    "RE-2026-101", ["RE-1001", "RE-1002"], "R-1", "2026/00042", ["RE-2026-101", "RE-2026-102"],
])
def test_rf_round_trip(numbers):
    reference = rf_reference(numbers)
    assert reference.startswith("RF") and len(reference) <= 25
    assert _mod97(reference) == 1
    assert rf_valid(reference) and rf_valid(format_rf(reference))
    expected = [numbers] if isinstance(numbers, str) else numbers
    index = InvoiceIndex([*KNOWN, "R-1", "2026/00042"])
    assert index.find(reference) == expected
    assert index.find(format_rf(reference).lower()) == expected
    assert list(index.resolve_rf(parse_rf(reference) or "")) == expected


def test_rf_for_a_long_number_is_a_hash_the_index_resolves():
    long_number = "PROJEKT-2026-KUNDE-4711-TEILRECHNUNG-3"
    reference = rf_reference(long_number)
    assert len(reference) == 25 and _mod97(reference) == 1
    assert InvoiceIndex([long_number, *KNOWN]).find(reference) == [long_number]


def test_rf_for_too_many_numbers_says_so():
    with pytest.raises(ValueError, match="free text"):
        rf_reference(["RE-2026-101", "RE-2026-102", "RE-2026-103"])
    with pytest.raises(ValueError):
        rf_reference([])


def test_rf_digit_groups_are_not_read_as_numbers():
    index = InvoiceIndex(["RE-5390", "RE-1002"])
    assert index.find("RF18 5390 0754 7034 RE 1002") == ["RE-1002"]


# --- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("Müller Bau GmbH", "MUELLER BAU"),
    ("Müller Bau GmbH", "Muller Bau GmbH & Co. KG"),
    ("Schmidt & Söhne e.K.", "SCHMIDT UND SOEHNE"),
    ("Bäckerei Weiß OHG", "Baeckerei Weiss"),
    ("Hans Müller", "Müller, Hans-Peter"),
    ("Mustermann Bauunternehmung UG (haftungsbeschränkt)", "MUSTERMANN BAUUNTERNEH"),  # truncated
    ("Dr. Anna Łukasiewicz", "ANNA LUKASIEWICZ"),
])
def test_names_that_match(a, b):
    assert names_match(a, b), name_similarity(a, b)


@pytest.mark.parametrize("a, b", [
    ("Thomas Müller", "Müller Bau GmbH"), ("Elektro Krause KG", "Bäckerei Weiß OHG"),
    ("", "Müller"), ("GmbH", "AG"),
])
def test_names_that_do_not(a, b):
    assert not names_match(a, b)


# --- matching --------------------------------------------------------------------------------

def test_reference_wins_and_keeps_the_order_named(book):
    m = match_payment(entry("359.50", "RE-2026-102 RE-2026-101"), book)
    assert m.method == MatchMethod.REFERENCE == "reference"
    assert m.numbers == ("RE-2026-102", "RE-2026-101") and m.customer_id == "K1"
    assert m.confidence == 0.99  # the amount equals the claims named


def test_structured_reference_rf_or_plain(book):
    rf = match_payment(entry("75.00", reference=rf_reference("RE-2026-103")), book)
    plain = match_payment(entry("10.00", reference="RE-2026-103"), book)
    assert rf.method == plain.method == MatchMethod.REFERENCE
    assert rf.numbers == plain.numbers == ("RE-2026-103",)


def test_amount_and_known_iban(book):
    m = match_payment(entry("75.00", "Danke", name="Someone Else", iban="DE02 1001 0010 0006 8201 01"),
                      book)
    assert (m.method, m.numbers, m.customer_id) == (MatchMethod.AMOUNT_IBAN, ("RE-2026-103",), "K2")


def test_open_principal_and_the_sum_of_a_customer_count_as_exact(book):
    principal = match_payment(entry("200.00", iban=IBAN_K1), book)
    assert (principal.method, principal.numbers) == (MatchMethod.AMOUNT_IBAN, ("RE-2026-102",))
    everything = match_payment(entry("359.50", name="Müller Bau"), book)
    assert everything.method == MatchMethod.AMOUNT_NAME
    assert everything.numbers == ("RE-2026-101", "RE-2026-102")  # oldest due first


def test_typo_in_the_reference_but_exact_amount_and_name(book):
    m = match_payment(entry("300.00", "Rechnung RE-2026-140", name="BAECKEREI WEISS"), book)
    assert (m.method, m.numbers, m.customer_id) == (MatchMethod.AMOUNT_NAME, ("RE-2026-104",), "K3")
    assert 0.6 < m.confidence < 0.97


def test_unknown_payment_gets_ranked_suggestions(book):
    m = match_payment(entry("299.00", "Abschlag", name="Elektro Krause",
                            booked=date(2026, 10, 5)), book)
    assert m.method == MatchMethod.UNMATCHED and not m.matched
    assert m.numbers == () and m.customer_id is None
    assert 1 <= len(m.suggestions) <= 3
    best = m.suggestions[0]
    assert (best.number, best.customer_id) == ("RE-2026-105", "K4")
    assert "name" in best.why and "amount 299.00 vs claim 300.00" in best.why
    assert [s.score for s in m.suggestions] == sorted((s.score for s in m.suggestions), reverse=True)


def test_two_customers_that_fit_equally_are_not_guessed(book):
    by_name = match_payment(entry("55.55", name="Maria Hoffmann"), book)
    assert by_name.method == MatchMethod.UNMATCHED
    assert {s.customer_id for s in by_name.suggestions[:2]} == {"K7", "K8"}
    assert any("several customers" in n for n in by_name.notes)
    by_iban = match_payment(entry("88.00", iban=IBAN_SHARED), book)
    assert by_iban.method == MatchMethod.UNMATCHED
    assert {s.customer_id for s in by_iban.suggestions[:2]} == {"K5", "K6"}


def test_a_shared_iban_is_settled_by_the_name(book):
    m = match_payment(entry("88.00", name="Autohaus Lange", iban=IBAN_SHARED), book)
    assert (m.method, m.customer_id) == (MatchMethod.AMOUNT_IBAN, "K5")


def test_same_amount_two_customers_only_one_name_fits(book):
    m = match_payment(entry("300.00", name="Elektro Krause"), book)
    assert (m.method, m.numbers) == (MatchMethod.AMOUNT_NAME, ("RE-2026-105",))


def test_a_typo_that_hits_another_customers_invoice_is_overruled_by_amount_and_name(book):
    # RE-2026-103 exists (K2, 75.00), but 300.00 from "Bäckerei Weiß" is K3's RE-2026-104
    m = match_payment(entry("300.00", "RE-2026-103", name="Baeckerei Weiss"), book)
    assert (m.method, m.numbers, m.customer_id) == (MatchMethod.AMOUNT_NAME, ("RE-2026-104",), "K3")
    assert any("mistyped" in n for n in m.notes)
    by_iban = match_payment(entry("75.00", "RE-2026-104", iban=IBAN_K2), book)
    assert (by_iban.method, by_iban.customer_id) == (MatchMethod.AMOUNT_IBAN, "K2")


def test_a_typo_that_hits_a_sibling_invoice_keeps_the_designation_but_says_so(book):
    # §366 Abs. 1: what the debtor named decides; the amount fits their other invoice exactly
    m = match_payment(entry("119.00", "RE-2026-102", name="Müller Bau", iban=IBAN_K1), book)
    assert (m.method, m.numbers, m.customer_id) == (MatchMethod.REFERENCE, ("RE-2026-102",), "K1")
    assert m.confidence == 0.8 and any("RE-2026-101" in n and "mistyped" in n for n in m.notes)


def test_reference_and_amount_against_amount_and_iban_is_a_conflict():
    book = OpenBook([item("RE-1", "K1", "50.00", name="Alpha"),
                     item("RE-2", "K2", "50.00", name="Beta", ibans=[IBAN_K2])])
    m = match_payment(entry("50.00", "RE-1", iban=IBAN_K2), book)
    assert m.method == MatchMethod.UNMATCHED
    assert any("conflict" in n for n in m.notes)
    assert [s.number for s in m.suggestions[:2]] == ["RE-1", "RE-2"]  # what was named first


def test_digits_only_reference_with_nothing_else_pointing_there_has_low_confidence(book):
    lone = match_payment(entry("1.00", "Kd 2026/106"), book)
    assert (lone.method, lone.numbers, lone.confidence) == (
        MatchMethod.REFERENCE, ("RE-2026-106",), 0.75)
    named = match_payment(entry("1.00", "RE 2026-106", name="Autohaus Lange"), book)
    assert named.confidence == 0.97


def test_invoices_of_two_customers_in_one_transfer_are_not_split_by_guessing(book):
    m = match_payment(entry("375.00", "RE-2026-103 RE-2026-104"), book)
    assert m.method == MatchMethod.UNMATCHED
    assert {s.number for s in m.suggestions} >= {"RE-2026-103", "RE-2026-104"}


def test_a_settled_invoice_named_is_noted(book):
    tenant_index = InvoiceIndex([*book.items, "RE-2026-050"])
    m = match_payment(entry("12.00", "RE-2026-050"), book, index=tenant_index)
    assert m.method == MatchMethod.UNMATCHED
    assert any("not open: RE-2026-050" in n for n in m.notes)


def test_debits_are_not_payments(book):
    m = match_payment(entry("75.00", "RE-2026-103", credit=False), book)
    assert m.method == MatchMethod.UNMATCHED and m.suggestions == ()


def test_match_payment_builds_the_book_from_plain_items_and_customers():
    items = [item("A-1001", "K1", "10.00")]
    customers = {"K1": Customer("t1", "K1", "Gärtnerei Blum")}
    m = match_payment(entry("10.00", name="GAERTNEREI BLUM"), items, customers)
    assert (m.method, m.numbers) == (MatchMethod.AMOUNT_NAME, ("A-1001",))
    with pytest.raises(ValueError, match="twice"):
        OpenBook([*items, *items])


# --- settling --------------------------------------------------------------------------------

def line(number, due, open_amount, interest="0", fees="0", flat="0"):
    return NoticeLine(number, due, due, Decimal(open_amount), Decimal("0"), Decimal(open_amount),
                      1, 0, Decimal(interest), Decimal(fees), Decimal(flat))


def test_partial_payment_costs_then_interest_then_principal():
    claims = [line("R1", date(2026, 9, 1), "100.00", "1.20", "2.50", "40.00")]
    s = settle(Decimal("50.00"), claims, ["R1"])
    (r1,) = s.invoices
    assert (r1.fees, r1.flat_fee, r1.interest, r1.principal) == (
        Decimal("2.50"), Decimal("40.00"), Decimal("1.20"), Decimal("6.30"))
    assert r1.claim_before == Decimal("143.70") and r1.claim_after == Decimal("93.70")
    assert r1.principal_after == Decimal("93.70") and r1.status is InvoiceStatus.PARTIALLY_PAID
    assert s.partially_paid == ("R1",) and s.paid_in_full == ()
    assert (s.overpayment, s.shortfall, s.outcome) == (Decimal("0.00"), Decimal("93.70"), "underpaid")


def test_overpayment_becomes_a_credit():
    claims = [line("R1", date(2026, 9, 1), "100.00", "1.00")]
    s = settle(Decimal("150.00"), claims, ["R1"])
    assert s.paid_in_full == ("R1",) and s.invoices[0].status is InvoiceStatus.PAID
    assert (s.overpayment, s.shortfall, s.outcome, s.applied) == (
        Decimal("49.00"), Decimal("0.00"), "overpaid", Decimal("101.00"))


def test_exact_payment_of_two_named_invoices_in_the_order_named():
    claims = [line("OLD", date(2026, 8, 1), "50.00"), line("NEW", date(2026, 9, 1), "70.00")]
    s = settle(Decimal("120.00"), claims, ["NEW", "OLD"])
    assert [i.number for i in s.invoices] == ["NEW", "OLD"]
    assert s.outcome == "exact" and s.paid_in_full == ("NEW", "OLD")


def test_unnamed_payment_goes_oldest_first_and_the_shortfall_counts_named_untouched():
    claims = [line("NEW", date(2026, 9, 1), "70.00"), line("OLD", date(2026, 8, 1), "50.00")]
    s = settle(Decimal("60.00"), claims)
    assert [(i.number, i.principal) for i in s.invoices] == [
        ("OLD", Decimal("50.00")), ("NEW", Decimal("10.00"))]
    assert s.shortfall == Decimal("60.00")
    named = settle(Decimal("10.00"), claims, ["OLD", "NEW", "GONE"])
    assert named.shortfall == Decimal("110.00") and named.unknown_named == ("GONE",)
    assert settle(Decimal("0"), claims).invoices == ()
    with pytest.raises(ValueError):
        settle(Decimal("-1"), claims)


# --- properties -------------------------------------------------------------------------------

PIECES = ["RE", "Rg.", "Rechnung", "Nr.", "INV", "RF18", "RF", " ", " ", "-", "/", ".", ",", "+",
          "1001", "1002", "2026", "101", "0", "5000", "17", "ß", "Ä", "EUR", "€", "e.K."]
texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(PIECES), st.integers(0, 99_999).map(str)), max_size=40)
    .map("".join),
)
PROPERTY_KNOWN = [*KNOWN, "1001", "10011002", "R-2026-0001", "2026/101-B"]
PROPERTY_INDEX = InvoiceIndex(PROPERTY_KNOWN)


def _forms(number: str) -> set[str]:
    key = normalize_number(number)
    return {key, re.sub(r"^\D+", "", key), "".join(c for c in key if c.isdigit())} - {""}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_random_texts_never_raise_and_never_find_absent_numbers(text):
    found = PROPERTY_INDEX.find(text)
    scan = PROPERTY_INDEX.scan(text)
    assert len(found) == len(set(found)) and set(found) <= set(PROPERTY_KNOWN)
    compact = normalize_number(text)
    for number in found:  # every number found is written in the text (some form of it)
        assert any(form in compact for form in _forms(number)), (number, text)
    for group in scan.ambiguous:
        assert len(group) > 1 and not set(group) & set(found)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(texts, texts, st.text(max_size=40), st.decimals("0.01", "1000", places=2))
def test_random_payments_never_raise(book, remittance, reference, name, amount):
    m = match_payment(entry(str(amount), remittance, name=name, reference=reference), book)
    assert m.method in set(MatchMethod)
    assert len(m.suggestions) <= 3
    assert m.matched == bool(m.numbers)


# --- currencies --------------------------------------------------------------------------------

def chf_book():
    return OpenBook([
        OpenItem("RE-CHF-1", "K9", date(2026, 9, 1), Decimal("500.00"), Decimal("500.00"),
                 customer_name="Alpen Handel AG", ibans=frozenset({IBAN_K2}), currency="CHF"),
        item("RE-2026-201", "K1", "119.00", name="Müller Bau GmbH", ibans=[IBAN_K1]),
    ])


def test_a_euro_payment_never_settles_an_invoice_in_another_currency():
    book = chf_book()
    # named, the exact amount, the known IBAN: still not a CHF invoice paid in euro
    m = match_payment(entry("500.00", "RE-CHF-1", "Alpen Handel AG", IBAN_K2), book)
    assert not m.matched
    assert any("another currency" in note and "RE-CHF-1 (CHF)" in note for note in m.notes)
    assert all("RE-CHF-1" not in s.numbers for s in m.suggestions)


def test_a_payment_in_the_invoice_currency_settles_it():
    chf = dataclasses.replace(entry("500.00", "RE-CHF-1", "Alpen Handel AG"), currency="CHF")
    m = match_payment(chf, chf_book())
    assert (m.method, m.numbers) == (MatchMethod.REFERENCE, ("RE-CHF-1",))
    by_amount = dataclasses.replace(entry("500.00", "", "", IBAN_K2), currency="CHF")
    assert match_payment(by_amount, chf_book()).numbers == ("RE-CHF-1",)
    # and a CHF payment of a euro invoice's amount does not pay the euro invoice
    assert not match_payment(dataclasses.replace(entry("119.00", "", "", IBAN_K1), currency="CHF"),
                             chf_book()).matched
