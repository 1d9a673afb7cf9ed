"""Invoice intake figures, printed (never asserted).

- parse + validate rate of the CSV parser for 10,000 and 100,000 generated rows, against bare
  ``csv.reader`` over the same bytes as the ceiling (target ≥ 100,000 rows/s, ≥ 0.2 × ceiling);
- peak memory of the parse (tracemalloc; target < 256 MB for 100,000 rows);
- DynamoDB requests per 1,000 invoices through the real S3 → SQS → IntakeFunction path on moto
  (target ≤ 40 write requests per 1,000 invoices; reads and customer upserts reported apart).

Run: .venv/bin/python benchmarks/intake.py
"""

from __future__ import annotations

import csv
import io
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk"), str(ROOT / "infra"), str(ROOT / "benchmarks")]

from aws_counts import counting  # noqa: E402

from mahnwerk.intake.csv_invoices import parse_invoices_csv  # noqa: E402
from mahnwerk_local.stack import LocalStack  # noqa: E402


def rows_csv(n: int, customers: int = 5_000) -> bytes:
    out = io.StringIO()
    out.write("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Kundentyp;"
              "Rechnungsdatum;Fällig am;Betrag\r\n")
    for i in range(n):
        c = i % customers
        out.write(f"RE-{i:07d};K-{c:05d};Kunde {c} GmbH;k{c}@example.org;Weg {c % 90 + 1};10115;"
                  f"Berlin;gewerblich;{1 + i % 28:02d}.10.2026;{1 + i % 28:02d}.11.2026;"
                  f"{1 + i % 9}.{i % 1000:03d},{i % 100:02d} €\r\n")
    return out.getvalue().encode("utf-8")


def ceiling(data: bytes) -> float:
    began = time.perf_counter()
    rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    return rows / (time.perf_counter() - began)


def parse_rate(data: bytes) -> tuple[float, int, float]:
    """Rate without tracing (tracemalloc slows Python several times), then memory in a 2nd pass."""
    began = time.perf_counter()
    result = parse_invoices_csv(data, "bench.csv", "bench", 14)
    elapsed = time.perf_counter() - began
    assert not result.rejects, result.rejects[:3]
    count = len(result.records)
    del result
    tracemalloc.start()
    parse_invoices_csv(data, "bench.csv", "bench", 14)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return count / elapsed, count, peak / 2**20


def through_the_stack(n: int) -> dict[str, int]:
    data = rows_csv(n, customers=n // 4)
    with LocalStack() as stack:
        stack.upload("inbox/bench/invoices/bench.csv", data)
        with counting() as counts:
            stack.drain()
        with stack.service_context() as ctx:
            created = len(ctx.repo.invoices("bench"))
    assert created == n, created
    return counts.of("dynamodb")


def main() -> None:
    print(f"{'rows':>8} {'ceiling rows/s':>15} {'parse rows/s':>13} {'ratio':>6} {'peak MB':>8}")
    for n in (10_000, 100_000):
        data = rows_csv(n)
        top = ceiling(data)
        rate, count, peak = parse_rate(data)
        print(f"{count:>8,} {top:>15,.0f} {rate:>13,.0f} {rate / top:>6.2f} {peak:>8.1f}"
              f"   ({len(data) / 2**20:.1f} MB file)")
    n = 10_000
    ops = through_the_stack(n)
    writes = ops.get("TransactWriteItems", 0) + ops.get("PutItem", 0) + ops.get("UpdateItem", 0)
    print(f"\nThrough S3 → SQS → IntakeFunction → DynamoDB, {n:,} invoices of {n // 4:,} customers:")
    print(f"  invoice writes: {writes * 1000 / n:.1f} requests per 1,000 invoices (target ≤ 40); "
          f"reads (BatchGetItem): {ops.get('BatchGetItem', 0) * 1000 / n:.1f} per 1,000; "
          f"customer upserts (BatchWriteItem): {ops.get('BatchWriteItem', 0) * 1000 / n:.1f} per "
          f"1,000 invoices; all: {ops}")


if __name__ == "__main__":
    main()
