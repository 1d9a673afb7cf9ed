"""IBANs as text: the compact form we store and compare, and the groups of four we print.

Pure text rules only; whether an IBAN is valid (check digits, length of its country, a listed
bank code) is ``settings_checks.check_iban``.
"""

from __future__ import annotations

import re

#: what an IBAN looks like once compact: country, check digits, 10 to 30 letters or digits
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


def compact_iban(iban: str) -> str:
    """``de89 3704 0044 …`` -> ``DE8937040044…``: no whitespace, upper case."""
    return re.sub(r"\s+", "", iban).upper()


def format_iban(iban: str) -> str:
    """Groups of four, as printed on German letters: ``DE89 3704 0044 0532 0130 00``."""
    compact = compact_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def looks_like_iban(text: str) -> bool:
    """Whether a compact account id has the shape of an IBAN (not whether it is a valid one)."""
    return _IBAN_SHAPE.match(text) is not None


__all__ = ["compact_iban", "format_iban", "looks_like_iban"]
