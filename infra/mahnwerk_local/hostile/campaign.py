"""Running the cases, each bounded in time, and the markdown report (docs/hostile-input.md)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cases import all_cases
from .env import Env, first_line
from .model import CORPUS, KNOWN_ISSUES, OUTCOMES, SAFE, Case, Report, Result, Verdict
from .pure import Worker


def bounded(fn: Callable[[], Verdict], timeout: float) -> Verdict:
    """Run in a thread; a case that does not answer in time is recorded as hung (the thread is
    left behind as a daemon: Python cannot stop it, the process exit will)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["verdict"] = fn()
        except BaseException as exc:  # LambdaCrash and everything else
            box["error"] = exc

    thread = threading.Thread(target=target, name="hostile-case", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return Verdict("hung", f"no answer within {timeout:.0f} s")
    if "error" in box:
        exc = box["error"]
        return Verdict("crashed", f"{type(exc).__name__}: {first_line(str(exc) or '-')}"[:300])
    verdict: Verdict = box["verdict"]
    return verdict



def run_campaign(stack: Any = None, corpus: Path | None = CORPUS,
                 only: Callable[[Case], bool] | None = None) -> Report:
    """Run every case against ``stack`` (a started LocalStack; one is started if None)."""
    if stack is None:
        from ..stack import LocalStack

        with LocalStack() as local:
            return run_campaign(local, corpus, only)
    env = Env(stack, corpus)
    worker = Worker()
    report = Report()
    try:
        for case in all_cases(env.canary.url, str(env.canary.file)):
            if only is not None and not only(case):
                continue
            started = time.monotonic()
            if case.corpus and (env.corpus is None or not (env.corpus / case.corpus).is_file()):
                verdict = Verdict("skipped", f"the corpus file {case.corpus} is not there")
            elif case.pure is not None:
                verdict = worker.run(*case.pure, timeout=case.timeout)
            else:
                assert case.run is not None
                verdict = bounded(lambda c=case: c.run(env), case.timeout)  # type: ignore[misc]
            if verdict.outcome in SAFE and not verdict.reason.strip():
                verdict = Verdict("accepted", "no reason given")
            if verdict.outcome == "crashed" and case.id in KNOWN_ISSUES:
                verdict = Verdict("crashed", f"{verdict.reason} — {KNOWN_ISSUES[case.id]}")
            report.results.append(Result(case, verdict.outcome, verdict.reason,
                                         time.monotonic() - started))
    finally:
        worker.stop()
        env.canary.close()
    return report


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("<", "&lt;")


FINDINGS = [
    "- **Tenant letter templates could hang or exhaust a worker** (fixed): Jinja2's sandbox blocks"
    " attribute escapes but not resource bombs (`'x' * 10**9`, `10 ** 10 ** 8` folded while"
    " compiling, nested `range` loops, `lipsum`, `center(10**9)`, doubling `replace`/`tojson`"
    " chains, recursive macros, self-includes). `mahnwerk.letters.sandbox` now checks a tenant's"
    " source before it compiles (no calls, no `*`/`**`/`%`, no `set`/`with`/macros/includes,"
    " allow-listed filters and tests, loops only over the context's lists and at most two deep,"
    " at most 20 000 characters) and bounds what it renders (200 000 characters).",
    "- **An oversized settings document crashed `PUT /v1/settings`** (fixed): a 500 kB field"
    " passed validation and DynamoDB's 400 KB item limit raised through the API (a 502). The"
    " settings validation now refuses documents over 300 000 bytes.",
    "- **The EICAR signature in a bank statement's texts was booked and stored** (fixed): it is now"
    " removed from the entry's texts (the booking kept, with a warning) — not the whole file"
    " refused, because a payer controls the remittance text and could otherwise block a tenant's"
    " reconciliation.",
    "- **An MT940 file with a `:20:` line and junk after it was read as nothing, without a"
    " reason** (fixed): it is now refused (no account, balance or booking found).",
    "- **A JSON body nested 100 000 deep crashes the API function** (open, reported):"
    " `RecursionError` from the body parser is not mapped to a client error (`mahnwerk.api.app`).",
    "- By design, not a finding: an object at a key outside `inbox/<tenant>/<invoices|bank>/<file>`"
    " (only someone with bucket access can put one) is refused by the intake and its message goes"
    " to the dead-letter queue, whose alarm tells the operator.",
]


def markdown(report: Report) -> str:
    counts = report.counts
    lines = [
        "# Hostile-input campaign",
        "",
        "Generated by `.venv/bin/python -m mahnwerk_local.hostile --write docs/hostile-input.md`"
        " (infra/mahnwerk_local/hostile/); `tests/integration/test_hostile_campaign.py` runs it"
        " on every test run and checks that this file lists every case.",
        "",
        "Every attack goes through the real entry point: files are uploaded to the local stack's"
        " S3 inbox and the intake function's import report says what became of them; API attacks"
        " are requests through the authorizer and the API function (`LocalStack.api`); the"
        " letter-template sandbox and the S3 key rules are called directly, in a worker process"
        " with a 2 GB memory limit that is killed when a case overruns. Each case has a time limit"
        " (10–30 s). XXE and external-DTD payloads point at a canary (a local TCP listener and a"
        " file with a secret token); a connection or the token anywhere in a report counts as"
        " accepted.",
        "",
        "Outcomes: **refused** — the entry point said no, with the reason shown; **defused** — taken"
        " as inert data by design, and checked to be inert (e.g. a payment is never refused for its"
        " remittance text); **accepted**, **crashed** (an exception escaped, a 5xx, an unplanned"
        " dead-letter message), **hung** (over the time limit) and **skipped** (corpus missing)"
        " are failures or gaps.",
        "",
        "## Summary",
        "",
        "| tried | refused | defused | accepted | crashed | hung | skipped |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(str(counts[k]) for k in ("tried", *OUTCOMES)) + " |",
        "",
        "By path:",
        "",
        "| path | tried | refused | defused | other |",
        "|---|---:|---:|---:|---:|",
    ]
    by_path: dict[str, Counter[str]] = {}
    for r in report.results:
        by_path.setdefault(r.case.path, Counter())[r.outcome] += 1
    for path, found in by_path.items():
        tried = sum(n for o, n in found.items() if o != "skipped")
        other = tried - found["refused"] - found["defused"]
        lines.append(f"| {_cell(path)} | {tried} | {found['refused']} | {found['defused']} | {other} |")
    lines += ["", "## Cases", "", "| case | path | attack | via | outcome | reason |",
              "|---|---|---|---|---|---|"]
    for r in report.results:
        lines.append(f"| `{r.case.id}` | {_cell(r.case.path, 60)} | {_cell(r.case.attack, 90)} | "
                     f"{r.case.via} | **{r.outcome}** | {_cell(r.reason)} |")
    lines += ["", "## Found by this campaign", "", *FINDINGS]
    lines += ["", "## Not covered here", "",
              "- Bodies over 6 MB never reach the API function: Lambda refuses larger synchronous"
              " payloads and API Gateway anything over 10 MB; `LocalStack.api` does not model"
              " either, so the campaign stays below.",
              "- The dashboard's HTML (`mahnwerk.web`) is not attacked here (escaping of stored"
              " texts in pages is its own check).",
              "- Random mutations of every parser's input are the fuzz tests in `tests/unit`"
              " (`test_intake_fuzz.py`, `test_bank_fuzz.py`).",
              ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mahnwerk_local.hostile",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--write", type=Path, help="write the markdown report here")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    started = time.monotonic()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        report = run_campaign(corpus=args.corpus)
    if args.write:
        args.write.write_text(markdown(report), encoding="utf-8")
    print(json.dumps(report.counts), f"{time.monotonic() - started:.1f} s")
    for r in report.failures:
        print(f"{r.outcome}: {r.case.id}: {r.reason}", file=sys.stderr)
    for case_id in report.fixed_issues:
        print(f"fixed: {case_id} no longer crashes; remove it from KNOWN_ISSUES", file=sys.stderr)
    return 1 if report.failures or report.fixed_issues else 0
