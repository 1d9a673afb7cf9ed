"""What the bank-statement parsers hand back: entries, statements, rejects. Pure.

Debit handling (one rule for every format): debit entries stay in ``entries`` with
``credit=False`` so a statement can be checked against its balances; only entries with
``is_payment`` (credit, not a reversal, above zero) are customer payments, and ``BankParseResult.payments``
lists exactly those. Callers book ``payments``, never ``entries``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from ..domain.iban import compact_iban
from ..domain.model import Reject
from ..domain.money import to_str
from ..domain.reasons import Reason

#: default size limit for one uploaded bank file
MAX_BYTES = 20 * 1024 * 1024
#: more entries than this in one file are not taken (the rest is reported)
MAX_ENTRIES = 100_000

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufeff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class BankEntry:
    """One booking on the statement's own account (for camt batches: one transaction of it)."""

    account_iban: str  # the statement's own account (IBAN, or the bank's account id if it gives none)
    booking_date: date
    value_date: date | None
    amount: Decimal  # always positive; the direction is ``credit``
    currency: str
    credit: bool  # True = money in (camt CRDT, MT940 C / RD, CSV positive or H)
    remittance: str = ""  # free text (camt Ustrd; MT940 SVWZ+ or the whole purpose), spaces collapsed
    structured_reference: str = ""  # camt CdtrRefInf/Ref (else EndToEndId); MT940 EREF+ (else KREF+)
    debtor_name: str = ""  # the counterparty: the payer of a credit, the payee of a debit
    debtor_iban: str = ""  # the counterparty's IBAN (MT940: may be a national account number)
    bank_reference: str = ""  # camt AcctSvcrRef / NtryRef; MT940 :61: reference
    line: int = 0  # line in the source file where the entry starts
    reversal: bool = False  # camt RvslInd, MT940 RC/RD: a reversal, never a customer payment
    statement_id: str = ""  # camt Stmt/Id, MT940 :20:
    occurrence: int = 0  # n-th entry in this file with the same key fields (0 = the first)

    @property
    def is_payment(self) -> bool:
        """Money in from a customer: a credit above zero that is not a reversal."""
        return self.credit and not self.reversal and self.amount > 0

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.credit else -self.amount

    @property
    def entry_key(self) -> str:
        """Stable idempotency key: the same statement uploaded twice gives the same keys.

        sha256 (hex) over the JSON list [account IBAN, booking date, amount (two decimals),
        currency, "C"/"D", bank reference, remittance, debtor IBAN], plus the occurrence number
        when it is not 0, so genuinely identical bookings within one file stay apart.
        """
        parts = [
            self.account_iban, self.booking_date.isoformat(), to_str(self.amount), self.currency,
            "C" if self.credit else "D", self.bank_reference, self.remittance, self.debtor_iban,
        ]
        if self.occurrence:
            parts.append(str(self.occurrence))
        payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Balance:
    amount: Decimal  # signed: negative for a debit balance
    currency: str
    date: date | None


@dataclass
class BankStatement:
    """Metadata of one statement in the file (camt Stmt, MT940 :20: … :62F:, a CSV export)."""

    statement_id: str = ""
    account_iban: str = ""
    opening: Balance | None = None
    closing: Balance | None = None
    line: int = 0


@dataclass
class BankParseResult:
    file_name: str
    format: str = ""  # "camt.053.001.0X", "mt940", "csv" or "" when not recognised
    entries: list[BankEntry] = field(default_factory=list)
    #: entries or whole files that were NOT taken, with line and reason
    rejects: list[Reject] = field(default_factory=list)
    #: things that were taken but look wrong (a statement that does not add up)
    warnings: list[Reject] = field(default_factory=list)
    statements: list[BankStatement] = field(default_factory=list)

    @property
    def payments(self) -> list[BankEntry]:
        """The entries callers book as customer payments (credit, not a reversal)."""
        return [e for e in self.entries if e.is_payment]

    @property
    def debit_count(self) -> int:
        return sum(1 for e in self.entries if not e.credit)

    @property
    def account_iban(self) -> str:
        for statement in self.statements:
            if statement.account_iban:
                return statement.account_iban
        return next((e.account_iban for e in self.entries if e.account_iban), "")

    @property
    def statement_ids(self) -> list[str]:
        return [s.statement_id for s in self.statements if s.statement_id]

    @property
    def opening_balance(self) -> Balance | None:
        return self.statements[0].opening if self.statements else None

    @property
    def closing_balance(self) -> Balance | None:
        return self.statements[-1].closing if self.statements else None

    def reject(self, line: int, reason: Reason) -> None:
        self.rejects.append(Reject(self.file_name, line, reason))

    def warn(self, line: int, reason: Reason) -> None:
        self.warnings.append(Reject(self.file_name, line, reason))


