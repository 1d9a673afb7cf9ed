from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.money import AmountError, format_amount, from_str, to_str
from mahnwerk.intake.values import DateError, parse_amount, parse_date


@pytest.mark.parametrize("text, expected", [
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1234.5", "1234.50"),
    ("238,00 €", "238.00"), ("EUR 99", "99.00"), ("-12,00 €", "-12.00"), ("12,00-", "-12.00"),
    ("1.234", "1234.00"), ("1.234.567,8", "1234567.80"), ("0,005", "0.01"), ("€1,190.00", "1190.00"),
    ("1 190,00", "1190.00"), ("(5,00)", "-5.00"),
])
def test_amounts_in_german_and_english_notation(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1,2,3", "", "abc", "1.23.4", "12,34,56", "1..2", "--5"])
def test_non_amounts_are_refused_with_the_text(text):
    with pytest.raises(AmountError, match="not a number"):
        parse_amount(text)


@pytest.mark.parametrize("text, expected", [
    ("31.12.2026", date(2026, 12, 31)), ("31.12.26", date(2026, 12, 31)),
    ("2026-12-31", date(2026, 12, 31)), ("20261231", date(2026, 12, 31)),
    (" 01.02.2026 ", date(2026, 2, 1)),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2026", "tomorrow", "", "2026/31/12"])
def test_non_dates(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_wire_format_round_trips_and_rounds_half_up():
    assert to_str(Decimal("2.005")) == "2.01"
    assert from_str("119.00") == Decimal("119.00")
    with pytest.raises(AmountError):
        from_str("x")


def test_letter_format_per_locale():
    assert format_amount(Decimal("1234.5"), "de") == "1.234,50 €"
    assert format_amount(Decimal("1234.5"), "en") == "€1,234.50"
    assert format_amount(Decimal("-3"), "de") == "-3,00 €"
