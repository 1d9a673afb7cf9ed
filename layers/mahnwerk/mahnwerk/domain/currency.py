"""Currencies (ISO 4217): which codes Mahnwerk accepts, their minor units and how amounts in
them are rounded. Pure.

Invoices are dunned in the currency they were issued in. Amounts are stored with two decimals
(``money.to_str``), so a currency is accepted when it has two minor units (CHF, GBP, USD, …) or
none (JPY, KRW, …: amounts rounded to whole units). Currencies with three or four minor units
(BHD, KWD, OMR, …) cannot be stored without losing their last digit and are refused with that
reason; so are codes that are not active ISO 4217 codes, funds codes and precious metals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from .errors import MahnwerkError
from .reasons import Reason

EUR = "EUR"

#: Active ISO 4217 currency codes with two minor units (list of 2024; funds codes and metals
#: excluded).
_TWO = frozenset({
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
    "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR",
    "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR", "ZMW", "ZWG"
})
#: Active ISO 4217 codes without minor units.
_ZERO = frozenset({
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF"
})
#: Active ISO 4217 codes with three or four minor units: refused (amounts are stored in cents).
_FINER = frozenset({
    "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", "CLF", "UYW"
})

#: symbols printed instead of the code where they are unambiguous in a German letter
_SYMBOLS = {"EUR": "€", "GBP": "£"}


class CurrencyError(MahnwerkError, ValueError):
    """A currency code Mahnwerk cannot dun in."""

    code, status, message = "unsupported_currency", 400, "currency not supported"


def minor_units(currency: str) -> int:
    """The number of decimals of ``currency`` (2 for EUR, 0 for JPY)."""
    return 0 if currency in _ZERO else 2


def check_currency(code: str) -> str:
    """``code`` as an accepted ISO 4217 code (upper case, blanks removed); an empty code is EUR.
    CurrencyError with the reason otherwise."""
    text = (code or "").strip().upper()
    if text in ("", "€", "EURO"):
        return EUR
    if text in _TWO or text in _ZERO:
        return text
    if text in _FINER:
        raise CurrencyError(Reason("currency_decimals", currency=text))
    raise CurrencyError(Reason("currency_unknown", currency=text[:10]))


def is_supported(code: str) -> bool:
    try:
        check_currency(code)
    except CurrencyError:
        return False
    return True


def round_minor(value: Decimal, currency: str) -> Decimal:
    """``value`` rounded half up to the currency's minor units, kept with two decimals (the
    storage format): ``12.345 EUR`` → ``12.35``; ``1234.5 JPY`` → ``1235.00``."""
    unit = Decimal(1).scaleb(-minor_units(currency))
    return value.quantize(unit, rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))


def symbol(currency: str) -> str:
    """What letters print next to an amount: ``€``, ``£`` or the ISO code (``CHF``)."""
    return _SYMBOLS.get(currency, currency)


def ordered(currencies: Iterable[str]) -> list[str]:
    """Currencies in report order: EUR first, then alphabetically."""
    return sorted(set(currencies), key=lambda c: (c != EUR, c))


__all__ = ["EUR", "CurrencyError", "check_currency", "is_supported", "minor_units", "ordered",
           "round_minor", "symbol"]
