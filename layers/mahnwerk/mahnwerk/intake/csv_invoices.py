"""Invoice CSV exports as accounting tools and shops write them → invoice records + rejects.

Pure: bytes in, records and rejects out. Every row that cannot be taken is reported with its line
number and the reason; nothing is guessed silently.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from itertools import chain, product, repeat
from operator import attrgetter, itemgetter
from typing import BinaryIO, TextIO

from ..domain.currency import CurrencyError, check_currency, is_supported
from ..domain.customers import INTAKE_FIELDS
from ..domain.model import Address, Customer, CustomerOverrides, InvoiceRecord, Reject, build_many
from ..domain.names import fold
from ..domain.reasons import Reason, reason_of
from ..domain.settings import CSV_FIELDS
from .guard import Rejoined, read_head
from .values import parse_amount, parse_amounts, parse_date

MAX_ROWS = 200_000

#: canonical field → header spellings of German accounting tools (Lexware/lexoffice, sevDesk,
#: DATEV OPOS, Billomat, easybill), shops and English exports. Compared by :func:`header_key`,
#: which ignores case, punctuation, spaces and umlauts and reads "Nr.", "Nummer", "No." alike:
#: "Kunden-Nr.", "Kd.-Nr." and "Kundennummer" are all the one spelling "kundennummer".
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("rechnungsnummer", "rechnung nr", "rechnung", "re nr", "renr", "belegnummer",
               "dokumentnummer", "invoice number", "invoice", "invoice id", "number"),
    "customer_id": ("kundennummer", "kd nr", "kdnr", "kunden id", "debitor", "debitorennummer",
                    "debitorenkonto", "customer id", "customer number", "client id"),
    "name": ("kunde", "firma", "name", "kundenname", "rechnungsempfänger", "empfänger",
             "firmenname", "customer", "customer name", "company", "client"),
    "email": ("e-mail", "mail", "e-mail-adresse", "mailadresse", "email address"),
    "street": ("straße", "str", "straße und hausnummer", "straße hausnummer", "adresse",
               "anschrift", "street", "address"),
    "postal_code": ("plz", "postleitzahl", "postal code", "zip", "zip code", "postcode"),
    "city": ("ort", "stadt", "city", "town"),
    "country": ("land", "country"),
    "issue_date": ("rechnungsdatum", "datum", "belegdatum", "dokumentdatum", "invoice date",
                   "date", "issue date"),
    "due_date": ("fällig am", "fälligkeit", "fälligkeitsdatum", "fällig", "fällig bis", "due date",
                 "due", "due on", "zahlbar bis"),
    "terms_days": ("zahlungsziel", "zahlungsziel tage", "zahlungsziel in tagen", "payment terms",
                   "terms", "terms days", "net days"),
    "amount": ("betrag", "brutto", "gesamtbetrag", "bruttobetrag", "betrag brutto", "bruttosumme",
               "summe brutto", "gesamt brutto", "rechnungsbetrag", "endbetrag", "summe", "total",
               "amount", "gross", "gross amount", "total amount"),
    "open_amount": ("offen", "offener betrag", "noch offen", "offener rechnungsbetrag", "restbetrag",
                    "open amount", "balance", "amount due", "outstanding"),
    "currency": ("währung", "currency", "währungscode"),
    "consumer": ("verbraucher", "privatkunde", "kundentyp", "kundenart", "b2c", "consumer",
                 "customer type", "private"),
}
#: how the import report names a field (German, as the reasons of its warnings)
FIELD_LABELS = {
    "number": "Rechnungsnummer", "customer_id": "Kundennummer", "name": "Kunde", "email": "E-Mail",
    "street": "Straße", "postal_code": "PLZ", "city": "Ort", "country": "Land",
    "issue_date": "Rechnungsdatum", "due_date": "Fälligkeit", "terms_days": "Zahlungsziel",
    "amount": "Betrag", "open_amount": "offener Betrag", "currency": "Währung",
    "consumer": "Privat-/Geschäftskunde"}
REQUIRED = ("number", "amount", "issue_date")
_CONSUMER_YES = {"ja", "j", "x", "1", "true", "yes", "y", "b2c", "privat", "privatkunde",
                 "verbraucher", "consumer", "private"}
_CONSUMER_NO = {"", "nein", "n", "0", "false", "no", "b2b", "gewerblich", "geschaftskunde",
                "firma", "unternehmer", "business", "company"}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


#: words written short in headers: "Kd.-Nr.", "Rechnungs-Nr.", "Invoice No."
_SHORT_WORDS = {"kd": "kunden", "re": "rechnungs", "nr": "nummer", "no": "nummer",
                "number": "nummer", "num": "nummer"}
_UMLAUT_SPELLED = re.compile(r"(?<=[a-z])(ae|oe|ue)")


def header_key(text: str) -> str:
    """A column header as it is compared: no case, punctuation, spaces or umlauts ("ä", "ae" and
    "a" alike), abbreviations written out, the German linking "s" dropped before "nummer"."""
    words = _norm(text).split()
    if len(words) > 1:
        words = [_SHORT_WORDS.get(word, word) for word in words]
    key = "".join(words)
    key = _UMLAUT_SPELLED.sub(lambda m: m.group()[0], key)
    for compound in ("nr", "no"):  # "Kundennr", "Rechnungsnr": one word, the number written short
        if key.endswith(compound) and len(key) > 4:
            key = key[: -len(compound)] + "nummer"
    return re.sub(r"(?<=ung)s(?=nummer$)", "", key)


def _aliases() -> dict[str, str]:
    if set(HEADERS) != CSV_FIELDS:  # the fields a tenant may map its headers to: a bug here
        raise AssertionError(f"HEADERS and settings.CSV_FIELDS differ: {set(HEADERS) ^ CSV_FIELDS}")
    found: dict[str, str] = {}
    for name, aliases in HEADERS.items():
        for alias in aliases:
            key = header_key(alias)
            if found.setdefault(key, name) != name:  # two fields read the same header: a bug here
                raise AssertionError(f"header {alias!r} is read as {found[key]} and {name}")
    return found


_ALIASES = _aliases()


class FieldError(ValueError):
    """A row's value refused, naming the field (a name of ``FIELDS``) and a stable ``kind``
    (empty, formula, too_long, not_amount, open_range, not_date, terms, currency, consumer,
    customer_empty): the dashboard's invoice form shows it at the field, in German. The message
    is the one the import report and the API give."""

    def __init__(self, message: Reason, field_name: str, kind: str) -> None:
        super().__init__(message)
        self.field, self.kind, self.reason = field_name, kind, message


@dataclass
class CsvResult:
    records: list[InvoiceRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: columns the file has and the import does not take (line: the header's)
    warnings: list[Reject] = field(default_factory=list)


HEAD_BYTES = 64 * 1024  # what encoding and delimiter are decided from


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """A stray byte in a UTF-8 file (a row pasted from an old tool) is read as Windows-1252."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


