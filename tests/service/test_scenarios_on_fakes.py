"""The service scenarios (ported from the moto integration tests) on the in-memory fakes."""

from __future__ import annotations

import pytest

from .harness import fake
from .scenarios import SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_scenario_on_fakes(scenario):
    scenario(fake())
