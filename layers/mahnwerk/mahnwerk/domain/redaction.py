"""What an erasure (GDPR Art. 17) does to the records it keeps: the reasons it may be asked for, the
pseudonym of the customer, and the person's name taken out of texts and change records. Pure; the
rules applied, and why, are in docs/data-protection.md."""

from __future__ import annotations

import hashlib
from typing import Any

from .customers import PERSONAL_FIELDS
from .model import ERASED_NAME_PREFIX
from .names import find_name

#: Art. 17(1) GDPR: why the person's data is erased (recorded as this code, never as free text)
REASONS = {
    "data_subject_request": "the data subject asked for erasure (Art. 17(1) GDPR)",
    "no_longer_necessary": "no longer necessary for the purpose (Art. 17(1)(a))",
    "consent_withdrawn": "consent withdrawn (Art. 17(1)(b))",
    "objection": "objection to the processing (Art. 17(1)(c))",
    "unlawful_processing": "processed unlawfully (Art. 17(1)(d))",
    "legal_obligation": "erasure required by law (Art. 17(1)(e))",
}
REDACTED = "[gelöscht/erased]"
PSEUDONYM_PREFIX = ERASED_NAME_PREFIX
#: event kinds written by the owner's actions; their ``reason`` is free text and may name people
OWNER_EVENT_KINDS = frozenset({"paused", "disputed", "dispute_resolved", "written_off", "cancelled",
                               "handed_over", "resumed", "reopened", "payment_unassigned",
                               # the debtor's own answers on their page (service/portal.py)
                               "portal_paid_claim", "portal_promise"})
#: free-text fields of those events (the debtor's note and dispute text included)
FREE_TEXT_FIELDS = ("reason", "text", "note")


def redact_name(text: str, name: str, whole_only: bool) -> str:
    merged: list[list[int]] = []
    for start, end in sorted(find_name(text, name, whole_only)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [text[last:start], REDACTED]
        last = end
    return "".join(out) + text[last:]


def pseudonym(tenant: str, customer_id: str) -> str:
    """Stable per customer (a second erasure finds it), and derived from ids only, never from the
    name: a hash of a name could be found again by trying names."""
    digest = hashlib.sha256(f"{tenant}\x1f{customer_id}".encode()).hexdigest()[:10]
    return PSEUDONYM_PREFIX + digest


def redacted_change(detail: dict[str, Any]) -> dict[str, Any]:
    """A master-data change without the person: the field names, who and when stay."""
    changes = {name: [REDACTED if value is not None and name in PERSONAL_FIELDS else value
                      for value in pair]
               for name, pair in (detail.get("changes") or {}).items()}
    redacted = {**detail, "changes": changes}
    if detail.get("file") is not None:  # the tenant's file name may name the person
        redacted["file"] = REDACTED
    return redacted


__all__ = ["OWNER_EVENT_KINDS", "PSEUDONYM_PREFIX", "REASONS", "REDACTED", "pseudonym",
           "redact_name", "redacted_change"]
