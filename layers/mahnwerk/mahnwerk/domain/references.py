"""Invoice numbers in remittance texts, and the RF creditor reference (ISO 11649) our letters print.

Finding numbers is tolerant to case, spaces, dashes, dots and slashes inside the number, common
prefixes ("RE", "Rg.", "Rechnung Nr.", "Invoice", …) and several numbers in one transfer. A number
written without its letters ("2026/101" for RE-2026-101) is found when its digits are unambiguous
among the tenant's numbers. Never a guess: a fragment that fits several numbers is reported as
ambiguous. Pure.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

#: a number written with digits only (its letters left out) must have at least this many digits
MIN_CORE_DIGITS = 4
#: at most this many adjacent text tokens are joined to form one invoice number ("RE 2026 10 001")
MAX_WINDOW = 4
#: texts longer than this are cut (camt Ustrd is at most 140 characters per occurrence)
MAX_TEXT = 10_000

# --- invoice numbers in free text ---------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")
#: separators that may sit inside one invoice number ("RE 2026-101", "Nr. 2026/101")
_JOINABLE = " \t-/._:#"
#: a single one of these between two digits continues a digit run ("1001-2", "1.001", "10/2")
_TIGHT = frozenset("-/.,_:")
#: amounts and dates: never invoice numbers, and they must not be joined into one
_NOISE = re.compile(
    r"(?<![\w.,/-])(?:"
    r"\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?"  # 01.10.2026, 1.10.26, 01.10.
    r"|\d{4}-\d{2}-\d{2}"  # 2026-10-01
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"  # 1.001 / 1.001,50
    r"|\d+,\d{2}"  # 100,50
    r"|\d+\.\d{2}(?=\s?(?:EUR|€))"  # 100.50 EUR
    r")(?!\w|[.,/-]\d)",
    re.IGNORECASE,
)
#: words debtors write in front of a number; stripped when glued to it ("RG2026101", "Rechnung 2026")
_PREFIX = re.compile(
    r"RECHNUNGSNUMMER|RECHNUNGSNR|RECHNUNGEN|RECHNUNGS|RECHNUNG|RECHNR|RECHN|RGNR|RENR|RNR|RGN|RG|RE"
    r"|INVOICENO|INVOICES|INVOICE|INVNO|INV|NUMMER|NR|NO"
)
_RF_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[Rr][Ff]([0-9]{2})((?: ?[A-Za-z0-9]){1,21})")
_LEADING_LETTERS = re.compile(r"^\D+")
_NON_DIGITS = re.compile(r"\D+")
_RF_MAX_PAYLOAD = 21


def normalize_number(text: str) -> str:
    """An invoice number's comparable form: its letters and digits, upper case (``RE2026101``)."""
    return "".join(_TOKEN.findall(text)).upper()


@dataclass(frozen=True)
class NumberScan:
    """What a text says about invoice numbers."""

    #: numbers found unambiguously, in text order
    numbers: tuple[str, ...] = ()
    #: for each fragment that fits several numbers: those numbers (never resolved by guessing)
    ambiguous: tuple[tuple[str, ...], ...] = ()
    #: the subset of ``numbers`` found only by their digits (letters left out, or another prefix)
    weak: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.numbers and not self.ambiguous


