"""``mahnwerk``: one entry point for people and scripts, on the embedded (moto) stack."""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import redirect_stdout
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

DEMO_TENANT = "sanitaer-mueller"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


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
    sim.add_argument("--invoices", type=Path, action="append", required=True,
                     help="invoice file (repeatable)")
    sim.add_argument("--payments", type=Path, action="append", default=[],
                     help="bank statement (camt.053, MT940, CSV; repeatable): uploaded through "
                          "the bank inbox the morning after its last booking day")
    sim.add_argument("--from", dest="start", type=_date, required=True)
    sim.add_argument("--to", dest="end", type=_date, required=True)
    sim.add_argument("--out", type=Path, required=True)
    sim.add_argument("--tenant", default="demo", help="tenant id (default: demo)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        demo_dir = resources.files("mahnwerk_local") / "demo"
        settings = json.loads((demo_dir / "settings.json").read_text(encoding="utf-8"))
        with resources.as_file(demo_dir / "invoices.csv") as invoices, \
                resources.as_file(demo_dir / "kontoauszug-2026-10-12.xml") as statement:
            return _run(DEMO_TENANT, settings, [invoices], date(2026, 10, 1),
                        date(2026, 11, 30), args.out, [statement])
    for path in [args.settings, *args.invoices, *args.payments]:
        if not path.is_file():
            print(f"mahnwerk: no such file: {path}", file=sys.stderr)
            return 2
    if args.end < args.start:
        print("mahnwerk: --to lies before --from", file=sys.stderr)
        return 2
    return _run(args.tenant, _load_settings(args.settings), args.invoices, args.start, args.end,
                args.out, args.payments)


def _run(tenant: str, settings: dict[str, Any], invoices: list[Path], start: date, end: date,
         out: Path, payments: list[Path] | None = None) -> int:
    from mahnwerk.domain.model import DomainError

    from .simulation import SimulationInput, simulate

    began = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    # The functions log JSON lines to stdout as in Lambda; keep them in a file, like CloudWatch.
    with (out / "lambda.log").open("w", encoding="utf-8") as log, redirect_stdout(log):
        try:
            result = simulate(SimulationInput(tenant, settings, invoices, start, end, out,
                                              payment_files=payments or []))
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
    dead = {k: v for k, v in summary["dead_letters"].items() if v}
    if dead:
        print(f"  ⚠ messages in dead-letter queues: {dead}")
    print(f"  written: {out}/summary.json, {len(result.files['letters'])} letters, "
          f"{len(result.files['mail'])} emails, {len(result.files['post'])} post letters "
          f"(function logs: {out}/lambda.log)")
    return 1 if dead else 0


if __name__ == "__main__":
    raise SystemExit(main())
