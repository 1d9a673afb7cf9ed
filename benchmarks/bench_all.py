"""Run every benchmark in benchmarks/ and print one table of their key figures at the end.

Each benchmark runs as its own process, one after the other (timings on a 2-CPU machine mean
nothing when they share it); its whole output is kept in out/bench/<name>.log and the figures are
read from it. Benchmarks print figures and never assert; this table shows each figure next to
the target the benchmark states, and whether it is met. benchmarks/cost.py runs with its output
sent to out/bench/cost.md, so docs/cost.md is left alone.

Run: make bench                    (or .venv/bin/python benchmarks/bench_all.py; ~1 hour on moto)
     make bench ARGS=--quick       smaller sizes where a benchmark takes them
     .venv/bin/python benchmarks/bench_all.py --only letters,reconcile

Exit status 1 if a benchmark failed or printed none of its figures; targets are not enforced.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
OUT = ROOT / "out/bench"
#: helpers, not benchmarks (reconcile_core.py runs inside reconcile.py)
NOT_BENCHMARKS = {"aws_counts.py", "bench_all.py", "reconcile_core.py"}
NUM = r"([\d,]+(?:\.\d+)?)"


@dataclass
class Figure:
    benchmark: str
    figure: str
    value: str
    target: str = "—"
    met: bool | None = None


def number(text: str) -> float:
    return float(text.replace(",", ""))


def meets(value: float, target: str) -> bool | None:
    """``value`` against a target such as "≥ 100", "≤ 1.5", "< 256" (None if none is stated)."""
    found = re.match(r"\s*(≥|≤|<|>|=)\s*" + NUM, target)
    if not found:
        return None
    op, bound = found.group(1), number(found.group(2))
    return {"≥": value >= bound, "≤": value <= bound, "<": value < bound, ">": value > bound,
            "=": abs(value - bound) < 1e-9}[op]


def fig(name: str, label: str, value: float, shown: str, target: str = "—") -> Figure:
    return Figure(name, label, shown, target, meets(value, target) if target != "—" else None)


def text_lines(output: str) -> list[str]:
    """The benchmark's own lines: the handlers' JSON logs and warnings are left out."""
    return [line for line in output.splitlines()
            if line.strip() and not line.lstrip().startswith(("{", "/", "warnings.warn", "self."))]


# --- one reader per benchmark ----------------------------------------------------------------


def read_intake(output: str) -> list[Figure]:
    name, found = "intake", []
    lines = text_lines(output)
    for line in lines:
        row = re.match(rf"\s*{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+\(", line)
        if row:
            rows, _, rate, ratio, peak = (number(g) for g in row.groups())
            found.append(fig(name, f"CSV parse + validate, {rows:,.0f} rows", rate,
                             f"{rate:,.0f} rows/s", "≥ 100,000"))
            found.append(fig(name, f"parse rate / csv.reader ceiling, {rows:,.0f} rows", ratio,
                             f"{ratio:.2f}", "≥ 0.2"))
            if rows >= 100_000:
                found.append(fig(name, f"peak memory of the parse, {rows:,.0f} rows", peak,
                                 f"{peak:.0f} MB", "< 256"))
        memory = re.search(rf"IntakeFunction memory for {NUM} rows: .*= {NUM} MB \(MemorySize {NUM} MB\)",
                           line)
        if memory:
            total = number(memory.group(2))
            found.append(fig(name, f"IntakeFunction memory, {memory.group(1)} rows", total,
                             f"{total:.0f} MB", f"≤ {memory.group(3)}"))
    size = None
    for line in lines:
        through = re.search(rf"IntakeFunction → DynamoDB \(moto\), {NUM} invoices", line)
        if through:
            size = through.group(1)
        writes = re.search(rf"invoice writes: {NUM} requests per 1,000 invoices \(target ≤ {NUM}\)", line)
        if writes:
            value = number(writes.group(1))
            found.append(fig(name, f"invoice writes per 1,000 invoices ({size} through the stack)", value,
                             f"{value:.1f} requests", f"≤ {writes.group(2)}"))
    return found


def read_dunning_day(output: str) -> list[Figure]:
    name, found = "dunning_day", []
    largest = None
    for line in text_lines(output):
        row = re.match(rf"\s*{NUM}\s+{NUM}\s+{NUM}\s+\{{.*\}}\s+{NUM}\s+ratio to smallest: {NUM}; "
                       rf"notices {NUM}: {NUM} AWS requests per letter, {NUM} letters/s", line)
        if row:
            largest = row.groups()
        imported = re.match(r"\s+(intake|dunning|notice|feedback|api|authorizer)\s+" + NUM + r"\s*$", line)
        if imported:
            seconds = number(imported.group(2))
            found.append(fig(name, f"cold start: {imported.group(1)} handler import", seconds,
                             f"{seconds:.2f} s"))
    if largest:
        total, _, requests, _, ratio, _, per_letter, rate = largest
        found[:0] = [
            fig(name, f"daily run requests, {number(total):,.0f} open invoices vs the smallest table",
                number(ratio), f"× {number(ratio):.2f} ({requests} requests)", "≤ 1.0"),
            fig(name, "AWS requests per letter (notice path)", number(per_letter),
                f"{number(per_letter):.1f}"),
            fig(name, f"letters/s through the stack on moto, {number(total):,.0f} open invoices",
                number(rate), f"{number(rate):.1f}"),
        ]
    return found


def read_dunning(output: str) -> list[Figure]:
    name, found = "dunning", []
    for line in text_lines(output):
        core = re.search(rf"Pure core: {NUM} notices decided per second \(target ≥ {NUM}\)", line)
        if core:
            value = number(core.group(1))
            found.append(fig(name, "pure dunning decision", value, f"{value:,.0f} notices/s",
                             f"≥ {core.group(2)}"))
        run = re.search(rf"Daily run: {NUM} notice requests queued .*= {NUM} per due invoice "
                        rf"\(target ≤ {NUM}\)", line)
        if run:
            value = number(run.group(2))
            found.append(fig(name, f"daily run: items read per due invoice ({run.group(1)} notices)",
                             value, f"{value:.2f}", f"≤ {run.group(3)}"))
        notice = re.search(rf"Notice path, sample of {NUM}: {NUM} DynamoDB requests and {NUM} items read "
                           rf"per notice .*all AWS requests per notice {NUM}; {NUM} notices/s", line)
        if notice:
            found.append(fig(name, "notice path: DynamoDB requests per notice", number(notice.group(2)),
                             notice.group(2)))
            found.append(fig(name, "notice path: items read per notice", number(notice.group(3)),
                             notice.group(3)))
            found.append(fig(name, "notice path: AWS requests per notice", number(notice.group(4)),
                             notice.group(4)))
        day = re.search(rf"Whole day, extrapolated: {NUM} items read per due invoice", line)
        if day:
            value = number(day.group(1))
            found.append(fig(name, "whole day: items read per due invoice", value, f"{value:.2f}"))
    return found


def read_reconcile(output: str) -> list[Figure]:
    name, found = "reconcile", []
    for line in text_lines(output):
        core = re.search(rf"matching: .* {NUM} entries/s .*target ≥ {NUM}/s", line)
        if core:
            value = number(core.group(1))
            found.append(fig(name, "payment matching (pure core)", value, f"{value:,.0f} entries/s",
                             f"≥ {core.group(2)}"))
        real = re.search(rf"DynamoDB per entry: {NUM} requests .*\), {NUM} items read", line)
        if real:
            found.append(fig(name, "booking a bank entry: DynamoDB requests per entry",
                             number(real.group(1)), real.group(1)))
            found.append(fig(name, "booking a bank entry: items read per entry",
                             number(real.group(2)), real.group(2)))
    return found


def read_letters(output: str) -> list[Figure]:
    name, found = "letters", []
    for line in text_lines(output):
        row = re.match(rf"fpdf2 \(render_notice_pdf\)\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}", line)
        if row:
            rate, _, first, size, ratio = (number(g) for g in row.groups())
            found.append(fig(name, "letter PDF render", rate, f"{rate:.1f} letters/s", "≥ 100"))
            found.append(fig(name, "… against reportlab's canvas", ratio, f"× {ratio:.2f}", "≥ 0.8"))
            found.append(fig(name, "first letter of a process", first, f"{first:.1f} ms"))
            found.append(fig(name, "letter size", size, f"{size:,.0f} bytes"))
    return found


def read_cost(output: str) -> list[Figure]:
    name, found = "cost", []
    for line in text_lines(output):
        total = re.search(rf"per 1,000 invoices: \${NUM} processing \+ \${NUM} for (\d+) years of storage "
                          rf"= \${NUM}", line)
        if total:
            found.append(fig(name, "AWS cost per 1,000 invoices: processing", number(total.group(1)),
                             f"${total.group(1)}"))
            found.append(fig(name, f"… with {total.group(3)} years of storage", number(total.group(4)),
                             f"${total.group(4)}"))
    return found


def read_api(output: str) -> list[Figure]:
    name, found = "api", []
    for line in text_lines(output):
        row = re.match(rf"\s+(\S.*?)\s+(\d+)\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+{NUM}\s+\{{", line)
        if row:
            call, _, p50, p99, _, _, ddb, _ = row.groups()
            found.append(fig(name, call, number(p50),
                             f"p50 {p50} ms, p99 {p99} ms, {ddb} DynamoDB req"))
        scans = re.search(r"Scan requests: (\d+)", line)
        if scans:
            found.append(fig(name, "Scan requests (any call)", number(scans.group(1)), scans.group(1), "= 0"))
    return found


def read_any(name: str) -> Callable[[str], list[Figure]]:
    """A benchmark without a reader of its own: every line that states a target."""

    def read(output: str) -> list[Figure]:
        found = []
        for line in text_lines(output):
            target = re.search(r"target\s*(≥|≤|<|>)\s*" + NUM, line)
            if not target:
                continue
            label = line.split(":")[0].strip() if ":" in line else line.strip()
            before = line[:target.start()]
            values = re.findall(NUM, before.split(":", 1)[-1])
            shown = values[-1] if values else "see log"
            figure = Figure(name, label[:60], shown, f"{target.group(1)} {target.group(2)}")
            if values:
                figure.met = meets(number(values[-1]), figure.target)
            found.append(figure)
        return found

    return read


@dataclass
class Benchmark:
    name: str
    args: list[str] = field(default_factory=list)
    quick: list[str] = field(default_factory=list)
    read: Callable[[str], list[Figure]] | None = None


KNOWN = {
    "intake": Benchmark("intake", read=read_intake),
    "dunning_day": Benchmark("dunning_day", read=read_dunning_day),
    "dunning": Benchmark("dunning", quick=["--invoices", "10000", "--sample", "20"], read=read_dunning),
    "reconcile": Benchmark("reconcile", read=read_reconcile),
    "letters": Benchmark("letters", quick=["--letters", "100", "--rounds", "2"], read=read_letters),
    "api": Benchmark("api", quick=["--invoices", "2000", "--repeat", "10", "--repeat-report", "2"],
                     read=read_api),
    "cost": Benchmark("cost", args=["--out", str(OUT / "cost.md")],
                      quick=["--out", str(OUT / "cost.md"), "--customers", "20"], read=read_cost),
}
ORDER = ["letters", "reconcile", "dunning_day", "api", "intake", "dunning", "cost"]


def benchmarks() -> list[Benchmark]:
    """Every script in benchmarks/ (known ones in a fixed order, then any others by name)."""
    present = sorted(p.stem for p in HERE.glob("*.py") if p.name not in NOT_BENCHMARKS)
    ordered = [n for n in ORDER if n in present] + [n for n in present if n not in ORDER]
    return [KNOWN.get(n) or Benchmark(n, read=read_any(n)) for n in ordered]


def run(bench: Benchmark, quick: bool, timeout: float) -> tuple[int | str, float, str]:
    args = bench.quick if quick and bench.quick else bench.args
    began = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(HERE / f"{bench.name}.py"), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=False)
        status: int | str = done.returncode
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        status = f"timeout after {timeout:.0f} s"
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) \
            else (exc.stdout or "")
    return status, time.perf_counter() - began, output


def table(rows: list[Figure]) -> str:
    header = ("benchmark", "figure", "value", "target", "met?")
    cells = [header] + [(r.benchmark, r.figure, r.value, r.target,
                         {True: "yes", False: "NO", None: "—"}[r.met]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes for the benchmarks that take them")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds per benchmark (default 1800)")
    args = parser.parse_args(argv)
    chosen = benchmarks()
    if args.only:
        wanted = {n.strip().removesuffix(".py") for n in args.only.split(",") if n.strip()}
        unknown = wanted - {b.name for b in chosen}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        chosen = [b for b in chosen if b.name in wanted]
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[Figure] = []
    failed = []
    began = time.perf_counter()
    for bench in chosen:
        print(f"→ {bench.name} …", file=sys.stderr, flush=True)
        status, seconds, output = run(bench, args.quick, args.timeout)
        (OUT / f"{bench.name}.log").write_text(output, "utf-8")
        figures = bench.read(output) if bench.read else []
        rows.extend(figures)
        rows.append(Figure(bench.name, "run time", f"{seconds:.0f} s"
                           + ("" if status == 0 else f" ({status})")))
        if status != 0 or not figures:
            failed.append(bench.name)
            why = f"exit {status}" if isinstance(status, int) else status
            print(f"  {bench.name}: {why if status != 0 else 'no figures found'} "
                  f"(see {OUT.relative_to(ROOT)}/{bench.name}.log)", file=sys.stderr)
        else:
            print(f"  done in {seconds:.0f} s", file=sys.stderr)
    mode = "quick sizes" if args.quick else "full sizes"
    print(f"\nBenchmarks ({mode}, {time.perf_counter() - began:.0f} s; logs in "
          f"{OUT.relative_to(ROOT)}/)\n")
    print(table(rows))
    unmet = [r for r in rows if r.met is False]
    if unmet:
        print(f"\n{len(unmet)} target(s) not met: " + "; ".join(f"{r.benchmark}: {r.figure}" for r in unmet))
    if failed:
        print(f"\nfailed or unreadable: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
