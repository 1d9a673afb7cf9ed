"""Reading numbers and dates the way German and English tools write them. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..domain.errors import MahnwerkError
from ..domain.money import AmountError, cents
from ..domain.reasons import Reason

_CURRENCY = re.compile(r"(€|EUR|eur|Euro)", re.UNICODE)
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%Y%m%d")


#: ASCII digits only, as everywhere in amounts (Decimal would also read other scripts' digits)
_PLAIN_DE = re.compile(r"-?(?:\d{1,3}(?:\.\d{3})*|\d+),\d{2}(?: ?€)?", re.ASCII)


def parse_amount(text: str) -> Decimal:
    """``1.234,56``, ``1,234.56``, ``1234.5``, ``-12,00 €``, ``EUR 99`` → Decimal with cents."""
    if _PLAIN_DE.fullmatch(text):  # the common German export: the hot path of big imports
        value = Decimal(text.rstrip(" €").replace(".", "").replace(",", "."))
        return value if value else abs(value)  # "-0,00" is 0.00, not -0.00
    raw = _CURRENCY.sub("", text or "").replace("\u00a0", "").replace(" ", "").strip()
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    if raw.endswith("-"):
        negative, raw = True, raw[:-1]
    if raw.startswith(("-", "+")):
        negative, raw = raw[0] == "-", raw[1:]
    if not raw or not re.fullmatch(r"[0-9.,']+", raw):
        raise AmountError(Reason("not_an_amount", text=text))
    raw = raw.replace("'", "")
    last_comma, last_dot = raw.rfind(","), raw.rfind(".")
    if last_comma > last_dot:  # German: 1.234,56
        if raw.count(",") > 1 or not _grouped(raw[:last_comma], "."):
            raise AmountError(Reason("not_an_amount", text=text))
        normalized = raw.replace(".", "").replace(",", ".")
    elif last_dot > last_comma:  # English: 1,234.56 — or German thousands only: 1.234
        head, tail = raw[:last_dot], raw[last_dot + 1 :]
        if raw.count(".") > 1 or (last_comma == -1 and len(tail) == 3 and head and "," not in head):
            # "1.234" / "1.234.567": dots as German thousands separators
            if not _grouped(raw, "."):
                raise AmountError(Reason("not_an_amount", text=text))
            normalized = raw.replace(".", "")
        else:
            if not _grouped(head, ","):
                raise AmountError(Reason("not_an_amount", text=text))
            normalized = raw.replace(",", "")
    else:
        normalized = raw
    try:
        value = Decimal(normalized)
    except InvalidOperation as exc:
        raise AmountError(Reason("not_an_amount", text=text)) from exc
    return cents(-value if negative else value)


#: a whole column of amounts in one common form, one per line: German ``1.234,56 €`` or English
#: ``1,234.56`` (two decimals; grouping, a minus and a euro sign optional)
_COLUMN_DE = re.compile(r"(?:-?(?:\d{1,3}(?:\.\d{3})*|\d+),\d{2}(?: ?€)?\n)*", re.ASCII)
_COLUMN_EN = re.compile(r"(?:-?(?:\d{1,3}(?:,\d{3})*|\d+)\.\d{2}(?: ?€)?\n)*", re.ASCII)


def parse_amounts(texts: Sequence[str]) -> list[Decimal]:
    """:func:`parse_amount` for a whole column, with the same results and errors.

    A column in one of the two common forms is checked by one match over all of it and converted
    with C-level string operations: half the cost of a Python call per amount, which matters for
    a 100,000-row export. Anything else goes amount by amount.
    """
    joined = "\n".join(texts) + "\n"
    if _COLUMN_DE.fullmatch(joined):
        plain = joined.replace("€", "").replace(" ", "").replace(".", "").replace(",", ".")
    elif _COLUMN_EN.fullmatch(joined):
        plain = joined.replace("€", "").replace(" ", "").replace(",", "")
    else:
        return list(map(parse_amount, texts))
    amounts = plain.split("\n")
    amounts.pop()  # after the last line break
    if len(amounts) != len(texts):  # a cell with a line break of its own: not one of the forms
        return list(map(parse_amount, texts))
    values = list(map(Decimal, amounts))
    if "-" in plain:  # "-0,00" is 0.00, not -0.00
        values = [value if value else abs(value) for value in values]
    return values


def _grouped(integer_part: str, sep: str) -> bool:
    """Thousands groups, if any, must have exactly three digits: '1.234' yes, '1.23.4' no."""
    if sep not in integer_part:
        return integer_part.isdigit() or integer_part == ""
    first, *rest = integer_part.split(sep)
    return first.isdigit() and len(first) <= 3 and all(len(g) == 3 and g.isdigit() for g in rest)


class DateError(MahnwerkError, ValueError):
    code, status, message = "invalid_date", 400, "not a date"


_DE_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=8192)
def parse_date(text: str) -> date:
    """``31.12.2026``, ``31.12.26``, ``2026-12-31``, ``31/12/2026``, ``20261231``."""
    raw = (text or "").strip()
    # fast paths for the two formats nearly every export uses (strptime is slow per row)
    m = _DE_DATE.fullmatch(raw)
    if m:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError as exc:
            raise DateError(Reason("not_a_date", text=text)) from exc
    m = _ISO_DATE.fullmatch(raw)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise DateError(Reason("not_a_date", text=text)) from exc
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise DateError(Reason("not_a_date", text=text))