class InvoiceIndex:
    """The tenant's invoice numbers, normalised, for finding them in remittance texts.

    Build once per tenant (linear in the numbers); ``scan``/``find`` are linear in the text: the
    text is cut into alphanumeric tokens, windows of up to ``MAX_WINDOW`` adjacent tokens are
    joined and looked up in dicts. A number is never found inside a longer digit run ("1001" in
    "210012" or in "4711-1001-5"), and a fragment that fits several numbers is reported as
    ambiguous rather than resolved.
    """

    def __init__(self, numbers: Iterable[str], *, min_core_digits: int = MIN_CORE_DIGITS) -> None:
        full: defaultdict[str, list[str]] = defaultdict(list)
        alias: defaultdict[str, list[str]] = defaultdict(list)
        hashed: defaultdict[str, list[str]] = defaultdict(list)
        seen: set[str] = set()
        for number in numbers:
            if number in seen:
                continue
            seen.add(number)
            key = normalize_number(number)
            if not key:
                continue
            full[key].append(number)
            if len(key) > _RF_MAX_PAYLOAD:
                hashed[_rf_hash(key)].append(number)
            digits = _NON_DIGITS.sub("", key)
            if len(digits) >= min_core_digits:
                for form in {_LEADING_LETTERS.sub("", key), digits} - {key}:
                    alias[form].append(number)
        self._full = {k: tuple(v) for k, v in full.items()}
        self._alias = {k: tuple(v) for k, v in alias.items() if k not in full}
        self._hashed = {k: tuple(v) for k, v in hashed.items()}
        self._count = len(seen)
        longest = max((len(k) for k in (*self._full, *self._alias)), default=0)
        self._max_key = longest + 20  # room for prefix words stripped before the lookup
        self._max_full = max((len(k) for k in self._full), default=0)

    def __len__(self) -> int:
        return self._count

    def find(self, text: str) -> list[str]:
        """The numbers named unambiguously in ``text``, in text order, each once."""
        return list(self.scan(text).numbers)

    def scan(self, text: str) -> NumberScan:
        if not text or not self._full:
            return NumberScan()
        text = text[:MAX_TEXT]
        hits: list[tuple[int, tuple[str, ...], bool]] = []  # (text position, numbers, exact)
        if "rf" in text or "RF" in text or "Rf" in text or "rF" in text:
            rf_hits, text = self._rf_hits(text)
            hits += rf_hits
        hits += self._token_hits(_NOISE.sub(" | ", text))
        hits.sort(key=lambda h: h[0])
        numbers: dict[str, None] = {}
        weak: set[str] = set()
        strong: set[str] = set()
        ambiguous: dict[tuple[str, ...], None] = {}
        for _, found, exact in hits:
            if len(found) == 1:
                numbers[found[0]] = None
                (strong if exact else weak).add(found[0])
            else:
                ambiguous[found] = None
        ambiguous_left = tuple(a for a in ambiguous if not any(n in numbers for n in a))
        return NumberScan(tuple(numbers), ambiguous_left, frozenset(weak - strong))

    # -- internals --

    def _lookup(self, key: str) -> tuple[tuple[str, ...], bool] | None:
        found = self._full.get(key)
        if found:
            return found, True
        found = self._alias.get(key)
        if found:
            return found, False
        pos = 0
        rests: list[str] = []
        while (m := _PREFIX.match(key, pos)) is not None and m.end() < len(key):
            pos = m.end()
            rests.append(key[pos:])
        for rest in rests:
            found = self._full.get(rest)
            if found:
                return found, True
        for rest in rests:
            if rest[0].isdigit():
                found = self._alias.get(rest)
                if found:
                    return found, False
        return None

    def _token_hits(self, text: str) -> list[tuple[int, tuple[str, ...], bool]]:
        tokens: list[str] = []
        starts: list[int] = []
        joined: list[bool] = []  # token i continues the number of token i-1
        chained: list[bool] = []  # token i continues the digit run of token i-1
        prev_end = 0
        for m in _TOKEN.finditer(text):
            token = m.group().upper()
            sep = text[prev_end : m.start()]
            if tokens:
                joined.append(len(sep) <= 3 and not sep.strip(_JOINABLE))
                chained.append(len(sep) == 1 and sep in _TIGHT and tokens[-1][-1].isdigit()
                               and token[0].isdigit())
            else:
                joined.append(False)
                chained.append(False)
            tokens.append(token)
            starts.append(m.start())
            prev_end = m.end()
        n = len(tokens)
        if not n:
            return []
        group_end = [0] * n
        for i in range(n - 1, -1, -1):
            group_end[i] = group_end[i + 1] if i + 1 < n and joined[i + 1] else i + 1

        spans: list[tuple[int, int, tuple[str, ...], bool]] = []
        i = 0
        while i < n:
            width = min(MAX_WINDOW, group_end[i] - i)
            for k in range(width, 0, -1):
                key = "".join(tokens[i : i + k])
                if len(key) > self._max_key:
                    continue
                found = self._lookup(key)
                if found is not None:
                    spans.append((i, i + k, found[0], found[1]))
                    i += k
                    break
            else:
                i += 1
        if not spans:
            return []

        # A digit run ("4711-1001-5", "1.001,5") must be explained completely by the numbers
        # found in it; otherwise a number found in it is a mere part of something longer.
        covered = [False] * n
        for start, end, _, _ in spans:
            for t in range(start, end):
                covered[t] = True
        chain_of = [0] * n
        chain_ok: list[bool] = []
        for t in range(n):
            if t and chained[t]:
                chain_of[t] = chain_of[t - 1]
                chain_ok[-1] = chain_ok[-1] and covered[t]
            else:
                chain_of[t] = len(chain_ok)
                chain_ok.append(covered[t])
        return [
            (starts[start], found, exact)
            for start, end, found, exact in spans
            if all(chain_ok[chain_of[t]] for t in range(start, end))
        ]

    def _rf_hits(self, text: str) -> tuple[list[tuple[int, tuple[str, ...], bool]], str]:
        """RF references in ``text`` that resolve to our numbers; the text comes back with every
        RF reference blanked, so its digit groups are not read as invoice numbers."""
        hits: list[tuple[int, tuple[str, ...], bool]] = []
        blanks: list[tuple[int, int]] = []
        for m in _RF_IN_TEXT.finditer(text):
            check, tail = m.group(1), m.group(2)
            payload = tail.replace(" ", "").upper()
            ends = []  # where the payload of each length ends in the text
            for pos, ch in enumerate(tail, start=m.start(2)):
                if ch != " ":
                    ends.append(pos + 1)
            for length in range(len(payload), 0, -1):
                if not rf_valid(f"RF{check}{payload[:length]}"):
                    continue
                end = ends[length - 1]
                found = self.resolve_rf(payload[:length])
                # a valid reference that is not ours is blanked too, if it ends at a word end
                if found or end == len(text) or not text[end].isalnum():
                    hits += [(m.start(), (number,), True) for number in found]
                    blanks.append((m.start(), end))
                    break
        for start, end in reversed(blanks):
            text = f"{text[:start]} | {text[end:]}"
        return hits, text

    def resolve_rf(self, payload: str) -> tuple[str, ...]:
        """The invoice numbers an RF payload we generated stands for: one tuple of numbers, or
        ``()`` when it stands for none or could be read in more than one way."""
        payload = payload.upper()
        hashed = self._hashed.get(payload) if len(payload) == _RF_MAX_PAYLOAD else None
        if hashed:
            return hashed if len(hashed) == 1 else ()
        # split the payload into normalised numbers; more than one way to split = ambiguous
        n = len(payload)
        ways = [0] * (n + 1)
        back: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
        ways[0] = 1
        for end in range(1, n + 1):
            for begin in range(max(0, end - self._max_full), end):
                if not ways[begin]:
                    continue
                found = self._full.get(payload[begin:end])
                if found:
                    ways[end] = min(2, ways[end] + ways[begin] * len(found))
                    back[end] = (begin, found)
        if ways[n] != 1:
            return ()
        numbers: list[str] = []
        end = n
        while end:
            step = back[end]
            assert step is not None
            numbers.append(step[1][0])
            end = step[0]
        return tuple(reversed(numbers))


