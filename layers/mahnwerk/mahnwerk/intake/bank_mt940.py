"""SWIFT MT940 statements as German banks export them (incl. the ZKA/DFÜ structured :86:). Pure.

Fields read: :20: reference, :25: account, :28:/:28C: number, :60F:/:60M: opening balance,
:61: booking line, :86: details, :62F:/:62M: closing balance; :13D: :21: :64: :65: :90C:
:90D: are known and skipped. MT942 interim reports (the day's bookings so far) have no balance
lines: their floor limit :34F: gives the currency. SWIFT envelopes (``{1:…}{2:…}{4:`` … ``-}``)
are tolerated.

Text: UTF-8, else the 8-bit code page the text reads best in: Windows-1252 or one of the DOS
code pages (437, 850, 852) older banking programs still write (see ``decode_8bit``); control
characters (a stray binary byte) are removed. Lines are right-trimmed and field continuation
lines are joined *without* a separator: banks wrap at 65 characters mid-word, and the ?20–?29
purpose subfields are 27-character chunks of one text (an invoice number split over two
subfields must come out whole). Free-text :86: without subfield structure is joined with spaces.

Remittance: the SVWZ+ part when the purpose uses SEPA keywords, else the whole purpose text
(keyword markers removed, IBAN+/BIC+ left out). Structured reference: EREF+, else KREF+.
Counterparty: ?32+?33 (else NAME+, else ABWA+); IBAN from ?31 when it is an IBAN, else IBAN+
or ?38, else the national account number in ?31 as given.

A line that cannot be understood is rejected with its number and reason; the rest of the file
is still read. Each statement is checked: opening balance + entries = closing balance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..domain.iban import looks_like_iban
from ..domain.money import cents
from ..domain.reasons import Reason, reason_of
from .bank_model import (
    MAX_BYTES,
    MAX_ENTRIES,
    Balance,
    BankEntry,
    BankParseResult,
    BankStatement,
    clean,
    compact_account,
    decode_8bit,
    guarded,
    oversized,
    strip_controls,
    verify_balance,
)

_TAG = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")
_SKIPPED_TAGS = {"13", "13D", "21", "64", "65", "90C", "90D"}
#: MT942 floor limit indicator: currency, optional D/C mark, amount (``EURD20,00``, ``EUR0,``)
_FLOOR_LIMIT = re.compile(r"^(?P<ccy>[A-Z]{3})[CD]?\d[\d,]*$")
_LINE_61 = re.compile(
    r"^(?P<vdate>\d{6})(?P<edate>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)(?P<ttype>[NSF][A-Z0-9]{3})?(?P<rest>.*)$"
)
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>\d[\d,]*)$")
_KEYWORD = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT|NAME)\+")
_STRUCTURED = re.compile(r"^\s*(\d{3})([?>])")
_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NOT PROVIDED"}
_NOT_TEXT = {"IBAN", "BIC"}


def parse_mt940(data: bytes, file_name: str, max_bytes: int = MAX_BYTES) -> BankParseResult:
    """MT940 bytes → entries, statements and rejects; never raises."""
    return guarded("MT940", lambda: _parse(data, file_name, max_bytes), file_name)


@dataclass
class _Field:
    tag: str  # "20", "61", … or "-" for the end of a statement
    line: int
    first: str
    more: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    line: int
    value_date: date
    booking_date: date
    credit: bool
    reversal: bool
    amount: Decimal
    bank_reference: str
    details: list[str] = field(default_factory=list)  # the :86: lines


@dataclass
class _Block:
    statement: BankStatement
    pending: list[_Pending] = field(default_factory=list)
    closed: bool = False  # a closing balance was read
    #: MT942 (interim report) has no balance lines; its floor limit :34F: names the currency
    currency: str = ""


def _fields(text: str, result: BankParseResult) -> list[_Field]:
    fields: list[_Field] = []
    current: _Field | None = None
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = raw.rstrip()
        if line.startswith("{"):  # SWIFT envelope: keep what follows "{4:" on the same line
            _, found, tail = line.partition("{4:")
            if not found or not tail.strip():
                current = None
                continue
            line = tail
        match = _TAG.match(line)
        if match:
            current = _Field(match.group(1), number, match.group(2).rstrip())
            fields.append(current)
        elif line.strip() in {"-", "-}"} or line.startswith("-}"):
            fields.append(_Field("-", number, ""))
            current = None
        elif not line.strip():
            continue
        elif current is not None:
            current.more.append(line)
        else:
            result.reject(number, Reason("mt940_text_outside", text=clean(line)[:40]))
    return fields


def _parse(data: bytes, file_name: str, max_bytes: int) -> BankParseResult:
    result = BankParseResult(file_name, "mt940")
    if oversized(result, data, max_bytes):
        return result
    text = strip_controls(decode_8bit(data))
    if not text.strip():
        result.reject(0, Reason("file_empty"))
        return result
    fields = _fields(text, result)
    if not any(f.tag == "61" for f in fields) and not any(f.tag in {"20", "25", "60F"} for f in fields):
        result.reject(1, Reason("mt940_not_statement"))
        return result

    block: _Block | None = None
    last: _Pending | None = None  # the booking a following :86: belongs to

    def close() -> None:
        nonlocal block
        if block is not None:
            _finish(block, result)
        block = None

    def open_block(line: int, like: BankStatement | None = None) -> _Block:
        nonlocal block
        close()
        statement = BankStatement(
            statement_id=like.statement_id if like else "",
            account_iban=like.account_iban if like else "",
            line=line,
        )
        result.statements.append(statement)
        block = _Block(statement)
        return block

    for fld in fields:
        tag = fld.tag
        if tag == "86":
            if last is not None:  # a second :86: for the same booking is appended
                last.details += [fld.first, *fld.more]
            continue
        if tag != "61":
            last = None
        if tag == "-":
            close()
        elif tag == "20":
            open_block(fld.line).statement.statement_id = clean(fld.first)
        elif tag == "25":
            current = block or open_block(fld.line)
            account = compact_account(fld.first + "".join(fld.more))
            if current.pending:
                result.reject(fld.line, Reason("mt940_account_late"))
            elif current.statement.account_iban and current.statement.account_iban != account:
                result.reject(fld.line, Reason("mt940_second_account", account=account))
            else:
                current.statement.account_iban = account
        elif tag in {"28", "28C"}:
            continue
        elif tag in {"60F", "60M", "60"}:
            if block is not None and (block.closed or block.pending):
                current = open_block(fld.line, block.statement)  # next page without a new :20:
            else:
                current = block or open_block(fld.line)
            balance = _balance(fld.first)
            if balance is None:
                result.reject(fld.line, Reason(
                    "mt940_balance_unclear", which="opening balance", which_de="Anfangssaldo",
                    tag=tag, text=clean(fld.first)[:40]))
            else:
                current.statement.opening = balance
        elif tag == "61":
            current = block or open_block(fld.line)
            if len(result.entries) + len(current.pending) >= MAX_ENTRIES:
                result.reject(fld.line, Reason("too_many_entries", max=MAX_ENTRIES))
                break
            try:
                last = _booking(fld)
            except ValueError as exc:
                why = reason_of(exc)
                result.reject(fld.line, Reason("mt940_booking_unclear", detail=str(why),
                                               detail_de=why.text("de"), text=clean(fld.first)[:60]))
                last = None
                continue
            current.pending.append(last)
        elif tag in {"62F", "62M", "62"}:
            current = block or open_block(fld.line)
            balance = _balance(fld.first)
            if balance is None:
                result.reject(fld.line, Reason(
                    "mt940_balance_unclear", which="closing balance", which_de="Endsaldo",
                    tag=tag, text=clean(fld.first)[:40]))
            else:
                current.statement.closing = balance
            current.closed = True
        elif tag == "34F":
            current = block or open_block(fld.line)
            limit = _FLOOR_LIMIT.match(clean(fld.first))
            if limit is None:
                result.reject(fld.line, Reason("mt940_limit_unclear", text=clean(fld.first)[:40]))
            else:
                current.currency = current.currency or limit["ccy"]
        elif tag in _SKIPPED_TAGS:
            continue
        else:
            result.reject(fld.line, Reason("mt940_unknown_field", tag=tag))
    close()
    if not result.entries and not result.rejects and not any(
            s.account_iban or s.opening or s.closing for s in result.statements):
        # a :20: followed by anything but fields (junk, a truncated file) is no statement
        result.reject(1, Reason("mt940_no_statement"))
    return result


def _finish(block: _Block, result: BankParseResult) -> None:
    statement = block.statement
    balance = statement.opening or statement.closing
    currency = balance.currency if balance is not None else block.currency
    if not currency:
        for pending in block.pending:
            result.reject(pending.line, Reason("mt940_no_currency"))
        return
    taken = []
    for pending in block.pending:
        remittance, reference, name, iban = _details(pending.details)
        taken.append(BankEntry(
            account_iban=statement.account_iban, booking_date=pending.booking_date,
            value_date=pending.value_date, amount=pending.amount, currency=currency,
            credit=pending.credit, remittance=remittance, structured_reference=reference,
            debtor_name=name, debtor_iban=iban, bank_reference=pending.bank_reference,
            line=pending.line, reversal=pending.reversal, statement_id=statement.statement_id,
        ))
    result.entries.extend(taken)
    verify_balance(result, statement, taken)


def _yymmdd(text: str) -> date:
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    return date(1900 + year if year >= 80 else 2000 + year, month, day)


def _amount(text: str) -> Decimal:
    whole, _, frac = text.partition(",")
    if not whole.isdigit() or (frac and not frac.isdigit()) or "," in frac:
        raise ValueError(Reason("not_an_amount", text=text[:20]))
    if len(frac) > 2 and frac[2:].strip("0"):
        raise ValueError(Reason("amount_decimals", text=text[:20]))
    return cents(Decimal(f"{whole}.{frac or '0'}"))


def _balance(text: str) -> Balance | None:
    match = _BALANCE.match(text.strip())
    if not match:
        return None
    try:
        amount = _amount(match.group("amount"))
        when = _yymmdd(match.group("date"))
    except ValueError:
        return None
    return Balance(-amount if match.group("mark") == "D" else amount, match.group("ccy"), when)


def _entry_date(value_date: date, mmdd: str) -> date:
    """The booking date MMDD has no year: take the one nearest the value date (year turn)."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(Reason("not_a_date", text=mmdd))
    return min(candidates, key=lambda d: abs((d - value_date).days))


