"""AWS cost per 1,000 invoices through a full life, from measured request counts → docs/cost.md.

The life, run for real on the embedded stack (moto): a CSV of 1,000 invoices of 250 customers is
uploaded and imported; the daily runs send each customer three escalating letters by email
(reminder, 1st dunning, final notice; the final notice also goes to the post outbox); a camt.053
statement pays every invoice and is matched. Every AWS request the functions make is counted
(benchmarks/aws_counts.py) and sized (DynamoDB capacity units from the items' sizes, bytes sent
through SES and EventBridge, bytes left in S3 and DynamoDB); Lambda time is the handlers' own
time (wall time minus the time spent inside moto), scaled to the function's memory, plus an
assumed latency per AWS request. Prices are the dated eu-central-1 list prices in PRICES.

Run:  .venv/bin/python benchmarks/cost.py            measure (~3 min) and write docs/cost.md
      .venv/bin/python benchmarks/cost.py --render   re-render docs/cost.md from the measurement
                                                     stored in it (after a price change)
      .venv/bin/python benchmarks/cost.py --check    exit 1 if docs/cost.md is not what the
                                                     generator renders (tests/unit/test_cost_doc.py)
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs/cost.md"
MARK = "<!-- cost-measurement"

# --------------------------------------------------------------------------------------------
# Prices: USD list prices for eu-central-1 (Frankfurt), without free tier, without VAT.
# --------------------------------------------------------------------------------------------

PRICES_AS_OF = "2026-11-23"


@dataclass(frozen=True)
class Price:
    key: str
    service: str
    item: str
    usd: float
    per: float  # the price is for this many units
    unit: str
    url: str


PRICES: tuple[Price, ...] = (
    Price("lambda_requests", "AWS Lambda", "requests", 0.20, 1e6, "requests",
          "https://aws.amazon.com/lambda/pricing/"),
    Price("lambda_arm_gbs", "AWS Lambda", "duration, arm64 (first 7.5 billion GB-s/month)",
          0.0000133334, 1, "GB-s", "https://aws.amazon.com/lambda/pricing/"),
    Price("ddb_wru", "Amazon DynamoDB", "on-demand write request units (Standard table class)",
          0.7625, 1e6, "WRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    Price("ddb_rru", "Amazon DynamoDB", "on-demand read request units (Standard table class)",
          0.1525, 1e6, "RRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    Price("ddb_storage", "Amazon DynamoDB", "data storage (Standard table class)", 0.306, 1,
          "GB-month", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    Price("ddb_pitr", "Amazon DynamoDB", "continuous backups (PITR)", 0.2448, 1, "GB-month",
          "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    Price("s3_put", "Amazon S3", "PUT, COPY, POST, LIST requests (S3 Standard)", 0.0054, 1e3,
          "requests", "https://aws.amazon.com/s3/pricing/"),
    Price("s3_get", "Amazon S3", "GET, SELECT and all other requests (S3 Standard)", 0.00043, 1e3,
          "requests", "https://aws.amazon.com/s3/pricing/"),
    Price("s3_storage", "Amazon S3", "S3 Standard storage (first 50 TB/month)", 0.0245, 1,
          "GB-month", "https://aws.amazon.com/s3/pricing/"),
    Price("sqs_requests", "Amazon SQS", "standard queue requests (per 64 KB chunk)", 0.40, 1e6,
          "requests", "https://aws.amazon.com/sqs/pricing/"),
    Price("ses_emails", "Amazon SES", "outbound email (per recipient)", 0.10, 1e3, "emails",
          "https://aws.amazon.com/ses/pricing/"),
    Price("ses_attachment_gb", "Amazon SES", "attachments (data sent)", 0.12, 1, "GB",
          "https://aws.amazon.com/ses/pricing/"),
    Price("sns_publish", "Amazon SNS", "publishes (per 64 KB chunk; deliveries to SQS are free)",
          0.50, 1e6, "requests", "https://aws.amazon.com/sns/pricing/"),
    Price("scheduler", "Amazon EventBridge", "Scheduler invocations", 1.00, 1e6, "invocations",
          "https://aws.amazon.com/eventbridge/pricing/"),
    Price("events_custom", "Amazon EventBridge", "custom events put on a bus (per 64 KB chunk)",
          1.00, 1e6, "events", "https://aws.amazon.com/eventbridge/pricing/"),
    Price("events_archive_gb", "Amazon EventBridge", "archive, events processed", 0.10, 1, "GB",
          "https://aws.amazon.com/eventbridge/pricing/"),
    Price("logs_ingest_gb", "Amazon CloudWatch", "Logs ingestion (Standard; Lambda logs, first 10 TB)",
          0.63, 1, "GB", "https://aws.amazon.com/cloudwatch/pricing/"),
    Price("logs_storage_gb", "Amazon CloudWatch", "Logs storage (compressed)", 0.0324, 1, "GB-month",
          "https://aws.amazon.com/cloudwatch/pricing/"),
    Price("xray_traces", "AWS X-Ray", "traces recorded", 5.00, 1e6, "traces",
          "https://aws.amazon.com/xray/pricing/"),
    Price("kms_requests", "AWS KMS", "API requests", 0.03, 1e4, "requests",
          "https://aws.amazon.com/kms/pricing/"),
)
PRICE = {p.key: p for p in PRICES}

# --------------------------------------------------------------------------------------------
# Assumptions: what the local stack cannot measure. Every one of them is printed in the doc.
# --------------------------------------------------------------------------------------------

#: Lambda gives a function one full vCPU at 1,769 MB and a proportional share below; CPU-bound
#: handler time measured on one full local core is scaled by 1,769 / MemorySize.
LAMBDA_FULL_VCPU_MB = 1769
#: Typical in-region latency (ms) of one AWS request seen from Lambda, added to the handler's own
#: time for each request it makes (moto answers in-process; its time is subtracted).
LATENCY_MS: dict[str, float] = {
    "dynamodb:GetItem": 5, "dynamodb:PutItem": 6, "dynamodb:UpdateItem": 6,
    "dynamodb:DeleteItem": 6, "dynamodb:Query": 8, "dynamodb:Scan": 10,
    "dynamodb:BatchGetItem": 10, "dynamodb:BatchWriteItem": 15,
    "dynamodb:TransactWriteItems": 15, "dynamodb:TransactGetItems": 10,
    "s3:PutObject": 40, "s3:GetObject": 25, "s3:HeadObject": 15, "s3:ListObjectsV2": 30,
    "sqs:SendMessage": 10, "sqs:SendMessageBatch": 15,
    "ses:SendRawEmail": 60, "ses:SendEmail": 60, "events:PutEvents": 20,
}
LATENCY_DEFAULT_MS = 20.0
#: START / END / REPORT lines Lambda itself writes per invocation (REPORT with the X-Ray trace id)
PLATFORM_LOG_BYTES = 350
#: CloudWatch Logs bills storage on compressed bytes; the log groups keep 90 days (template.yaml)
LOG_COMPRESSION = 0.15
LOG_RETENTION_MONTHS = 3
#: kept for the whole retention: current S3 objects (no expiry in the lifecycle rules) and table
#: items without a TTL
RETENTION_YEARS = 10
#: SNS with the customer managed TopicKey: at most one GenerateDataKey on publish and one Decrypt
#: on delivery per message (SNS reuses data keys, so this is an upper bound)
KMS_PER_SNS_MESSAGE = 2
#: EventBridge archive: the envelope (id, time, source, account, region, resources) around detail
EVENT_ENVELOPE_BYTES = 250

# --------------------------------------------------------------------------------------------
# The life that is measured
# --------------------------------------------------------------------------------------------

TENANT = "kosten"
CUSTOMERS = 250
INVOICES_PER_CUSTOMER = 4
DUE_GROUPS = 5  # customers are spread over five due dates (Mon–Fri), so letters go out on 5 days
FIRST_DUE = date(2026, 10, 12)  # a Monday
INTAKE_DAY = date(2026, 10, 9)  # the CSV is exported and uploaded before the first due date
PAY_BOOKED = date(2026, 11, 23)  # every invoice paid within the final notice's deadline
STATEMENT_DAY = PAY_BOOKED + timedelta(days=1)  # the statement arrives the next morning
ACCOUNT_IBAN = "DE02120300000000202051"  # infra/mahnwerk_local/demo/settings.json


def invoices_csv() -> tuple[bytes, list[tuple[str, str, Decimal]]]:
    """German CSV: 250 customers × 4 invoices, all with email and postal address."""
    sys.path[:0] = [str(ROOT / "infra")]
    from mahnwerk_local.book import CITIES, FIRST, HEADER, LAST, STREETS, TRADES, _de

    rng = random.Random(2026)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    invoices = []
    for c in range(CUSTOMERS):
        consumer = rng.random() < 0.4
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}" if consumer else f"{rng.choice(TRADES)} {last} GmbH"
        plz, city = rng.choice(CITIES)
        person = [f"K-{1001 + c}", name, f"kunde{c + 1}@example.org",
                  f"{rng.choice(STREETS)} {rng.randint(1, 99)}", plz, city,
                  "privat" if consumer else "gewerblich"]
        due = FIRST_DUE + timedelta(days=c % DUE_GROUPS)
        for k in range(INVOICES_PER_CUSTOMER):
            number = f"RE-2026-{c * INVOICES_PER_CUSTOMER + k + 1:05d}"
            amount = Decimal(rng.randrange(2_000, 250_000)) / 100
            issued = due - timedelta(days=14)
            writer.writerow([number, *person, issued.strftime("%d.%m.%Y"), due.strftime("%d.%m.%Y"),
                             _de(amount), _de(amount)])
            invoices.append((number, name, amount))
    return out.getvalue().encode("utf-8"), invoices


# --------------------------------------------------------------------------------------------
# Instruments: DynamoDB capacity units, bytes, time inside AWS calls
# --------------------------------------------------------------------------------------------


def attr_size(value: dict[str, Any]) -> int:
    """Bytes of one DynamoDB-JSON value by DynamoDB's sizing rules (numbers approximated)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(str(v).lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(v) if isinstance(v, bytes) else len(v) * 3 // 4
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(1 + attr_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attr_size(x) for k, x in v.items())
    if kind == "SS":
        return sum(len(x.encode()) for x in v)
    if kind == "NS":
        return sum(len(str(x)) // 2 + 2 for x in v)
    if kind == "BS":
        return sum(len(x) for x in v)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(k.encode()) + attr_size(v) for k, v in (item or {}).items())


