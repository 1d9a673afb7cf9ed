"""The Keys and Sessions ports: found by their random ids, keys listed per tenant and revoked."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from mahnwerk.domain.access import KeyRecord, SessionRecord

AT = datetime(2026, 10, 1, 8, tzinfo=UTC)
_ids = itertools.count(1)


def key(tenant: str, **changes: object) -> KeyRecord:
    record = KeyRecord(key_id=f"{next(_ids):016x}", tenant_id=tenant, secret_hash="ab" * 32,
                       label="Buchhaltung", created_at=AT.isoformat(), revoked_at=None)
    return KeyRecord(**{**record.__dict__, **changes})


def test_a_key_is_found_by_its_id_listed_for_its_tenant_and_revoked_once(ctx, tenant):
    first, second = key(tenant), key(tenant, label="CI")
    ctx.keys.put_key(first)
    ctx.keys.put_key(second)
    with pytest.raises(Exception):  # a key id is taken once
        ctx.keys.put_key(first)
    assert ctx.keys.get_key(first.key_id) == first
    assert ctx.keys.get_key("0" * 16) is None
    assert sorted(k["label"] for k in ctx.keys.keys(tenant)) == ["Buchhaltung", "CI"]
    assert not ctx.keys.revoke_key("someone-else", first.key_id, AT)
    assert ctx.keys.revoke_key(tenant, first.key_id, AT)
    assert ctx.keys.revoke_key(tenant, first.key_id, datetime(2027, 1, 1, tzinfo=UTC))
    assert ctx.keys.get_key(first.key_id).revoked_at == AT.isoformat()  # the first revocation
    listed = {k["key_id"]: k for k in ctx.keys.keys(tenant)}
    assert listed[first.key_id]["active"] is False and listed[second.key_id]["active"] is True
    assert "secret_hash" not in listed[first.key_id]


def test_a_session_is_stored_once_found_and_ended(ctx, tenant):
    session = SessionRecord(session_id=f"{next(_ids):016x}", tenant_id=tenant, key_id="k",
                            secret_hash="cd" * 32, created_at=AT.isoformat(),
                            expires_at=int(AT.timestamp()) + 3600)
    ctx.sessions.put_session(session)
    with pytest.raises(Exception):  # a session id is taken once
        ctx.sessions.put_session(session)
    assert ctx.sessions.get_session(session.session_id) == session
    ctx.sessions.delete_session(session.session_id)
    ctx.sessions.delete_session(session.session_id)  # signed out twice: no error
    assert ctx.sessions.get_session(session.session_id) is None
