"""Dunning at scale: 100,000 open invoices of which 5 % are due today. Figures printed, never
asserted.

- the daily run (DunningFunction): DynamoDB requests and items read — it reads the sparse due
  index only, so its cost follows the work due, not the table;
- the notice path (NoticeFunction) on a sample of the queued requests: requests and items read per
  notice, extrapolated to the day; the item count includes the re-read of every invoice;
- the pure decision: notices decided per second in the core (target ≥ 20,000/s).

Run: .venv/bin/python benchmarks/dunning.py [--invoices 100000] [--sample 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk"), str(ROOT / "infra"), str(ROOT / "benchmarks")]

from aws_counts import counting  # noqa: E402

from mahnwerk.adapters.dynamo_models import CustomerItem, InvoiceItem, customer_pk, invoice_to_item  # noqa: E402
from mahnwerk.domain.dunning import decide, first_action_on  # noqa: E402
from mahnwerk.domain.model import Address, Customer, Invoice  # noqa: E402
from mahnwerk.domain.policy import default_policy  # noqa: E402
from mahnwerk.service.law import base_rates  # noqa: E402
from mahnwerk_local.events import sqs_event  # noqa: E402
from mahnwerk_local.stack import LocalStack  # noqa: E402

RUN = datetime(2026, 11, 2, 6, tzinfo=ZoneInfo("Europe/Berlin"))
TENANT = "bench"
def book(total: int, due_share: float) -> tuple[list[Customer], list[Invoice]]:
    policy = default_policy()
    due_count = int(total * due_share)
    customers, invoices = [], []
    for i in range(total):
        due = i < due_count
        # due invoices: 1–2 per customer; the others belong to many customers, not yet due
        cid = f"D-{i // 2 if i % 5 else i}" if due else f"C-{i % (total // 4)}"
        if not customers or customers[-1].customer_id != cid:
            customers.append(Customer(TENANT, cid, f"Kunde {cid}", f"{cid.lower()}@example.org",
                                      Address("Weg 1", "10115", "Berlin")))
        due_date = RUN.date() - timedelta(days=10) if due else RUN.date() + timedelta(days=20)
        invoices.append(Invoice(TENANT, f"R-{i:07d}", cid, due_date - timedelta(days=14), due_date,
                                Decimal("119.00"), Decimal("119.00"),
                                next_action_on=first_action_on(due_date, policy)))
    unique = {c.customer_id: c for c in customers}
    return list(unique.values()), invoices


def seed(stack: LocalStack, customers: list[Customer], invoices: list[Invoice]) -> float:
    began = time.perf_counter()
    with stack.service_context() as ctx:
        ctx.tenants.register_tenant(TENANT, RUN)
        with CustomerItem.batch_write() as batch:
            for c in customers:
                batch.save(CustomerItem(pk=f"T#{TENANT}", sk=f"CUS#{c.customer_id}",
                                        customer_id=c.customer_id, name=c.name, email=c.email,
                                        street=c.address.street, postal_code=c.address.postal_code,
                                        city=c.address.city, country="DE"))
        with InvoiceItem.batch_write() as batch:
            for inv in invoices:
                batch.save(invoice_to_item(inv, source="bench"))
    _ = customer_pk
    return time.perf_counter() - began


def core_throughput(customers: list[Customer], invoices: list[Invoice]) -> float:
    by_customer: dict[str, list[Invoice]] = {}
    for inv in invoices:
        by_customer.setdefault(inv.customer_id, []).append(inv)
    due_customers = [c for c in customers if c.customer_id.startswith("D-")]
    policy, rates = default_policy(), base_rates()
    began = time.perf_counter()
    decided = 0
    for _ in range(3):
        for c in due_customers:
            if decide(c, by_customer[c.customer_id], policy, rates, RUN.date()) is not None:
                decided += 1
    return decided / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    customers, invoices = book(args.invoices, 0.05)
    due = sum(1 for i in invoices if i.next_action_on and i.next_action_on <= RUN.date())
    print(f"Book: {len(invoices):,} open invoices, {len(customers):,} customers, {due:,} due "
          f"on {RUN.date().isoformat()}")
    print(f"Pure core: {core_throughput(customers, invoices):,.0f} notices decided per second "
          "(target ≥ 20,000)")

    with LocalStack() as stack:
        stack.verify_sender("mahnung@example.com")
        print(f"Seeded the local table in {seed(stack, customers, invoices):.1f} s")
        with counting() as counts:
            requests, items_read = counts.requests, counts.items
            began = time.perf_counter()
            result = stack.fire_schedule("DunningFunction", RUN)
            planned = time.perf_counter() - began
            ddb = {k: v for k, v in requests.items() if k.startswith("dynamodb")}
            print(f"Daily run: {result['requests']:,} notice requests queued in {planned:.1f} s; "
                  f"DynamoDB {ddb}, items read {dict(items_read)} "
                  f"= {sum(items_read.values()) / due:.2f} per due invoice (target ≤ 1.5); SQS "
                  f"{requests['sqs:SendMessageBatch']} batch sends")
            plan_items = sum(items_read.values())

            fn = stack.functions["NoticeFunction"]
            sqs = stack.client("sqs")
            counts.clear()
            done = 0
            began = time.perf_counter()
            while done < args.sample:
                messages = sqs.receive_message(QueueUrl=fn.queue_url, MaxNumberOfMessages=5,
                                               VisibilityTimeout=600).get("Messages", [])
                if not messages:
                    break
                stack.invoke("NoticeFunction", sqs_event(messages, fn.queue_arn, stack.region))
                done += len(messages)
            elapsed = time.perf_counter() - began
            ddb_requests = sum(v for k, v in requests.items() if k.startswith("dynamodb"))
            per_notice = sum(items_read.values()) / max(done, 1)
            due_per_request = due / max(result["requests"], 1)
            print(f"Notice path, sample of {done}: {ddb_requests / done:.1f} DynamoDB requests "
                  f"and {per_notice:.2f} items read per notice ({dict(items_read)}); "
                  f"all AWS requests per notice {sum(requests.values()) / done:.1f}; "
                  f"{done / elapsed:.1f} notices/s on moto")
            total_items = plan_items + per_notice * result["requests"]
            print(f"Whole day, extrapolated: {total_items / due:.2f} items read per due invoice "
                  f"({due_per_request:.2f} due invoices per notice; the notice path's consistent re-read "
                  f"included)")
    print(f"(run on {date.today().isoformat()}, Python {sys.version.split()[0]}; moto walks the "
          "whole table per query, so its timings grow with the table; DynamoDB's do not)")


if __name__ == "__main__":
    main()
