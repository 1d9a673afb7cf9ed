"""A whole column of amounts from an export is read exactly as each amount alone would be."""

import base64
import io

import pytest
from PIL import Image

from mahnwerk.domain import logo
from mahnwerk.domain.logo import MAX_SIDE, parse_logo
from mahnwerk.domain.model import DomainError
from mahnwerk.intake.values import parse_amount, parse_amounts


def column(*texts: str) -> list[str]:
    return [str(v) for v in parse_amounts(list(texts))]


def test_a_german_column_with_grouping_signs_and_euro_signs():
    assert column("1.234,56 €", "-12,00", "0,50€", "7,00") == ["1234.56", "-12.00", "0.50", "7.00"]


def test_an_english_column_with_grouping_and_euro_signs():
    assert column("1,234.56", "-12.00 €", "0.50€", "1,000,000.00") == ["1234.56", "-12.00", "0.50", "1000000.00"]


def test_minus_zero_is_zero_in_a_column_as_alone():
    assert column("-0,00", "5,00") == ["0.00", "5.00"] == [str(parse_amount(t)) for t in ("-0,00", "5,00")]
    assert column("-0.00", "5.00") == ["0.00", "5.00"]


def test_a_mixed_or_odd_column_is_read_amount_by_amount():
    assert column("1.234,56", "1,234.56", "EUR 99") == ["1234.56", "1234.56", "99.00"]
    assert column("123.456,78 EUR") == ["123456.78"]  # a group of three digits before the first dot
    assert column("1,000.00 EUR", "100.000,00 EUR") == ["1000.00", "100000.00"]
    # one cell with a line break in it is no amount, in a column as alone (not two amounts)
    with pytest.raises(ValueError, match="not a number"):
        parse_amounts(["12,00\n13,00", "1,00"])
    with pytest.raises(ValueError, match="not a number"):
        parse_amounts(["12,00", "zwölf"])
    assert parse_amounts([]) == []


def png(width: int, height: int) -> str:
    logo._parse.cache_clear()  # each logo is checked anew, not served from the cache
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_logo_may_be_one_pixel_up_to_4000_pixels_on_each_side():
    assert MAX_SIDE == 4000
    tiny = parse_logo(png(1, 1))
    assert (tiny.width, tiny.height) == (1, 1)
    wide = png(4000, 1)
    assert parse_logo(wide).width == 4000
    tall = png(1, 4000)
    assert parse_logo(tall).height == 4000
    for width, height in ((4001, 1), (1, 4001)):
        with pytest.raises(DomainError) as refused:
            parse_logo(png(width, height))
        assert str(refused.value) == f"company.logo: {width}×{height} pixels; at most 4000×4000"
