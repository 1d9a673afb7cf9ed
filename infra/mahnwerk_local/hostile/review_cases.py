"""The review list's completion (``POST /v1/review/{id}``): hostile fields must be refused with
codes, never import an invoice, and never reach another tenant's item."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .env import Env, api_verdict, request
from .model import OTHER, TENANT, Case, Verdict
from .payloads import text_pdf

PATH = "POST /v1/review/{id} (completing a PDF that could not be read)"
_LINES = ["Firma", "Müller Bau GmbH", "Baustraße 7", "12345 Musterstadt", "Rechnungsdatum: 02.03.2026",
          "Gesamtbetrag 1.190,00 €"]
_VALID = {"number": "RV-H1", "issue_date": "02.03.2026", "amount": "1.190,00",
          "customer": {"name": "Müller Bau GmbH"}}


def _review_id(env: Env, tenant: str = TENANT) -> str:
    """The tenant's open review item (a PDF without an invoice number, uploaded once)."""
    found = env.api("GET", "/v1/review", tenant=tenant, query={"status": "open"}).body.get("items") or []
    if found:
        return str(found[0]["id"])
    env.put(f"inbox/{tenant}/invoices/hostile-review-{tenant}.pdf", text_pdf([*_LINES, tenant]))
    env.stack.drain()
    return str(env.api("GET", "/v1/review", tenant=tenant).body["items"][0]["id"])


def _invoice_created(env: Env, tenant: str = TENANT) -> bool:
    return any(env.api("GET", f"/v1/invoices/{n}", tenant=tenant).status == 200
               for n in ("RV-H1", "RV-H2"))


def _post(build: Callable[[], Any]) -> Callable[[Env], Verdict]:
    def run(env: Env) -> Verdict:
        rid = _review_id(env)
        verdict = api_verdict(env.api("POST", f"/v1/review/{rid}", build()))
        if _invoice_created(env):
            return Verdict("accepted", "an invoice was imported from hostile review fields")
        still = env.api("GET", f"/v1/review/{rid}").body.get("status")
        if still != "open":
            return Verdict("accepted", f"the review item became {still!r}")
        return verdict
    return run


def _other_tenant(env: Env) -> Verdict:
    """The other tenant's item by its real id: not found for this tenant, and it stays open."""
    theirs = _review_id(env, OTHER)
    verdicts = [api_verdict(env.api(method, path, body)) for method, path, body in (
        ("GET", f"/v1/review/{theirs}", None), ("POST", f"/v1/review/{theirs}", _VALID),
        ("POST", f"/v1/review/{theirs}/discard", None))]
    status = env.api("GET", f"/v1/review/{theirs}", tenant=OTHER).body.get("status")
    if status != "open" or _invoice_created(env) or _invoice_created(env, OTHER):
        return Verdict("accepted", f"the other tenant's item was changed (now {status!r})")
    if any(v.outcome != "refused" for v in verdicts):
        return next(v for v in verdicts if v.outcome != "refused")
    codes = sorted({v.reason.split(":")[0] for v in verdicts})  # the id differs from run to run
    return Verdict("refused", f"{', '.join(codes)} to read, complete and discard; the other "
                              "tenant's item stays open, no invoice imported")


def review_cases() -> Iterator[Case]:
    big = "x" * (5 * 1024 * 1024)
    posts: dict[str, tuple[str, Callable[[], Any]]] = {
        "review-5mb-name": ("a 5 MB customer name", lambda: {**_VALID, "customer": {"name": big}}),
        "review-long-number": ("a 10 000-character invoice number",
                               lambda: {**_VALID, "number": "N" * 10_000}),
        "review-bad-dates": ("dates that do not exist (31.02.2026, 2026-13-45)",
                             lambda: {**_VALID, "issue_date": "31.02.2026", "due_date": "2026-13-45"}),
        "review-negative-amount": ("a negative amount", lambda: {**_VALID, "amount": "-1.190,00"}),
        "review-amount-text": ("an amount that is no number (1e400, NaN)",
                               lambda: {**_VALID, "amount": "1e400", "open_amount": "NaN"}),
        "review-formula-name": ("formula injection in the customer name", lambda: {
            **_VALID, "customer": {"name": '=HYPERLINK("http://evil.example","x")'}}),
        "review-wrong-types": ("wrong types: an object as number, a list as amount",
                               lambda: {**_VALID, "number": {"$ne": ""}, "amount": [1]}),
        "review-currency": ("an unsupported currency code", lambda: {**_VALID, "currency": "XXX"}),
    }
    for case_id, (what, build) in posts.items():
        yield Case(case_id, PATH, what, "api", run=_post(build), timeout=30)
    yield Case("review-other-tenant", PATH, "read, complete and discard another tenant's item by its "
               "real id", "api", run=_other_tenant, timeout=30)
    for case_id, (rid, what) in {
            "review-id-path": ("..%2F..%2Finbox%2Fbeta", "a path in the item id"),
            "review-id-long": ("f" * 5000, "a 5 000-character item id")}.items():
        yield Case(case_id, "GET /v1/review/{id}", what, "api", run=request("GET", f"/v1/review/{rid}"))
    yield Case("review-cursor-garbage", "GET /v1/review (pagination)", "a cursor that is not one", "api",
               run=lambda env: env.api_verdict("GET", "/v1/review", query={"cursor": "garbage!"}))
