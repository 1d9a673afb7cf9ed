"""``mahnwerk``: one entry point for people and scripts, on the embedded (moto) stack."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, redirect_stdout, suppress
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any

from .portal_debtor import DEMO_ANSWERS, Answer

DEMO_TENANT = "sanitaer-mueller"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (e.g. 2026-10-22T05:59:00+02:00)") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: give the offset, e.g. +02:00")
    return moment


def _load_settings(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        value = yaml.safe_load(text)
    else:
        value = json.loads(text)
    if not isinstance(value, dict):
        raise SystemExit(f"{path}: the settings must be an object")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mahnwerk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="sample invoices in, a few simulated weeks, letters out")
    demo.add_argument("--out", type=Path, default=Path("out/demo"))

    sim = sub.add_parser("simulate", help="run the real pipeline day by day on the local stack")
    sim.add_argument("--settings", type=Path, required=True, help="tenant settings (JSON or YAML)")
    sim.add_argument("--invoices", type=Path, action="append", default=[],
                     help="invoice file (repeatable)")
    sim.add_argument("--mail", type=Path, action="append", default=[],
                     help="raw e-mail (.eml; repeatable): delivered to the tenant's inbox on the "
                          "first morning as SES stores it (S3 mail/ → intake queue → function), "
                          "with SES's verdicts as passed unless the file carries its own")
    sim.add_argument("--payments", type=Path, action="append", default=[],
                     help="bank statement (camt.053, MT940, CSV; repeatable): uploaded through "
                          "the bank inbox the morning after its last booking day")
    sim.add_argument("--from", dest="start", type=_date, required=True)
    sim.add_argument("--to", dest="end", type=_date, required=True)
    sim.add_argument("--out", type=Path, required=True)
    sim.add_argument("--tenant", default="demo", help="tenant id (default: demo)")

    serve = sub.add_parser("serve", help="the REST API on a local port, on the embedded stack")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000, help="0: any free port (printed)")
    serve.add_argument("--demo", action="store_true",
                       help=f"preload the demo ({DEMO_TENANT}: invoices, bank statement, two months "
                            "of dunning) and print a key for it")
    serve.add_argument("--tenant", default="demo",
                       help="without --demo: the tenant the printed key belongs to (default: demo)")
    serve.add_argument("--clock", type=_moment, default=None, metavar="ISO-TIME",
                       help="start the API's clock at this moment (e.g. 2026-10-22T05:59:00+02:00; "
                            "it runs at wall-clock speed); the daily run fires at its hour")
    serve.add_argument("--dev-inbox", action="store_true",
                       help="also accept POST /v1/inbox (a raw e-mail, for trying the tenant's "
                            "inbox; never part of the deployed API)")
    serve.add_argument("--log", type=Path, default=Path("out/serve/lambda.log"),
                       help="where the functions log to ('-': stderr; default: out/serve/lambda.log)")

    keys = sub.add_parser("keys", help="a tenant's API keys in the deployed table (boto3 credentials)")
    keys.add_argument("action", choices=["create", "list", "revoke"])
    keys.add_argument("--tenant", required=True)
    keys.add_argument("--label", default="", help="create: what the key is for")
    keys.add_argument("--key-id", help="revoke: the key's id (from create or list)")
    keys.add_argument("--table", default=None,
                      help="the stack's DynamoDB table (default: $TABLE_NAME)")
    keys.add_argument("--region", default=None,
                      help="default: $AWS_REGION, $AWS_DEFAULT_REGION, the AWS config, eu-central-1")
    return parser


@contextmanager
def _demo_inputs() -> Iterator[tuple[dict[str, Any], list[Path], list[Path], date, date]]:
    """The demo: settings, invoice files, bank statements, first and last simulated day."""
    demo_dir = resources.files("mahnwerk_local") / "demo"
    settings = json.loads((demo_dir / "settings.json").read_text(encoding="utf-8"))
    with resources.as_file(demo_dir / "invoices.csv") as invoices, \
            resources.as_file(demo_dir / "kontoauszug-2026-10-12.xml") as statement:
        yield settings, [invoices], [statement], date(2026, 10, 1), date(2026, 11, 30)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        with _demo_inputs() as (settings, invoices, statements, start, end):
            return _run(DEMO_TENANT, settings, invoices, start, end, args.out, statements,
                        answers=DEMO_ANSWERS)
    if args.command == "serve":
        try:
            return _serve(args)
        except KeyboardInterrupt:  # during the start: the stack is stopped already
            return 130
    if args.command == "keys":
        return _keys(args)
    if not args.invoices and not args.mail:
        print("mahnwerk: give at least one --invoices or --mail file", file=sys.stderr)
        return 2
    for path in [args.settings, *args.invoices, *args.payments, *args.mail]:
        if not path.is_file():
            print(f"mahnwerk: no such file: {path}", file=sys.stderr)
            return 2
    if args.end < args.start:
        print("mahnwerk: --to lies before --from", file=sys.stderr)
        return 2
    return _run(args.tenant, _load_settings(args.settings), args.invoices, args.start, args.end,
                args.out, args.payments, args.mail)


def _run(tenant: str, settings: dict[str, Any], invoices: list[Path], start: date, end: date,
         out: Path, payments: list[Path] | None = None, mail: list[Path] | None = None,
         answers: Sequence[Answer] = ()) -> int:
    from mahnwerk.domain.model import DomainError

    from .simulation import SimulationInput, simulate

    began = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    # The functions log JSON lines to stdout as in Lambda; keep them in a file, like CloudWatch.
    with (out / "lambda.log").open("w", encoding="utf-8") as log, redirect_stdout(log):
        try:
            result = simulate(SimulationInput(tenant, settings, invoices, start, end, out,
                                              payment_files=payments or [],
                                              mail_files=mail or [],
                                              portal_answers=answers))
        except (DomainError, ValueError) as exc:
            print(f"mahnwerk: {exc}", file=sys.stderr)
            return 2
    summary = result.summary
    print(f"Mahnwerk simulation for tenant {tenant!r}: {start} … {end} ({result.days} days, "
          f"{time.monotonic() - began:.1f} s)")
    print(f"  invoices: {len(summary['invoices'])}, rejected rows: {len(summary['rejected'])}")
    for reject in summary["rejected"]:
        print(f"    ✗ {reject['file']}:{reject['line']}: {reject['reason']}")
    print(f"  payments: {len(summary['payments'])}")
    for p in summary["payments"]:
        what = ", ".join(p["matched"]) if p["matched"] else "→ review list"
        print(f"    {p['date']}  {p['amount']:>10} EUR  {p['method']:<12} {what}")
    print(f"  notices: {len(summary['notices'])}")
    for n in summary["notices"]:
        channels = "+".join(n["channels"]) or n["status"]
        print(f"    {n['date']}  {n['customer']:<8} L{n['level']} {n['level_name']:<20} "
              f"{n['total']:>10} EUR  {channels:<10} {', '.join(n['invoices'])}")
    if summary.get("portal_answers"):
        print(f"  answers on the debtors' pages: {len(summary['portal_answers'])}")
        for a in summary["portal_answers"]:
            print(f"    {a['date']}  {a['customer']:<8} {a['kind']:<8} {a['result']}")
    dead = {k: v for k, v in summary["dead_letters"].items() if v}
    if dead:
        print(f"  ⚠ messages in dead-letter queues: {dead}")
    print(f"  written: {out}/summary.json, {len(result.files['letters'])} letters, "
          f"{len(result.files['mail'])} emails, {len(result.files['post'])} post letters "
          f"(function logs: {out}/lambda.log)")
    return 1 if dead else 0


# --- mahnwerk serve --------------------------------------------------------------------------

def _dev_inbox(ctx: Any, tenant: str, at: datetime) -> str:
    """The tenant's inbox address (made now if it has none)."""
    from mahnwerk.service.mail import current_inbox, rotate_inbox

    return current_inbox(ctx, tenant) or rotate_inbox(ctx, tenant, at)


