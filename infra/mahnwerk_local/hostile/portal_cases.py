"""The debtor's page (``/portal/…``, issue 17): forged and foreign links, forms without their
token or naming another customer's invoice, oversized and hostile fields, and attachments that
must not pass the upload guards. Every refusal of a link is the same 404 (no oracle)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from .env import Env
from .model import EICAR, JUNK, OTHER, TENANT, Case, Verdict

PATH = "GET/POST /portal/{tenant}/{customer}/{signature}"
CUSTOMER = "K-PORTAL"
INVOICE = "P-PORTAL-1"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def _fresh() -> None:
    """Each case starts with the page's per-minute limits unused (all cases come from one
    address within a minute; the limits have their own case)."""
    from mahnwerk.web import portal

    for limiter in (portal.PER_IP, portal.PER_LINK, portal.POSTS_PER_LINK):
        limiter.hits.clear()


def _link(env: Env, tenant: str = TENANT, customer: str = CUSTOMER) -> str:
    _fresh()
    row = {"number": INVOICE if tenant == TENANT else "P-PORTAL-B", "customer": {
        "id": customer, "name": "Paula Portal"}, "issue_date": "2026-02-01",
        "due_date": "2026-02-15", "amount": "100.00"}
    env.api("POST", "/v1/invoices", {"invoices": [row]}, tenant=tenant)
    answer = env.api("GET", f"/v1/customers/{customer}/portal-link", tenant=tenant)
    return str(urlsplit(str(answer.body["url"])).path)


def _get(env: Env, path: str) -> Any:
    return env.stack.api("GET", path, headers={"Content-Type": "text/html"})


def _post(env: Env, path: str, body: bytes | str, content_type: str) -> Any:
    if isinstance(body, bytes):
        return env.stack.api("POST", path, binary=body, headers={"Content-Type": content_type})
    return env.stack.api("POST", path, body=body, headers={"Content-Type": content_type})


def _verdict(response: Any, ok_status: tuple[int, ...] = (400, 403, 404, 429)) -> Verdict:
    if response.status >= 500:
        return Verdict("crashed", f"HTTP {response.status}")
    if response.status in ok_status:
        return Verdict("refused", f"HTTP {response.status}")
    return Verdict("accepted", f"HTTP {response.status}")


def _not_found(make: Callable[[Env, str], str]) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        good = _link(env)
        reference = _get(env, "/portal/acme/nobody/" + "A" * 16).body
        response = _get(env, make(env, good))
        verdict = _verdict(response, (404,))
        if verdict.outcome == "refused" and response.body != reference:
            return Verdict("accepted", "a 404 that differs from the unknown link's: an oracle")
        return verdict
    return run


def _held(env: Env) -> bool:
    invoice = env.api("GET", f"/v1/invoices/{INVOICE}").body
    if invoice.get("status") == "disputed":  # a case before let a dispute through: start afresh
        return True
    return bool(invoice.get("paused_until")) or invoice.get("status") == "disputed"


def _form(kind: str, fields: list[tuple[str, str]], with_token: bool = True,
          token_of: str = TENANT) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        path = _link(env)
        source = _link(env, OTHER) if token_of == OTHER else path
        found = TOKEN.search(str(_get(env, source).body))
        token = found.group(1) if found and with_token else ""
        before = _held(env)
        response = _post(env, f"{path}/{kind}", urlencode([("token", token), *fields]),
                         "application/x-www-form-urlencoded")
        verdict = _verdict(response)
        if verdict.outcome == "refused" and _held(env) != before:
            return Verdict("accepted", f"{verdict.reason}, but the invoice changed")
        if "<script>alert" in str(response.body):
            return Verdict("accepted", "the input came back unescaped")
        return verdict
    return run


def _multipart(file_name: str, content_type: str, data: bytes,
               extra_parts: int = 0) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        path = _link(env)
        found = TOKEN.search(str(_get(env, path).body))
        token = found.group(1) if found else ""
        boundary = "hostileBoundary"
        parts = [(b"token", None, b"", token.encode()), (b"invoice", None, b"", INVOICE.encode()),
                 (b"reason", None, b"", b"other"), (b"text", None, b"", b"siehe Anlage")]
        parts += [(b"x%d" % i, None, b"", b"y") for i in range(extra_parts)]
        body = b""
        for name, filename, ctype, value in parts:
            body += b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" \
                + name + b"\"\r\n\r\n" + value + b"\r\n"
            del filename, ctype
        body += (b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"file\"; "
                 b"filename=\"" + file_name.encode() + b"\"\r\nContent-Type: "
                 + content_type.encode() + b"\r\n\r\n" + data + b"\r\n--" + boundary.encode()
                 + b"--\r\n")
        before = _held(env)
        response = _post(env, f"{path}/dispute", body, f"multipart/form-data; boundary={boundary}")
        verdict = _verdict(response)
        if verdict.outcome == "refused" and _held(env) != before:
            return Verdict("accepted", f"{verdict.reason}, but the invoice changed")
        if verdict.outcome == "accepted" and extra_parts:
            return Verdict("defused", f"HTTP {response.status}: the extra fields were ignored")
        return verdict
    return run


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def portal_cases() -> Iterator[Case]:
    links: dict[str, tuple[str, Callable[[Env, str], str]]] = {
        "portal-link-tampered": ("one character of the signature changed",
                                 lambda env, p: p[:-1] + ("A" if p[-1] != "A" else "B")),
        "portal-link-other-customer": ("a customer's signature on another customer's path",
                                       lambda env, p: p.replace(CUSTOMER, "K-OTHER")),
        "portal-link-other-tenant": ("acme's signature on the other tenant's path",
                                     lambda env, p: p.replace(f"/{TENANT}/", f"/{OTHER}/")),
        "portal-link-traversal": ("path traversal in the customer segment",
                                  lambda env, p: p.replace(CUSTOMER, "..%2F..%2Fapp")),
        "portal-link-huge": ("a 5 000-character customer id",
                             lambda env, p: p.replace(CUSTOMER, "K" * 5000)),
        "portal-link-no-signature": ("the link without its signature",
                                     lambda env, p: p.rsplit("/", 1)[0]),
        "portal-link-letter-of-other": ("another customer's letter through this link",
                                        lambda env, p: p + "/letters/K-1:2026-03-01:L1"),
        "portal-link-invoice-traversal": ("an invoice PDF by traversal",
                                          lambda env, p: p + "/invoices/..%2F..%2Fsecret"),
    }
    for case_id, (what, make) in links.items():
        yield Case(case_id, PATH, what, "api", run=_not_found(make))
    yield Case("portal-form-no-token", PATH, "a promise without the form token", "api",
               run=_form("promise", [("invoice", INVOICE), ("until", "2026-03-10")], False))
    yield Case("portal-form-other-token", PATH, "the other tenant's link's form token", "api",
               run=_form("promise", [("invoice", INVOICE), ("until", "2026-03-10")],
                         token_of=OTHER))
    yield Case("portal-form-foreign-invoice", PATH, "a promise naming another customer's invoice",
               "api", run=_form("promise", [("invoice", "P-0"), ("until", "2026-03-10")]))
    yield Case("portal-form-far-promise", PATH, "a promise ten years ahead", "api",
               run=_form("promise", [("invoice", INVOICE), ("until", "2036-03-10")]))
    yield Case("portal-form-bad-amount", PATH, "an amount of 1e999 in 'already paid'", "api",
               run=_form("paid", [("invoice", INVOICE), ("paid_on", "2026-02-28"),
                                  ("amount", "1e999")]))
    yield Case("portal-form-5mb-note", PATH, "a 5 MB note", "api",
               run=_form("paid", [("invoice", INVOICE), ("paid_on", "2026-02-28"),
                                  ("amount", "1,00"), ("note", "x" * 5_000_000)]))
    yield Case("portal-form-many-fields", PATH, "a promise form of 5 000 fields", "api",
               run=_form("promise", [("invoice", INVOICE), ("until", "2026-03-10")]
                         + [(f"f{i}", "x") for i in range(5000)]))
    yield Case("portal-form-script", PATH, "a script tag in the dispute text, with a bad reason",
               "api", run=_form("dispute", [("invoice", INVOICE), ("reason", "<script>alert(1)"),
                                            ("text", "<script>alert(1)</script>")]))
    uploads = {
        "portal-upload-eicar": ("a PDF carrying the EICAR test signature", "a.pdf",
                                "application/pdf", PDF + EICAR),
        "portal-upload-svg-as-png": ("an SVG with script, declared PNG", "a.png", "image/png",
                                     b"<svg onload=alert(1)></svg>"),
        "portal-upload-exe-as-pdf": ("binary junk named .pdf", "a.pdf", "application/pdf", JUNK),
        "portal-upload-6mb": ("a 6 MB PDF (limit 5 MB)", "big.pdf", "application/pdf",
                              PDF + b"0" * 6_000_000),
        "portal-upload-png-bomb": ("a PNG declaring 100 000 x 100 000 pixels", "b.png",
                                   "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                                   + (100_000).to_bytes(4, "big") * 2 + b"\x08\x06\x00\x00\x00"),
    }
    for case_id, (what, name, ctype, data) in uploads.items():
        yield Case(case_id, PATH + " (dispute attachment)", what, "api", timeout=30,
                   run=_multipart(name, ctype, data))
    yield Case("portal-upload-many-parts", PATH + " (dispute attachment)",
               "a form of 20 000 parts around a valid PDF", "api", timeout=30,
               run=_multipart("ok.pdf", "application/pdf", PDF, extra_parts=20_000))
    yield Case("portal-rate-limit", PATH, "200 page requests in a row from one address", "api",
               timeout=60, run=_flood)


def _flood(env: Env) -> Verdict:
    path = _link(env)
    statuses = [_get(env, path).status for _ in range(200)]
    _fresh()
    if any(s >= 500 for s in statuses):
        return Verdict("crashed", "HTTP 5xx")
    if 429 not in statuses:
        return Verdict("accepted", "200 requests within a minute all answered")
    return Verdict("refused", f"HTTP 429 from request {statuses.index(429) + 1} on")