def _wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _rru(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


class Meter:
    """Wraps botocore's request path (inside counting()): capacity units, bytes, time in AWS.

    ``scope`` names who makes the requests (a function's logical id, or "plumbing" for what
    the local stack does in AWS's place: uploads, event source mappings, SES → SNS → SQS)."""

    def __init__(self) -> None:
        self.scope = "plumbing"
        self.totals: Counter[tuple[str, str]] = Counter()
        self.aws_seconds = 0.0
        self.sent: list[dict[str, Any]] = []  # SES messages: id, source, destinations, tags
        #: requests made while another one is under way (the local stack's hooks emulating AWS,
        #: e.g. SES → SNS → SQS inside SendRawEmail): AWS's doing, not the function's
        self.nested: Counter[str] = Counter()
        self._depth = threading.local()
        self._cpu = threading.local()  # CPU time this thread spent inside AWS calls
        self._active = 0
        self._since = 0.0
        self._lock = threading.Lock()

    def add(self, key: str, value: float) -> None:
        self.totals[(self.scope, key)] += value

    def of(self, key: str, scope: str | None = None) -> float:
        return sum(v for (s, k), v in self.totals.items() if k == key and scope in (None, s))

    @contextmanager
    def installed(self) -> Iterator[Meter]:
        import botocore.client

        original = botocore.client.BaseClient._make_api_call
        meter = self

        def wrapper(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            depth = getattr(meter._depth, "n", 0)
            if depth:
                meter.nested[f"{service}:{operation}"] += 1
            meter._depth.n = depth + 1
            cpu0 = time.thread_time()
            with meter._lock:
                meter._active += 1
                if meter._active == 1:
                    meter._since = time.perf_counter()
            try:
                before = meter._before(service, operation, params)
                try:
                    response = original(client, operation, params)
                except Exception:
                    meter._after(service, operation, params, before, None)
                    raise
                meter._after(service, operation, params, before, response)
                return response
            finally:
                meter._depth.n = depth
                if not depth:
                    meter._cpu.s = meter.thread_aws_cpu() + time.thread_time() - cpu0
                with meter._lock:
                    meter._active -= 1
                    if meter._active == 0:
                        meter.aws_seconds += time.perf_counter() - meter._since

        botocore.client.BaseClient._make_api_call = wrapper  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]

    # --- DynamoDB: item state before and after a write, straight from moto (not a request) ---

    def thread_aws_cpu(self) -> float:
        return float(getattr(self._cpu, "s", 0.0))

    @staticmethod
    def _table(name: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        from mahnwerk_local.identity import ACCOUNT, REGION

        return dynamodb_backends[ACCOUNT][REGION].get_table(name)

    def _get(self, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        table = self._table(table_name)
        hash_key = key[table.hash_key_attr]
        range_key = key.get(table.range_key_attr) if table.range_key_attr else None
        from moto.dynamodb.models.dynamo_type import DynamoType

        try:
            item = table.get_item(DynamoType(hash_key),
                                  DynamoType(range_key) if range_key is not None else None)
        except Exception:
            return None
        return copy.deepcopy(item.to_json()["Attributes"]) if item is not None else None

    def _key(self, table_name: str, item: dict[str, Any]) -> dict[str, Any]:
        table = self._table(table_name)
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return {n: item[n] for n in names}

    def _writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """(kind, table, key) of each item a write request touches."""
        if operation in {"PutItem"}:
            return [("put", params["TableName"], self._key(params["TableName"], params["Item"]))]
        if operation in {"UpdateItem", "DeleteItem"}:
            return [(operation, params["TableName"], params["Key"])]
        if operation == "BatchWriteItem":
            found = []
            for table, requests in params["RequestItems"].items():
                for r in requests:
                    if "PutRequest" in r:
                        found.append(("put", table, self._key(table, r["PutRequest"]["Item"])))
                    else:
                        found.append(("DeleteItem", table, r["DeleteRequest"]["Key"]))
            return found
        if operation == "TransactWriteItems":
            found = []
            for entry in params["TransactItems"]:
                (kind, op), = entry.items()
                key = self._key(op["TableName"], op["Item"]) if kind == "Put" else op["Key"]
                found.append((f"tx{kind}", op["TableName"], key))
            return found
        return []

    def _before(self, service: str, operation: str, params: dict[str, Any]) -> Any:
        if service != "dynamodb":
            return None
        return [(kind, table, key, self._get(table, key))
                for kind, table, key in self._writes(operation, params)]

    def _after(self, service: str, operation: str, params: dict[str, Any], before: Any,
               response: dict[str, Any] | None) -> None:
        op = f"{service}:{operation}"
        self.add(f"latency_ms:{op}", LATENCY_MS.get(op, LATENCY_DEFAULT_MS))
        if service == "dynamodb":
            self._dynamodb(operation, params, before, response)
        elif op == "ses:SendRawEmail":
            self.add("ses:recipients", len(params.get("Destinations") or []) or 1)
            self.add("ses:bytes", len(params["RawMessage"]["Data"]))
            if response is not None:
                self.sent.append({"id": response["MessageId"], "source": params.get("Source", ""),
                                  "destinations": params.get("Destinations", []),
                                  "tags": {t["Name"]: [t["Value"]] for t in params.get("Tags", [])}})
        elif op == "ses:SendEmail":
            dest = params.get("Destination") or {}
            self.add("ses:recipients", sum(len(dest.get(k) or []) for k in
                                           ("ToAddresses", "CcAddresses", "BccAddresses")))
        elif op == "events:PutEvents":
            for entry in params.get("Entries", []):
                size = sum(len(str(entry.get(k, "")).encode())
                           for k in ("Source", "DetailType", "Detail"))
                self.add("events:entries", 1)
                self.add("events:chunks", max(1, math.ceil(size / 65536)))
                self.add("events:bytes", size + EVENT_ENVELOPE_BYTES)

    def _dynamodb(self, operation: str, params: dict[str, Any], before: Any,
                  response: dict[str, Any] | None) -> None:
        if before:
            tx = operation == "TransactWriteItems"
            for kind, table_name, key, old in before:
                new = self._get(table_name, key) if response is not None else old
                if kind == "txConditionCheck":
                    self.add("ddb:wru", 2 * _wru(item_size(old)))
                    continue
                size = max(item_size(old), item_size(new))
                self.add("ddb:wru", (2 if tx else 1) * _wru(size))
                if response is not None and old != new:
                    self.add("ddb:wru_gsi", self._gsi_writes(table_name, old, new))
            return
        if response is None:
            return
        if operation == "GetItem":
            self.add("ddb:rru", _rru(item_size(response.get("Item")),
                                     bool(params.get("ConsistentRead"))))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                consistent = bool(request.get("ConsistentRead"))
                got = response.get("Responses", {}).get(table, [])
                for item in got:
                    self.add("ddb:rru", _rru(item_size(item), consistent))
                self.add("ddb:rru", _rru(0, consistent) * max(0, len(request["Keys"]) - len(got)))
        elif operation in {"Query", "Scan"}:
            items = response.get("Items", [])
            size = sum(item_size(i) for i in items)
            count, scanned = response.get("Count", len(items)), response.get("ScannedCount", 0)
            if scanned > count:
                size = size * scanned // count if count else scanned * 1024
            self.add("ddb:rru", _rru(size, bool(params.get("ConsistentRead"))))
        elif operation == "TransactGetItems":
            for r in response.get("Responses", []):
                self.add("ddb:rru", 2 * _rru(item_size(r.get("Item")), True))

    def _gsi_writes(self, table_name: str, old: dict[str, Any] | None,
                    new: dict[str, Any] | None) -> int:
        """Write units the global secondary indexes (projection ALL) take for one item write."""
        units = 0
        for index in self._table(table_name).global_indexes:
            names = [k["AttributeName"] for k in index.schema]
            was = old is not None and all(n in old for n in names)
            now = new is not None and all(n in new for n in names)
            if was and now and old is not None and new is not None:
                same_key = all(old[n] == new[n] for n in names)
                units += _wru(item_size(new)) if same_key else _wru(item_size(old)) + _wru(item_size(new))
            elif was:
                units += _wru(item_size(old))
            elif now:
                units += _wru(item_size(new))
        return units


class StdoutSize:
    """The bytes the process writes to stdout (file descriptor 1), redirected to a file: what
    Lambda would ship to CloudWatch Logs (Powertools' JSON logs and EMF metrics)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in restore()
        self._saved = -1

    def start(self) -> None:
        sys.stdout.flush()
        self._saved = os.dup(1)
        os.dup2(self._file.fileno(), 1)

    def size(self) -> int:
        sys.stdout.flush()
        return os.fstat(1).st_size

    def restore(self) -> None:
        sys.stdout.flush()
        os.dup2(self._saved, 1)
        os.close(self._saved)
        self._file.close()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The measurement
# --------------------------------------------------------------------------------------------


def _berlin(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Berlin"))


def _ses_event(kind: str, sent: dict[str, Any], at: datetime) -> str:
    """The SNS notification SES publishes for a Send or Delivery event of one email."""
    event: dict[str, Any] = {
        "eventType": kind,
        "mail": {"messageId": sent["id"], "timestamp": at.isoformat(), "source": sent["source"],
                 "destination": sent["destinations"], "tags": sent["tags"]}}
    if kind == "Send":
        event["send"] = {}
    else:
        event["delivery"] = {"timestamp": at.isoformat(), "recipients": sent["destinations"],
                             "processingTimeMillis": 812, "smtpResponse": "250 2.0.0 OK",
                             "reportingMTA": "a1-23.smtp-out.eu-central-1.amazonses.com"}
    return json.dumps({"Type": "Notification", "Message": json.dumps(event)})


def import_seconds(function: str) -> float:
    """CPU time of a handler module's import in a fresh interpreter (its cold start; best of 3)."""
    code = (f"import sys,time; sys.path[:0]={[str(ROOT / 'layers/mahnwerk')]!r}; "
            f"t=time.process_time(); import importlib.util as u; "
            f"s=u.spec_from_file_location('app', {str(ROOT / 'functions' / function / 'app.py')!r}); "
            f"m=u.module_from_spec(s); s.loader.exec_module(m); print(time.process_time()-t)")
    env = {"POWERTOOLS_SERVICE_NAME": "mahnwerk", "POWERTOOLS_METRICS_NAMESPACE": "Mahnwerk",
           "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-central-1",
           "PATH": "/usr/bin:/bin"}
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 env=env, check=True).stdout.strip()) for _ in range(3)]
    return min(runs)


