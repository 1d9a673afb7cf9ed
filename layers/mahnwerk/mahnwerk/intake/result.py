"""What every invoice-file parser returns: the records it could take and, for the rest, why not.

``csv_invoices.CsvResult`` has the same shape; it can become an alias of :class:`ParseResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.model import InvoiceRecord, Reject


@dataclass
class ParseResult:
    records: list[InvoiceRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    @classmethod
    def rejected(cls, file: str, reason: str, line: int = 0) -> ParseResult:
        """A whole file refused (line 0: the file, not a row of it)."""
        return cls(rejects=[Reject(file, line, reason)])
