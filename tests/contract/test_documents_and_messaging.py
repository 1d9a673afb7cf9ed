"""The Tenants, DocumentStore, Mailer, Queue and EventPublisher ports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mahnwerk.adapters.aws import FileTooLarge
from mahnwerk.domain.events import DomainEvent

AT = datetime(2026, 10, 1, 8, tzinfo=UTC)


def test_tenants_register_once_and_keep_their_documents(ctx, tenant):
    ctx.tenants.register_tenant(tenant, AT)
    ctx.tenants.register_tenant(tenant, AT)
    assert list(ctx.tenants.tenants()).count(tenant) == 1
    assert ctx.tenants.get_document(tenant, "SETTINGS") is None
    ctx.tenants.put_document(tenant, "SETTINGS", {"company": {"name": "Äpfel GmbH"}, "n": 1}, AT)
    assert ctx.tenants.get_document(tenant, "SETTINGS") == {"company": {"name": "Äpfel GmbH"},
                                                            "n": 1}
    assert ctx.tenants.get_document("other", "SETTINGS") is None


def test_a_document_is_added_once_and_inbox_tokens_name_their_tenant(ctx, tenant):
    assert ctx.tenants.add_document(tenant, "MAIL#m1", {"n": 1}, AT) is True
    assert ctx.tenants.add_document(tenant, "MAIL#m1", {"n": 2}, AT) is False
    assert ctx.tenants.get_document(tenant, "MAIL#m1") == {"n": 1}
    assert ctx.tenants.add_document("other" + tenant, "MAIL#m1", {"n": 3}, AT) is True
    token = f"tok{tenant}x"
    assert ctx.tenants.inbox_tenant(token) is None
    ctx.tenants.put_inbox_token(token, tenant, AT)
    assert ctx.tenants.inbox_tenant(token) == tenant


def test_the_document_store_keeps_objects_by_key(ctx, tenant):
    ctx.store.put(f"notices/{tenant}/b.pdf", b"%PDF-b", "application/pdf")
    ctx.store.put(f"notices/{tenant}/a.pdf", b"%PDF-a", "application/pdf")
    ctx.store.put_json(f"reports/{tenant}/r.json", {"ok": True})
    assert ctx.store.get(f"notices/{tenant}/a.pdf") == b"%PDF-a"
    assert ctx.store.keys(f"notices/{tenant}/") == [f"notices/{tenant}/a.pdf",
                                                   f"notices/{tenant}/b.pdf"]
    assert ctx.store.exists(f"reports/{tenant}/r.json")
    assert not ctx.store.exists(f"reports/{tenant}/none.json")
    with ctx.store.open(f"notices/{tenant}/b.pdf") as body:
        assert body.read() == b"%PDF-b"
    with pytest.raises(FileTooLarge):
        ctx.store.get(f"notices/{tenant}/b.pdf", max_bytes=3)
    assert f"notices/{tenant}/a.pdf" in ctx.store.presign_get(f"notices/{tenant}/a.pdf", 60)


def test_the_mailer_answers_with_a_message_id(ctx):
    message = b"From: mahnwerk@example.org\r\nTo: anna@example.org\r\nSubject: x\r\n\r\nHallo\r\n"
    first = ctx.mailer.send_raw(message, "mahnwerk@example.org", ["anna@example.org"],
                                tags={"mw": "abc"})
    second = ctx.mailer.send_raw(message, "mahnwerk@example.org", ["anna@example.org"])
    assert isinstance(first, str) and first and first != second


def test_the_queue_takes_every_message_in_batches(ctx):
    assert ctx.notice_queue.send_all({"n": i} for i in range(23)) == 23
    assert ctx.notice_queue.send_all([]) == 0


def test_the_event_publisher_counts_what_the_bus_accepted(ctx, tenant):
    from mahnwerk.domain.events import EventType

    events = [DomainEvent(type=EventType.INVOICE_RECEIVED, tenant_id=tenant, subject=f"RE-{i}",
                          state="received", occurred_at=AT, fields={"number": f"RE-{i}"})
              for i in range(12)]
    assert ctx.events.publish(events) == 12
    assert ctx.events.publish([]) == 0


def test_the_newest_bank_day_only_moves_forward(ctx, tenant):
    from datetime import date

    assert ctx.tenants.bank_day(tenant) is None
    ctx.tenants.raise_bank_day(tenant, date(2026, 12, 7), AT)
    ctx.tenants.raise_bank_day(tenant, date(2026, 12, 3), AT)  # an older statement imported later
    assert ctx.tenants.bank_day(tenant) == date(2026, 12, 7)
    ctx.tenants.raise_bank_day(tenant, date(2026, 12, 11), AT)
    assert ctx.tenants.bank_day(tenant) == date(2026, 12, 11)
    assert ctx.tenants.bank_day(tenant + "x") is None  # per tenant
