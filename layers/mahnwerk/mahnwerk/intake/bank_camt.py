"""ISO 20022 camt.053 (bank-to-customer statement), versions 001.02 to 001.08. Pure.

XML is read with defusedxml (no DTD, no entity declarations, no external resources) after a size
check. Elements are matched by local name, so the namespace prefix does not matter; the namespace
itself must be camt.053.001.02 … .08 (or absent).

One ``BankEntry`` per ``Ntry``; a batch entry (``NtryDtls`` with several ``TxDtls``) becomes one
entry per transaction when every transaction carries its own amount in the entry's currency and
these add up to the entry amount. Otherwise the entry stays whole (entry amount, remittance texts
joined with `` | ``, counterparty only when all transactions agree) so no money is counted twice.
Entries whose status is not BOOK (pending, information only) are rejected with the reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # types, TreeBuilder and ParseError only; parsing is defused
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

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
    guarded,
    oversized,
    verify_balance,
)

SUPPORTED_VERSIONS = tuple(f"camt.053.001.{n:02d}" for n in range(2, 9))
_NS = re.compile(r"^\{([^}]*)\}(.*)$")
_VERSION = re.compile(r"urn:iso:std:iso:20022:tech:xsd:([a-z]+\.\d{3}\.\d{3}\.\d{2})$")
_AMOUNT = re.compile(r"^\d{1,18}(\.\d{1,5})?$")
_NOT_PROVIDED = {"", "NOTPROVIDED", "NONREF", "NOT PROVIDED"}


def parse_camt053(data: bytes, file_name: str, max_bytes: int = MAX_BYTES) -> BankParseResult:
    """camt.053 bytes → entries, statements and rejects; never raises."""
    return guarded("camt.053", lambda: _parse(data, file_name, max_bytes), file_name)


class _LineTreeBuilder(ET.TreeBuilder):
    """Remembers the source line of every element (for reject reports)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.expat: object | None = None

    def start(self, tag: str, attrs: dict[str, str], /) -> ET.Element:
        element = super().start(tag, attrs)
        line = getattr(self.expat, "CurrentLineNumber", 0)
        self.lines[id(element)] = int(line) if isinstance(line, int) else 0
        return element


def _local(tag: object) -> str:
    return _local_name(tag) if isinstance(tag, str) else ""


@lru_cache(maxsize=4096)
def _local_name(tag: str) -> str:
    match = _NS.match(tag)
    return match.group(2) if match else tag


