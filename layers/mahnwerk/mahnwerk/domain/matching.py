"""Which open invoices a bank payment pays, and what it settles on them (§§366, 367 BGB). Pure.

Matching, in this order (the first rule that decides wins; the rule is recorded in
``Match.method``):

1. ``reference`` — invoice numbers of the tenant found in the structured reference (an RF creditor
   reference per ISO 11649 as our letters print it, or any reference containing an invoice number)
   or in the remittance text. Tolerant to case, spaces, dashes, dots and slashes inside the number,
   common prefixes ("RE", "Rg.", "Rechnung Nr.", "Invoice", …) and several numbers in one transfer.
   A number written without its letters ("2026/101" for RE-2026-101) matches when its digits are
   unambiguous among the tenant's numbers. The referenced open invoices must belong to one
   customer. If the amount does not fit what was named but fits another customer exactly by rule
   2 or 3, the reference is taken as mistyped and that rule decides (noted, confidence − 0.1); if
   the amount fits what was named and amount + IBAN point to another customer, the conflict is
   reported (unmatched), not resolved. If the amount fits another invoice of the *same* customer,
   the designation still decides (§366 Abs. 1) but is noted as possibly mistyped.
2. ``amount+iban`` — the amount equals exactly one open invoice's claim total (principal, interest,
   fees, flat fee) or its open principal, or the sum over all open invoices of one customer, and the
   debtor IBAN is known for that customer.
3. ``amount+name`` — the same exact amount rule, and the debtor name matches the customer's name
   (normalised: case, umlauts, ß, accents, legal forms and titles removed; Dice token overlap
   ≥ 0.6 — tokens also match when one is a prefix of the other, for names the bank truncated — or
   difflib ratio ≥ 0.85 on the sorted tokens).
4. ``unmatched`` — with up to three suggestions: invoices named in the remittance first, then by
   score = 0.4·amount closeness + 0.3·name similarity + 0.1·date proximity (due date vs booking
   day) + 0.1·debtor IBAN known + 0.1·named in the remittance.

Never a guess: two customers that fit equally well (same rule, name scores within 0.05) make
the payment unmatched, with both as suggestions. Within one customer the candidates are preferred
single invoice claim total > single open principal > all open claims > all open principal, then
oldest due first (§366 Abs. 2).

Confidence: reference 0.99 when the amount equals the claims (or principal) named, 0.97 when the
numbers were written with their letters, 0.9 digits only, 0.75 digits only with neither IBAN nor
name pointing to the customer, at most 0.8 when the amount fits a sibling invoice; amount+iban
0.97 (name matches too) or 0.93; amount+name 0.6 + 0.3 × name score; 0 when unmatched.

Settling (``settle``) spreads a payment over a customer's claims with ``allocation.allocate``:
the named invoices first, then the others by due date; within an invoice costs → interest →
principal (§367 Abs. 1) — unless the debtor designated the principal (§367 Abs. 2: a reference
match, or an amount equal to open principal; ``Match.designated``), then principal first. What is
left is an over-payment (a customer credit); what stays open on the invoices named or touched is
the shortfall.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple, Protocol

from .allocation import allocate
from .dunning import NoticeLine
from .iban import compact_iban
from .model import Customer, InvoiceStatus
from .money import ZERO, cents

# --- thresholds ------------------------------------------------------------------------------

#: a number written with digits only (its letters left out) must have at least this many digits
MIN_CORE_DIGITS = 4
#: at most this many adjacent text tokens are joined to form one invoice number ("RE 2026 10 001")
MAX_WINDOW = 4
#: names match when the Dice overlap of their tokens reaches this …
NAME_TOKEN_OVERLAP = 0.6
#: … or the difflib ratio of their sorted tokens reaches this
NAME_RATIO = 0.85
#: two customers whose name scores differ by less than this fit equally well (ambiguous)
TIE_MARGIN = 0.05
#: suggestions offered for an unmatched payment
MAX_SUGGESTIONS = 3
#: suggestion score weights (they add up to 1)
W_AMOUNT, W_NAME, W_DATE, W_IBAN, W_REFERENCE = 0.4, 0.3, 0.1, 0.1, 0.1
#: texts longer than this are cut (camt Ustrd is at most 140 characters per occurrence)
MAX_TEXT = 10_000


class MatchMethod(StrEnum):
    REFERENCE = "reference"
    AMOUNT_IBAN = "amount+iban"
    AMOUNT_NAME = "amount+name"
    UNMATCHED = "unmatched"


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


# --- names ------------------------------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "æ": "ae", "ø": "o"})
_DOTTED_FORMS = re.compile(r"\be\.\s*(?:kfm|kfr|k|v)\b\.?|\bu\.\s*g\.|\bg\.\s*m\.\s*b\.\s*h\.")
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
#: legal forms, titles and filler words: they say nothing about who paid
_NAME_NOISE = frozenset({
    "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "gbr", "ug", "haftungsbeschrankt", "co", "ek", "ekfm",
    "ekfr", "ev", "ltd", "inc", "llc", "se", "partg", "mbb", "sarl", "bv", "nv", "plc", "gesellschaft",
    "und", "u", "the", "firma", "fa", "herr", "herrn", "frau", "dr", "prof", "dipl", "ing", "mr", "mrs",
})


class NameKey(NamedTuple):
    tokens: tuple[str, ...]  # sorted, unique, normalised
    joined: str  # the tokens joined by spaces (for difflib)


@lru_cache(maxsize=65_536)
def name_key(name: str) -> NameKey:
    """Case, umlauts (ä = ae = a), ß, accents, legal forms, titles and punctuation removed."""
    text = _DOTTED_FORMS.sub(" ", name.casefold())
    text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    tokens = set()
    for token in _TOKEN.findall(text):
        for digraph, letter in _DIGRAPHS:
            token = token.replace(digraph, letter)
        if token not in _NAME_NOISE and len(token) > 1:
            tokens.add(token)
    ordered = tuple(sorted(tokens))
    return NameKey(ordered, " ".join(ordered))


def _token_dice(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    rest = list(b)
    matched = 0
    for t in a:
        for j, u in enumerate(rest):
            if t == u or (min(len(t), len(u)) >= 4 and (t.startswith(u) or u.startswith(t))):
                matched += 1
                del rest[j]
                break
    return 2 * matched / (len(a) + len(b))


def _similarity(a: NameKey, b: NameKey) -> tuple[float, bool]:
    """(score 0…1, whether the names match by the rule)."""
    if not a.tokens or not b.tokens:
        return 0.0, False
    if a.joined == b.joined:
        return 1.0, True
    dice = _token_dice(a.tokens, b.tokens)
    if dice >= 1.0:
        return 1.0, True
    matcher = difflib.SequenceMatcher(None, a.joined, b.joined, autojunk=False)
    # the ratio is only worth computing when it could pass (its upper bounds reach NAME_RATIO)
    if matcher.real_quick_ratio() < NAME_RATIO or matcher.quick_ratio() < NAME_RATIO:
        return dice, dice >= NAME_TOKEN_OVERLAP
    ratio = matcher.ratio()
    return max(dice, ratio), dice >= NAME_TOKEN_OVERLAP or ratio >= NAME_RATIO


def name_similarity(a: str, b: str) -> float:
    """0…1: how alike two party names are (1.0 for "Müller Bau GmbH" / "MUELLER BAU")."""
    return _similarity(name_key(a), name_key(b))[0]


def names_match(a: str, b: str) -> bool:
    return _similarity(name_key(a), name_key(b))[1]


# --- open items and payments -------------------------------------------------------------------

class Payment(Protocol):
    """What matching reads from a bank entry (``intake.bank_model.BankEntry`` fits)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def booking_date(self) -> date: ...
    @property
    def remittance(self) -> str: ...
    @property
    def structured_reference(self) -> str: ...
    @property
    def debtor_name(self) -> str: ...
    @property
    def debtor_iban(self) -> str: ...
    @property
    def is_payment(self) -> bool: ...