def payment_credits(stack: Any, invoices: list[tuple[str, str, Decimal]]) -> list[Any]:
    """One credit per invoice of what it claims on the booking day (principal, interest, fees:
    what the final notice asks for, §367 BGB order), so that every invoice ends paid."""
    from mahnwerk.service.reconcile import _Book
    from mahnwerk.service.tenants import load_settings
    from mahnwerk_local.camt import Credit

    with stack.service_context("IntakeFunction") as ctx:
        book = _Book(ctx, load_settings(ctx, TENANT))
        claims = {number: book.line(inv, PAY_BOOKED)[1].total for number, inv in book.open.items()}
    return [Credit(PAY_BOOKED, claims.get(number, amount), f"Rechnung {number}", name)
            for number, name, amount in invoices]


def measure() -> dict[str, Any]:
    sys.path[:0] = [str(ROOT / "layers/mahnwerk"), str(ROOT / "infra"), str(ROOT / "benchmarks")]
    from aws_counts import counting

    from mahnwerk.service.tenants import SETTINGS_KEY
    from mahnwerk_local.camt import camt053
    from mahnwerk_local.stack import LocalStack

    settings = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    data, invoices = invoices_csv()
    invocations: list[dict[str, Any]] = []
    feedback: dict[str, set[str]] = {"Send": set(), "Delivery": set(), "queued Send": set(),
                                     "queued Delivery": set()}
    injected: Counter[str] = Counter()
    stdout = StdoutSize()
    meter = Meter()
    began = time.perf_counter()
    with ExitStack() as stack_guard:
        stack = LocalStack()
        stack.start()
        stack_guard.callback(stack.stop)
        for function in stack.functions.values():  # EMF metrics are log lines too: ship them
            function.environment["POWERTOOLS_METRICS_DISABLED"] = "false"
        stack.verify_sender(settings["sender_email"])
        with stack.service_context() as ctx:
            ctx.tenants.put_document(TENANT, SETTINGS_KEY, settings, _berlin(INTAKE_DAY, 0))
            ctx.tenants.register_tenant(TENANT, _berlin(INTAKE_DAY, 0))
        counts = stack_guard.enter_context(counting())
        stack_guard.enter_context(meter.installed())
        stdout.start()
        stack_guard.callback(stdout.restore)
        day_label = ""
        original_invoke = stack.invoke

        def invoke(logical_id: str, event: dict[str, Any]) -> Any:
            scope, meter.scope = meter.scope, logical_id
            requests_before, aws_before = Counter(counts.requests), meter.aws_seconds
            nested_before = Counter(meter.nested)
            logs_before, aws_cpu_before = stdout.size(), meter.thread_aws_cpu()
            t0, cpu0 = time.perf_counter(), time.thread_time()
            record: dict[str, Any] = {"function": logical_id, "day": day_label,
                                      "records": len(event.get("Records", [])) or 1}
            try:
                return original_invoke(logical_id, event)
            except BaseException as exc:
                record["error"] = type(exc).__name__
                raise
            finally:
                record["wall_s"] = time.perf_counter() - t0
                record["cpu_s"] = time.thread_time() - cpu0
                record["aws_cpu_s"] = meter.thread_aws_cpu() - aws_cpu_before
                record["aws_s"] = meter.aws_seconds - aws_before
                record["log_bytes"] = stdout.size() - logs_before
                record["requests"] = dict(Counter(counts.requests) - requests_before
                                          - (meter.nested - nested_before))
                invocations.append(record)
                meter.scope = scope
                if logical_id == "FeedbackFunction":
                    for r in event.get("Records", []):
                        message = json.loads(json.loads(r["body"])["Message"])
                        feedback.setdefault(message["eventType"], set()).add(
                            message["mail"]["messageId"])

        stack.invoke = invoke  # type: ignore[method-assign]
        setup = Counter[str]()  # requests the measurement itself makes, not priced
        uploads = 0
        day = INTAKE_DAY
        while day <= STATEMENT_DAY:
            day_label = day.isoformat()
            stack.now = _berlin(day, 5)
            if day == INTAKE_DAY:
                stack.upload(f"inbox/{TENANT}/invoices/rechnungen.csv", data)
                uploads += 1
            if day == STATEMENT_DAY:
                before = Counter(counts.requests)
                credits = payment_credits(stack, invoices)
                setup += Counter(counts.requests) - before
                stack.upload(f"inbox/{TENANT}/bank/kontoauszug-{PAY_BOOKED.isoformat()}.xml",
                             camt053(ACCOUNT_IBAN, credits, f"STMT-{PAY_BOOKED.isoformat()}"))
                uploads += 1
            stack.drain()
            stack.now = _berlin(day, 6)
            stack.fire_schedule("DunningFunction", stack.now)
            stack.drain()
            # SES publishes a Send event at once and a Delivery event a little later for every
            # email (SNS → FeedbackQueue); what the local stack does not publish is put there here
            stack.now = _berlin(day, 7)
            queue = stack.functions["FeedbackFunction"].queue_url
            for kind in ("Send", "Delivery"):
                for sent in meter.sent:
                    if sent["id"] not in feedback[kind] and sent["id"] not in feedback[f"queued {kind}"]:
                        stack.client("sqs").send_message(QueueUrl=queue,
                                                         MessageBody=_ses_event(kind, sent, stack.now))
                        feedback[f"queued {kind}"].add(sent["id"])
                        injected[kind] += 1
            stack.drain()
            say(f"  {day_label}: {len(invocations)} invocations, {len(meter.sent)} emails, "
                f"{time.perf_counter() - began:.0f} s")
            day += timedelta(days=1)
        simulated_days = (STATEMENT_DAY - INTAKE_DAY).days + 1
        total_requests = Counter(counts.requests) - setup - Counter(
            {"sqs:SendMessage": sum(injected.values())})

        # --- what came out, and what is kept -------------------------------------------------
        with stack.service_context() as ctx:
            notices = ctx.notices.notices(TENANT)
            statuses = Counter(i.status.value for i in ctx.invoices.invoices(TENANT))
            payments = ctx.payments.payments(TENANT)
        levels = Counter(json.loads(n.plan)["level"] for n in notices)
        email_notices = sum(1 for n in notices if n.message_id)
        post_notices = sum(1 for n in notices if n.post_key)
        stored = stored_bytes(stack)
        emails = stack.sent_emails()
        sqs_fed = {name for name, fn in stack.functions.items() if fn.queue_url}
        logged = [i for i in stack.invocations if i.function in {r["function"] for r in invocations}]
        assert len(logged) >= len(invocations), "an invocation passed the measurement by"

    by_function: dict[str, dict[str, Any]] = {}
    for record in invocations:
        f = by_function.setdefault(record["function"], {
            "invocations": 0, "records": 0, "wall_s": 0.0, "aws_s": 0.0, "cpu_s": 0.0,
            "aws_cpu_s": 0.0, "log_bytes": 0,
            "latency_ms": 0.0, "requests": Counter(), "days": Counter(), "errors": 0, "own": []})
        f["invocations"] += 1
        f["records"] += record["records"]
        f["wall_s"] += record["wall_s"]
        f["aws_s"] += record["aws_s"]
        f["cpu_s"] += record["cpu_s"]
        f["aws_cpu_s"] += record["aws_cpu_s"]
        f["own"].append(max(0.0, record["cpu_s"] - record["aws_cpu_s"]))
        f["log_bytes"] += record["log_bytes"]
        f["requests"].update(record["requests"])
        f["days"][record["day"]] += 1
        f["errors"] += 1 if "error" in record else 0
        f["latency_ms"] += sum(LATENCY_MS.get(op, LATENCY_DEFAULT_MS) * n
                               for op, n in record["requests"].items())
    template = _template()
    folders = {"IntakeFunction": "intake", "DunningFunction": "dunning", "NoticeFunction": "notice",
               "FeedbackFunction": "feedback", "ApiFunction": "api", "AuthorizerFunction": "authorizer"}
    say("  cold-start import times …")
    functions = {}
    for name, f in sorted(by_function.items()):
        cap = _concurrency_cap(template, name)
        own = sorted(f["own"][1:])
        typical = own[len(own) // 2] if own else 0.0
        functions[name] = {
            "memory_mb": _memory(template, name), "invocations": f["invocations"],
            "records": f["records"], "errors": f["errors"], "wall_s": round(f["wall_s"], 3),
            "aws_s": round(f["aws_s"], 3), "cpu_s": round(f["cpu_s"], 3),
            "aws_cpu_s": round(f["aws_cpu_s"], 3), "latency_ms": round(f["latency_ms"], 1),
            "log_bytes": f["log_bytes"], "active_days": len(f["days"]),
            "cold_starts": sum(min(n, cap) for n in f["days"].values()),
            "init_s": round(import_seconds(folders[name]), 3),
            # lazy imports and first-use caches (fonts, templates): paid again after every cold start
            "first_call_extra_s": round(max(0.0, f["own"][0] - typical), 3),
            "requests": dict(sorted(f["requests"].items())),
        }
    by_functions = Counter[str]()
    for f in by_function.values():
        by_functions.update(f["requests"])
    plumbing = total_requests - by_functions
    return {
        "measured_on": date.today().isoformat(),
        "python": sys.version.split()[0],
        "machine": _cpu(),
        "moto": _version("moto"),
        "seconds": round(time.perf_counter() - began),
        "scenario": {
            "invoices": len(invoices), "customers": CUSTOMERS, "csv_bytes": len(data),
            "intake_day": INTAKE_DAY.isoformat(), "statement_day": STATEMENT_DAY.isoformat(),
            "simulated_days": simulated_days, "uploads": uploads,
            "notices": len(notices), "notices_by_level": {str(k): v for k, v in sorted(levels.items())},
            "emails": len(emails), "email_notices": email_notices, "post_copies": post_notices,
            "payments": len(payments),
            "payments_matched": sum(1 for p in payments if p.status == "matched"),
            "invoice_statuses": dict(sorted(statuses.items())),
            "ses_events": {k: len(v) for k, v in sorted(feedback.items()) if not k.startswith("queued")},
            "ses_events_injected": dict(sorted(injected.items())),
        },
        "functions": functions,
        "requests_by_functions": dict(sorted(by_functions.items())),
        "requests_by_plumbing": dict(sorted(plumbing.items())),
        "sqs_triggered_invocations": sum(f["invocations"] for n, f in by_function.items()
                                         if n in sqs_fed),
        "dynamodb": {"wru": meter.of("ddb:wru"), "wru_gsi": meter.of("ddb:wru_gsi"),
                     "rru": meter.of("ddb:rru"),
                     "wru_by_function": {n: meter.of("ddb:wru", n) + meter.of("ddb:wru_gsi", n)
                                         for n in sorted(by_function)},
                     "rru_by_function": {n: meter.of("ddb:rru", n) for n in sorted(by_function)}},
        "ses": {"recipients": int(meter.of("ses:recipients")), "bytes": int(meter.of("ses:bytes")),
                "events_published": sum(len(v) for k, v in feedback.items()
                                        if not k.startswith("queued"))},
        "events": {"entries": int(meter.of("events:entries")), "chunks": int(meter.of("events:chunks")),
                   "bytes": int(meter.of("events:bytes"))},
        "stored": stored,
        "template": template_facts(template),
    }


def stored_bytes(stack: Any) -> dict[str, Any]:
    """S3 objects (every version) by kind, and DynamoDB items kept (no TTL) with index entries."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    from mahnwerk_local.identity import ACCOUNT, REGION

    s3: dict[str, list[int]] = {}
    bucket = s3_backends[ACCOUNT]["aws"].buckets[stack.bucket]
    for key, versions in bucket.keys.iterlists():
        parts = key.split("/")
        if key.startswith("outbox/post/"):
            kind = "outbox/post: print bundles" if parts[-1].startswith("_") else "outbox/post: letters"
        else:
            kind = {"notices": "notices: letters (PDF)", "inbox": "inbox: uploaded files",
                    "reports": "reports: import reports"}.get(parts[0], parts[0])
        entry = s3.setdefault(kind, [0, 0])
        for version in versions:
            entry[0] += 1
            entry[1] += version.size
    tables: dict[str, dict[str, int]] = {}
    backend = dynamodb_backends[ACCOUNT][REGION]
    for logical in ("Table", "IdempotencyTable"):
        table = backend.get_table(stack.physical[logical])
        ttl = "expires_at" if logical == "Table" else "expiration"
        kept = expiring = kept_bytes = index_bytes = 0
        for item in table.all_items():
            attrs = item.to_json()["Attributes"]
            if ttl in attrs:
                expiring += 1
                continue
            kept += 1
            size = item_size(attrs) + 100  # DynamoDB adds 100 bytes of overhead per item
            kept_bytes += size
            for index in table.global_indexes:
                if all(k["AttributeName"] in attrs for k in index.schema):
                    index_bytes += size
        tables[logical] = {"items_kept": kept, "items_expiring": expiring,
                           "bytes": kept_bytes, "index_bytes": index_bytes}
    return {"s3": {k: {"objects": v[0], "bytes": v[1]} for k, v in sorted(s3.items())},
            "dynamodb": tables}


def template_facts(template: dict[str, Any]) -> dict[str, int]:
    """What the fixed monthly costs depend on."""
    resources = template["Resources"].values()

    def count(kind: str) -> int:
        return sum(1 for r in resources if r["Type"] == kind)

    return {"alarms": count("AWS::CloudWatch::Alarm"), "kms_keys": count("AWS::KMS::Key"),
            "sqs_event_sources": sum(
                1 for r in resources if r["Type"] == "AWS::Serverless::Function"
                for e in ((r.get("Properties") or {}).get("Events") or {}).values() if e["Type"] == "SQS")}


def _template() -> dict[str, Any]:
    sys.path[:0] = [str(ROOT / "infra")]
    from mahnwerk_local.cfn import load_template

    template: dict[str, Any] = load_template(ROOT / "template.yaml")
    return template


def _memory(template: dict[str, Any], name: str) -> int:
    props = template["Resources"][name].get("Properties") or {}
    return int(props.get("MemorySize") or template["Globals"]["Function"].get("MemorySize", 128))


def _concurrency_cap(template: dict[str, Any], name: str) -> int:
    """Execution environments a burst can start: the event source's MaximumConcurrency, else 1
    (the local runs are serial and small)."""
    for event in ((template["Resources"][name].get("Properties") or {}).get("Events") or {}).values():
        cap = ((event.get("Properties") or {}).get("ScalingConfig") or {}).get("MaximumConcurrency")
        if cap:
            return int(cap)
    return 1


def _cpu() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", text)
        return f"{model.group(1).strip() if model else 'unknown CPU'}, {os.cpu_count()} CPUs"
    except OSError:
        return f"{os.cpu_count()} CPUs"


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# --------------------------------------------------------------------------------------------
# Cost: measurement × prices (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    service: str
    item: str
    quantity: float
    price: str  # a key of PRICE
    basis: str  # measured | estimated | assumed
    phase: str = "life"  # life | retention

    @property
    def usd(self) -> float:
        p = PRICE[self.price]
        return self.quantity * p.usd / p.per


def lambda_seconds(f: dict[str, Any]) -> tuple[float, float, float]:
    """(own s, estimated billed s of the invocations, estimated billed s of the cold starts)."""
    factor = max(1.0, LAMBDA_FULL_VCPU_MB / f["memory_mb"])
    own = max(0.0, f["cpu_s"] - f["aws_cpu_s"])
    run = own * factor + f["latency_ms"] / 1000 + f["invocations"] * 0.0005  # ms rounding
    init = f["cold_starts"] * (f["init_s"] + f.get("first_call_extra_s", 0.0)) * factor
    return own, run, init


def cost_lines(m: dict[str, Any]) -> list[Line]:
    lines: list[Line] = []
    functions = m["functions"]
    invocations = sum(f["invocations"] for f in functions.values())
    lines.append(Line("AWS Lambda", "invocations (all functions)", invocations, "lambda_requests",
                      "measured"))
    gbs_run = gbs_init = 0.0
    for f in functions.values():
        _, run, init = lambda_seconds(f)
        gbs_run += run * f["memory_mb"] / 1024
        gbs_init += init * f["memory_mb"] / 1024
    lines.append(Line("AWS Lambda", "duration: handlers' own time × CPU share + request latency",
                      gbs_run, "lambda_arm_gbs", "estimated"))
    lines.append(Line("AWS Lambda", "duration: cold starts (INIT is billed)", gbs_init,
                      "lambda_arm_gbs", "estimated"))

    ddb = m["dynamodb"]
    lines.append(Line("Amazon DynamoDB", "writes, tables (transactions 2 WRU per KB)", ddb["wru"],
                      "ddb_wru", "measured"))
    lines.append(Line("Amazon DynamoDB", "writes, global secondary indexes", ddb["wru_gsi"], "ddb_wru",
                      "measured"))
    lines.append(Line("Amazon DynamoDB", "reads (per 4 KB; eventually consistent ½)", ddb["rru"],
                      "ddb_rru", "measured"))

    fn = m["requests_by_functions"]
    s3_put = sum(v for k, v in fn.items() if k.split(":")[0] == "s3" and _s3_put_class(k))
    s3_get = sum(v for k, v in fn.items() if k.split(":")[0] == "s3" and not _s3_put_class(k)
                 and not k.endswith(("DeleteObject", "DeleteObjects")))
    uploads = m["scenario"]["uploads"]
    lines.append(Line("Amazon S3", "PUT/LIST requests by the functions", s3_put, "s3_put", "measured"))
    lines.append(Line("Amazon S3", "uploads (CSV, bank statement)", uploads, "s3_put", "measured"))
    lines.append(Line("Amazon S3", "GET/HEAD requests by the functions", s3_get, "s3_get", "measured"))

    sqs_fn = sum(v for k, v in fn.items() if k.startswith("sqs:"))
    sqs_invocations = m["sqs_triggered_invocations"]
    ses_events = m["ses"]["events_published"]
    lines.append(Line("Amazon SQS", "sends by the functions", sqs_fn, "sqs_requests", "measured"))
    lines.append(Line("Amazon SQS", "event source mappings: receive + delete batch per invocation",
                      2 * sqs_invocations, "sqs_requests", "estimated"))
    lines.append(Line("Amazon SQS", "S3 notifications and SES events delivered (SNS → SQS)",
                      uploads + ses_events, "sqs_requests", "estimated"))

    ses = m["ses"]
    lines.append(Line("Amazon SES", "emails (recipients)", ses["recipients"], "ses_emails", "measured"))
    lines.append(Line("Amazon SES", "attachment data (whole raw messages)", ses["bytes"] / 2**30,
                      "ses_attachment_gb", "measured"))
    lines.append(Line("Amazon SNS", "SES events published (send + delivery per email)", ses_events,
                      "sns_publish", "measured"))
    lines.append(Line("AWS KMS", "SNS topic key, per SES event (upper bound)",
                      ses_events * KMS_PER_SNS_MESSAGE, "kms_requests", "assumed"))

    lines.append(Line("Amazon EventBridge", "Scheduler: daily runs", m["scenario"]["simulated_days"],
                      "scheduler", "measured"))
    if m["events"]["entries"]:
        lines.append(Line("Amazon EventBridge", "custom events on MahnwerkEventBus", m["events"]["chunks"],
                          "events_custom", "measured"))
        lines.append(Line("Amazon EventBridge", "archive (events processed)", m["events"]["bytes"] / 2**30,
                          "events_archive_gb", "measured"))

    log_bytes = sum(f["log_bytes"] + f["invocations"] * PLATFORM_LOG_BYTES for f in functions.values())
    lines.append(Line("Amazon CloudWatch", "Logs ingested (captured logs + Lambda's own lines)",
                      log_bytes / 2**30, "logs_ingest_gb", "estimated"))
    lines.append(Line("Amazon CloudWatch", f"Logs stored {LOG_RETENTION_MONTHS} months (compressed)",
                      log_bytes * LOG_COMPRESSION * LOG_RETENTION_MONTHS / 2**30, "logs_storage_gb",
                      "assumed"))
    lines.append(Line("AWS X-Ray", "traces (every invocation traced: upper bound)", invocations,
                      "xray_traces", "assumed"))

    s3_bytes = sum(v["bytes"] for v in m["stored"]["s3"].values())
    ddb_bytes = sum(t["bytes"] + t["index_bytes"] for t in m["stored"]["dynamodb"].values())
    months = RETENTION_YEARS * 12
    lines.append(Line("Amazon S3", "storage, first month", s3_bytes / 2**30, "s3_storage", "measured"))
    lines.append(Line("Amazon DynamoDB", "storage incl. indexes, first month", ddb_bytes / 2**30,
                      "ddb_storage", "measured"))
    lines.append(Line("Amazon DynamoDB", "continuous backups (PITR), first month",
                      ddb_bytes / 2**30, "ddb_pitr", "measured"))
    lines.append(Line("Amazon S3", f"storage, further {months - 1} months", s3_bytes / 2**30 * (months - 1),
                      "s3_storage", "estimated", "retention"))
    lines.append(Line("Amazon DynamoDB", f"storage incl. indexes, further {months - 1} months",
                      ddb_bytes / 2**30 * (months - 1), "ddb_storage", "estimated", "retention"))
    lines.append(Line("Amazon DynamoDB", f"continuous backups (PITR), further {months - 1} months",
                      ddb_bytes / 2**30 * (months - 1), "ddb_pitr", "estimated", "retention"))
    return lines


#: months each kind of S3 object must be kept (docs/data-protection.md; periods run from the end of
#: the year, so up to a year more): letters and print bundles 6 years, the CSV export 6, bank
#: statements 8, post copies only until printed (a month)
LEGAL_MONTHS = {"notices: letters (PDF)": 72, "outbox/post: print bundles": 72,
                "outbox/post: letters": 1, "reports: import reports": 72}


def legal_s3_storage(m: dict[str, Any]) -> float:
    """USD for S3 storage if every object were kept only for its legal period."""
    gb_months = 0.0
    for kind, v in m["stored"]["s3"].items():
        if kind == "inbox: uploaded files":  # the CSV export (6 years) and the bank statement (8)
            csv_bytes = m["scenario"]["csv_bytes"]
            gb_months += (csv_bytes * 72 + (v["bytes"] - csv_bytes) * 96) / 2**30
        else:
            gb_months += v["bytes"] * LEGAL_MONTHS.get(kind, RETENTION_YEARS * 12) / 2**30
    return gb_months * PRICE["s3_storage"].usd / PRICE["s3_storage"].per


def _s3_put_class(op: str) -> bool:
    return op.split(":")[1] in {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2",
                                "ListObjectVersions", "CreateMultipartUpload", "UploadPart",
                                "CompleteMultipartUpload"}


# --------------------------------------------------------------------------------------------
# The document (pure: measurement + PRICES → markdown)
# --------------------------------------------------------------------------------------------


def significant(value: float, digits: int) -> str:
    """``value`` with ``digits`` significant digits, in plain decimal notation (no exponent)."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def usd(value: float) -> str:
    return f"{value:,.3f}" if value >= 0.1 else significant(value, 2)


def qty(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return significant(value, 3)


def price_text(p: Price) -> str:
    per = {1: "", 1e3: "1,000 ", 1e4: "10,000 ", 1e6: "1 million "}[p.per]
    amount = f"{p.usd:.10f}".rstrip("0").rstrip(".")
    return f"${amount} per {per}{p.unit}"


def render(m: dict[str, Any]) -> str:
    lines = cost_lines(m)
    s = m["scenario"]
    life = sum(x.usd for x in lines if x.phase == "life")
    kept = sum(x.usd for x in lines if x.phase == "retention")
    n = s["invoices"]
    per_1000 = 1000 / n
    by_service: Counter[str] = Counter()
    for x in lines:
        by_service[x.service] += x.usd
    out: list[str] = []
    w = out.append
    w("# AWS cost per 1,000 invoices")
    w("")
    w("Generated by `benchmarks/cost.py` (`make cost`); do not edit by hand. "
      "`tests/unit/test_cost_doc.py` checks that this file is exactly what the generator renders from "
      "the measurement stored at its end and the price table in the generator, so a price change "
      "means `python benchmarks/cost.py --render`, a code change a new measurement "
      "(`python benchmarks/cost.py`).")
    w("")
    w("## Result")
    w("")
    w(f"For {n:,} invoices of {s['customers']:,} customers, from the CSV upload to the matched payment, "
      "with three letters by email per customer (eu-central-1, list prices of "
      f"{PRICES_AS_OF}, USD, no free tier, no VAT):")
    w("")
    w("| | per 1,000 invoices | per invoice |")
    w("|---|---:|---:|")
    w(f"| processing: requests, compute, logs, first month of storage | ${usd(life * per_1000)} "
      f"| ${usd(life / n)} |")
    w(f"| keeping the records {RETENTION_YEARS} years (S3, DynamoDB + backups) | ${usd(kept * per_1000)} "
      f"| ${usd(kept / n)} |")
    w(f"| **total** | **${usd((life + kept) * per_1000)}** | **${usd((life + kept) / n)}** |")
    w("")
    w("The post copy of the final notice (one letter per customer) is printed and mailed by the print "
      "service and priced by it, not by AWS; its AWS side (the PDF in the outbox, the next day's print "
      "bundle) is included above.")
    w("")
    w("## What drives it")
    w("")
    ranked = sorted(lines, key=lambda x: -x.usd)
    total = life + kept
    w("| rank | item | USD per 1,000 invoices | share | basis |")
    w("|---:|---|---:|---:|---|")
    for i, x in enumerate(ranked[:10], 1):
        w(f"| {i} | {x.service}: {x.item} | {usd(x.usd * per_1000)} | {x.usd / total:.1%} | {x.basis} |")
    rest = sum(x.usd for x in ranked[10:])
    w(f"| | everything else ({len(ranked) - 10} items) | {usd(rest * per_1000)} | {rest / total:.1%} | |")
    w("")
    w("By service:")
    w("")
    w("| service | USD per 1,000 invoices | share |")
    w("|---|---:|---:|")
    for service, value in by_service.most_common():
        w(f"| {service} | {usd(value * per_1000)} | {value / total:.1%} |")
    w("")
    pdf = m["stored"]["s3"].get("notices: letters (PDF)", {"objects": 0, "bytes": 0})
    pdf_avg = pdf["bytes"] / pdf["objects"] if pdf["objects"] else 0
    s3_bytes = sum(v["bytes"] for v in m["stored"]["s3"].values())
    ddb_bytes = sum(t["bytes"] + t["index_bytes"] for t in m["stored"]["dynamodb"].values())
    ses_per_mail = PRICE["ses_emails"].usd / PRICE["ses_emails"].per
    def share(test: Any) -> float:
        return sum(x.usd for x in lines if test(x)) / total

    storage = share(lambda x: x.price in {"s3_storage", "ddb_storage", "ddb_pitr"})
    ddb_storage = share(lambda x: x.price in {"ddb_storage", "ddb_pitr"})
    emails = share(lambda x: x.service == "Amazon SES")
    ddb_writes = share(lambda x: x.price == "ddb_wru")
    compute = share(lambda x: x.service == "AWS Lambda")
    lambda_3x = 3 * compute / (1 + 2 * compute)
    s3_total = share(lambda x: x.price == "s3_storage") * total
    legal_s3 = legal_s3_storage(m)
    w("What would change it:")
    w("")
    w(f"- **Keeping the records ({storage:.0%} of the total: DynamoDB {ddb_storage:.0%}, S3 "
      f"{storage - ddb_storage:.0%}).** The "
      f"letters (PDF, {pdf_avg / 1024:.0f} KB on average), the post copies, the print bundles and the "
      f"uploaded files stay in S3 Standard with no expiry ({s3_bytes / 2**20 * per_1000:.1f} MB per "
      f"1,000 invoices); the table items without TTL stay in DynamoDB ({ddb_bytes / 2**20 * per_1000:.1f} "
      "MB with their index entries, and continuous backups bill the same size again), at more than ten "
      "times S3's price per GB. Moving settled invoices out of the table after the dispute window (an "
      "export to S3, then a TTL), the DynamoDB Standard-IA table class, and a lifecycle rule moving "
      "letters older than a few months to S3 Glacier Instant Retrieval (about a sixth of the price) "
      "would cut most of it. The code keeps current objects and items without end, so the "
      f"{RETENTION_YEARS} years are a horizon, not a rule; docs/data-protection.md sets the legal "
      "periods: letters and print bundles 6 years, the CSV export 6, bank statements 8, post copies "
      "none (a month here). Kept only that long, S3 storage would cost "
      f"${usd(legal_s3 * per_1000)} instead of "
      f"${usd(s3_total * per_1000)} per 1,000 invoices. Within DynamoDB's free 25 GB (per account and "
      "month) a small tenant's records cost nothing.")
    w(f"- **Emails ({emails:.0%}).** SES charges ${ses_per_mail:g} per recipient: every letter by email "
      f"adds ${usd(ses_per_mail * 1000)} per 1,000 letters plus its attachment (about "
      f"{m['ses']['bytes'] / max(1, m['ses']['recipients']) / 1024:.0f} KB a message). A policy with "
      "fewer levels, or customers who pay after the reminder, cut it directly. Letters by post cost the "
      "print service's price (around €1 a letter), more than everything on this page together.")
    w(f"- **DynamoDB writes ({ddb_writes:.0%})** follow invoices × status changes: the import, each "
      "letter and the payment write the invoice (and its index entries: the customer index always, "
      "the due index while the invoice is open), timeline events and the notice. Transactions cost "
      "twice; items over 1 KB cost a unit per started KB.")
    w(f"- **Lambda ({compute:.0%})** is small because the work is short. Its estimate is the least "
      f"certain line (see Method); at three times the estimate it would be {lambda_3x:.0%} of the "
      "total. More memory buys CPU: the GB-s stay about the same for CPU-bound work and grow for "
      "time spent waiting on requests.")
    w("- **Scale.** The per-invoice figures hold from a few hundred invoices up: the daily run reads "
      "the sparse due index (cost follows the work due, not the table), and letters and payments are "
      "handled one by one. The daily runs and their cold starts are per day, not per invoice: a "
      "tenant with fewer invoices pays more per invoice for them. Fixed monthly costs (below) do not "
      "depend on the number of invoices.")
    w("")
    w("## Cost per 1,000 invoices, line by line")
    w("")
    w("| service | item | quantity | unit | price | USD | basis |")
    w("|---|---|---:|---|---|---:|---|")
    for x in lines:
        p = PRICE[x.price]
        w(f"| {x.service} | {x.item} | {qty(x.quantity * per_1000)} | {p.unit} | {price_text(p)} "
          f"| {usd(x.usd * per_1000)} | {x.basis} |")
    w("")
    w("*measured*: counted or sized in the run on the embedded stack; *estimated*: derived from "
      "measured figures with the assumptions below; *assumed*: not observable locally.")
    w("")
    w("## The life that was measured")
    w("")
    levels = ", ".join(f"level {k}: {v}" for k, v in s["notices_by_level"].items())
    w(f"Run on the embedded stack (`infra/mahnwerk_local/stack.py`, moto {m['moto']}) on "
      f"{m['measured_on']} ({m['machine']}, Python {m['python']}; {m['seconds']} s), with the demo "
      "settings (`infra/mahnwerk_local/demo/settings.json`: reminder after 7 days, 1st dunning and final "
      "notice 14 days apart, the final notice by email and post):")
    w("")
    w(f"- intake: one CSV of {s['invoices']:,} invoices of {s['customers']} customers "
      f"({s['csv_bytes'] / 1024:.0f} KB, every customer with email and postal address, four invoices "
      f"each, due dates on five weekdays) uploaded on {s['intake_day']};")
    w(f"- {s['simulated_days']} daily runs (EventBridge Scheduler → DunningFunction), each followed by "
      "the queues drained (NoticeFunction renders, stores and sends the letters);")
    w(f"- {s['notices']:,} notices ({levels}); {s['emails']:,} emails sent, {s['post_copies']} post "
      "copies of the final notice in the outbox, bundled into the next morning's print files;")
    events = s["ses_events"]
    by_stack = {k: events.get(k, 0) - s["ses_events_injected"].get(k, 0) for k in ("Send", "Delivery")}
    w(f"- every sent email reported by SES twice, Send and Delivery ({events.get('Send', 0):,} and "
      f"{events.get('Delivery', 0):,} events through SNS to the feedback queue, each handled by "
      f"FeedbackFunction; the local stack published {by_stack['Send']:,} and {by_stack['Delivery']:,} "
      "of them, the measurement put the rest on the queue in SES's format);")
    statuses = ", ".join(f"{v:,} {k}" for k, v in s["invoice_statuses"].items())
    w(f"- one camt.053 statement with {s['payments']:,} credits (one per invoice: its claim on the "
      "booking day, principal, interest and fees, invoice number in the remittance) uploaded on "
      f"{s['statement_day']}: {s['payments_matched']:,} matched; invoices at the end: {statuses}.")
    w("")
    w("### Lambda")
    w("")
    w("| function | MB | invocations | wall s | CPU s | of it in AWS calls | own CPU s | cold starts "
      "| import s | first call +s | est. billed s | GB-s | log bytes / invocation |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, f in m["functions"].items():
        own, run, init = lambda_seconds(f)
        gbs = (run + init) * f["memory_mb"] / 1024
        w(f"| {name} | {f['memory_mb']} | {f['invocations']:,} | {f['wall_s']:.1f} | {f['cpu_s']:.1f} "
          f"| {f['aws_cpu_s']:.1f} "
          f"| {own:.1f} | {f['cold_starts']} | {f['init_s']:.2f} | {f['first_call_extra_s']:.2f} "
          f"| {run + init:.1f} | {gbs:.1f} | {f['log_bytes'] / f['invocations']:,.0f} |")
    w("")
    w("### AWS requests made by the functions (measured)")
    w("")
    w("| request | count | per invoice |")
    w("|---|---:|---:|")
    for op, count in sorted(m["requests_by_functions"].items(), key=lambda kv: (-kv[1], kv[0])):
        w(f"| {op} | {count:,} | {count / n:.2f} |")
    w("")
    ddb = m["dynamodb"]
    w(f"DynamoDB capacity, from the items' sizes before and after each write: {ddb['wru']:,.0f} WRU on "
      f"the tables and {ddb['wru_gsi']:,.0f} on the global secondary indexes, {ddb['rru']:,.1f} RRU; "
      "by function (WRU incl. indexes / RRU): " + ", ".join(
          f"{k} {ddb['wru_by_function'][k]:,.0f} / {ddb['rru_by_function'][k]:,.1f}"
          for k in ddb["wru_by_function"]) + ".")
    w("")
    w("Made by the local stack in AWS's place (not priced from these counts, see the SQS lines): "
      + ", ".join(f"{k} {v:,}" for k, v in m["requests_by_plumbing"].items()) + ".")
    w("")
    w("### Kept")
    w("")
    w("| where | objects / items | MB |")
    w("|---|---:|---:|")
    for kind, v in m["stored"]["s3"].items():
        w(f"| S3 {kind} | {v['objects']:,} | {v['bytes'] / 2**20:.2f} |")
    for table, t in sorted(m["stored"]["dynamodb"].items()):
        w(f"| DynamoDB {table} (items without TTL; {t['items_expiring']:,} more expire) | "
          f"{t['items_kept']:,} | {t['bytes'] / 2**20:.2f} |")
        if t["index_bytes"]:
            w(f"| DynamoDB {table}, index entries (projection ALL) | | {t['index_bytes'] / 2**20:.2f} |")
    w("")
    w("## Prices")
    w("")
    w(f"List prices for eu-central-1 (Europe, Frankfurt) in USD as of {PRICES_AS_OF}, first tier, "
      "without free tier and without VAT. They were compiled from the pages linked below; the build "
      "machine cannot load those pages, so check them there before quoting a figure to a customer "
      "(AWS changes prices rarely, mostly downwards: DynamoDB on-demand halved in November 2024).")
    w("")
    w("| key | service | item | price | source |")
    w("|---|---|---|---|---|")
    for p in PRICES:
        w(f"| `{p.key}` | {p.service} | {p.item} | {price_text(p)} | {p.url} |")
    w("")
    w("## Method, and what is measured or assumed")
    w("")
    w("- **Requests** are counted where every AWS call passes (botocore's `_make_api_call`, "
      "`benchmarks/aws_counts.py`) and attributed to the Lambda invocation they happen in. Requests "
      "the local stack makes in AWS's place are priced as AWS makes them: an SQS event source mapping "
      "receives a batch and deletes it in one request per invocation (its empty long polls are a "
      "fixed cost, below); S3 notifications and SNS deliveries are one SQS send each.")
    w("- **DynamoDB capacity** is computed per request from the sizes of the items involved, read "
      "from moto before and after each write: 1 WRU per started KB of the larger of the two, twice for "
      "transactions (condition checks included); each global secondary index whose keys the item has "
      "adds a write (two when the index key changes: delete and put), standard, not transactional; "
      "reads 1 RRU per started 4 KB of the items returned, half for eventually consistent reads, "
      "queries summed over the items they return. Sizes follow DynamoDB's rules (attribute names "
      "count; numbers approximated).")
    w(f"- **Lambda duration** is not moto's time, and not the local wall time (the machine is shared "
      f"and moto is slow). Per invocation the CPU time of the invoking thread is taken "
      f"(`time.thread_time`, insensitive to other load) minus the CPU time spent inside AWS calls "
      f"(moto answers in-process, botocore included): the handler's own CPU time on one local core. It "
      f"is scaled by {LAMBDA_FULL_VCPU_MB} / MemorySize (Lambda gives one vCPU at "
      f"{LAMBDA_FULL_VCPU_MB} MB and a proportional share below: ×3.5 at 512 MB), and an assumed "
      "in-region latency is added for every request the handler makes (list below), as the handler "
      "waits for it. Graviton per-core speed is taken as equal to the local core's. Cold starts: one "
      "per function and day it runs (up to the event source's MaximumConcurrency), each the CPU time "
      "of the handler's import in a fresh interpreter plus what its first invocation took over a "
      "typical one (lazy imports, fonts, templates), scaled the same way (Lambda bills INIT for "
      "managed runtimes since August 2025). Wall times are shown for reference only.")
    w(f"- **Logs** are the bytes the handlers write to stdout (Powertools' JSON lines, and its EMF "
      f"metrics, switched on for the measurement), captured per invocation, plus {PLATFORM_LOG_BYTES} "
      f"bytes of Lambda's START/END/REPORT lines (assumed). Stored {LOG_RETENTION_MONTHS} months "
      f"(the log groups' retention) at an assumed {LOG_COMPRESSION:.0%} compression ratio.")
    w(f"- **SES**: one email per recipient; the attachment price is applied to the whole raw message "
      f"(base64 PDF plus text: an upper bound). Each email produces two SES events (Send, Delivery) "
      f"through SNS (customer managed key: at most {KMS_PER_SNS_MESSAGE} KMS requests a message, an "
      "upper bound) to the feedback queue. Bounces and complaints (a few percent) would add the same "
      "path plus a few writes.")
    w("- **X-Ray**: every invocation counted as a recorded trace (Tracing: Active; with the default "
      "sampling rule, 1 a second plus 5 %, fewer are recorded).")
    w(f"- **EventBridge**: custom events are counted per entry put on the bus (64 KB chunks); the "
      f"archive is billed on the events' bytes ({EVENT_ENVELOPE_BYTES} bytes of envelope assumed per "
      "event).")
    w(f"- **Storage**: S3 objects (every version) and DynamoDB items without a TTL as they are at the "
      f"end of the life; DynamoDB adds 100 bytes per item and stores every index entry again. "
      f"Kept {RETENTION_YEARS} years without discounting; items with a TTL (idempotency records, "
      "expiring markers) are left out.")
    w("")
    w("Assumed latency per request (ms; any other request "
      f"{LATENCY_DEFAULT_MS:g}): " + ", ".join(f"{k} {v:g}" for k, v in LATENCY_MS.items()) + ".")
    w("")
    w("## Not per invoice: fixed monthly costs")
    w("")
    t = m["template"]
    w(f"Not included above because they do not grow with invoices (eu-central-1, roughly): "
      f"{t['kms_keys']} KMS customer managed keys ($1 a month each), {t['alarms']} CloudWatch alarms "
      "($0.10 each), the custom metrics the functions emit through EMF ($0.30 a metric), the SQS event "
      f"source mappings' empty long polls on {t['sqs_event_sources']} queues (well under $1 a month "
      "together), the daily run on days without "
      "work (one Scheduler invocation and one Lambda invocation a day), API Gateway requests of the "
      "integration API (the life above uses none: files go to S3 through presigned URLs), data "
      "transfer out (emails leave through SES, whose price includes it) and the AWS free tier, which "
      "would make a small tenant's bill zero for most items. The KMS requests DynamoDB and "
      "CloudWatch Logs make with their keys are cached per table or log stream and negligible.")
    w("")
    w(MARK)
    w(json.dumps(m, indent=1, sort_keys=True))
    w("-->")
    return "\n".join(out) + "\n"


def stored_measurement(text: str) -> dict[str, Any]:
    start = text.index(MARK) + len(MARK)
    end = text.index("-->", start)
    measurement: dict[str, Any] = json.loads(text[start:end])
    return measurement


def main(argv: list[str] | None = None) -> int:
    global CUSTOMERS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--render", action="store_true",
                      help="re-render docs/cost.md from the measurement stored in it")
    mode.add_argument("--check", action="store_true",
                      help="exit 1 if docs/cost.md is not what the generator renders")
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--customers", type=int, default=CUSTOMERS,
                        help="a quick try with fewer customers (the doc is made with 250)")
    args = parser.parse_args(argv)
    CUSTOMERS = args.customers
    if args.check:
        text = args.out.read_text("utf-8")
        if render(stored_measurement(text)) != text:
            say(f"{args.out} is out of date: run .venv/bin/python benchmarks/cost.py --render")
            return 1
        return 0
    if args.render:
        measurement = stored_measurement(args.out.read_text("utf-8"))
    else:
        say("Measuring one life of 1,000 invoices on the embedded stack …")
        measurement = measure()
    text = render(measurement)
    args.out.write_text(text, "utf-8")
    summary = [x for x in cost_lines(measurement)]
    life = sum(x.usd for x in summary if x.phase == "life")
    kept = sum(x.usd for x in summary if x.phase == "retention")
    per = 1000 / measurement["scenario"]["invoices"]
    print(f"AWS cost per 1,000 invoices: ${life * per:.3f} processing + ${kept * per:.3f} "
          f"for {RETENTION_YEARS} years of storage = ${(life + kept) * per:.3f} → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
