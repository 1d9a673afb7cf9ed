"""Invoice CSV exports as accounting tools and shops write them → invoice records + rejects.

Pure: bytes in, records and rejects out. Every row that cannot be taken is reported with its line
number and the reason; nothing is guessed silently.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from ..domain.model import Address, Customer, InvoiceRecord, Reject
from ..domain.money import AmountError
from .values import DateError, parse_amount, parse_date

MAX_ROWS = 200_000

#: canonical field → header spellings (compared after normalising case, punctuation and umlauts)
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("rechnungsnummer", "rechnungsnr", "rechnung", "renr", "belegnummer", "belegnr",
               "invoice number", "invoice no", "invoice", "invoice id", "number"),
    "customer_id": ("kundennummer", "kundennr", "debitor", "debitorennummer", "customer id",
                    "customer number", "customer no", "client id"),
    "name": ("kunde", "firma", "name", "kundenname", "rechnungsempfanger", "customer",
             "customer name", "company", "client"),
    "email": ("e mail", "email", "mail", "e mail adresse", "email address"),
    "street": ("strasse", "str", "adresse", "anschrift", "street", "address"),
    "postal_code": ("plz", "postleitzahl", "postal code", "zip", "zip code", "postcode"),
    "city": ("ort", "stadt", "city", "town"),
    "country": ("land", "country"),
    "issue_date": ("rechnungsdatum", "datum", "belegdatum", "invoice date", "date", "issue date"),
    "due_date": ("fallig am", "falligkeit", "falligkeitsdatum", "fallig", "due date", "due",
                 "due on", "zahlbar bis"),
    "terms_days": ("zahlungsziel", "zahlungsziel tage", "zahlungsziel in tagen", "payment terms",
                   "terms", "terms days", "net days"),
    "amount": ("betrag", "brutto", "gesamtbetrag", "bruttobetrag", "rechnungsbetrag", "summe",
               "total", "amount", "gross", "gross amount", "total amount"),
    "open_amount": ("offen", "offener betrag", "restbetrag", "open amount", "balance",
                    "amount due", "outstanding"),
    "currency": ("wahrung", "currency", "wahrungscode"),
    "consumer": ("verbraucher", "privatkunde", "kundentyp", "kundenart", "b2c", "consumer",
                 "customer type", "private"),
}
REQUIRED = ("number", "amount", "issue_date")
_CONSUMER_YES = {"ja", "j", "x", "1", "true", "yes", "y", "b2c", "privat", "privatkunde",
                 "verbraucher", "consumer", "private"}
_CONSUMER_NO = {"", "nein", "n", "0", "false", "no", "b2b", "gewerblich", "geschaftskunde",
                "firma", "unternehmer", "business", "company"}


def _norm(text: str) -> str:
    text = text.strip().lower().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


_ALIASES = {_norm(alias): name for name, aliases in HEADERS.items() for alias in aliases}


@dataclass
class CsvResult:
    records: list[InvoiceRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Windows-1252 is what German Excel writes otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def map_headers(row: list[str], mapping: Mapping[str, str] | None = None) -> dict[str, int]:
    """Column index per canonical field; a tenant mapping (their header → field) wins."""
    custom = {_norm(k): v for k, v in (mapping or {}).items()}
    columns: dict[str, int] = {}
    for index, header in enumerate(row):
        key = _norm(header)
        name = custom.get(key) or _ALIASES.get(key)
        if name and name not in columns:
            columns[name] = index
    return columns


#: a cell a spreadsheet would run as a formula (CSV injection, OWASP): '=', '+', '-', '@' first
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_FORMULA_START = frozenset("=+-@\t\r")
TEXT_FIELDS = ("number", "customer_id", "name", "email", "street", "postal_code", "city")


def formula_cell(value: str) -> bool:
    return bool(value) and bool(_FORMULA.match(value)) and not _NUMBERISH.match(value)


_NUMBERISH = re.compile(r"^[+-]?[\d.,\s]+$")


def customer_id_from_name(name: str) -> str:
    return "N-" + re.sub(r"[^A-Z0-9]+", "-", _norm(name).upper()).strip("-")[:40]


def parse_invoices_csv(
    data: bytes,
    file_name: str,
    tenant_id: str,
    default_terms_days: int,
    mapping: Mapping[str, str] | None = None,
) -> CsvResult:
    result = CsvResult()
    text = decode(data)
    if not text.strip():
        result.rejects.append(Reject(file_name, 0, "the file is empty"))
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader)
    except csv.Error as exc:
        result.rejects.append(Reject(file_name, 1, f"unreadable CSV header: {exc}"))
        return result
    columns = map_headers(header, mapping)
    missing = [f for f in REQUIRED if f not in columns]
    if "customer_id" not in columns and "name" not in columns:
        missing.append("customer_id or name")
    if missing:
        result.rejects.append(
            Reject(file_name, 1, f"missing column(s): {', '.join(missing)}; found: {header}")
        )
        return result

    seen: dict[str, InvoiceRecord] = {}
    people: dict[tuple[str, ...], Customer] = {}  # one Customer object per distinct row data
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.rejects.append(Reject(file_name, start, f"unreadable CSV row: {exc}"))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not "".join(row).strip():
            continue
        if len(result.records) + len(result.rejects) >= MAX_ROWS:
            result.rejects.append(Reject(file_name, line, f"more than {MAX_ROWS} rows; rest ignored"))
            break
        try:
            record = _record(row, columns, tenant_id, default_terms_days, line, people)
        except (ValueError, AmountError, DateError) as exc:
            result.rejects.append(Reject(file_name, line, str(exc)))
            continue
        previous = seen.get(record.number)
        if previous is not None:
            if _same(previous, record):
                continue
            result.rejects.append(
                Reject(file_name, line,
                       f"invoice {record.number} appears twice with different data "
                       f"(first on line {previous.line})")
            )
            continue
        seen[record.number] = record
        result.records.append(record)
    return result


def _same(a: InvoiceRecord, b: InvoiceRecord) -> bool:
    return (a.customer, a.issue_date, a.due_date, a.amount, a.open_amount) == (
        b.customer, b.issue_date, b.due_date, b.amount, b.open_amount)


def _record(
    row: list[str], columns: dict[str, int], tenant_id: str, default_terms: int, line: int,
    people: dict[tuple[str, ...], Customer],
) -> InvoiceRecord:
    width = len(row)
    v = {name: row[i].strip() for name, i in columns.items() if i < width}
    for name in TEXT_FIELDS:
        value = v.get(name, "")
        if value and value[0] in _FORMULA_START and formula_cell(value):
            raise ValueError(f"{name} looks like a spreadsheet formula (CSV injection), "
                             f"refused: {value[:30]!r}")
    number = v.get("number", "")
    if not number:
        raise ValueError("invoice number is empty")
    if len(number) > 64:
        raise ValueError(f"invoice number is longer than 64 characters: {number[:20]!r}…")
    amount_text = v.get("amount", "")
    if not amount_text:
        raise ValueError("amount is empty")
    amount = parse_amount(amount_text)
    open_text = v.get("open_amount", "")
    open_amount = parse_amount(open_text) if open_text else amount
    if amount >= 0 and not (0 <= open_amount <= amount):
        raise ValueError(f"open amount {open_amount} is outside 0…{amount}")
    issue_text = v.get("issue_date", "")
    if not issue_text:
        raise ValueError("invoice date is empty")
    issue = parse_date(issue_text)
    due, source = _due_date(issue, v.get("due_date", ""), v.get("terms_days", ""), default_terms)
    if due < issue:
        raise ValueError(f"due date {due.isoformat()} lies before invoice date {issue.isoformat()}")
    currency = (v.get("currency") or "EUR").upper()
    if currency in {"€", "EURO"}:
        currency = "EUR"
    if currency != "EUR":
        raise ValueError(f"currency {currency!r} is not supported (only EUR)")
    key = (v.get("customer_id", ""), v.get("name", ""), v.get("email", ""), v.get("street", ""),
           v.get("postal_code", ""), v.get("city", ""), v.get("country", ""), v.get("consumer", ""))
    customer = people.get(key)
    if customer is None:
        customer = people[key] = _customer(key, tenant_id)
    return InvoiceRecord(
        number=number, customer=customer, issue_date=issue, due_date=due,
        amount=amount, open_amount=open_amount, currency=currency,
        due_date_source=source, line=line,
    )


def _customer(key: tuple[str, ...], tenant_id: str) -> Customer:
    customer_id, name, email, street, postal_code, city, country, consumer = key
    customer_id = customer_id or (customer_id_from_name(name) if name else "")
    if not customer_id:
        raise ValueError("customer is empty (neither customer number nor name)")
    return Customer(
        tenant_id=tenant_id, customer_id=customer_id, name=name or customer_id, email=email,
        address=Address(street, postal_code, city, (country or "DE").upper()[:2]),
        is_consumer=_consumer_flag(consumer),
    )


@lru_cache(maxsize=256)
def _consumer_flag(raw: str) -> bool:
    value = _norm(raw)
    if value in _CONSUMER_YES:
        return True
    if value in _CONSUMER_NO:
        return False
    raise ValueError(f"consumer/business column not understood: {raw!r}")


def _due_date(issue: date, due_text: str, terms_text: str, default_terms: int) -> tuple[date, str]:
    if due_text:
        return parse_date(due_text), "invoice"
    if terms_text:
        digits = re.search(r"\d+", terms_text)
        if not digits:
            raise ValueError(f"payment terms not understood: {terms_text!r}")
        return issue + timedelta(days=int(digits.group())), "terms"
    return issue + timedelta(days=default_terms), "default_terms"