codecs.register_error("mahnwerk-cp1252", _cp1252_fallback)


def encoding_of(head: bytes) -> tuple[str, str]:
    """(encoding, error handler) from a file's first bytes: UTF-16 by its BOM (Excel's "Unicode
    text"), UTF-8 with or without BOM, else Windows-1252 — what German Excel writes otherwise."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "replace"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut in two at the end of the head
            return "cp1252", "replace"
    return "utf-8-sig", "mahnwerk-cp1252"


def open_text(source: bytes | BinaryIO | io.RawIOBase) -> tuple[TextIO, str]:
    """The file as a stream of text lines (never read into memory whole), and its delimiter."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    head = read_head(stream, HEAD_BYTES)
    encoding, errors = encoding_of(head)
    first_line = next((line for line in head.decode(encoding, errors="replace").splitlines()
                       if line.strip()), "")
    buffered = io.BufferedReader(Rejoined(head, stream), HEAD_BYTES)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline="")
    return text, sniff_delimiter(first_line)


def sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def map_headers(row: list[str], mapping: Mapping[str, str] | None = None) -> dict[str, int]:
    """Column index per canonical field; a tenant mapping (their header → field) wins."""
    return _map_headers(row, mapping)[0]


def _map_headers(row: list[str], mapping: Mapping[str, str] | None) -> tuple[dict[str, int], list[Reason]]:
    """Column index per canonical field, and why each other column with a header is not taken
    (German, for the import report: a column is never dropped without a word)."""
    custom = {header_key(k): v for k, v in (mapping or {}).items()}
    columns: dict[str, int] = {}
    ignored: list[Reason] = []
    for index, header in enumerate(row):
        key = header_key(header)
        name = custom.get(key) or _ALIASES.get(key)
        if name and name not in columns:
            columns[name] = index
        elif name:
            ignored.append(Reason("column_duplicate", header=_shown(header), field=name,
                                  field_de=FIELD_LABELS[name], first=_shown(row[columns[name]])))
        elif key:  # a column without a header (a trailing delimiter) holds nothing to miss
            ignored.append(Reason("column_unknown", header=_shown(header)))
    return columns, ignored


