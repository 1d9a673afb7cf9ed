"""Money is Decimal, always. One place for parsing, rounding and formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import MahnwerkError
from .reasons import Reason

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class AmountError(MahnwerkError, ValueError):
    """A text that should be an amount is not one."""

    code, status, message = "invalid_amount", 400, "not an amount"


def cents(value: Decimal | int | str) -> Decimal:
    """Round to cents, commercial rounding (half up), as German accounting expects."""
    try:
        amount = Decimal(value)
        if not amount.is_finite():  # a quiet NaN would pass quantize unrefused
            raise InvalidOperation
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the context's precision, NaN, infinity
        raise AmountError(Reason("amount_unhandled", text=str(value)[:40])) from exc


def to_str(value: Decimal) -> str:
    """The stable wire format: two decimals, dot, no grouping (e.g. ``1234.50``)."""
    return f"{cents(value):.2f}"


def from_str(text: str) -> Decimal:
    """Read the wire format back (strict: what ``to_str`` writes, plus a sign)."""
    try:
        return cents(Decimal(text))
    except (InvalidOperation, TypeError) as exc:
        raise AmountError(Reason("amount_invalid", text=text)) from exc


def format_amount(value: Decimal, locale: str = "de", currency: str = "EUR") -> str:
    """Format for letters: ``1.234,56 €`` (de) or ``€1,234.56`` (en)."""
    q = cents(value)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    groups = f"{int(whole):,}"
    symbol = "€" if currency == "EUR" else currency
    if locale == "de":
        return f"{sign}{groups.replace(',', '.')},{frac} {symbol}"
    return f"{sign}{symbol}{groups}.{frac}" if symbol == "€" else f"{sign}{groups}.{frac} {symbol}"
