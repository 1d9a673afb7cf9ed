"""What every invoice-file parser returns: the records it could take and, for the rest, why not.

``csv_invoices.CsvResult`` has the same shape; it can become an alias of :class:`ParseResult`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..domain.model import InvoiceRecord, Reject
from ..domain.reasons import Reason
from .profiles import canonical


@dataclass(frozen=True)
class ReviewNeeded:
    """A file the owner completes by hand: its reason (English — Zur Prüfung: German) and what
    was read from it (field → text: ISO dates, amounts as plain decimals)."""

    file: str
    reason: str
    found: dict[str, str] = field(default_factory=dict)
    #: 32 hex digits of the file's SHA-256: the same file twice is one review item
    digest: str = ""


def review_fields(found: Mapping[str, object]) -> dict[str, str]:
    """Found values as the text a form shows: dates ISO, amounts plain, text bounded."""
    fields: dict[str, str] = {}
    for name, value in found.items():
        if isinstance(value, date):
            fields[name] = value.isoformat()
        elif isinstance(value, Decimal):
            fields[name] = f"{value:.2f}"
        elif isinstance(value, str) and value.strip():
            fields[name] = value.strip()[:200]
    return fields


@dataclass
class ParseResult:
    records: list[InvoiceRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: records that were taken but look odd, with line and reason (as the bank files' warnings)
    warnings: list[Reject] = field(default_factory=list)
    #: files that are safe but could not be read for sure (a PDF without a clear number, a scan):
    #: each is also in ``rejects`` (the import report), and goes to the owner's review list
    reviews: list[ReviewNeeded] = field(default_factory=list)

    @classmethod
    def rejected(cls, file: str, reason: Reason, line: int = 0) -> ParseResult:
        """A whole file refused (line 0: the file, not a row of it)."""
        return cls(rejects=[Reject(file, line, reason)])


def record_warnings(records: Iterable[InvoiceRecord], file: str) -> list[Reject]:
    """What the import report points out about records taken as they are.

    A due date before the invoice date is taken as printed, never refused: the debtor is simply
    overdue from the start, which the owner should know. An e-invoice whose specification
    identifier is a known variant spelling is read as the profile it names, and says so.
    """
    warnings = []
    for r in records:
        if r.due_date < r.issue_date:
            warnings.append(Reject(
                file, r.line, Reason("due_before_issue", number=r.number, due_date=r.due_date,
                                     issue_date=r.issue_date)))
        spelled = canonical(r.profile) if r.profile else r.profile
        if spelled and spelled != r.profile:
            warnings.append(Reject(
                file, r.line, Reason("profile_variant", number=r.number, profile=r.profile[:120],
                                     canonical=spelled)))
    return warnings
