"""How long the law requires a document to be kept after its person was erased (GDPR Art. 17(3)(b)),
by kind of document. Pure; the reasons are in docs/data-protection.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RetentionRule:
    id: str
    years: int
    basis: str
    documents: str

    def until(self, day: date) -> date:
        """The period starts at the end of the calendar year the document was sent, received or
        made (§ 257 Abs. 5 HGB, § 147 Abs. 4 AO) and ends with the end of the last year."""
        return date(day.year + self.years, 12, 31)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "years": self.years, "basis": self.basis, "documents": self.documents}


LETTER = RetentionRule(
    "handelsbrief-6y", 6, "§ 257 Abs. 1 Nr. 3, Abs. 4 HGB; § 147 Abs. 1 Nr. 3, Abs. 3 AO",
    "copies of sent dunning letters (business letters), also inside a day's print bundle")
INVOICE = RetentionRule(
    "buchungsbeleg-8y", 8,
    "§ 257 Abs. 1 Nr. 4, Abs. 4 HGB; § 147 Abs. 1 Nr. 4, Abs. 3 AO; § 14b Abs. 1 UStG "
    "(8 years since the Bürokratieentlastungsgesetz IV, before 10)",
    "invoices Mahnwerk wrote (Factur-X) and uploaded e-invoices / invoice PDFs")
BANK = RetentionRule(
    "buchungsbeleg-8y", 8, "§ 257 Abs. 1 Nr. 4, Abs. 4 HGB; § 147 Abs. 1 Nr. 4, Abs. 3 AO",
    "bank statements (booking vouchers)")
IMPORT = RetentionRule(
    "unterlage-6y", 6, "§ 147 Abs. 1 Nr. 5, Abs. 3 AO (other documents relevant for taxation); "
    "Mahnwerk's position, see docs/data-protection.md",
    "CSV invoice exports (the record of what was to be dunned)")
RULES = {r.id: r for r in (LETTER, INVOICE, BANK, IMPORT)}

__all__ = ["BANK", "IMPORT", "INVOICE", "LETTER", "RULES", "RetentionRule"]
