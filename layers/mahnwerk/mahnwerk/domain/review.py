"""The review list: files that are safe but could not be read for sure (a PDF without a clear
invoice number, a contradictory total, a scan). The owner completes them by hand, or discards them.

Pure: the item, its states and the split of a reason into its English and German halves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum


class ReviewStatus(StrEnum):
    OPEN = "open"
    IMPORTED = "imported"
    DISCARDED = "discarded"


#: where the file came from
SOURCES = ("upload", "mail", "api")

#: the fields a review item may carry as found (the review form's inputs)
FOUND_FIELDS = ("number", "issue_date", "due_date", "amount", "open_amount", "currency", "name",
                "customer_id", "street", "postal_code", "city", "country")

_ID = re.compile(r"^[0-9a-f]{32}$")


def valid_review_id(review_id: str) -> bool:
    """Ids are 32 lower-case hex digits (a content digest); anything else names no item."""
    return bool(_ID.match(review_id))


@dataclass(frozen=True)
class ReviewItem:
    tenant_id: str
    #: 32 hex digits of the file's SHA-256: the same file twice is one item
    review_id: str
    #: where the original is kept (the upload in ``inbox/``, or a copy of a mail attachment)
    document_key: str
    file_name: str
    source: str
    created_at: str
    reason_en: str
    reason_de: str
    found: dict[str, str] = field(default_factory=dict)
    status: ReviewStatus = ReviewStatus.OPEN
    document_version: str = ""
    #: the invoice it became (status imported)
    invoice_number: str = ""
    decided_at: str = ""

    def with_changes(self, **changes: object) -> ReviewItem:
        return replace(self, **changes)  # type: ignore[arg-type]


_GERMAN_PART = " — Zur Prüfung: "


def split_reason(reason: str) -> tuple[str, str]:
    """"review: … (English) — Zur Prüfung: … (German)" → (English, German); a reason with only one
    language gives it for both."""
    text = getattr(reason, "text", None)
    if callable(text):  # a domain.reasons.Reason: its own English and German
        english, german = str(text("en")), str(text("de"))
        return (english.removeprefix("review:").strip(),
                german.removeprefix("Zur Prüfung:").strip())
    english, sep, german = reason.partition(_GERMAN_PART)
    english = english.removeprefix("review:").strip()
    if not sep:
        return english, english
    return english, german.strip()
