"""The REST API on the local adapter (``mahnwerk serve``): one tenant with a large book, every call
over real HTTP through the authorizer and the API function. Figures printed, never asserted —
except that no call may Scan the table.

- p50/p99 latency of: a list page (limit 50), a filtered list, the next page by cursor, one
  invoice with its timeline, the aging report, one customer with account statement;
- DynamoDB requests (and items read) per call, Scan counted separately; and once, a filter that
  matches nothing (at most 5 requests of 200 items read, then an empty page with a cursor);
- ratios to a baseline call (an unknown invoice: the authorizer's GetItem and one GetItem, 404).

The book is written directly (BatchWriteItem, 25 items a request), not through 100,000 HTTP
calls. Each call includes the authorizer's GetItem: API Gateway caches that answer for 60 s.

Run: .venv/bin/python benchmarks/api.py [--invoices 10000] [--repeat 30] [--repeat-report 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk"), str(ROOT / "infra"), str(ROOT / "benchmarks")]

from aws_counts import counting  # noqa: E402

from mahnwerk.adapters.dynamo_models import (  # noqa: E402
    CustomerItem,
    EventItem,
    InvoiceItem,
    NoticeItem,
    customer_pk,
    invoice_to_item,
    tenant_pk,
)
from mahnwerk.domain.model import Invoice, InvoiceStatus  # noqa: E402
from mahnwerk.service.keys import create_key  # noqa: E402
from mahnwerk_local.serve import LocalApi, serving  # noqa: E402
from mahnwerk_local.stack import LocalStack  # noqa: E402

TENANT = "bench"
NOW = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Europe/Berlin"))
TODAY = NOW.date()
#: the invoice whose timeline is read, and its customer (3 events, 3 notices)
TIMELINE = "R-0000042"
PER_CUSTOMER = 4


def book(total: int) -> list[Invoice]:
    """A mixed book: 60 % open (levels 0–3), 20 % partially paid, 20 % paid; due dates spread
    over the last 120 days and the next 30."""
    invoices = []
    for i in range(total):
        due = TODAY - timedelta(days=120 - (i * 7) % 150)
        kind = i % 10
        if kind < 6:
            status, open_amount, level = InvoiceStatus.OPEN, Decimal("119.00"), min(kind, 3)
        elif kind < 8:
            status, open_amount, level = InvoiceStatus.PARTIALLY_PAID, Decimal("19.00"), 1
        else:
            status, open_amount, level = InvoiceStatus.PAID, Decimal("0.00"), 0
        nxt = due + timedelta(days=7) if status is not InvoiceStatus.PAID else None
        invoices.append(Invoice(TENANT, f"R-{i:07d}", f"C-{i // PER_CUSTOMER:06d}", due - timedelta(days=14),
                                due, Decimal("119.00"), open_amount, status=status, level=level,
                                next_action_on=nxt, received_at=NOW.isoformat(), source="bench"))
    return invoices


def seed(stack: LocalStack, invoices: list[Invoice]) -> float:
    began = time.perf_counter()
    with stack.service_context() as ctx:
        ctx.tenants.register_tenant(TENANT, NOW)
        with CustomerItem.batch_write() as batch:
            for cid in dict.fromkeys(inv.customer_id for inv in invoices):
                batch.save(CustomerItem(pk=tenant_pk(TENANT), sk=f"CUS#{cid}", customer_id=cid,
                                        name=f"Kunde {cid} GmbH", email=f"{cid.lower()}@example.org",
                                        street="Weg 1", postal_code="10115", city="Berlin", country="DE"))
        with InvoiceItem.batch_write() as batch:
            for inv in invoices:
                batch.save(invoice_to_item(inv))
        target = next(inv for inv in invoices if inv.number == TIMELINE)
        for n, kind in enumerate(("paused", "resumed", "disputed")):
            at = (NOW - timedelta(days=30 - n)).isoformat()
            EventItem(pk=tenant_pk(TENANT), sk=f"EVT#{TIMELINE}#{at}#{kind}", kind=kind, at=at,
                      detail=json.dumps({"reason": "bench"})).save()
        for level in (1, 2, 3):
            run = TODAY - timedelta(days=40 - 14 * level)
            notice_id = f"{target.customer_id}:{run.isoformat()}:L{level}"
            plan = {"customer_id": target.customer_id, "level": level, "level_name": f"Stufe {level}",
                    "run_date": run.isoformat(), "lines": [{"number": TIMELINE}]}
            NoticeItem(pk=tenant_pk(TENANT), sk=f"NOT#{notice_id}",
                       cust_pk=customer_pk(TENANT, target.customer_id),
                       cust_sk=f"NOT#{run.isoformat()}#L{level}", notice_id=notice_id, status="sent",
                       plan=json.dumps(plan), reserved_at=run.isoformat(), sent_at=run.isoformat()).save()
    return time.perf_counter() - began


class Client:
    """One keep-alive HTTP connection, as an integration would hold it."""

    def __init__(self, base: str, key: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=600)
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str) -> tuple[int, Any]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())


def measure(client: Client, path: str, repeat: int, warm: bool = True) -> dict[str, Any]:
    body = None
    if warm:  # the route's modules and code paths
        status, body = client.get(path)
        assert status == 200 or path.endswith("NOPE"), (path, status, body)
    samples = []
    with counting() as counts:
        for _ in range(repeat):
            began = time.perf_counter()
            status, body = client.get(path)
            samples.append(time.perf_counter() - began)
            assert status == 200 or path.endswith("NOPE"), (path, status, body)
    return {"samples": samples, "requests": Counter(counts.of("dynamodb")),
            "items": Counter(counts.items), "body": body}


def p(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30, help="calls per measured request")
    parser.add_argument("--no-match-up-to", type=int, default=20_000,
                        help="run the filter that matches nothing only up to this book size")
    parser.add_argument("--repeat-report", type=int, default=3,
                        help="calls of the aging report (it reads the whole book; moto needs "
                             "~5 ms an item to serialise it)")
    args = parser.parse_args()
    out = sys.stdout
    invoices = book(args.invoices)
    # the functions log JSON lines to stdout, as in Lambda: not into the figures
    with open(Path("/dev/null"), "w") as devnull, redirect_stdout(devnull), LocalStack() as stack:
        seconds = seed(stack, invoices)
        with stack.service_context() as ctx:
            key, _ = create_key(ctx, TENANT, "bench", datetime.now(UTC))
        api = LocalApi(stack, clock=lambda: NOW)
        with serving(api) as base:
            client = Client(base, key)
            _, first = client.get("/v1/invoices?limit=50")
            customer = next(inv.customer_id for inv in invoices if inv.number == TIMELINE)
            calls = [
                ("baseline: unknown invoice (404)", "/v1/invoices/NOPE", args.repeat),
                ("list page (limit 50)", "/v1/invoices?limit=50", args.repeat),
                ("list with filter (status=paid, due_to)",
                 f"/v1/invoices?status=paid&due_to={TODAY.isoformat()}&limit=50", args.repeat),
                ("next page via cursor", f"/v1/invoices?limit=50&cursor={first['next_cursor']}",
                 args.repeat),
                ("one invoice with timeline", f"/v1/invoices/{TIMELINE}", args.repeat),
                ("aging report", "/v1/reports/aging", args.repeat_report),
                ("customer with statement", f"/v1/customers/{customer}", args.repeat),
            ]
            if args.invoices <= args.no_match_up_to:
                calls.append(("filter matching nothing (status=disputed)",
                              "/v1/invoices?status=disputed&limit=50", 1))
            results = {name: measure(client, path, repeat, warm=repeat == args.repeat > 1)
                       for name, path, repeat in calls}
    print_results(out, args.invoices, seconds, results)


def print_results(out: Any, total: int, seconds: float, results: dict[str, dict[str, Any]]) -> None:
    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    say(f"REST API on the local adapter (mahnwerk serve), one tenant of {total:,} invoices "
        f"(size used: {total:,}; seeded by batch writes in {seconds:.1f} s)")
    baseline = statistics.median(results["baseline: unknown invoice (404)"]["samples"])
    say(f"  {'call':<42} {'n':>3} {'p50 ms':>9} {'p99 ms':>9} {'p99/p50':>7} {'×base':>6} "
        f"{'DDB req/call':>12} {'items/call':>10}  per call")
    scans = 0
    for name, r in results.items():
        n = len(r["samples"])
        p50, p99 = statistics.median(r["samples"]), p(r["samples"], 99)
        per_call = {k: round(v / n, 2) for k, v in sorted(r["requests"].items())}
        scans += r["requests"].get("Scan", 0)
        say(f"  {name:<42} {n:>3} {p50 * 1000:>9.1f} {p99 * 1000:>9.1f} {p99 / p50:>7.2f} "
            f"{p50 / baseline:>6.1f} {sum(r['requests'].values()) / n:>12.1f} "
            f"{sum(r['items'].values()) / n:>10.1f}  {per_call}")
    filtered = results["list with filter (status=paid, due_to)"]
    say(f"  filtered page: {len(filtered['body']['items'])} items from "
        f"{filtered['requests']['Query'] / len(filtered['samples']):.0f} Query request(s) of up to "
        "200 items read (at most 5 per call, then a cursor)")
    nothing = results.get("filter matching nothing (status=disputed)")
    if nothing:
        say(f"  a filter matching nothing: {nothing['requests']['Query']} Query requests, "
            f"{nothing['items'].get('Query', 0)} items returned, next_cursor "
            f"{'set' if nothing['body']['next_cursor'] else 'null'}, "
            f"{statistics.median(nothing['samples']):.1f} s")
    else:
        say("  a filter matching nothing: not run at this size (at most 5 Query requests a call)")
    aging = results["aging report"]
    queries = aging["requests"].get("Query", 0) / len(aging["samples"])
    say(f"  aging report: reads the whole book, {queries:.0f} Query page(s) per call, "
        f"{statistics.median(aging['samples']) * 1000 / (total / 1000):.0f} ms per 1,000 invoices here")
    say(f"  Scan requests: {scans}")
    assert scans == 0, "an API call scanned the table"


if __name__ == "__main__":
    main()