def find_invoice_numbers(text: str, known: Collection[str]) -> list[str]:
    """The tenant's invoice numbers (``known``) named unambiguously in ``text``, in text order.

    Builds an index each call: to scan many texts, build one ``InvoiceIndex`` and call ``find``.
    """
    return InvoiceIndex(known).find(text)


# --- RF creditor reference (ISO 11649) ---------------------------------------------------------

def _rf_digits(text: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in text))


def _rf_hash(key: str) -> str:
    """A 21-character payload for a number too long to be its own payload."""
    value = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:14], "big")
    digits = []
    for _ in range(_RF_MAX_PAYLOAD - 1):
        value, rest = divmod(value, 36)
        digits.append("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest])
    return "H" + "".join(digits)


def rf_payload(numbers: str | Sequence[str]) -> str:
    """The reference part of our RF reference: the normalised invoice numbers, concatenated.

    One number longer than 21 characters is replaced by a hash of it (the index resolves it).
    Several numbers that do not fit together raise ``ValueError``: put them in the free text.
    """
    items = [numbers] if isinstance(numbers, str) else list(numbers)
    keys = [normalize_number(n) for n in dict.fromkeys(items)]
    if not keys or not all(keys) or not all(k.isascii() for k in keys):
        raise ValueError(f"no RF reference for {items!r}: numbers need ASCII letters or digits")
    payload = "".join(keys)
    if len(payload) <= _RF_MAX_PAYLOAD:
        return payload
    if len(keys) == 1:
        return _rf_hash(keys[0])
    raise ValueError(
        f"{len(keys)} invoice numbers do not fit in one RF reference (21 characters); "
        "name them in the free text (remittance) instead")


def rf_check_digits(payload: str) -> str:
    return f"{98 - _rf_digits(payload.upper() + 'RF00') % 97:02d}"


def rf_reference(numbers: str | Sequence[str]) -> str:
    """The ISO 11649 creditor reference for our letters: ``RF`` + check digits + payload."""
    payload = rf_payload(numbers)
    return f"RF{rf_check_digits(payload)}{payload}"


def format_rf(reference: str) -> str:
    """Groups of four, as printed: ``RF18 5390 0754 7034``."""
    compact = reference.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


_RF_SHAPE = re.compile(r"RF\d{2}[A-Z0-9]{1,21}")


def rf_valid(reference: str) -> bool:
    """Well-formed ISO 11649 reference whose check digits hold (mod 97 = 1)."""
    compact = reference.replace(" ", "").upper()
    if not _RF_SHAPE.fullmatch(compact) or not compact.isascii():
        return False
    return _rf_digits(compact[4:] + compact[:4]) % 97 == 1


def parse_rf(reference: str) -> str | None:
    """The payload of a valid RF reference (spaces allowed, any case), else None."""
    compact = reference.replace(" ", "").upper()
    return compact[4:] if rf_valid(compact) else None


__all__ = [
    "InvoiceIndex", "NumberScan", "find_invoice_numbers", "format_rf", "normalize_number",
    "parse_rf", "rf_check_digits", "rf_payload", "rf_reference", "rf_valid",
]