#: unknown columns reported one by one, the rest counted (a file of 10,000 columns says so once)
MAX_COLUMN_WARNINGS = 20


def _shown(header: str) -> str:
    text = "".join(c if c.isprintable() else " " for c in header.strip())
    return text if len(text) <= 60 else text[:60] + "…"


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
    source: bytes | BinaryIO | io.RawIOBase,
    file_name: str,
    tenant_id: str,
    default_terms_days: int,
    mapping: Mapping[str, str] | None = None,
) -> CsvResult:
    """Read a CSV export row by row from bytes or a binary stream (an S3 object body)."""
    with _bulk_allocation():
        return _parse(source, file_name, tenant_id, default_terms_days, mapping)


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """A big export allocates hundreds of thousands of objects and makes no reference cycles; the
    cyclic garbage collector would only walk the growing record list again and again (~10 % of
    the parse). Paused for the parse, restored as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(
    source: bytes | BinaryIO | io.RawIOBase, file_name: str, tenant_id: str, default_terms_days: int,
    mapping: Mapping[str, str] | None,
) -> CsvResult:
    result = CsvResult()
    text, delimiter = open_text(source)
    reader = csv.reader(text, delimiter=delimiter)
    header: list[str] = []
    try:
        while not "".join(header).strip():  # blank lines before the header are skipped
            header = next(reader)
    except StopIteration:
        result.rejects.append(Reject(file_name, 0, Reason("file_empty")))
        return result
    except csv.Error as exc:
        result.rejects.append(Reject(file_name, reader.line_num,
                                      Reason("csv_header_unreadable", detail=str(exc))))
        return result
    columns, ignored = _map_headers(header, mapping)
    header_line = reader.line_num
    result.warnings.extend(Reject(file_name, header_line, reason)
                           for reason in ignored[:MAX_COLUMN_WARNINGS])
    if len(ignored) > MAX_COLUMN_WARNINGS:
        result.warnings.append(Reject(file_name, header_line,
                                      Reason("columns_more", n=len(ignored) - MAX_COLUMN_WARNINGS)))
    missing = [f for f in REQUIRED if f not in columns]
    if "customer_id" not in columns and "name" not in columns:
        missing.append("customer_id or name")
    if missing:
        result.rejects.append(
            Reject(file_name, reader.line_num,
                   Reason("csv_columns_missing", missing=", ".join(missing), found=str(header)))
        )
        return result

    plan = _RowPlan(columns)
    chunk = _Chunk(plan, tenant_id, default_terms_days, file_name, result)
    rejects = result.rejects
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    total = 0
    while True:
        try:
            for row in reader:
                line, start = start, reader.line_num + 1
                if not row or (not row[0] and not "".join(row).strip()):
                    continue
                total += 1
                if total > MAX_ROWS:
                    rejects.append(Reject(file_name, line, Reason("csv_too_many_rows", max=MAX_ROWS)))
                    break
                rows.append(row)
                lines.append(line)
                if len(rows) == CHUNK_ROWS:
                    chunk.take(rows, lines)
                    rows, lines = [], []
        except csv.Error as exc:  # the reader goes on with the next line
            rejects.append(Reject(file_name, start, Reason("csv_row_unreadable", detail=str(exc))))
            start = reader.line_num + 1
            continue
        break
    chunk.take(rows, lines)
    rejects.sort(key=_line_of)  # a chunk's rejects come after the unreadable lines read within it
    return result


def _line_of(reject: Reject) -> int:
    return reject.line


#: rows checked and converted together, column by column (see :class:`_Chunk`)
CHUNK_ROWS = 1024


class _Chunk:
    """Rows of a file taken a chunk at a time: the fast path of a big import.

    The common chunk is clean, and then every check and conversion runs column by column with
    ``map`` over the same functions the row path uses, so the interpreter's per-row work nearly
    vanishes. Any doubt at all (a blank or odd cell, a formula, a repeated number, a short row,
    an error) and the chunk goes through :meth:`_RowPlan.record` row by row instead, which gives
    each row its exact reason. The two paths agree on every input
    (tests/unit/test_csv_chunks.py compares them on generated files).
    """

    def __init__(self, plan: _RowPlan, tenant_id: str, default_terms: int, file_name: str,
                 result: CsvResult) -> None:
        self.plan, self.tenant_id, self.default_terms = plan, tenant_id, default_terms
        self.file_name, self.result = file_name, result
        self.seen: dict[str, InvoiceRecord] = {}
        self.people: dict[tuple[str, ...], Customer] = {}  # one Customer per distinct row data

    def take(self, rows: list[list[str]], lines: list[int]) -> None:
        if not rows:
            return
        records = self._clean(rows, lines)
        if records is None:
            self._one_by_one(rows, lines)
            return
        self.seen.update(zip(map(_NUMBER, records), records, strict=True))
        self.result.records.extend(records)

    def _clean(self, rows: list[list[str]], lines: list[int]) -> list[InvoiceRecord] | None:
        """The chunk's records when every row is clean; None when any row needs a closer look."""
        plan = self.plan
        if min(map(len, rows)) < plan.width:
            return None
        cells = list(zip(*rows, strict=False))  # column by column, as wide as the shortest row
        column = {name: cells[index] for name, index in plan.columns.items()}
        blank = ("",) * len(rows)  # the column of every field the file does not have
        numbers = list(map(str.strip, column["number"]))
        if (not all(numbers) or max(map(len, numbers)) > MAX_NUMBER
                or not _FORMULA_START.isdisjoint(map(_FIRST, numbers))
                or len(set(numbers)) < len(numbers) or not self.seen.keys().isdisjoint(numbers)):
            return None
        keys = list(zip(*(column.get(name) or blank for name in FIELDS[_CUSTOMER_CELLS]), strict=True))
        people = self.people
        try:
            customers = list(map(people.get, keys))
            if not all(customers):  # new customers in this chunk
                new = list(dict.fromkeys(key for key, known in zip(keys, customers, strict=True)
                                         if known is None))
                people.update(zip(new, _customers(new, self.tenant_id), strict=True))
                customers = list(map(people.__getitem__, keys))
            amounts = parse_amounts(column["amount"])
            opens = (amounts if "open_amount" not in column
                     else list(map(_open_amount, amounts, column["open_amount"])))
            issues = list(map(parse_date, column["issue_date"]))
            due_texts = column.get("due_date")
            if due_texts is not None and all(map(str.strip, due_texts)):
                dues: Sequence[date] = list(map(parse_date, due_texts))
                sources: Iterable[str] = repeat("invoice")
            else:
                dues, sources = zip(*map(partial(_due, default_terms=self.default_terms), issues,
                                         due_texts or blank, column.get("terms_days") or blank),
                                    strict=True)
        except ValueError:  # AmountError and DateError included: the row path names the row
            return None
        codes = column.get("currency", ())
        currencies: Iterable[str] = repeat("EUR")
        if not _EURO.issuperset(map(str.upper, map(str.strip, codes))):
            if not all(map(is_supported, codes)):
                return None  # the row path names the row and the reason
            currencies = map(check_currency, codes)
        return list(map(InvoiceRecord, numbers, customers, issues, dues, amounts, opens,
                        currencies, sources, lines))

    def _one_by_one(self, rows: list[list[str]], lines: list[int]) -> None:
        seen, records, rejects = self.seen, self.result.records, self.result.rejects
        for row, line in zip(rows, lines, strict=True):
            try:
                record = self.plan.record(row, self.tenant_id, self.default_terms, line, self.people)
            except ValueError as exc:  # AmountError and DateError are ValueErrors
                rejects.append(Reject(self.file_name, line, reason_of(exc)))
                continue
            previous = seen.setdefault(record.number, record)
            if previous is record:
                records.append(record)
            elif not _same(previous, record):
                rejects.append(
                    Reject(self.file_name, line,
                           Reason("invoice_twice", number=record.number,
                                  first_line=previous.line))
                )