def _serve(args: argparse.Namespace) -> int:
    from mahnwerk.service.keys import create_key

    from .serve import DailyRuns, LocalApi, make_server, preload, running_clock
    from .simulation import dunning_hour_of
    from .stack import LocalStack

    out = sys.stdout
    with ExitStack() as cleanup:
        log: IO[str]
        if str(args.log) == "-":
            log = sys.stderr
        else:
            args.log.parent.mkdir(parents=True, exist_ok=True)
            log = cleanup.enter_context(args.log.open("w", encoding="utf-8"))
        # the functions log JSON lines to stdout as in Lambda: to the log, like CloudWatch
        cleanup.enter_context(redirect_stdout(log))
        stack = LocalStack()
        api = LocalApi(stack)
        try:  # bind first: a busy port fails before the preload
            server = make_server(api, args.host, args.port)
        except OSError as exc:
            print(f"mahnwerk: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 2
        cleanup.callback(server.server_close)
        began = time.monotonic()
        stack.start()
        cleanup.callback(_stop_stack, api)
        tenant = DEMO_TENANT if args.demo else args.tenant
        try:
            if args.demo:
                with _demo_inputs() as (settings, invoices, statements, start, end):
                    demo_end = preload(stack, tenant, settings, invoices, statements, start, end,
                                       DEMO_ANSWERS)
                api.clock = running_clock(demo_end)
            if args.clock is not None:
                api.clock = running_clock(args.clock)
            at = api.clock() or datetime.now(UTC)
            with stack.service_context() as ctx:
                key, record = create_key(ctx, tenant, "mahnwerk serve", at)
                facts = _tenant_facts(ctx, tenant) if args.demo else ""
                inbox = _dev_inbox(ctx, tenant, at) if args.dev_inbox else ""
            api.dev_inbox = bool(args.dev_inbox)
        except Exception as exc:  # a bad --tenant, a broken demo file: say it and stop
            print(f"mahnwerk: {exc}", file=sys.stderr)
            return 2
        base = f"http://{args.host}:{server.server_address[1]}"
        lines = [
            f"Mahnwerk API on {base}/v1 (embedded stack, ready in {time.monotonic() - began:.1f} s; "
            "the authorizer and handler API Gateway runs)",
            f"  tenant: {tenant}{facts}",
            f"  dashboard: {base}/app/ (sign in with the key below)",
        ]
        if inbox:
            lines.append(f"  inbox: {inbox} — try: curl -s --data-binary @mail.eml "
                         f"{base}/v1/inbox (raw MIME; --dev-inbox only)")
        if args.demo and args.clock is None:
            lines.append(f"  the API's clock starts at the demo's last dunning run: "
                         f"{demo_end.isoformat(timespec='minutes')}")
        elif args.clock is not None:
            lines.append(f"  the API's clock starts at {args.clock.isoformat(timespec='seconds')}")
        # the daily run at the template's hour of the API's clock, as EventBridge Scheduler
        daily = DailyRuns(api, dunning_hour_of(stack), demo_end.date() if args.demo else None)
        lines.append(f"  daily dunning run at {daily.hour:02d}:00 Europe/Berlin of that clock "
                     "(POST /v1/runs runs today's now)")
        lines += [
            f"  API key {record['key_id']} (shown only now): {key}",
            f"  function logs: {'stderr' if log is sys.stderr else args.log}",
            "",
            "Try:",
            f"  export MAHNWERK_KEY={key}",
            *[f'  curl -s -H "Authorization: Bearer $MAHNWERK_KEY" "{base}{path}"'
              for path in _examples(args.demo)],
            "",
            "Ctrl-C stops the server.",
        ]
        print("\n".join(lines), file=out, flush=True)
        cleanup.callback(daily.run_in_background())
        # Ctrl-C, also where SIGINT came ignored (a background job), and SIGTERM stop it cleanly
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        with suppress(KeyboardInterrupt):
            server.serve_forever()
        print("mahnwerk serve: stopped", file=out, flush=True)
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _stop_stack(api: Any) -> None:
    with api.lock:  # a request still being handled finishes first
        api.stack.stop()


def _tenant_facts(ctx: Any, tenant: str) -> str:
    payments = ctx.payments.payments(tenant)
    unmatched = sum(1 for p in payments if p.status == "unmatched")
    return (f" ({len(ctx.invoices.invoices(tenant))} invoices, {len(ctx.notices.notices(tenant))} notices, "
            f"{len(payments)} payments of which {unmatched} unmatched)")


def _examples(demo: bool) -> list[str]:
    paths = ["/v1/health", "/v1/invoices?limit=5", "/v1/runs"]
    if demo:
        paths += ["/v1/invoices/RE-2026-103", "/v1/invoices?status=handed_over",
                  "/v1/customers/K-1001", "/v1/payments/unmatched", "/v1/notices",
                  "/v1/reports/aging", "/v1/forecast?days=30"]
    return [*paths, "/v1/docs?format=json"]


# --- mahnwerk keys ---------------------------------------------------------------------------

def _keys(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    from mahnwerk.domain.model import DomainError
    from mahnwerk.service.bootstrap import Config, build
    from mahnwerk.service.keys import create_key, list_keys, revoke_key

    table = args.table or os.environ.get("TABLE_NAME")
    if not table:
        print("mahnwerk: which table? --table NAME or TABLE_NAME (the stack's DynamoDB table)",
              file=sys.stderr)
        return 2
    region = (args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
              or boto3.session.Session().region_name or "eu-central-1")
    if args.action == "revoke" and not args.key_id:
        print("mahnwerk: keys revoke needs --key-id", file=sys.stderr)
        return 2
    ctx = build(Config(region=region, table_name=table, bucket_name="", notice_queue_url="",
                         configuration_set="", default_sender="", stage=""))
    now = datetime.now(UTC)
    try:
        if args.action == "create":
            key, record = create_key(ctx, args.tenant, args.label, now)
            print(f"API key {record['key_id']} for tenant {args.tenant!r}"
                  f"{f' ({args.label})' if args.label else ''}, created {record['created_at']}.")
            print("Store it now: it is shown only this once (the table keeps a hash).\n")
            print(f"  {key}\n")
            return 0
        if args.action == "list":
            found = list_keys(ctx, args.tenant)
            if not found:
                print(f"no API keys for tenant {args.tenant!r}")
            for k in found:
                state = "active" if k["active"] else f"revoked {k['revoked_at']}"
                print(f"{k['key_id']}  created {k['created_at']}  {state:<40}  {k['label']}")
            return 0
        if revoke_key(ctx, args.tenant, args.key_id, now):
            print(f"revoked key {args.key_id} of tenant {args.tenant!r} (the authorizer's answers "
                  "are cached for up to 60 s)")
            return 0
        print(f"mahnwerk: tenant {args.tenant!r} has no key {args.key_id!r}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"mahnwerk: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError, PynamoDBException) as exc:
        print(f"mahnwerk: {table} in {region}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
