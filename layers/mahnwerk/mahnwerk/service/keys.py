"""Per-tenant API keys: shown once, stored only as a hash, rotatable (several active) and revocable.

A key reads ``mwk_<key id>_<secret>``. The key id (public, random) finds the record; the secret's
SHA-256 is compared in constant time. Keys carry 256 random bits, so a fast hash is right here
(password hashing would only slow every cold authorizer call without adding security).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.access import KeyRecord
from ..domain.model import DomainError, check_tenant_id
from .bootstrap import Context

_KEY = re.compile(r"^mwk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Authenticated:
    tenant_id: str
    key_id: str
    revoked: bool


def secret_hash(secret: str) -> str:
    """How a key's or a session's secret is stored: SHA-256, hex (256 random bits behind it)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(ctx: Context, tenant_id: str, label: str, at: datetime) -> tuple[str, dict[str, Any]]:
    """A new key for the tenant: (the key itself — shown this once —, its public record)."""
    check_tenant_id(tenant_id)
    if len(label) > 100:
        raise DomainError("label: at most 100 characters")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    record = KeyRecord(key_id=key_id, tenant_id=tenant_id, secret_hash=secret_hash(secret),
                       label=label, created_at=at.isoformat(), revoked_at=None)
    ctx.keys.put_key(record)
    ctx.tenants.register_tenant(tenant_id, at)
    return f"mwk_{key_id}_{secret}", record.public()


def list_keys(ctx: Context, tenant_id: str) -> list[dict[str, Any]]:
    return sorted(ctx.keys.keys(check_tenant_id(tenant_id)), key=lambda k: k["created_at"])


def revoke_key(ctx: Context, tenant_id: str, key_id: str, at: datetime) -> bool:
    return ctx.keys.revoke_key(check_tenant_id(tenant_id), key_id, at)


def authenticate(ctx: Context, presented: str) -> Authenticated | None:
    """The tenant behind a presented key (``Bearer`` prefix allowed); None if it is not a key."""
    token = presented.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    match = _KEY.match(token)
    if not match:
        return None
    key_id, secret = match.groups()
    record = ctx.keys.get_key(key_id)
    if record is None or not hmac.compare_digest(record.secret_hash, secret_hash(secret)):
        return None
    return Authenticated(record.tenant_id, key_id, revoked=record.revoked_at is not None)