def _booking(fld: _Field) -> _Pending:
    match = _LINE_61.match(fld.first)
    if not match and fld.more:  # some banks break the line after the debit/credit mark
        match = _LINE_61.match(fld.first + fld.more[0])
    if not match:
        raise ValueError(Reason("mt940_booking_parts"))
    try:
        value_date = _yymmdd(match.group("vdate"))
    except ValueError as exc:
        raise ValueError(Reason("not_a_date", text=match.group("vdate"))) from exc
    edate = match.group("edate")
    booking_date = _entry_date(value_date, edate) if edate else value_date
    mark = match.group("mark")
    amount = _amount(match.group("amount"))
    rest = match.group("rest")
    customer, _, bank = rest.partition("//")
    customer = clean(customer)
    bank_reference = clean(bank) or ("" if customer.upper() in _NO_REFERENCE else customer)
    return _Pending(
        line=fld.line, value_date=value_date, booking_date=booking_date,
        credit=mark in {"C", "RD"}, reversal=mark.startswith("R"), amount=amount,
        bank_reference=bank_reference,
    )


def _details(lines: list[str]) -> tuple[str, str, str, str]:
    """:86: lines → (remittance, structured reference, counterparty name, counterparty IBAN)."""
    text = "".join(lines)
    structured = _STRUCTURED.match(text)
    if not structured:  # free text: lines are separate thoughts, keep a space between them
        free = " ".join(lines)
        return _keywords(free, "", "", "") if _KEYWORD.match(free.strip()) else \
            (clean(free), "", "", "")
    separator = structured.group(2)
    body = text[structured.end() - 1:]
    parts = re.split(re.escape(separator) + r"(\d{2})", body)
    subfields = list(zip(parts[1::2], parts[2::2], strict=False))
    purpose_parts = [v for code, v in subfields if "20" <= code <= "29" or "60" <= code <= "63"]
    purpose = "".join(purpose_parts)
    values: dict[str, str] = {}
    for code, value in subfields:
        values[code] = values.get(code, "") + value
    name = clean(values.get("32", "") + values.get("33", ""))
    account = compact_account(values.get("31", ""))
    alternative = compact_account(values.get("38", ""))
    if any(_KEYWORD.match(v.lstrip()) for v in purpose_parts):
        return _keywords(purpose, name, account, alternative)
    return clean(purpose), "", name, _pick_iban(account, "", alternative)