def _child(element: ET.Element | None, *path: str) -> ET.Element | None:
    """The first descendant along ``path`` (local names, direct children at each step)."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _text(element: ET.Element | None, *path: str) -> str:
    found = _child(element, *path)
    return clean(found.text or "") if found is not None else ""


def _parse(data: bytes, file_name: str, max_bytes: int) -> BankParseResult:
    result = BankParseResult(file_name)
    if oversized(result, data, max_bytes):
        return result
    if not data.strip():
        result.reject(0, Reason("file_empty"))
        return result
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    builder.expat = getattr(parser, "parser", None)
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 0
        result.reject(line, Reason("xml_malformed", detail=str(exc)[:200]))
        return result
    except DefusedXmlException as exc:
        result.reject(0, Reason("xml_forbidden", detail=type(exc).__name__))
        return result
    except (ValueError, UnicodeError, LookupError) as exc:
        result.reject(0, Reason("xml_undecodable", detail=str(exc)[:200]))
        return result
    if not isinstance(root, ET.Element):
        result.reject(0, Reason("not_xml_document"))
        return result
    lines = builder.lines

    ns_match = _NS.match(root.tag) if isinstance(root.tag, str) else None
    namespace = ns_match.group(1) if ns_match else ""
    version_match = _VERSION.match(namespace)
    version = version_match.group(1) if version_match else ""
    if namespace and version not in SUPPORTED_VERSIONS:
        what = version or namespace
        result.reject(1, Reason("camt_unsupported", what=what[:120]))
        return result
    body = _child(root, "BkToCstmrStmt") if _local(root.tag) == "Document" else None
    if body is None:
        result.reject(1, Reason("camt_no_body", root=_local(root.tag)[:120]))
        return result
    result.format = version or "camt.053"
    statements = _children(body, "Stmt")
    if not statements:
        result.reject(lines.get(id(body), 1),
                      Reason("camt_no_statement"))
        return result
    for stmt in statements:
        _statement(stmt, result, lines)
    return result


def _statement(stmt: ET.Element, result: BankParseResult, lines: dict[int, int]) -> None:
    line = lines.get(id(stmt), 0)
    acct_id = _child(stmt, "Acct", "Id")
    account = compact_account(_text(acct_id, "IBAN") or _text(acct_id, "Othr", "Id"))
    statement = BankStatement(statement_id=_text(stmt, "Id"), account_iban=account, line=line)
    for bal in _children(stmt, "Bal"):
        code = _text(bal, "Tp", "CdOrPrtry", "Cd") or _text(bal, "Tp", "CdOrPrtry", "Prtry")
        balance = _balance(bal)
        if balance is None:
            continue
        if code in {"OPBD", "PRCD"} and statement.opening is None:
            statement.opening = balance
        elif code == "CLBD" and statement.closing is None:
            statement.closing = balance
    result.statements.append(statement)
    if not account:
        result.reject(line, Reason("camt_no_account", statement=statement.statement_id[:80]))
        return
    taken: list[BankEntry] = []
    booked_all = True
    for ntry in _children(stmt, "Ntry"):
        if len(result.entries) >= MAX_ENTRIES:
            result.reject(lines.get(id(ntry), 0), Reason("too_many_entries", max=MAX_ENTRIES))
            return
        try:
            entries = _entry(ntry, statement, lines)
        except _Skip as skip:
            result.reject(lines.get(id(ntry), 0), skip.reason)
            booked_all = booked_all and skip.pending
            continue
        taken.extend(entries)
    result.entries.extend(taken)
    if booked_all:
        verify_balance(result, statement, taken)


class _Skip(Exception):
    def __init__(self, reason: Reason, pending: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pending = pending  # a pending entry does not count in the booked balance


def _balance(bal: ET.Element) -> Balance | None:
    amount_el = _child(bal, "Amt")
    if amount_el is None:
        return None
    try:
        amount = _amount(amount_el.text or "")
    except ValueError:
        return None
    if _text(bal, "CdtDbtInd") == "DBIT":
        amount = -amount
    try:
        when = _date(_child(bal, "Dt"))
    except _Skip:
        when = None
    return Balance(amount, clean(amount_el.get("Ccy", "")).upper(), when)


def _amount(text: str) -> Decimal:
    raw = text.strip()
    if not _AMOUNT.match(raw):
        raise ValueError(Reason("not_an_amount", text=raw[:30]))
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards
        raise ValueError(Reason("not_an_amount", text=raw[:30])) from exc
    if cents(value) != value:
        raise ValueError(Reason("amount_decimals", text=raw[:30]))
    return cents(value)


def _date(holder: ET.Element | None) -> date | None:
    """``<X><Dt>2024-01-31</Dt></X>`` or ``<X><DtTm>2024-01-31T10:00:00+01:00</DtTm></X>``."""
    raw = _text(holder, "Dt") or _text(holder, "DtTm")[:10]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise _Skip(Reason("not_a_date", text=raw[:30])) from exc


@dataclass
class _Tx:
    remittance: str
    reference: str
    name: str
    iban: str
    bank_reference: str
    amount: Decimal | None
    currency: str
    line: int


def _entry(ntry: ET.Element, statement: BankStatement, lines: dict[int, int]) -> list[BankEntry]:
    line = lines.get(id(ntry), 0)
    status = _text(ntry, "Sts") or _text(ntry, "Sts", "Cd") or _text(ntry, "Sts", "Prtry")
    if status and status.upper() != "BOOK":
        raise _Skip(Reason("camt_entry_pending", status=status[:20]), pending=True)
    amount_el = _child(ntry, "Amt")
    if amount_el is None:
        raise _Skip(Reason("camt_no_amount"))
    try:
        amount = _amount(amount_el.text or "")
    except ValueError as exc:
        raise _Skip(reason_of(exc)) from exc
    currency = clean(amount_el.get("Ccy", "")).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise _Skip(Reason("camt_bad_currency", text=currency[:10]))
    indicator = _text(ntry, "CdtDbtInd")
    if indicator not in {"CRDT", "DBIT"}:
        raise _Skip(Reason("camt_bad_indicator", text=indicator[:10]))
    credit = indicator == "CRDT"
    reversal = _text(ntry, "RvslInd").lower() in {"true", "1"}
    value_date = _date(_child(ntry, "ValDt"))
    booking_date = _date(_child(ntry, "BookgDt")) or value_date
    if booking_date is None:
        raise _Skip(Reason("camt_no_date"))
    entry_ref = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")

    details = [
        _transaction(tx, credit, currency, lines)
        for dtls in _children(ntry, "NtryDtls")
        for tx in _children(dtls, "TxDtls")
    ]

    def make(tx: _Tx, tx_amount: Decimal, at: int) -> BankEntry:
        return BankEntry(
            account_iban=statement.account_iban, booking_date=booking_date, value_date=value_date,
            amount=tx_amount, currency=currency, credit=credit, remittance=tx.remittance,
            structured_reference=tx.reference, debtor_name=tx.name, debtor_iban=tx.iban,
            bank_reference=tx.bank_reference or entry_ref, line=at, reversal=reversal,
            statement_id=statement.statement_id,
        )

    if len(details) > 1:
        own = [tx.amount for tx in details if tx.amount is not None and tx.currency == currency]
        if len(own) == len(details) and all(a > 0 for a in own) and sum(own) == amount:
            return [make(tx, tx.amount or amount, tx.line) for tx in details]
        merged = _Tx(
            remittance=" | ".join(tx.remittance for tx in details if tx.remittance),
            reference=_same(tx.reference for tx in details),
            name=_same(tx.name for tx in details),
            iban=_same(tx.iban for tx in details),
            bank_reference="", amount=None, currency=currency, line=line,
        )
        return [make(merged, amount, line)]
    if details:
        return [make(details[0], amount, line)]
    # no transaction details: what the entry itself says
    bare = _Tx(remittance=_text(ntry, "AddtlNtryInf"), reference="", name="", iban="",
               bank_reference="", amount=None, currency=currency, line=line)
    return [make(bare, amount, line)]


def _same(values: Iterable[str]) -> str:
    """The one value all transactions agree on, else empty."""
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else ""


def _party_name(parties: ET.Element | None, role: str) -> str:
    party = _child(parties, role)
    # v02–v07: <Dbtr><Nm>; v08: <Dbtr><Pty><Nm>
    return _text(party, "Nm") or _text(party, "Pty", "Nm")


def _account(parties: ET.Element | None, role: str) -> str:
    acct_id = _child(parties, role, "Id")
    return compact_account(_text(acct_id, "IBAN") or _text(acct_id, "Othr", "Id"))


def _transaction(tx: ET.Element, credit: bool, currency: str, lines: dict[int, int]) -> _Tx:
    parties = _child(tx, "RltdPties")
    if credit:
        name = (_party_name(parties, "Dbtr") or _party_name(parties, "UltmtDbtr"))
        iban = _account(parties, "DbtrAcct")
    else:
        name = (_party_name(parties, "Cdtr") or _party_name(parties, "UltmtCdtr"))
        iban = _account(parties, "CdtrAcct")
    rmt = _child(tx, "RmtInf")
    texts = [_text(u) for u in _children(rmt, "Ustrd")]
    reference = ""
    for strd in _children(rmt, "Strd"):
        reference = reference or _text(strd, "CdtrRefInf", "Ref")
        texts += [_text(doc, "Nb") for doc in _children(strd, "RfrdDocInf")]
        texts += [_text(add) for add in _children(strd, "AddtlRmtInf")]
    if not reference:
        end_to_end = _text(tx, "Refs", "EndToEndId")
        reference = "" if end_to_end.upper() in _NOT_PROVIDED else end_to_end
    tx_amount: Decimal | None = None
    tx_currency = ""
    amount_el = _child(tx, "Amt")
    if amount_el is None:
        amount_el = _child(tx, "AmtDtls", "TxAmt", "Amt")
    if amount_el is not None:
        try:
            tx_amount = _amount(amount_el.text or "")
            tx_currency = clean(amount_el.get("Ccy", "")).upper()
        except ValueError:
            tx_amount = None
    return _Tx(
        remittance=clean(" ".join(t for t in texts if t)),
        reference=reference,
        name=name,
        iban=iban,
        bank_reference=_text(tx, "Refs", "AcctSvcrRef"),
        amount=tx_amount,
        currency=tx_currency or currency,
        line=lines.get(id(tx), 0),
    )
