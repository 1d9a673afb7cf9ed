"""CreditRecords: versioned writes (a stale version loses), batch reads, the tenant's query,
deletion — the same on the fake and on DynamoDB."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from mahnwerk.domain.credit import BureauResult, CreditRecord, Exposure


def test_versioned_put_get_batch_query_and_delete(ctx, tenant):
    store = ctx.credit
    assert store.get_credit(tenant, "K-1") is None
    record = CreditRecord(tenant, "K-1", credit_limit=Decimal("250.00"),
                          figures=Exposure(Decimal("300.00"), Decimal("100.00"), 12), hold=True,
                          reasons=(("exposure_over_limit:hold", "300.00 > 250.00"),), hold_seq=1,
                          refreshed_on=date(2026, 11, 23),
                          bureau=BureauResult(70, Decimal("1000.00"), date(2026, 11, 1), "fake"))
    assert store.put_credit(record, 0)
    assert not store.put_credit(record, 0)  # created already: version 0 is stale
    stored = store.get_credit(tenant, "K-1")
    assert stored == replace(record, version=1)
    assert store.put_credit(replace(stored, hold=False), 1)
    assert not store.put_credit(replace(stored, hold=True), 1)  # lost: someone wrote version 2
    assert store.get_credit(tenant, "K-1").hold is False
    assert store.put_credit(CreditRecord(tenant, "K-2"), 0)
    assert sorted(store.batch_get_credit(tenant, ["K-1", "K-2", "K-9"])) == ["K-1", "K-2"]
    assert store.batch_get_credit(tenant, []) == {}
    assert [r.customer_id for r in store.credit_records(tenant)] == ["K-1", "K-2"]
    assert store.credit_records(tenant + "x") == []
    store.delete_credit(tenant, "K-1")
    assert store.get_credit(tenant, "K-1") is None
    assert [r.customer_id for r in store.credit_records(tenant)] == ["K-2"]
