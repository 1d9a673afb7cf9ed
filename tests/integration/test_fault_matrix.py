"""The fault matrix (infra/mahnwerk_local/faults.py): every asynchronous path survives duplicate
delivery, a crash after each side effect, throttling and poison messages. docs/reliability.md
is generated from the same scenarios (``python -m mahnwerk_local.faults``)."""

import pytest

from mahnwerk_local import faults
from mahnwerk_local.cfn import project_root

SCENARIOS = faults.scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario):
    result = faults.run(scenario)
    assert result.passed, result.problems


def test_a_scenario_that_breaks_an_invariant_is_reported():
    """The checks can fail: without the dedupe of notice requests a twice-delivered request would
    send twice — here simulated by expecting a letter that never goes out."""
    scenario = next(s for s in SCENARIOS if s.id == "notice: request delivered twice")
    broken = faults.Scenario(scenario.path, scenario.name, scenario.fault, scenario.setup,
                             lambda stack: None, scenario.expect)
    result = faults.run(broken)
    assert not result.passed and any("letters sent" in p for p in result.problems)


def test_the_published_matrix_covers_every_scenario():
    text = (project_root() / "docs" / "reliability.md").read_text(encoding="utf-8")
    for s in SCENARIOS:
        assert f"| {s.path} | {s.name} | passed |" in text, (
            f"docs/reliability.md is out of date for {s.id!r}: "
            "run .venv/bin/python -m mahnwerk_local.faults")
