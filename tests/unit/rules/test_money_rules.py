"""Money: cents, commercial rounding (half up), the wire format and the letter format."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mahnwerk.domain.dates import business_date, days, parse_iso_timestamp
from mahnwerk.domain.money import AmountError, cents, format_amount, from_str, to_str


def test_half_a_cent_is_rounded_up_as_german_accounting_expects():
    assert cents(Decimal("0.125")) == Decimal("0.13")  # a bank's rounding (half even) would give 0.12
    assert cents(Decimal("2.675")) == Decimal("2.68")
    assert cents(Decimal("-0.125")) == Decimal("-0.13")
    assert cents(7) == Decimal("7.00")
    assert cents("19.999") == Decimal("20.00")


def test_a_text_that_is_no_amount_is_refused_and_quoted_in_the_message():
    with pytest.raises(AmountError, match=r"^not an amount we can handle: 'Infinity'$"):
        cents(Decimal("Infinity"))
    huge = "9" * 60
    with pytest.raises(AmountError) as raised:
        cents(huge)
    assert str(raised.value) == f"not an amount we can handle: {huge[:40]!r}"  # quoted, cut at 40


def test_the_wire_format_has_two_decimals_a_dot_and_no_grouping():
    assert to_str(Decimal("1234.5")) == "1234.50"
    assert to_str(Decimal("-0.125")) == "-0.13"
    assert from_str("-1234.50") == Decimal("-1234.50")
    assert from_str("+7.005") == Decimal("7.01")
    with pytest.raises(AmountError, match=r"^not an amount: 'zwölf'$"):
        from_str("zwölf")
    with pytest.raises(AmountError, match=r"^not an amount: 'None'$"):
        from_str(None)  # type: ignore[arg-type]


def test_letters_show_amounts_the_way_the_reader_writes_them():
    assert format_amount(Decimal("1234567.891")) == "1.234.567,89 €"  # German is the default
    assert format_amount(Decimal("-1234.5"), "de") == "-1.234,50 €"
    assert format_amount(Decimal("0.5"), "de") == "0,50 €"
    assert format_amount(Decimal("0"), "de") == "0,00 €"  # nothing owed has no minus
    assert format_amount(Decimal("-0.001"), "en") == "€0.00"
    assert format_amount(Decimal("1234567.891"), "en") == "€1,234,567.89"
    assert format_amount(Decimal("-1234.5"), "en") == "-€1,234.50"
    # another currency is named by its code, after the amount
    assert format_amount(Decimal("1234.5"), "de", "CHF") == "1.234,50 CHF"
    assert format_amount(Decimal("-1234.5"), "en", "CHF") == "-1,234.50 CHF"
    assert format_amount(Decimal("1234.5"), "en", "EUR") == "€1,234.50"


def test_a_run_late_in_the_evening_utc_is_already_tomorrow_in_berlin():
    assert business_date(datetime(2026, 3, 14, 23, 30, tzinfo=UTC)).isoformat() == "2026-03-15"
    assert business_date(datetime(2026, 3, 14, 22, 59, tzinfo=UTC)).isoformat() == "2026-03-14"  # CET
    assert business_date(datetime(2026, 7, 14, 22, 0, tzinfo=UTC)).isoformat() == "2026-07-15"  # CEST
    with pytest.raises(ValueError, match=r"^naive datetime: business dates need a time zone$"):
        business_date(datetime(2026, 3, 14, 12, 0))


def test_aws_timestamps_are_read_with_their_time_zone():
    assert parse_iso_timestamp("2026-10-15T04:00:00Z") == datetime(2026, 10, 15, 4, 0, tzinfo=UTC)
    assert parse_iso_timestamp("2026-10-15T06:00:00+02:00") == datetime(
        2026, 10, 15, 6, 0, tzinfo=timezone(timedelta(hours=2)))
    with pytest.raises(ValueError, match=r"^timestamp without time zone: '2026-10-15T04:00:00'$"):
        parse_iso_timestamp("2026-10-15T04:00:00")
    assert days(14) == timedelta(days=14)