@dataclass(frozen=True)
class OpenItem:
    """One open invoice of the tenant as matching sees it, with its claim as of the booking day."""

    number: str
    customer_id: str
    due_date: date
    #: principal + interest + fees + flat fee (``NoticeLine.total``)
    claim_total: Decimal
    open_principal: Decimal
    customer_name: str = ""
    #: IBANs this customer paid from before (any spacing/case)
    ibans: frozenset[str] = frozenset()
    currency: str = "EUR"

    @classmethod
    def from_line(cls, line: NoticeLine, customer: Customer, ibans: Iterable[str] = (),
                  currency: str = "EUR") -> OpenItem:
        """From ``dunning.claim_line`` (computed as of the booking date)."""
        return cls(line.number, customer.customer_id, line.due_date, cents(line.total),
                   cents(line.open_amount), customer.name, frozenset(ibans), currency)


@dataclass(frozen=True)
class Suggestion:
    numbers: tuple[str, ...]
    customer_id: str
    score: float
    why: str

    @property
    def number(self) -> str:
        return self.numbers[0]


@dataclass(frozen=True)
class Match:
    method: MatchMethod
    #: the invoices this payment is for, in the order to serve them
    numbers: tuple[str, ...] = ()
    customer_id: str | None = None
    confidence: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    #: why it was (not) matched: conflicts, ambiguity, references to invoices not open
    notes: tuple[str, ...] = ()
    #: §367 Abs. 2 BGB: the debtor designated the principal of ``numbers`` (named them, or paid
    #: exactly their open principal); otherwise §366 Abs. 2 / §367 Abs. 1 apply
    designated: bool = False

    @property
    def matched(self) -> bool:
        return self.method is not MatchMethod.UNMATCHED


