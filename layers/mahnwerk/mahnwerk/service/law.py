"""Legal data shipped with the layer: the §247 BGB base-rate table (operator-updated)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from ..domain.interest import BaseRateTable


@lru_cache(maxsize=1)
def base_rates() -> BaseRateTable:
    text = (resources.files("mahnwerk") / "data" / "base_rates.json").read_text(encoding="utf-8")
    return BaseRateTable.from_document(json.loads(text))