_FIRST = itemgetter(slice(0, 1))
_NUMBER = attrgetter("number")
_EURO = frozenset({"", "€", "EUR", "EURO"})
MAX_NUMBER = 64


def _same(a: InvoiceRecord, b: InvoiceRecord) -> bool:
    return (a.customer, a.issue_date, a.due_date, a.amount, a.open_amount, a.currency) == (
        b.customer, b.issue_date, b.due_date, b.amount, b.open_amount, b.currency)


#: the order in which :class:`_RowPlan` hands a row's cells over: text fields (TEXT_FIELDS) first,
#: the cells that make up a customer at 1…8
FIELDS = ("number", "customer_id", "name", "email", "street", "postal_code", "city", "country",
          "consumer", "issue_date", "due_date", "terms_days", "amount", "open_amount", "currency")
_CUSTOMER_CELLS = slice(1, 9)


class _RowPlan:
    """A file's header, turned into one C-level lookup that pulls every known cell out of a row.

    The row path: every row of a chunk in doubt, and every invoice the API imports, goes through
    :meth:`record`, which gives each problem its exact reason. Missing columns read the empty
    cell appended to every row.
    """

    def __init__(self, columns: dict[str, int]) -> None:
        self.columns = columns
        self.width = max(columns.values()) + 1
        self.cells = itemgetter(*(columns.get(name, -1) for name in FIELDS))

    def record(
        self, row: list[str], tenant_id: str, default_terms: int, line: int,
        people: dict[tuple[str, ...], Customer],
    ) -> InvoiceRecord:
        if len(row) < self.width:
            row = row + [""] * (self.width - len(row))
        row.append("")  # index -1: the cell of every column the file does not have
        cells = self.cells(row)
        # Customers repeat from row to row: their cells are cleaned and checked once per
        # distinct spelling, which keeps the per-row work to the invoice's own cells.
        raw_key = cells[_CUSTOMER_CELLS]
        customer = people.get(raw_key)
        if customer is None:
            customer = people[raw_key] = _customer(tuple(map(str.strip, raw_key)), tenant_id)
        number = cells[0].strip()
        if number[:1] in _FORMULA_START and formula_cell(number):
            raise FieldError(_formula("number", number), "number", "formula")
        if not number:
            raise FieldError(Reason("number_empty"), "number", "empty")
        if len(number) > MAX_NUMBER:
            raise FieldError(Reason("number_too_long", max=MAX_NUMBER, text=number[:20]),
                             "number", "too_long")
        (_, _, _, _, _, _, _, _, _,
         issue_text, due_text, terms_text, amount_text, open_text, currency) = cells
        # parse_amount and parse_date read surrounding blanks themselves; a blank cell is empty
        if not amount_text or amount_text.isspace():
            raise FieldError(Reason("amount_empty"), "amount", "empty")
        amount = _field(parse_amount, amount_text, "amount", "not_amount")
        open_amount = _open_amount(amount, open_text)
        if not issue_text or issue_text.isspace():
            raise FieldError(Reason("issue_date_empty"), "issue_date", "empty")
        issue = _field(parse_date, issue_text, "issue_date", "not_date")
        due, source = _due(issue, due_text, terms_text, default_terms)  # even before the issue date
        try:  # any ISO 4217 currency with at most two decimals; a blank cell is EUR
            code = check_currency(currency)
        except CurrencyError as exc:
            raise FieldError(reason_of(exc), "currency", "currency") from exc
        return InvoiceRecord(number, customer, issue, due, amount, open_amount, code, source, line)