def _to_cents(amount: Decimal) -> int:
    """Whole cents, commercial rounding (the same as ``money.cents``)."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


class _Candidate(NamedTuple):
    """Invoices an amount could be for: one invoice, or all open invoices of a customer."""

    customer_id: str
    numbers: tuple[str, ...]
    kind: int  # _KINDS index: lower is preferred
    amounts: tuple[int, int]  # cents: claim total, open principal
    due_date: date  # the oldest due date among ``numbers``


_KINDS = ("claim total", "open principal", "all open claims", "all open principal")
#: an amount equal to open principal designates that principal (§367 Abs. 2 BGB)
_PRINCIPAL_KINDS = (1, 3)


class _Pick(NamedTuple):
    candidate: _Candidate
    name_score: float


class OpenBook:
    """A tenant's open items indexed for matching: build once (linear), then ``match`` each
    payment in time independent of the number of open items (dict look-ups by amount, customer,
    IBAN and name token; a bisect for amounts near the payment's)."""

    def __init__(self, items: Iterable[OpenItem],
                 customers: Mapping[str, Customer] | None = None) -> None:
        self.items: dict[str, OpenItem] = {}
        by_customer: defaultdict[str, list[OpenItem]] = defaultdict(list)
        for item in items:
            if item.number in self.items:
                raise ValueError(f"invoice {item.number!r} is listed twice")
            self.items[item.number] = item
            by_customer[item.customer_id].append(item)
        self.by_customer: dict[str, tuple[OpenItem, ...]] = {}
        self._names: dict[str, NameKey] = {}
        self._ibans: dict[str, frozenset[str]] = {}
        self._by_iban: defaultdict[str, list[str]] = defaultdict(list)
        self._by_amount: defaultdict[tuple[str, int], list[_Candidate]] = defaultdict(list)
        self._by_token: defaultdict[str, list[str]] = defaultdict(list)
        self._sums: dict[str, _Candidate] = {}
        #: number → (claim total, open principal) in cents
        self._cents: dict[str, tuple[int, int]] = {}
        near_amounts: list[int] = []
        near_numbers: list[str] = []
        for cid, group in by_customer.items():
            group.sort(key=lambda it: (it.due_date, it.number))
            self.by_customer[cid] = tuple(group)
            name = next((it.customer_name for it in group if it.customer_name), "")
            if not name and customers is not None and cid in customers:
                name = customers[cid].name
            key = name_key(name)
            self._names[cid] = key
            for token in key.tokens:
                self._by_token[token].append(cid)
            ibans = frozenset(compact_iban(i) for it in group for i in it.ibans if i.strip())
            self._ibans[cid] = ibans
            for iban in ibans:
                self._by_iban[iban].append(cid)
            for it in group:
                claim, principal = _to_cents(it.claim_total), _to_cents(it.open_principal)
                self._cents[it.number] = (claim, principal)
                cand = _Candidate(cid, (it.number,), 0, (claim, principal), it.due_date)
                self._by_amount[(it.currency, claim)].append(cand)
                near_amounts.append(claim)
                near_numbers.append(it.number)
                if principal != claim:
                    self._by_amount[(it.currency, principal)].append(
                        _Candidate(cid, (it.number,), 1, (claim, principal), it.due_date))
                    near_amounts.append(principal)
                    near_numbers.append(it.number)
            currencies = {it.currency for it in group}
            if len(group) > 1 and len(currencies) == 1:
                currency = currencies.pop()
                claim = sum(self._cents[it.number][0] for it in group)
                principal = sum(self._cents[it.number][1] for it in group)
                numbers = tuple(it.number for it in group)
                whole = _Candidate(cid, numbers, 2, (claim, principal), group[0].due_date)
                self._sums[cid] = whole
                self._by_amount[(currency, claim)].append(whole)
                if principal != claim:
                    self._by_amount[(currency, principal)].append(
                        _Candidate(cid, numbers, 3, (claim, principal), group[0].due_date))
        order = sorted(range(len(near_amounts)), key=near_amounts.__getitem__)
        self._near_amounts = [near_amounts[i] for i in order]
        self._near_numbers = [near_numbers[i] for i in order]
        self.index = InvoiceIndex(self.items)

    def __len__(self) -> int:
        return len(self.items)

    # -- the decision --

    def match(self, entry: Payment, index: InvoiceIndex | None = None) -> Match:
        """Match one payment; ``index`` may hold all the tenant's numbers (paid ones too), so a
        payment naming a settled invoice is noticed; by default only open numbers are known."""
        if not entry.is_payment:
            return Match(MatchMethod.UNMATCHED, notes=("not a customer payment",))
        ctx = _Context(self, entry)
        idx = index if index is not None else self.index
        scan_ref = idx.scan(entry.structured_reference)
        scan_text = idx.scan(entry.remittance)
        named = tuple(dict.fromkeys(scan_ref.numbers + scan_text.numbers))
        weak = scan_ref.weak | scan_text.weak
        ctx.ambiguous = tuple(n for group in scan_ref.ambiguous + scan_text.ambiguous for n in group)
        notes: list[str] = []
        for group in scan_ref.ambiguous + scan_text.ambiguous:
            notes.append(f"reference fits several invoices: {', '.join(group)}")
        closed = [n for n in named if n not in self.items]
        if closed:
            notes.append(f"named but not open: {', '.join(closed)}")
        open_named = tuple(n for n in named if n in self.items)
        ctx.referenced = open_named

        by_amount = self._by_amount.get((ctx.currency, ctx.amount), [])
        iban_result = self._amount_iban(ctx, by_amount)

        name_result: _Pick | str | None = None
        typo = 0.0
        if open_named:
            owners = tuple(dict.fromkeys(self.items[n].customer_id for n in open_named))
            if len(owners) > 1:
                notes.append("the invoices named belong to different customers: "
                             + ", ".join(owners))
                return self._unmatched(ctx, notes)
            owner = owners[0]
            fits = ctx.amount in (sum(self._cents[n][0] for n in open_named),
                                  sum(self._cents[n][1] for n in open_named))
            other: _Pick | None = None
            iban_pick = iban_result if isinstance(iban_result, _Pick) else None
            if iban_pick is not None and iban_pick.candidate.customer_id != owner:
                other = iban_pick
            elif not fits and iban_pick is None:
                name_result = self._amount_name(ctx, by_amount)
                if isinstance(name_result, _Pick) and name_result.candidate.customer_id != owner:
                    other = name_result
            if other is None:
                weak_only = all(n in weak for n in open_named)
                confidence = 0.9 if weak_only else 0.97
                if fits:
                    confidence = 0.99
                elif weak_only and not (ctx.iban in self._ibans[owner] or ctx.name(owner)[1]):
                    confidence = 0.75  # digits only, and nothing else points to this customer
                if not fits:
                    sibling = next((c for c in by_amount if c.customer_id == owner), None)
                    if sibling is not None:
                        # §366 Abs. 1: the debtor's designation decides, but tell a human
                        notes.append(f"the amount equals the {_KINDS[sibling.kind]} of "
                                     f"{', '.join(sibling.numbers)} of the same customer: "
                                     "the reference may be mistyped")
                        confidence = min(confidence, 0.8)
                return Match(MatchMethod.REFERENCE, open_named, owner, confidence,
                             notes=tuple(notes), designated=True)
            if fits:
                notes.append(
                    f"conflict: the invoices named belong to customer {owner} and fit the amount, "
                    f"but amount and IBAN fit customer {other.candidate.customer_id}")
                return self._unmatched(ctx, notes)
            # the amount does not fit what was named, but fits another customer exactly: a typo
            notes.append(f"{', '.join(open_named)} (customer {owner}) named, but the amount does "
                         "not fit; taken as a mistyped reference")
            typo = 0.1

        if isinstance(iban_result, _Pick):
            cand = iban_result.candidate
            notes.append(f"amount equals the {_KINDS[cand.kind]}; debtor IBAN known")
            confidence = 0.97 if iban_result.name_score >= NAME_TOKEN_OVERLAP else 0.93
            return Match(MatchMethod.AMOUNT_IBAN, cand.numbers, cand.customer_id,
                         round(confidence - typo, 3), notes=tuple(notes),
                         designated=cand.kind in _PRINCIPAL_KINDS)
        if iban_result == "tie":
            notes.append("amount and IBAN fit several customers equally")
            return self._unmatched(ctx, notes)

        if name_result is None:
            name_result = self._amount_name(ctx, by_amount)
        if isinstance(name_result, _Pick):
            cand = name_result.candidate
            notes.append(f"amount equals the {_KINDS[cand.kind]}; name similarity "
                         f"{name_result.name_score:.2f}")
            return Match(MatchMethod.AMOUNT_NAME, cand.numbers, cand.customer_id,
                         round(0.6 + 0.3 * name_result.name_score - typo, 3), notes=tuple(notes),
                         designated=cand.kind in _PRINCIPAL_KINDS)
        if name_result == "tie":
            notes.append("amount and name fit several customers equally")
        return self._unmatched(ctx, notes)

    def _best_per_customer(self, cands: Iterable[_Candidate]) -> dict[str, _Candidate]:
        best: dict[str, _Candidate] = {}
        for cand in cands:
            held = best.get(cand.customer_id)
            if held is None or (cand.kind, cand.due_date, cand.numbers) < \
                    (held.kind, held.due_date, held.numbers):
                best[cand.customer_id] = cand
        return best

    def _decide(self, ctx: _Context, best: dict[str, _Candidate],
                require_name: bool) -> _Pick | str | None:
        scored = []
        for cid, cand in best.items():
            score, ok = ctx.name(cid)
            if ok or not require_name:
                scored.append((score if ok else 0.0, cand.kind, cid))
        if not scored:
            return None
        scored.sort(key=lambda s: (-s[0], s[1]))
        top = scored[0]
        if len(scored) > 1 and top[0] - scored[1][0] < TIE_MARGIN:
            return "tie"
        return _Pick(best[top[2]], top[0])

    def _amount_iban(self, ctx: _Context, by_amount: list[_Candidate]) -> _Pick | str | None:
        if not ctx.iban or not by_amount:
            return None
        owners = set(self._by_iban.get(ctx.iban, ()))
        if not owners:
            return None
        best = self._best_per_customer(c for c in by_amount if c.customer_id in owners)
        return self._decide(ctx, best, require_name=False) if best else None

    def _amount_name(self, ctx: _Context, by_amount: list[_Candidate]) -> _Pick | str | None:
        if not ctx.debtor.tokens or not by_amount:
            return None
        return self._decide(ctx, self._best_per_customer(by_amount), require_name=True)

    # -- suggestions --

    def _unmatched(self, ctx: _Context, notes: list[str]) -> Match:
        return Match(MatchMethod.UNMATCHED, suggestions=self._suggest(ctx), notes=tuple(notes))

    def _suggest(self, ctx: _Context) -> tuple[Suggestion, ...]:
        pool: dict[tuple[str, ...], _Candidate] = {}

        def add_item(number: str) -> None:
            it = self.items.get(number)
            if it is not None and (it.number,) not in pool:
                pool[(it.number,)] = _Candidate(
                    it.customer_id, (it.number,), 0,
                    self._cents[it.number], it.due_date)

        def add_customer(cid: str, limit: int = 10) -> None:
            for it in self.by_customer.get(cid, ())[:limit]:
                add_item(it.number)
            whole = self._sums.get(cid)
            if whole is not None:
                pool.setdefault(whole.numbers, whole)

        for number in (*ctx.referenced, *ctx.ambiguous):
            add_item(number)
        for cand in self._by_amount.get((ctx.currency, ctx.amount), [])[:20]:
            pool.setdefault(cand.numbers, cand)
        for cid in self._by_iban.get(ctx.iban, [])[:5] if ctx.iban else []:
            add_customer(cid)
        for cid in self._name_neighbours(ctx):
            add_customer(cid, limit=5)
        pos = bisect.bisect_left(self._near_amounts, ctx.amount)
        for number in self._near_numbers[max(0, pos - 5) : pos + 5]:
            add_item(number)

        # what the debtor wrote comes first, then the best scores
        named = set(ctx.referenced) | set(ctx.ambiguous)
        ranked = sorted((self._score(ctx, cand) for cand in pool.values()),
                        key=lambda s: (not named & set(s.numbers), -s.score, s.numbers))
        return tuple(ranked[:MAX_SUGGESTIONS])

    def _name_neighbours(self, ctx: _Context, limit: int = 10) -> list[str]:
        counts: defaultdict[str, int] = defaultdict(int)
        for token in ctx.debtor.tokens:
            owners = self._by_token.get(token, ())
            if len(owners) > 200:  # a common word ("bau", "mueller"): says little on its own
                continue
            for cid in owners:
                counts[cid] += 1
        ranked = sorted(counts, key=lambda c: (-counts[c], c))[: limit * 3]
        scored = sorted(ranked, key=lambda c: -ctx.name(c)[0])
        return [c for c in scored[:limit] if ctx.name(c)[0] > 0.3]

    def _score(self, ctx: _Context, cand: _Candidate) -> Suggestion:
        target = min(cand.amounts, key=lambda a: abs(a - ctx.amount))
        which = "claim" if target == cand.amounts[0] else "principal"
        diff = abs(target - ctx.amount)
        amount_score = 1.0 - min(1.0, diff / max(ctx.amount, target, 1))
        name_score = ctx.name(cand.customer_id)[0]
        days = (ctx.booking - cand.due_date).days
        date_score = 1.0 / (1.0 + abs(days) / 30)
        iban_known = bool(ctx.iban) and ctx.iban in self._ibans.get(cand.customer_id, ())
        referenced = any(n in ctx.referenced or n in ctx.ambiguous for n in cand.numbers)
        score = (W_AMOUNT * amount_score + W_NAME * name_score + W_DATE * date_score
                 + W_IBAN * iban_known + W_REFERENCE * referenced)
        why = [f"amount {_fmt(ctx.amount)} = {which} {_fmt(target)}" if diff == 0 else
               f"amount {_fmt(ctx.amount)} vs {which} {_fmt(target)}"]
        if len(cand.numbers) > 1:
            why.append(f"all {len(cand.numbers)} open invoices of the customer")
        why.append(f"name {name_score:.2f}")
        why.append(f"due {abs(days)} days {'before' if days >= 0 else 'after'} booking")
        if iban_known:
            why.append("debtor IBAN known")
        if referenced:
            why.append("named in the remittance")
        return Suggestion(cand.numbers, cand.customer_id, round(score, 3), "; ".join(why))


def _fmt(amount_cents: int) -> str:
    return f"{Decimal(amount_cents) / 100:.2f}"


class _Context:
    """One payment being matched, with its name scores cached per customer."""

    def __init__(self, book: OpenBook, entry: Payment) -> None:
        self.book = book
        self.amount = _to_cents(entry.amount)
        self.currency = entry.currency or "EUR"
        self.booking = entry.booking_date
        self.iban = compact_iban(entry.debtor_iban)
        self.debtor = name_key(entry.debtor_name)
        self.referenced: tuple[str, ...] = ()
        self.ambiguous: tuple[str, ...] = ()
        self._names: dict[str, tuple[float, bool]] = {}

    def name(self, customer_id: str) -> tuple[float, bool]:
        found = self._names.get(customer_id)
        if found is None:
            key = self.book._names.get(customer_id, NameKey((), ""))
            found = self._names[customer_id] = _similarity(self.debtor, key)
        return found


def match_payment(entry: Payment, open_items: OpenBook | Iterable[OpenItem],
                  customers: Mapping[str, Customer] | None = None,
                  index: InvoiceIndex | None = None) -> Match:
    """Which open invoices ``entry`` pays (see the module doc for the rules).

    ``open_items``: an ``OpenBook`` (build it once to match many payments) or the open items
    themselves; ``customers`` supplies names for items without ``customer_name`` when the book is
    built here. ``index``: the tenant's ``InvoiceIndex`` (defaults to the open numbers).
    """
    book = open_items if isinstance(open_items, OpenBook) else OpenBook(open_items, customers)
    return book.match(entry, index)


# --- settling ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InvoiceSettlement:
    """What one payment does to one invoice."""

    number: str
    fees: Decimal  # dunning fees of letters
    flat_fee: Decimal  # §288 Abs. 5 BGB
    interest: Decimal
    principal: Decimal
    claim_before: Decimal
    claim_after: Decimal
    principal_after: Decimal

    @property
    def costs(self) -> Decimal:
        return self.fees + self.flat_fee

    @property
    def total(self) -> Decimal:
        return self.costs + self.interest + self.principal

    @property
    def paid_in_full(self) -> bool:
        return self.claim_after <= ZERO

    @property
    def status(self) -> InvoiceStatus:
        return InvoiceStatus.PAID if self.paid_in_full else InvoiceStatus.PARTIALLY_PAID


@dataclass(frozen=True)
class Settlement:
    amount: Decimal
    invoices: tuple[InvoiceSettlement, ...]
    #: left after every claim given was settled: becomes a customer credit
    overpayment: Decimal
    #: still open on the invoices named or touched by this payment (an under-payment)
    shortfall: Decimal
    #: invoice numbers named that are not among the claims (already settled, or someone else's)
    unknown_named: tuple[str, ...] = ()
    #: how it was applied: "designated" (§367 Abs. 2 BGB, principal first) or "statutory"
    #: (§366 Abs. 2, §367 Abs. 1: costs → interest → principal)
    application: str = "statutory"

    @property
    def applied(self) -> Decimal:
        return self.amount - self.overpayment

    @property
    def paid_in_full(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.invoices if s.paid_in_full)

    @property
    def partially_paid(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.invoices if not s.paid_in_full)

    @property
    def outcome(self) -> str:
        """One of ``overpaid``, ``underpaid``, ``exact``."""
        if self.overpayment > ZERO:
            return "overpaid"
        return "underpaid" if self.shortfall > ZERO else "exact"


def settle(amount: Decimal, claims: Sequence[NoticeLine], named: Sequence[str] = (), *,
           designated: bool = False) -> Settlement:
    """Credit ``amount`` to a customer's ``claims`` (lines as of the booking day, e.g. from
    ``dunning.claim_line``): the ``named`` invoices first in that order, then the rest by due
    date (§366 Abs. 2); within each invoice costs → interest → principal (§367 Abs. 1) — or,
    ``designated`` by the debtor (§367 Abs. 2), the named invoices' principal first, then their
    interest and costs.

    Pass only the named invoices' claims to keep any excess as a customer credit, or all the
    customer's claims to let it settle the others oldest first.
    """
    amount = cents(amount)
    if amount < ZERO:
        raise ValueError("a payment cannot be negative")
    by_number = {c.number: c for c in claims}
    designated = designated and any(n in by_number for n in named)
    allocation = allocate(amount, claims, named, designated=designated)
    done = []
    for credit in allocation.credits:
        line = by_number[credit.number]
        fees = min(credit.costs, line.fees)
        before = cents(line.total)
        done.append(InvoiceSettlement(
            number=credit.number, fees=fees, flat_fee=credit.costs - fees,
            interest=credit.interest, principal=credit.principal, claim_before=before,
            claim_after=before - credit.total, principal_after=line.open_amount - credit.principal,
        ))
    touched = {s.number for s in done}
    shortfall = sum((s.claim_after for s in done), ZERO) + sum(
        (cents(by_number[n].total) for n in dict.fromkeys(named)
         if n in by_number and n not in touched), ZERO)
    unknown = tuple(n for n in dict.fromkeys(named) if n not in by_number)
    return Settlement(amount, tuple(done), cents(allocation.unapplied), cents(shortfall), unknown,
                      "designated" if designated else "statutory")


__all__ = [
    "InvoiceIndex", "InvoiceSettlement", "Match", "MatchMethod", "NumberScan", "OpenBook",
    "OpenItem", "Payment", "Settlement", "Suggestion", "find_invoice_numbers",
    "format_rf", "match_payment", "name_key", "name_similarity", "names_match",
    "normalize_number", "parse_rf", "rf_check_digits", "rf_payload", "rf_reference", "rf_valid",
    "settle",
]
