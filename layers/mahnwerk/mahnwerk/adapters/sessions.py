"""Dashboard sessions in the main table: one item per signed-in browser, found by its random id.

Like the API key lookup item, a session item is found by a random id (``SESSION#{id}``), not by its
tenant: the authorizer knows only the cookie. It names its tenant and expires through the table's
TTL attribute (``expires_at``, epoch seconds); TTL deletes lazily, so readers check the time too.
"""

from __future__ import annotations

from contextlib import suppress

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError

from .dynamo_models import _Base


class SessionItem(_Base):
    tenant_id = UnicodeAttribute()
    #: the API key the owner signed in with: revoking it ends its sessions
    key_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()


def _pk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def put_session(item: SessionItem) -> None:
    item.save(condition=SessionItem.pk.does_not_exist())


def get_session(session_id: str) -> SessionItem | None:
    try:
        return SessionItem.get(_pk(session_id), "SESSION", consistent_read=True)
    except SessionItem.DoesNotExist:
        return None


def delete_session(session_id: str) -> None:
    with suppress(DeleteError):  # gone already (signed out twice, or TTL was first)
        SessionItem(pk=_pk(session_id), sk="SESSION").delete()


def new_item(session_id: str, tenant_id: str, key_id: str, secret_hash: str, created_at: str,
             expires_at: int) -> SessionItem:
    return SessionItem(pk=_pk(session_id), sk="SESSION", tenant_id=tenant_id, key_id=key_id,
                       secret_hash=secret_hash, created_at=created_at, expires_at=expires_at)
