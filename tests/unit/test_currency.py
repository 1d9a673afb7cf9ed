"""Invoices in other currencies: the ISO 4217 table, amounts in their minor units, letters and
reports in the invoice's currency, never a sum across currencies."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.currency import CurrencyError, check_currency, minor_units, round_minor
from mahnwerk.domain.dunning import decide, first_action_on
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Address, Customer, Invoice
from mahnwerk.domain.money import format_amount
from mahnwerk.domain.policy import default_policy
from mahnwerk.domain.reports import aging, aging_by_currency, dso_by_currency
from mahnwerk.domain.settings import Bank, Company, TenantSettings
from mahnwerk.letters.formatting import format_number
from mahnwerk.letters.pdf import epc_qr
from mahnwerk.letters.texts import compose, render_html, render_plain

POLICY = default_policy()
RATES = BaseRateTable(((date(2025, 1, 1), Decimal("2.27")),), known_through=date(2026, 12, 31))
DUE = date(2026, 3, 1)


def test_iso_4217_codes_are_accepted_and_others_refused_with_the_reason():
    assert [check_currency(c) for c in ("chf", " USD ", "JPY", "", "€")] == \
        ["CHF", "USD", "JPY", "EUR", "EUR"]
    with pytest.raises(CurrencyError, match="not an ISO 4217 currency code"):
        check_currency("XYZ")
    with pytest.raises(CurrencyError, match="more than two decimals"):
        check_currency("KWD")
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("CHF")) == (2, 0, 2)


def test_amounts_are_written_in_the_currencys_minor_units():
    assert format_amount(Decimal("1234.5"), "de", "CHF") == "1.234,50 CHF"
    assert format_amount(Decimal("1234.5"), "en", "GBP") == "£1,234.50"
    assert format_amount(Decimal("1234.5"), "de", "JPY") == "1.235 JPY"  # no decimals, half up
    assert format_amount(Decimal("1234.49"), "en", "JPY") == "1,234 JPY"
    assert format_number(Decimal("1234.5"), "de", "JPY") == "1.235"
    assert format_number(Decimal("1234.5"), "de", "CHF") == "1.234,50"
    assert round_minor(Decimal("10.5"), "JPY") == Decimal("11.00")


def invoice(number, currency="EUR", amount="1000.00", customer="K1"):
    return Invoice(tenant_id="t1", number=number, customer_id=customer,
                   issue_date=DUE - timedelta(days=14), due_date=DUE, amount=Decimal(amount),
                   open_amount=Decimal(amount), currency=currency,
                   next_action_on=first_action_on(DUE, POLICY))


BUSINESS = Customer("t1", "K1", "Alpen Handel AG", "ap@example.ch",
                    Address("Bahnhofstrasse 1", "8001", "Zürich", "CH"))
LATE = DUE + timedelta(days=60)  # in default (§286 Abs. 3), interest running


def test_a_foreign_invoice_is_dunned_in_its_currency_without_euro_fees():
    policy = dataclasses.replace(POLICY, flat_fee_b2b=True)
    plan = decide(BUSINESS, [invoice("CH-1", "CHF")], policy, RATES, LATE)
    assert plan is not None and plan.currency == "CHF"
    assert plan.interest > 0  # §288 interest, the same rule, on the CHF principal
    # the 40 EUR flat fee and the euro level fees are never added into a CHF total
    assert plan.flat_fee == plan.fee == Decimal("0.00")
    assert plan.total == plan.principal + plan.interest
    euro = decide(BUSINESS, [invoice("EU-1")], policy, RATES, LATE)
    assert euro is not None and euro.flat_fee == Decimal("40.00")
    assert euro.interest == plan.interest  # the same principal and days: the same interest


def test_a_customer_with_two_currencies_gets_one_letter_per_currency_never_a_sum():
    plan = decide(BUSINESS, [invoice("CH-1", "CHF"), invoice("EU-1")], POLICY, RATES, LATE)
    assert plan is not None
    assert plan.invoice_numbers == ("EU-1",) and plan.currency == "EUR"  # euro first
    assert {a.number for a in plan.advances} == {"EU-1"}  # CHF-1 waits for its own letter


def test_the_letter_shows_the_currency_and_says_why_there_is_no_girocode():
    settings = TenantSettings(tenant_id="t1", company=Company(name="Muster GmbH"),
                              bank=Bank(iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX"),
                              sender_email="mahnung@muster.de")
    plan = decide(BUSINESS, [invoice("CH-1", "CHF")], POLICY, RATES, LATE)
    assert plan is not None
    assert epc_qr(plan, settings) is None
    letter = compose(plan, BUSINESS, settings)
    text = render_plain(letter, plan, BUSINESS, settings)
    assert "1.000,00 CHF" in text and "€" not in text
    assert "EPC-QR-Code gilt nur für Überweisungen in Euro" in text
    assert "Beträge in CHF" in render_html(letter, plan, BUSINESS, settings)
    euro = decide(BUSINESS, [invoice("EU-1")], POLICY, RATES, LATE)
    assert euro is not None and epc_qr(euro, settings) is not None
    assert "GiroCode" not in render_plain(compose(euro, BUSINESS, settings), euro, BUSINESS, settings)


def test_reports_are_per_currency_euro_first_never_summed():
    book = [invoice("E1", amount="100.00"), invoice("C1", "CHF", "50.00"),
            invoice("U1", "USD", "70.00"), invoice("C2", "CHF", "25.00", customer="K2")]
    on = DUE + timedelta(days=10)
    reports = aging_by_currency(book, on)
    assert [(a.currency, a.total) for a in reports] == [
        ("EUR", Decimal("100.00")), ("CHF", Decimal("75.00")), ("USD", Decimal("70.00"))]
    assert aging(book, on).total == Decimal("100.00")  # the default is euro alone
    assert [d.currency for d in dso_by_currency(book, on)] == ["EUR", "CHF", "USD"]
    # without euro invoices the euro line is still first, at zero
    assert [(a.currency, a.total) for a in aging_by_currency(book[1:2], on)] == [
        ("EUR", Decimal("0.00")), ("CHF", Decimal("50.00"))]