def _pick_iban(account: str, keyword_iban: str, alternative: str) -> str:
    for candidate in (account, keyword_iban, alternative):
        if looks_like_iban(candidate):
            return candidate
    return account or keyword_iban or alternative


def _keywords(purpose: str, name: str, account: str, alternative: str) -> tuple[str, str, str, str]:
    matches = list(_KEYWORD.finditer(purpose))
    segments: list[tuple[str, str]] = []
    lead = purpose[: matches[0].start()] if matches else purpose
    if lead.strip():
        segments.append(("", lead))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(purpose)
        segments.append((match.group(1), purpose[match.end():end]))
    by_key: dict[str, str] = {}
    for key, value in segments:
        by_key[key] = by_key.get(key, "") + value
    svwz = clean(by_key.get("SVWZ", ""))
    remittance = svwz or clean(" ".join(v for k, v in segments if k not in _NOT_TEXT))
    reference = ""
    for key in ("EREF", "KREF"):
        candidate = clean(by_key.get(key, ""))
        if candidate.upper() not in _NO_REFERENCE:
            reference = candidate
            break
    name = name or clean(by_key.get("NAME", "")) or clean(by_key.get("ABWA", ""))
    iban = _pick_iban(account, compact_account(by_key.get("IBAN", "")), alternative)
    return remittance, reference, name, iban
