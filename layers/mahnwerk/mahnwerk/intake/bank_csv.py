"""Account-statement CSV exports of German banks (Sparkasse, Volksbank, DKB, ING, …). Pure.

Semicolon (or tab/comma), decimal comma, UTF-8 or Windows-1252. Preamble lines before the header
row (account, period, balance, as DKB and ING write them) are skipped; an IBAN found there is the
statement's account. The header row is the first of the first 40 lines that names a booking date
and an amount. Amounts are signed, or unsigned with a Soll/Haben column (S/H), or in separate
Soll and Haben columns. Rows marked as not yet booked (``Vorgemerkt``) are rejected with that
reason; every other bad row is rejected with its line number, and valid rows still come out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..domain.money import ZERO, AmountError
from ..domain.names import fold, plain_umlauts
from ..domain.reasons import Reason, reason_of
from .bank_model import (
    MAX_BYTES,
    MAX_ENTRIES,
    BankEntry,
    BankParseResult,
    BankStatement,
    clean,
    compact_account,
    decode_text,
    guarded,
    oversized,
)
from .values import DateError, parse_amount, parse_date

HEADER_SEARCH_LINES = 40


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", plain_umlauts(fold(text))).strip()


#: canonical column → header spellings (compared after _norm: case, umlauts, punctuation)
HEADERS: dict[str, tuple[str, ...]] = {
    "booking_date": ("buchungstag", "buchungsdatum", "buchung", "buchungstag datum", "datum",
                     "booking date", "date"),
    "value_date": ("valutadatum", "valuta", "wertstellung", "wertstellungsdatum", "value date"),
    "amount": ("betrag", "betrag eur", "betrag in eur", "betrag euro", "umsatz", "umsatz eur",
               "umsatz in eur", "amount"),
    "debit_amount": ("soll", "soll eur", "soll in eur", "ausgang", "belastung", "debit"),
    "credit_amount": ("haben", "haben eur", "haben in eur", "eingang", "gutschrift", "credit"),
    "dc": ("soll haben", "s h", "soll haben kennzeichen", "haben soll", "sh", "soll oder haben",
           "kennzeichen"),
    "currency": ("wahrung", "currency", "wahrungscode", "whg"),
    "remittance": ("verwendungszweck", "vorgang verwendungszweck", "verwendungszweck zeile 1",
                   "purpose", "reference text"),
    "name": ("auftraggeber empfanger", "beguenstigter zahlungspflichtiger",
             "begunstigter zahlungspflichtiger", "name zahlungsbeteiligter",
             "zahlungsbeteiligter", "auftraggeber zahlungsempfanger", "empfanger zahlungspflichtiger",
             "gegenpartei", "counterparty", "name"),
    "payer_name": ("auftraggeber", "zahlungspflichtiger", "zahlungspflichtige r",
                   "zahlungspflichtige", "payer"),
    "payee_name": ("empfanger", "zahlungsempfanger", "zahlungsempfanger in", "beguenstigter",
                   "begunstigter", "payee"),
    "iban": ("iban", "kontonummer iban", "iban zahlungsbeteiligter", "iban auftraggeber",
             "iban gegenkonto", "iban empfanger", "iban zahlungspflichtiger"),
    "account_number": ("gegenkonto", "konto nr", "kontonummer", "konto"),
    "own_account": ("auftragskonto", "iban auftragskonto", "eigene iban", "konto iban"),
    "end_to_end": ("kundenreferenz", "kundenreferenz end to end", "end to end referenz",
                   "end to end id", "e2e referenz"),
    "mandate": ("mandatsreferenz", "mandatsreferenz mref"),
    "bank_reference": ("buchungsreferenz", "bankreferenz", "transaktions id", "transaktionsreferenz"),
    "status": ("status", "info", "buchungsstatus"),
}
_ALIASES = {_norm(alias): name for name, aliases in HEADERS.items() for alias in aliases}
_IBAN_IN_TEXT = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")
_DEBIT_MARKS = {"s", "soll", "d", "debit", "belastung", "ausgang", "lastschrift"}
_CREDIT_MARKS = {"h", "haben", "c", "credit", "gutschrift", "eingang"}
_MARK_SUFFIX = re.compile(r"^(.*\d)\s*([SH])$")
_NO_REFERENCE = {"", "nonref", "notprovided", "not provided", "keine angabe"}


def parse_bank_csv(data: bytes, file_name: str, max_bytes: int = MAX_BYTES) -> BankParseResult:
    """Bank CSV bytes → entries and rejects; never raises."""
    return guarded("CSV", lambda: _parse(data, file_name, max_bytes), file_name)


@dataclass
class _Header:
    index: int  # 0-based line index of the header row
    delimiter: str
    columns: dict[str, int]
    cells: list[str]


def _map(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, header in enumerate(cells):
        name = _ALIASES.get(_norm(header))
        if name and name not in columns:
            columns[name] = index
    if "amount" in columns:
        # ING writes "Saldo;Währung;Betrag;Währung": the currency that belongs to the amount
        following = columns["amount"] + 1
        if following < len(cells) and _ALIASES.get(_norm(cells[following])) == "currency":
            columns["currency"] = following
        # Volksbank writes the S/H mark in a column without a header right after the amount
        if "dc" not in columns and following < len(cells) and not cells[following].strip():
            columns["dc"] = following
    return columns


def _find_header(lines: list[str]) -> _Header | None:
    for index, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        for delimiter in (";", "\t", ","):
            if delimiter not in line:
                continue
            try:
                cells = next(csv.reader([line], delimiter=delimiter))
            except (csv.Error, StopIteration):
                continue
            columns = _map(cells)
            has_amount = "amount" in columns or {"debit_amount", "credit_amount"} <= columns.keys()
            if "booking_date" in columns and has_amount:
                return _Header(index, delimiter, columns, cells)
    return None


def _parse(data: bytes, file_name: str, max_bytes: int) -> BankParseResult:
    result = BankParseResult(file_name, "csv")
    if oversized(result, data, max_bytes):
        return result
    text = decode_text(data).replace("\x00", "")
    if not text.strip():
        result.reject(0, Reason("file_empty"))
        return result
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    header = _find_header(lines)
    if header is None:
        first = clean(lines[0])[:80] if lines else ""
        result.reject(1, Reason("bank_header_missing", n=HEADER_SEARCH_LINES, first=first))
        return result
    preamble = "".join(lines[: header.index])
    found = _IBAN_IN_TEXT.search(preamble.upper())
    account = compact_account(found.group(1)) if found else ""
    statement = BankStatement(account_iban=account, line=header.index + 1)
    result.statements.append(statement)

    body = "".join(lines[header.index + 1:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=header.delimiter)
    first_line = header.index + 2
    start = first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.reject(start, Reason("csv_row_unreadable", detail=str(exc)))
            start = first_line + reader.line_num
            continue
        line, start = start, first_line + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(result.entries) >= MAX_ENTRIES:
            result.reject(line, Reason("csv_too_many_rows", max=MAX_ENTRIES))
            break
        try:
            entry = _entry(row, header.columns, account, line)
        except (ValueError, AmountError, DateError) as exc:
            result.reject(line, reason_of(exc))
            continue
        result.entries.append(entry)
    if not statement.account_iban:
        own = (e.account_iban for e in result.entries if e.account_iban)
        statement.account_iban = next(own, "")
    return result


def _entry(row: list[str], columns: dict[str, int], account: str, line: int) -> BankEntry:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    status = _norm(cell("status"))
    if "vorgemerkt" in status or "pending" in status or "nicht gebucht" in status:
        raise ValueError(Reason("booking_pending", status=cell("status")[:40]))
    if not cell("booking_date"):
        raise ValueError(Reason("booking_date_empty"))
    booking = parse_date(cell("booking_date"))
    value = parse_date(cell("value_date")) if cell("value_date") else None

    mark_text = cell("dc")
    if "amount" in columns and cell("amount"):
        amount_text = cell("amount")
        suffix = _MARK_SUFFIX.match(amount_text)  # "100,00 H" / "12,50 S" in one cell
        if suffix and not mark_text:
            amount_text, mark_text = suffix.group(1), suffix.group(2)
        amount = parse_amount(amount_text)
    elif cell("credit_amount") or cell("debit_amount"):
        credit_part = parse_amount(cell("credit_amount")) if cell("credit_amount") else ZERO
        debit_part = parse_amount(cell("debit_amount")) if cell("debit_amount") else ZERO
        if credit_part and debit_part:
            raise ValueError(Reason("debit_and_credit"))
        amount = abs(credit_part) if credit_part else -abs(debit_part)
    else:
        raise ValueError(Reason("amount_empty"))
    mark = _norm(mark_text)
    if mark_text:
        if mark in _DEBIT_MARKS:
            amount = -abs(amount)
        elif mark in _CREDIT_MARKS:
            amount = abs(amount)
        else:
            raise ValueError(Reason("debit_credit_unclear", text=mark_text[:20]))
    if amount == 0:
        raise ValueError(Reason("amount_zero"))
    credit = amount > 0

    currency = (cell("currency") or "EUR").upper()
    if currency in {"€", "EURO"}:
        currency = "EUR"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(Reason("currency_unclear", text=cell("currency")[:20]))
    role = "payer_name" if credit else "payee_name"
    name = cell(role) or cell("name")
    own = compact_account(cell("own_account")) or account
    reference = ""
    for candidate in (cell("end_to_end"), cell("mandate")):
        if candidate.lower() not in _NO_REFERENCE:
            reference = clean(candidate)
            break
    return BankEntry(
        account_iban=own, booking_date=booking, value_date=value, amount=abs(amount),
        currency=currency, credit=credit, remittance=clean(cell("remittance")),
        structured_reference=reference, debtor_name=clean(name),
        debtor_iban=compact_account(cell("iban") or cell("account_number")),
        bank_reference=clean(cell("bank_reference")), line=line,
    )
