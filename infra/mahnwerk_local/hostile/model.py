"""The campaign's vocabulary: outcomes, cases, verdicts and the report they add up to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cfn import project_root

if TYPE_CHECKING:
    from .env import Env


DOC = project_root() / "docs" / "hostile-input.md"
CORPUS = project_root().parent / "shared" / "corpus"
TENANT, OTHER = "acme", "beta"
OUTCOMES = ("refused", "defused", "accepted", "crashed", "hung", "skipped")
#: outcomes that pass: the attempt was refused, or taken as data that was checked to be inert
SAFE = frozenset({"refused", "defused"})
CANARY = "MAHNWERK-CANARY-7f3a9c"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
#: binary junk, the same on every run (the report must not change from run to run)
JUNK = bytes(range(256)) * 32
#: crashes the campaign found whose fix belongs to code others are changing: reported, listed
#: here so the test passes meanwhile; the test fails once one of them no longer crashes
KNOWN_ISSUES: dict[str, str] = {}


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # the input path attacked
    attack: str  # what is tried
    via: str  # "s3" | "api" | "pure"
    run: Callable[[Env], Verdict] | None = None  # s3 / api: runs in this process
    pure: tuple[str, tuple[Any, ...]] | None = None  # pure: (function name, args) for the worker
    timeout: float = 15.0
    corpus: str | None = None  # the corpus file it needs


@dataclass
class Result:
    case: Case
    outcome: str
    reason: str
    seconds: float


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.outcome for r in self.results)
        return {"tried": sum(found[o] for o in OUTCOMES if o != "skipped"),
                **{o: found[o] for o in OUTCOMES}}

    @property
    def failures(self) -> list[Result]:
        """Accepted, crashed or hung, except the known issues that still crash."""
        return [r for r in self.results if r.outcome not in SAFE | {"skipped"}
                and not (r.outcome == "crashed" and r.case.id in KNOWN_ISSUES)]

    @property
    def fixed_issues(self) -> list[str]:
        """Known issues that no longer crash: take them out of KNOWN_ISSUES."""
        return [r.case.id for r in self.results if r.case.id in KNOWN_ISSUES and r.outcome != "crashed"]
