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


def format_amount(value: Decimal, locale: str = "de", currency: str = "EUR", *,
                  bare: bool = False) -> str:
    """Format for letters in the currency's minor units: ``1.234,56 €`` (de) or ``€1,234.56``
    (en); ``1.234,56 CHF`` / ``1,234.56 CHF``; ``1.235 JPY`` (no decimals). ``currency=""``: the
    number alone, with two decimals."""
    from .currency import minor_units, round_minor, symbol

    q = round_minor(cents(value), currency) if currency else cents(value)
    sign = "-" if q < 0 else ""
    places = minor_units(currency) if currency else 2
    whole, frac = f"{abs(q):.2f}".split(".")
    groups = f"{int(whole):,}"
    mark = symbol(currency) if currency and not bare else ""
    if locale == "de":
        number = groups.replace(",", ".") + (f",{frac}" if places else "")
        return f"{sign}{number} {mark}"
    number = groups + (f".{frac}" if places else "")
    if not mark:
        return f"{sign}{number} "
    if len(mark) == 1:  # a symbol goes before the amount in English: €1,234.56, £9.50
        return f"{sign}{mark}{number}"
    return f"{sign}{number} {mark}"  # a code after it, as in German: 1,234.50 CHF