def _field[T](parse: Callable[[str], T], text: str, field_name: str, kind: str) -> T:
    """``parse(text)``; its ValueError as a FieldError naming the field (same message)."""
    try:
        return parse(text)
    except FieldError:
        raise
    except ValueError as exc:
        raise FieldError(reason_of(exc), field_name, kind) from exc


def _formula(field_name: str, value: str) -> Reason:
    return Reason("field_formula", field=field_name, field_de=FIELD_LABELS[field_name],
                  text=value[:30])


def _customer(key: tuple[str, ...], tenant_id: str) -> Customer:
    customer_id, name, email, street, postal_code, city, country, consumer = key
    if not _FORMULA_START.isdisjoint(  # first characters only; the loop then names the cell
            [customer_id[:1], name[:1], email[:1], street[:1], postal_code[:1], city[:1]]):
        for field_name, value in zip(TEXT_FIELDS[1:], key, strict=False):
            if value[:1] in _FORMULA_START and formula_cell(value):
                raise FieldError(_formula(field_name, value), field_name, "formula")
    customer_id = customer_id or (customer_id_from_name(name) if name else "")
    if not customer_id:
        raise FieldError(Reason("customer_empty"), "name",
                         "customer_empty")
    return Customer(tenant_id=tenant_id, customer_id=customer_id, name=name or customer_id, email=email,
                    address=Address(street, postal_code, city, _country(country)),
                    is_consumer=_field(_consumer_flag, consumer, "consumer", "consumer"),
                    overrides=_NO_OVERRIDES,
                    absent=_ABSENT[tuple(map(operator.not_, key[1:]))])