def decode_text(data: bytes) -> str:
    """UTF-16 with BOM ("Unicode text" from Excel), UTF-8 (BOM or not), else Windows-1252, else
    Latin-1 (which always decodes)."""
    utf16 = data[:2] in UTF16_BOMS
    encodings = ("utf-16", "utf-8-sig", "cp1252") if utf16 else ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


#: 8-bit code pages bank files come in, preferred in this order when two read equally well
_CODE_PAGES = ("cp1252", "cp850", "cp437", "cp852")
#: letters West and Central European bank texts are full of: they count double
_COMMON_LETTERS = frozenset("äöüÄÖÜßéèàçÉ")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _plausibility(text: str) -> int:
    """How much ``text``'s non-ASCII characters look like a European bank text: letters of the
    Latin alphabet count (the most common ones double), anything else (box drawing, Greek, ™,
    typographic marks SWIFT's character set has no room for) counts against."""
    score = 0
    for char in _NON_ASCII.findall(text):
        if char in _COMMON_LETTERS:
            score += 2
        elif char.isalpha() and "LATIN" in unicodedata.name(char, ""):
            score += 1
        else:
            score -= 2
    return score


def decode_8bit(data: bytes) -> str:
    """UTF-8 (BOM or not) when it is valid, else the 8-bit code page that reads best: Windows-1252
    or the DOS code pages 850, 437 and 852 that older banking programs (MT940 exports) still
    write. "Müller" is 0xFC in Windows-1252 but 0x81 in the DOS pages; the plausibility of the
    decoded letters decides, never the file name."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best, best_score = data.decode("latin-1"), None
    for encoding in _CODE_PAGES:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if best_score is None or score > best_score:
            best, best_score = text, score
    return best


def clean(text: str) -> str:
    """Control characters out, runs of whitespace to one space, trimmed."""
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def compact_account(text: str) -> str:
    """An account id as banks print it (``DE12 3456 …``) → ``DE123456…``."""
    return compact_iban(strip_controls(text))


def verify_balance(result: BankParseResult, statement: BankStatement,
                   entries: list[BankEntry]) -> None:
    """Opening balance + entries = closing balance, else a warning (entries stay taken)."""
    opening, closing = statement.opening, statement.closing
    if opening is None or closing is None or opening.currency != closing.currency:
        return
    if any(e.currency != opening.currency for e in entries):
        return
    moved = sum((e.signed_amount for e in entries), Decimal("0"))
    if opening.amount + moved != closing.amount:
        sid = statement.statement_id
        result.warn(statement.line, Reason(
            "balance_mismatch", statement=f"statement {sid}" if sid else "the statement",
            statement_de=f"Auszug {sid}" if sid else "Der Auszug",
            opening_amount=opening.amount, moved_amount=moved, sum_amount=opening.amount + moved,
            closing_amount=closing.amount))


def number_duplicates(entries: list[BankEntry]) -> list[BankEntry]:
    """Give identical bookings within one file occurrence numbers 0, 1, 2 … in file order."""
    seen: Counter[str] = Counter()
    numbered = []
    for entry in entries:
        base = entry if entry.occurrence == 0 else replace(entry, occurrence=0)
        key = base.entry_key
        numbered.append(base if seen[key] == 0 else replace(base, occurrence=seen[key]))
        seen[key] += 1
    return numbered


def guarded(kind: str, parse: Callable[[], BankParseResult], file_name: str) -> BankParseResult:
    """Run a parser; an unexpected error becomes a reject of the whole file, never a crash."""
    try:
        result = parse()
    except RecursionError:
        result = BankParseResult(file_name, kind)
        result.reject(0, Reason("file_too_deep", kind=kind))
        return result
    except Exception as exc:  # the last line of defence: a Lambda must report, not crash
        result = BankParseResult(file_name, kind)
        result.reject(0, Reason("file_internal_error", kind=kind, detail=type(exc).__name__))
        return result
    result.entries = number_duplicates(result.entries)
    return result


def oversized(result: BankParseResult, data: bytes, max_bytes: int) -> bool:
    """Refuse a file above the size limit before reading it (every bank format)."""
    if len(data) <= max_bytes:
        return False
    result.reject(0, Reason("file_too_large_size", size=len(data), max=max_bytes))
    return True
