"""Mutation testing of the pure core with mutmut → docs/mutation.md (issue 23).

mutmut 3 names a mutant after its file path and finds the module under test by that name, so it
cannot mutate ``layers/mahnwerk/mahnwerk`` in place (the tests import ``mahnwerk.…``, the path says
``layers.mahnwerk.mahnwerk.…``). This script therefore stages a copy of the checkout in
``build/mutation/`` with the package at ``src/mahnwerk`` (mutmut strips a leading ``src.``), runs
mutmut there with the ``[tool.mutmut]`` settings of pyproject.toml, finds out which mutants each test
of ``tests/unit/rules`` kills that no other selected test kills, and writes docs/mutation.md:
per module the mutants, killed, survived, timeout and the score, and every survivor with its reason
from docs/mutation-equivalent.yaml (or UNEXPLAINED).

Run:  make mutation                                   the whole set (see docs/mutation.md for the time)
      .venv/bin/python tools/mutation.py --jobs 2     the same
      .venv/bin/python tools/mutation.py --only 'mahnwerk.domain.interest.*'
                                                      some mutants only (the report covers only those)
      .venv/bin/python tools/mutation.py --retest     after adding tests: copy the tests again and
                                                      re-run only the last run's undetected mutants
                                                      (a mutant once killed stays killed); with
                                                      --only, only those of the globs
      .venv/bin/python tools/mutation.py --resume     go on with a run that was stopped (Ctrl-C)
      .venv/bin/python tools/mutation.py --report     rewrite the report from the last run in build/
      .venv/bin/python tools/mutation.py --check      exit 1 if a survivor is unexplained or a score
                                                      is below its target (after a run)
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGE = Path(os.environ.get("MUTATION_STAGE", ROOT / "build" / "mutation"))
PACKAGE = ROOT / "layers" / "mahnwerk" / "mahnwerk"
DOC = ROOT / "docs" / "mutation.md"
REASONS = ROOT / "docs" / "mutation-equivalent.yaml"
RULES = "tests/unit/rules"
#: the acceptance targets of issue 23: (group, module prefix, minimum score in %)
TARGETS = (("domain/", "mahnwerk.domain.", 95.0),
           ("intake value and terms parsers", "mahnwerk.intake.", 90.0))
DETECTED = {"killed", "timeout", "caught by type check"}


def mutmut_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]


# --- staging and running ----------------------------------------------------------------------

def stage() -> None:
    """A fresh copy with the package at src/mahnwerk and the files the tests read by path."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PACKAGE, STAGE / "src" / "mahnwerk", ignore=ignore)
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=ignore)
    for extra in mutmut_config().get("also_copy", []):
        source = ROOT / extra
        (STAGE / extra).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, STAGE / extra, ignore=ignore)
        else:
            shutil.copy2(source, STAGE / extra)
    # pytest must import the staged (mutated) package, never layers/mahnwerk: only the path changes
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    staged, n = re.subn(r'^pythonpath = \[.*\]$', 'pythonpath = ["src", "infra"]', text, flags=re.M)
    if n != 1:
        raise SystemExit("pyproject.toml: expected one `pythonpath = [...]` line under pytest's options")
    (STAGE / "pyproject.toml").write_text(staged, "utf-8")


def run_mutmut(jobs: int, only: list[str]) -> float:
    started = time.monotonic()
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *only], cwd=STAGE, env=env,
                   check=True)
    return time.monotonic() - started


# --- reading the results ----------------------------------------------------------------------

@dataclass
class Mutant:
    name: str  # mutmut's key, e.g. mahnwerk.domain.interest.x_default_interest__mutmut_3
    module: str  # mahnwerk.domain.interest
    function: str  # default_interest, BaseRateTable.periods
    status: str
    before: str = ""  # the changed source text, lines joined with " ⏎ "
    after: str = ""
    line: int = 0
    reason: str | None = None
    killed_by_rule: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return "layers/mahnwerk/" + self.module.replace(".", "/") + ".py"

    @property
    def change(self) -> str:
        return f"`{self.before}` → `{self.after}`" if self.after else f"`{self.before}` removed"


def function_of(key: str) -> tuple[str, str]:
    """(module, function) of a mutant key; methods as Class.method."""
    mangled = key.partition("__mutmut_")[0]
    module, _, name = mangled.rpartition(".")
    if name.startswith("xǁ"):
        _, cls, meth = name.split("ǁ")
        return module, f"{cls}.{meth}"
    return module, name.removeprefix("x_")


