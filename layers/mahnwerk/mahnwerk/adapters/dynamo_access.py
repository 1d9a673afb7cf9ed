"""API keys and dashboard sessions in the main table.

A key has a lookup item found by its random key id (``KEY#{id}``, naming its tenant) and an entry
in its tenant's list (``APIKEY#{id}``). Like the key lookup item, a session item is found by a
random id (``SESSION#{id}``), not by its tenant: the authorizer knows only the cookie. It names its
tenant and expires through the table's TTL attribute (``expires_at``, epoch seconds); TTL deletes
lazily, so readers check the time too.
"""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError
from pynamodb.transactions import TransactWrite

from ..domain.access import KeyRecord, SessionRecord
from .dynamo_models import DocItem, _Base, tenant_pk


class SessionItem(_Base):
    tenant_id = UnicodeAttribute()
    #: the API key the owner signed in with: revoking it ends its sessions
    key_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class DynamoKeys:
    """Implements ``service.ports.Keys``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection  # for transactions; its client is lazy

    def put_key(self, record: KeyRecord) -> None:
        """The lookup item (by key id) and the tenant's list entry, in one transaction."""
        lookup = DocItem(pk=f"KEY#{record.key_id}", sk="KEY", updated_at=record.created_at,
                         document=json.dumps(record.__dict__, sort_keys=True))
        listed = DocItem(pk=tenant_pk(record.tenant_id), sk=f"APIKEY#{record.key_id}",
                         updated_at=record.created_at,
                         document=json.dumps(record.public(), sort_keys=True))
        with TransactWrite(connection=self._connection) as tx:
            tx.save(lookup, condition=DocItem.pk.does_not_exist())
            tx.save(listed, condition=DocItem.pk.does_not_exist())

    def get_key(self, key_id: str) -> KeyRecord | None:
        try:
            item = DocItem.get(f"KEY#{key_id}", "KEY")
        except DocItem.DoesNotExist:
            return None
        return KeyRecord(**json.loads(item.document))

    def keys(self, tenant_id: str) -> list[dict[str, Any]]:
        return [json.loads(i.document)
                for i in DocItem.query(tenant_pk(tenant_id), DocItem.sk.startswith("APIKEY#"))]

    def revoke_key(self, tenant_id: str, key_id: str, at: datetime) -> bool:
        """False if the key is unknown or belongs to another tenant."""
        record = self.get_key(key_id)
        if record is None or record.tenant_id != tenant_id:
            return False
        revoked = KeyRecord(**{**record.__dict__, "revoked_at": record.revoked_at or at.isoformat()})
        with TransactWrite(connection=self._connection) as tx:
            tx.save(DocItem(pk=f"KEY#{key_id}", sk="KEY", updated_at=at.isoformat(),
                            document=json.dumps(revoked.__dict__, sort_keys=True)))
            tx.save(DocItem(pk=tenant_pk(tenant_id), sk=f"APIKEY#{key_id}", updated_at=at.isoformat(),
                            document=json.dumps(revoked.public(), sort_keys=True)))
        return True


def _pk(session_id: str) -> str:
    return f"SESSION#{session_id}"


class DynamoSessions:
    """Implements ``service.ports.Sessions``."""

    def put_session(self, session: SessionRecord) -> None:
        SessionItem(pk=_pk(session.session_id), sk="SESSION", tenant_id=session.tenant_id,
                    key_id=session.key_id, secret_hash=session.secret_hash,
                    created_at=session.created_at, expires_at=session.expires_at,
                    ).save(condition=SessionItem.pk.does_not_exist())

    def get_session(self, session_id: str) -> SessionRecord | None:
        try:
            item = SessionItem.get(_pk(session_id), "SESSION", consistent_read=True)
        except SessionItem.DoesNotExist:
            return None
        return SessionRecord(session_id, item.tenant_id, item.key_id, item.secret_hash,
                             item.created_at, int(item.expires_at))

    def delete_session(self, session_id: str) -> None:
        with suppress(DeleteError):  # gone already (signed out twice, or TTL was first)
            SessionItem(pk=_pk(session_id), sk="SESSION").delete()
