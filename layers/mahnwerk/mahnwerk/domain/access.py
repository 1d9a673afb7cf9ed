"""Who may use a tenant's data: its API keys (stored as a hash of the secret) and the dashboard
sessions opened with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    tenant_id: str
    secret_hash: str
    label: str
    created_at: str
    revoked_at: str | None

    def public(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "label": self.label, "created_at": self.created_at,
                "revoked_at": self.revoked_at, "active": self.revoked_at is None}


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in browser: found by its random id; expires (epoch seconds) with the table's TTL."""

    session_id: str
    tenant_id: str
    #: the API key the owner signed in with: revoking it ends its sessions
    key_id: str
    secret_hash: str
    created_at: str
    expires_at: int
