"""The hostile-input campaign (``mahnwerk_local.hostile``) on the local stack: every attempt is
refused — or taken as data that was checked to be inert — with a reason; nothing crashes, nothing
hangs; and docs/hostile-input.md, the committed report, lists every case."""

from __future__ import annotations

import time
from collections import Counter

from mahnwerk_local.hostile.campaign import run_campaign
from mahnwerk_local.hostile.cases import all_cases
from mahnwerk_local.hostile.model import DOC, KNOWN_ISSUES, SAFE

from ..conftest import CORPUS


def test_every_attack_is_refused_with_a_reason_none_crashes_none_hangs(stack):
    started = time.monotonic()
    report = run_campaign(stack, CORPUS)
    elapsed = time.monotonic() - started
    failures = [f"{r.outcome}: {r.case.id}: {r.reason}" for r in report.failures]
    assert not failures, "\n".join(failures)
    assert not report.fixed_issues, f"no longer crashing, remove from KNOWN_ISSUES: {report.fixed_issues}"
    for result in report.results:
        assert result.reason.strip(), result.case.id
        assert result.outcome in SAFE | {"skipped"} or result.case.id in KNOWN_ISSUES
        assert result.seconds <= result.case.timeout + 5, result.case.id
    counts = report.counts
    assert counts["tried"] + counts["skipped"] == len(all_cases()) > 100
    assert counts["hung"] == 0 and counts["accepted"] == 0
    assert counts["crashed"] <= len(KNOWN_ISSUES)
    print(f"hostile-input campaign: {counts['tried']} cases in {elapsed:.0f} s")  # a figure, not a bound


def test_the_committed_report_lists_every_case_once():
    ids = [case.id for case in all_cases()]
    assert not [i for i, n in Counter(ids).items() if n > 1]
    doc = DOC.read_text("utf-8")
    missing = [i for i in ids if f"| `{i}` |" not in doc]
    assert not missing, f"regenerate docs/hostile-input.md (python -m mahnwerk_local.hostile --write …): {missing}"
    assert "| tried | refused | defused |" in doc
