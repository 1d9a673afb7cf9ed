"""Owners sign in to the dashboard with their tenant's API key and get a session cookie.

The cookie holds ``mws_<session id>_<secret>``: 256 random bits that the table keeps only as a
SHA-256 hash, like API keys. A session lasts :data:`LIFETIME` at most, ends when the owner signs
out, and ends as soon as the API key it was opened with is revoked. The dashboard authorizer
(``functions/authorizer``, REQUEST mode on the ``Cookie`` header) turns a valid cookie into the
tenant id; handlers take the tenant from the authorizer's context and nowhere else.

Forms carry a CSRF token derived from the session secret (HMAC): another site can neither read the
HttpOnly cookie nor compute the token, and SameSite=Strict keeps the cookie off cross-site requests
in the first place.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.access import SessionRecord
from .bootstrap import Context
from .keys import Authenticated, secret_hash

#: the session cookie's name
COOKIE = "mw_session"
#: how long a session lasts at most (a working day and a bit)
LIFETIME = timedelta(hours=12)

_TOKEN = re.compile(r"^mws_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Session:
    session_id: str
    tenant_id: str
    key_id: str
    expires_at: datetime


def start_session(ctx: Context, key: Authenticated, at: datetime) -> tuple[str, Session]:
    """A new session for an accepted key: (the cookie value — never stored —, the session)."""
    if key.revoked:
        raise ValueError("a revoked key opens no session")
    session_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    expires = at + LIFETIME
    ctx.sessions.put_session(SessionRecord(
        session_id, tenant_id=key.tenant_id, key_id=key.key_id, secret_hash=secret_hash(secret),
        created_at=at.isoformat(), expires_at=int(expires.timestamp())))
    return f"mws_{session_id}_{secret}", Session(session_id, key.tenant_id, key.key_id, expires)


def parse_token(token: str) -> tuple[str, str] | None:
    match = _TOKEN.match(token.strip())
    return (match.group(1), match.group(2)) if match else None


def find_session(ctx: Context, token: str, now: datetime) -> Session | None:
    """The live session behind a cookie value; None if unknown, forged, expired or its key revoked."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    session_id, secret = parsed
    item = ctx.sessions.get_session(session_id)
    if item is None or not hmac.compare_digest(item.secret_hash, secret_hash(secret)):
        return None
    expires = datetime.fromtimestamp(int(item.expires_at), now.tzinfo)
    if expires <= now:
        return None
    key = ctx.keys.get_key(item.key_id)
    if key is None or key.revoked_at is not None or key.tenant_id != item.tenant_id:
        return None
    return Session(session_id, item.tenant_id, item.key_id, expires)


def end_session(ctx: Context, token: str) -> None:
    """Sign out: the session is gone (the authorizer's cached answer lasts up to 60 s more)."""
    parsed = parse_token(token)
    if parsed is not None:
        ctx.sessions.delete_session(parsed[0])


def session_id_of(token: str) -> str | None:
    parsed = parse_token(token)
    return parsed[0] if parsed else None


def csrf_token(token: str) -> str:
    """The CSRF token of a session: an HMAC of its id under its secret ("" without a session)."""
    parsed = parse_token(token)
    if parsed is None:
        return ""
    session_id, secret = parsed
    return hmac.new(secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(token: str, presented: str) -> bool:
    expected = csrf_token(token)
    return bool(expected) and hmac.compare_digest(expected, presented.strip())


def cookies(header: str) -> dict[str, str]:
    """The cookies of a ``Cookie`` header (first value of a name wins, as browsers send the most
    specific first). Tolerant of junk: another cookie's odd value must not lock the owner out."""
    found: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found
