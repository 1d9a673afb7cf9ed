"""Amounts as German, English and Swiss exports write them: each example is read to the cent, and
what no bookkeeper would write is refused with the text quoted."""


import pytest

from mahnwerk.domain.money import AmountError
from mahnwerk.intake.values import parse_amount


@pytest.mark.parametrize("text, amount", [
    ("(5,01)", "-5.01"),          # accounting brackets: a negative amount, to the last cent
    ("12,01-", "-12.01"),         # SAP's trailing minus
    ("-12.01", "-12.01"),         # English with a minus
    ("+12,01", "12.01"),          # an explicit plus
    ("1'234.56", "1234.56"),      # Swiss grouping
    ("1\u00a0234,56", "1234.56"),  # a no-break space as grouping (Excel)
    ("1 234,56 EUR", "1234.56"),
    (",50", "0.50"),              # no digit before the comma
    ("123.456,78", "123456.78"),  # groups of three before the comma
    ("12.345", "12345.00"),       # German thousands only
    ("1,234,567.89", "1234567.89"),
])
def test_amounts_read_to_the_cent(text, amount):
    assert str(parse_amount(text)) == amount


def test_minus_zero_is_zero():
    assert str(parse_amount("-0,00")) == "0.00"
    assert str(parse_amount("-0.00")) == "0.00"


@pytest.mark.parametrize("text", [
    "5,00)", "(5,00",      # half a bracket
    "12.34,56",            # a German group of two digits
    "1234.567,89",         # a German group of four digits
    "1,234.567,89",        # a comma after the decimal point
    "1,23.45",             # an English group of two digits
    "1.234,.",             # a dot after the decimal comma
    ".",
])
def test_what_no_bookkeeper_writes_is_refused_with_the_text(text):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == f"amount is not a number: {text!r}"
