"""Reconciliation figures, printed (never asserted).

1. The pure matching core on a 10,000-entry statement against 100,000 open invoices
   (benchmarks/reconcile_core.py; target ≥ 5,000 entries/s).
2. The real path — S3 → SQS → IntakeFunction → reconcile → DynamoDB on moto — for a smaller book:
   DynamoDB requests and items read per bank entry. The statement's book (open invoices and
   customers) is read once per file, then each entry costs one idempotency read and one
   transaction.

Run: .venv/bin/python benchmarks/reconcile.py
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk"), str(ROOT / "infra"), str(ROOT / "benchmarks")]

from aws_counts import counting  # noqa: E402

from mahnwerk_local.camt import Credit, camt053  # noqa: E402
from mahnwerk_local.stack import LocalStack  # noqa: E402


def real_path(invoices: int, entries: int) -> None:
    rows = ["Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fällig am;Betrag"]
    for i in range(invoices):
        rows.append(f"RE-{i:06d};K-{i % (invoices // 2)};Kunde {i % (invoices // 2)} GmbH;"
                    f"01.10.2026;15.10.2026;{100 + i % 50},00")
    credits = [Credit(date(2026, 10, 20) + timedelta(days=i % 3),
                      Decimal(f"{100 + (i * 7) % 50}.00"),
                      f"Rechnung RE-{(i * 7) % invoices:06d}", f"Kunde {(i * 7) % (invoices // 2)}")
               for i in range(entries)]
    with LocalStack() as stack:
        stack.upload("inbox/bench/invoices/book.csv", "\n".join(rows).encode())
        stack.drain()
        stack.upload("inbox/bench/bank/statement.xml", camt053("DE02120300000000202051", credits))
        with counting() as counts:
            stack.drain()
        calls, items = counts.of("dynamodb"), counts.items
        with stack.service_context() as ctx:
            booked = ctx.payments.payments("bench")
    matched = sum(1 for p in booked if p.status == "matched")
    print(f"\nReal path on moto: {invoices:,} invoices, statement of {entries:,} entries → "
          f"{len(booked):,} booked ({matched:,} matched)")
    print(f"  DynamoDB per entry: {sum(calls.values()) / entries:.2f} requests "
          f"({ {k: round(v / entries, 2) for k, v in calls.items()} }), "
          f"{sum(items.values()) / entries:.2f} items read "
          f"({ {k: round(v / entries, 2) for k, v in items.items()} })")


def main() -> None:
    print("Pure core (benchmarks/reconcile_core.py):")
    subprocess.run([sys.executable, str(ROOT / "benchmarks/reconcile_core.py"),
                    "--entries", "10000", "--invoices", "100000"], check=True)
    real_path(invoices=2_000, entries=500)


if __name__ == "__main__":
    main()