def _customers(keys: list[tuple[str, ...]], tenant_id: str) -> list[Customer]:
    """:func:`_customer` for the new customers of a chunk (raw cells), column by column."""
    ids, names, emails, streets, postal_codes, cities, countries, consumers = (
        list(map(str.strip, cells)) for cells in zip(*keys, strict=True))
    absent = list(map(_ABSENT.__getitem__, zip(*(map(operator.not_, cells) for cells in (
        names, emails, streets, postal_codes, cities, countries, consumers)), strict=True)))
    if not all(ids):  # a file without customer numbers: made from the names, as one by one
        ids = [customer_id or (customer_id_from_name(name) if name else "")
               for customer_id, name in zip(ids, names, strict=True)]
    if not all(names):
        names = [name or customer_id for name, customer_id in zip(names, ids, strict=True)]
    if not all(ids) or not _FORMULA_START.isdisjoint(
            map(_FIRST, chain(ids, names, emails, streets, postal_codes, cities))):
        # a customer without number and name, or a cell to refuse: one by one, which names it
        return [_customer(tuple(map(str.strip, key)), tenant_id) for key in keys]
    count = len(keys)
    addresses = build_many(Address, count, {
        "street": streets, "postal_code": postal_codes, "city": cities,
        "country": list(map(_country, countries))})
    return build_many(Customer, count, {
        "customer_id": ids, "name": names, "email": emails, "address": addresses,
        "is_consumer": list(map(_consumer_flag, consumers)), "absent": absent},
        {"tenant_id": tenant_id, "overrides": _NO_OVERRIDES})


#: a file sets no overrides; one shared (immutable) instance instead of one per customer
_NO_OVERRIDES = CustomerOverrides()
#: the fields a row leaves out (an empty cell or a missing column: never "erase"), by which of
#: the customer cells name…consumer are blank; shared instances, one per combination
_ABSENT = {blanks: frozenset(name for name, blank in zip(INTAKE_FIELDS, blanks, strict=True) if blank)
           for blanks in product((False, True), repeat=len(INTAKE_FIELDS))}


@lru_cache(maxsize=256)
def _country(raw: str) -> str:
    return (raw or "DE").upper()[:2]


@lru_cache(maxsize=256)
def _consumer_flag(raw: str) -> bool:
    value = _norm(raw)
    if value in _CONSUMER_YES:
        return True
    if value in _CONSUMER_NO:
        return False
    raise FieldError(Reason("consumer_unclear", text=raw[:40]), "consumer", "consumer")


def _open_amount(amount: Decimal, open_text: str) -> Decimal:
    """What is still open: the amount unless the row says otherwise (within 0…amount)."""
    if not open_text or open_text.isspace():
        return amount
    open_amount = _field(parse_amount, open_text, "open_amount", "not_amount")
    if amount >= 0 and not (0 <= open_amount <= amount):
        raise FieldError(Reason("open_amount_range", open_amount=open_amount, amount=amount), "open_amount",
                         "open_range")
    return open_amount


def _due(issue: date, due_text: str, terms_text: str, default_terms: int) -> tuple[date, str]:
    """The row's due date and where it came from: the row's own due date, else its payment terms,
    else the tenant's default terms."""
    if due_text and not due_text.isspace():
        return _field(parse_date, due_text, "due_date", "not_date"), "invoice"
    terms_text = terms_text.strip()
    if terms_text:
        digits = re.search(r"\d+", terms_text)
        if not digits:
            raise FieldError(Reason("terms_unclear", text=terms_text[:40]), "terms_days", "terms")
        return issue + timedelta(days=int(digits.group())), "terms"
    return issue + timedelta(days=default_terms), "default_terms"


_FIELD_PLAN = _RowPlan({name: index for index, name in enumerate(FIELDS)})


def record_from_fields(fields: Mapping[str, str], tenant_id: str, default_terms_days: int,
                       line: int) -> InvoiceRecord:
    """One invoice given as named fields (the API) through the very checks a CSV row gets.
    Raises ValueError (AmountError and DateError are ValueErrors) with the reason."""
    row = [str(fields.get(name) or "") for name in FIELDS]
    return _FIELD_PLAN.record(row, tenant_id, default_terms_days, line, {})