def read_results() -> list[Mutant]:
    """Every mutant of the last run in STAGE, with the change of each one not detected."""
    os.chdir(STAGE)
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    mutants = []
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        source = path.read_text("utf-8").splitlines()
        for key, code in sorted(data.exit_code_by_key.items(), key=lambda kv: natural(kv[0])):
            module, function = function_of(key)
            mutant = Mutant(key, module, function, status_by_exit_code[code])
            if mutant.status not in DETECTED and mutant.status != "not checked":
                fill_change(mutant, get_diff_for_mutant(key, path=path), source)
            mutants.append(mutant)
    return mutants


def describe(mutant: Mutant) -> None:
    """Fill in the change of a mutant (read_results does so only for the undetected ones)."""
    if mutant.before or mutant.after:
        return
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    path = Path("src") / (mutant.module.replace(".", "/") + ".py")
    fill_change(mutant, get_diff_for_mutant(mutant.name, path=path),
                path.read_text("utf-8").splitlines())


def fill_change(mutant: Mutant, diff_text: str, source: list[str]) -> None:
    """The changed text of a mutant from mutmut's diff of its function, and its line in the file:
    the function's def line + the hunk's offset in the function + the context lines before the
    first changed line."""
    diff = diff_text.splitlines()
    removed = [d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---")]
    added = [d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")]
    mutant.before, mutant.after = " ⏎ ".join(removed), " ⏎ ".join(added)
    def_line = locate(source, mutant.function, "")
    hunk = next((i for i, d in enumerate(diff) if d.startswith("@@")), None)
    if hunk is None:
        mutant.line = def_line
        return
    start = int(re.match(r"@@ -(\d+)", diff[hunk])[1])  # type: ignore[index]
    context = next((i for i, d in enumerate(diff[hunk + 1:]) if d[:1] in "-+"), 0)
    mutant.line = def_line + start - 1 + context


def natural(key: str) -> tuple[str, int]:
    head, _, number = key.rpartition("__mutmut_")
    return head, int(number) if number.isdigit() else 0


def locate(source: list[str], function: str, text: str) -> int:
    """The line number of ``text`` inside ``function`` (first match after its def)."""
    cls, _, name = function.rpartition(".")
    begin = next((i for i, line in enumerate(source) if re.match(rf"class {cls}\b", line)), 0) if cls else 0
    start = next((i for i in range(begin, len(source))
                  if re.match(rf"\s*(async\s+)?def {name}\(", source[i])), begin)
    for i in range(start, len(source)):
        if text and source[i].strip() == text:
            return i + 1
    return start + 1


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def attach_reasons(mutants: list[Mutant]) -> list[dict]:
    """Give each undetected mutant its reason from REASONS; return the entries that matched none."""
    entries = yaml.safe_load(REASONS.read_text("utf-8")) or [] if REASONS.exists() else []
    index = {(e["module"], e["function"], normalise(e["before"]), normalise(e["after"])): e
             for e in entries}
    used = set()
    for m in mutants:
        k = (m.module, m.function, normalise(m.before), normalise(m.after))
        if m.status not in DETECTED | {"not checked"} and k in index:
            m.reason = index[k]["reason"].strip()
            used.add(k)
    return [e for k, e in index.items() if k not in used]


# --- which mutants the rule tests kill --------------------------------------------------------

class Attributor:
    """A pytest plugin that replaces the test loop: it runs each test of tests/unit/rules under every
    detected mutant of the functions that test calls, then runs the other selected tests under the
    mutants the rule tests kill, to tell the mutants only the rule tests catch."""

    def __init__(self, detected: list[str], out: Path) -> None:
        self.detected = detected
        self.out = out

    @staticmethod
    def fails(item, mutant: str, seconds: int = 5) -> bool:  # type: ignore[no-untyped-def]
        """Whether ``item`` fails under ``mutant``; running longer than ``seconds`` counts as failing
        (a mutant that loops is detected, as mutmut counts a timeout)."""
        import signal

        from _pytest.runner import runtestprotocol

        def too_long(*_: object) -> None:
            raise TimeoutError(f"{mutant} ran too long")

        os.environ["MUTANT_UNDER_TEST"] = mutant
        signal.signal(signal.SIGALRM, too_long)
        signal.alarm(seconds)
        try:
            reports = runtestprotocol(item, log=False, nextitem=None)
        finally:
            signal.alarm(0)
            os.environ["MUTANT_UNDER_TEST"] = ""
        return any(r.failed for r in reports)

    def pytest_runtestloop(self, session) -> bool:  # type: ignore[no-untyped-def]
        stats = json.loads(Path("mutmut-stats.json").read_text("utf-8"))
        tests_by_function = {k: set(v) for k, v in stats["tests_by_mangled_function_name"].items()}
        duration = stats["duration_by_test"]
        by_function = defaultdict(list)
        for key in self.detected:
            by_function[key.partition("__mutmut_")[0]].append(key)
        rules = [i for i in session.items if i.nodeid.startswith(RULES + "/")]
        others = sorted((i for i in session.items if not i.nodeid.startswith(RULES + "/")),
                        key=lambda i: duration.get(i.nodeid, 0.0))
        kills: dict[str, list[str]] = {}
        for item in rules:
            candidates = [m for fn, tests in tests_by_function.items() if item.nodeid in tests
                          for m in by_function.get(fn, [])]
            kills[item.nodeid] = [m for m in candidates if self.fails(item, m)]
        also_killed_by_others = []
        for mutant in sorted({m for ms in kills.values() for m in ms}):
            covering = tests_by_function.get(mutant.partition("__mutmut_")[0], set())
            if any(self.fails(o, mutant, 5 + int(10 * duration.get(o.nodeid, 0.0)))
                   for o in others if o.nodeid in covering):
                also_killed_by_others.append(mutant)
        self.out.write_text(json.dumps({"kills": kills, "also_killed_by_others": also_killed_by_others},
                                       indent=1), "utf-8")
        return True


def attribute(mutants: list[Mutant]) -> dict:
    """Run the Attributor in a fresh process inside STAGE/mutants (like mutmut's own runs)."""
    out = STAGE / "attribution.json"
    detected = [m.name for m in mutants if m.status in DETECTED]
    (STAGE / "detected.json").write_text(json.dumps(detected), "utf-8")
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--attribute-worker"],
                   cwd=STAGE / "mutants", check=True,
                   env={**os.environ, "MUTANT_UNDER_TEST": "", "PYTHONDONTWRITEBYTECODE": "1"})
    return json.loads(out.read_text("utf-8"))


def attribute_worker() -> int:
    import pytest

    here = Path.cwd()
    sys.path[:0] = [str(here / "src"), str(here)]
    detected = json.loads((STAGE / "detected.json").read_text("utf-8"))
    selection = mutmut_config()["pytest_add_cli_args_test_selection"]
    return int(pytest.main(["--rootdir=.", "-q", "-p", "no:randomly", *selection],
                           plugins=[Attributor(detected, STAGE / "attribution.json")]))


# --- the report -------------------------------------------------------------------------------

def score(rows: list[Mutant]) -> tuple[float, float]:
    """(raw, adjusted): detected / all, and detected / (all − the equivalent ones), in %, over the
    mutants that were run."""
    rows = [m for m in rows if m.status != "not checked"]
    detected = sum(m.status in DETECTED for m in rows)
    equivalent = sum(m.reason is not None for m in rows)
    raw = 100.0 * detected / len(rows) if rows else 100.0
    adjusted = 100.0 * detected / (len(rows) - equivalent) if len(rows) > equivalent else 100.0
    return raw, adjusted


def table_row(label: str, rows: list[Mutant]) -> str:
    count = Counter(m.status for m in rows)
    equivalent = sum(m.reason is not None for m in rows)
    other = len(rows) - count["killed"] - count["survived"] - count["timeout"] - count["not checked"]
    raw, adjusted = score(rows)
    return (f"| {label} | {len(rows)} | {count['not checked']} | {count['killed']} | {count['survived']} | "
            f"{count['timeout']} | {other} | {equivalent} | {raw:.1f} % | {adjusted:.1f} % |")


def render(mutants: list[Mutant], attribution: dict, meta: dict) -> str:
    cfg = mutmut_config()
    by_module: dict[str, list[Mutant]] = defaultdict(list)
    for m in mutants:
        by_module[m.module].append(m)
    lines = [
        "# Mutation testing of the core",
        "",
        "Generated by `make mutation` (tools/mutation.py): mutmut changes the code of the pure core one",
        "small change (a *mutant*) at a time and runs the tests that call the changed function; a test",
        "that fails *kills* the mutant. A mutant that survives is a change no test notices: either a",
        "missing test (then a test in `tests/unit/rules/` kills it) or a change that does not alter",
        "behaviour (an *equivalent* mutant, listed below with the reason, from",
        "`docs/mutation-equivalent.yaml`). Do not edit this file by hand.",
        "",
        f"- mutmut {meta['mutmut']}, {meta['jobs']} worker processes, on the 2-core development machine"
        f" (shared with other work): the run took {meta['duration']}"
        + (f", resumed for {' + '.join(meta['resumed'])}" if meta.get("resumed") else "")
        + (f" (only {', '.join(meta['only'])})" if meta["only"] else "")
        + (f"; then, after tests were added, the undetected mutants were run again"
           f" ({'; '.join(meta['retests'])})." if meta.get("retests") else "."),
        f"- Mutated: {', '.join('`' + p.removeprefix('src/') + '`' for p in cfg['only_mutate'])}"
        " (of `layers/mahnwerk/mahnwerk`).",
        "- Tests run against the mutants: "
        + ", ".join(f"`{t}`" for t in cfg["pytest_add_cli_args_test_selection"]) + ".",
        "- *score* = (killed + timeout) / mutants; *score without equivalent* leaves the equivalent",
        "  mutants out of the count. *other* = no test calls the function (\"no tests\"), suspicious or",
        "  segfault: all counted as not detected. *not run*: the run was stopped before these mutants",
        "  were tried; the scores are over the mutants that were run.",
        "",
        "## Score per module",
        "",
        "| module | mutants | not run | killed | survived | timeout | other | equivalent | score |"
        " score without equivalent |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for module in sorted(by_module):
        lines.append(table_row(f"`{module.removeprefix('mahnwerk.')}`", by_module[module]))
    for label, prefix, target in TARGETS:
        rows = [m for m in mutants if m.module.startswith(prefix)]
        if rows:
            lines.append(table_row(f"**{label}** (target {target:.0f} %)", rows))
    lines.append(table_row("**all**", mutants))

    lines += ["", "## New tests and the mutants each one kills", "",
              "The tests of `tests/unit/rules/` state one rule each, as an example a lawyer or an "
              "accountant can check. For each: how many mutants it kills, how many of those no older "
              "test kills, and these listed (each once, under the rule test with the fewest kills that "
              "kills it). Found by running each rule test under every mutant of the functions it "
              "calls, then the older selected tests under the mutants the rule tests kill.", ""]
    if meta.get("attribution_note"):
        lines += [meta["attribution_note"], ""]
    kills = attribution.get("kills", {})
    if not kills:
        lines.append("(Not computed for this report: run `tools/mutation.py --report` to compute it.)")
    others = set(attribution.get("also_killed_by_others", []))
    by_name = {m.name: m for m in mutants}
    # each mutant that only rule tests kill is listed once, under the most specific rule test that
    # kills it (the one with the fewest kills)
    owner: dict[str, str] = {}
    for nodeid in sorted(kills, key=lambda n: (len(kills[n]), n)):
        for key in kills[nodeid]:
            if key not in others and key in by_name:
                owner.setdefault(key, nodeid)
    for nodeid in sorted(kills):
        only_rules = [k for k in kills[nodeid] if k not in others]
        mine = [by_name[k] for k in kills[nodeid] if owner.get(k) == nodeid]
        lines.append(f"- `{nodeid.removeprefix(RULES + '/')}` kills {len(kills[nodeid])} mutants, "
                     f"{len(only_rules)} of them killed by no older test"
                     + (f"; listed here ({len(mine)}):" if mine else "."))
        for m in sorted(mine, key=lambda m: (m.module, natural(m.name))):
            describe(m)
            lines.append(f"  - `{m.module.removeprefix('mahnwerk.')}.{m.function}`: "
                         + m.change.replace("|", "\\|"))

    undetected = [m for m in mutants if m.status not in DETECTED | {"not checked"}]
    explained = [m for m in undetected if m.reason]
    unexplained = [m for m in undetected if not m.reason]
    lines += ["", f"## Surviving mutants ({len(undetected)}: {len(explained)} equivalent, "
              f"{len(unexplained)} not yet explained)", ""]
    if undetected:
        lines += ["| where | function | change | status | why it survives |", "|---|---|---|---|---|"]
        for m in sorted(undetected, key=lambda m: (m.module, m.line, natural(m.name))):
            change = m.change.replace("|", "\\|")
            reason = (m.reason or "UNEXPLAINED: needs a test or a reason").replace("|", "\\|")
            lines.append(f"| `{m.path.removeprefix('layers/mahnwerk/')}:{m.line}` | `{m.function}` | "
                         f"{change} | {m.status} | {reason} |")
    lines.append("")
    return "\n".join(lines)


def check(mutants: list[Mutant]) -> list[str]:
    problems = [f"{m.path}:{m.line} {m.function}: {m.change} is not explained"
                for m in mutants if m.status not in DETECTED | {"not checked"} and not m.reason]
    if any(m.status == "not checked" for m in mutants):
        problems.append("the run did not try every mutant (resume it with --resume)")
    for label, prefix, target in TARGETS:
        rows = [m for m in mutants if m.module.startswith(prefix)]
        if rows and score(rows)[1] < target:
            problems.append(f"{label}: score {score(rows)[1]:.1f} % is below {target:.0f} %")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="mutmut worker processes (default 2)")
    parser.add_argument("--only", action="append", default=[], help="mutant name glob (repeatable)")
    parser.add_argument("--retest", action="store_true",
                        help="re-run only the undetected mutants of the last run, with the current tests")
    parser.add_argument("--resume", action="store_true", help="go on with a stopped run in build/")
    parser.add_argument("--report", action="store_true", help="only rewrite the report from build/")
    parser.add_argument("--check", action="store_true", help="exit 1 on unexplained survivors / low score")
    parser.add_argument("--reuse-attribution", action="store_true",
                        help="with --report: list the rule tests' kills found last time (faster)")
    parser.add_argument("--attribute-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attribute_worker:
        return attribute_worker()
    meta_path = STAGE / "run.json"
    if args.retest or args.resume:
        meta = json.loads(meta_path.read_text("utf-8"))
        names = [m.name for m in read_results() if m.status not in DETECTED | {"not checked"}
                 and (not args.only or any(fnmatch.fnmatch(m.name, g) for g in args.only))]
        os.chdir(ROOT)
        for target in (STAGE / "tests", STAGE / "mutants" / "tests"):
            shutil.copytree(ROOT / "tests", target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if args.retest:
            seconds = run_mutmut(args.jobs, names) if names else 0.0
            which = f" of {', '.join(args.only)}" if args.only else ""
            meta["retests"] = [*meta.get("retests", []),
                               f"{len(names)} mutants{which} in {seconds / 60:.0f} min"]
        else:
            seconds = run_mutmut(args.jobs, meta["only"])
            meta["resumed"] = [*meta.get("resumed", []), f"{seconds / 60:.0f} min"]
        meta_path.write_text(json.dumps(meta), "utf-8")
    elif not args.report:
        stage()
        seconds = run_mutmut(args.jobs, args.only)
        from importlib.metadata import version
        meta_path.write_text(json.dumps({"mutmut": version("mutmut"), "jobs": args.jobs,
                                         "duration": f"{seconds / 60:.0f} min", "only": args.only}),
                             "utf-8")
    meta = json.loads(meta_path.read_text("utf-8"))
    mutants = read_results()
    if meta["only"]:
        mutants = [m for m in mutants if any(fnmatch.fnmatch(m.name, g) for g in meta["only"])]
    stale = attach_reasons(mutants)
    saved = STAGE / "attribution.json"
    if args.reuse_attribution:
        attribution = json.loads(saved.read_text("utf-8")) if saved.exists() else {}
    else:
        attribution = attribute(mutants)
    if not meta["only"]:
        DOC.write_text(render(mutants, attribution, meta), "utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    else:
        print(render(mutants, attribution, meta))
    for entry in stale:
        print(f"note: no surviving mutant matches the reason for {entry['module']}.{entry['function']}: "
              f"{entry['before']} → {entry['after']}")
    problems = check(mutants)
    for p in problems:
        print(p)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
