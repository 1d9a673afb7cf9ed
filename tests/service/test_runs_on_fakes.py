"""The daily run's guard per tenant, on the fakes: one tenant's problem never stops another's run."""

from datetime import date

from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import berlin
from ..integration.test_dunning import CSV
from .harness import SETTINGS, fake


def test_a_tenant_whose_stored_settings_no_longer_parse_does_not_stop_the_others():
    h = fake()
    for tenant in ("acme", "beta"):
        h.settings(tenant)
        h.ctx.tenants.register_tenant(tenant, berlin(2026, 10, 1))
        h.upload(f"inbox/{tenant}/invoices/r.csv", CSV, berlin(2026, 10, 20, 5))
    # acme imports statements (fresh ones) but its stored document broke a rule tightened later
    h.ctx.tenants.raise_bank_day("acme", date(2026, 10, 21), berlin(2026, 10, 22, 5))
    broken = {**SETTINGS, "policy": {**SETTINGS["policy"], "deadline_days": 0}}
    h.ctx.tenants.put_document("acme", SETTINGS_KEY, broken, berlin(2026, 10, 1))
    h.ctx.settings_cache.clear()
    result = h.fire_schedule(berlin(2026, 10, 22))
    assert result == {"tenants": 2, "requests": 6, "held": 0}
    assert {m["tenant_id"] for m in h.take()} == {"acme", "beta"}


def test_stale_with_the_default_allowance_when_the_settings_cannot_be_read():
    h = fake()
    h.ctx.tenants.register_tenant("acme", berlin(2026, 10, 1))
    h.ctx.tenants.put_document("acme", SETTINGS_KEY, {"policy": {"deadline_days": 0}},
                               berlin(2026, 10, 1))
    h.ctx.tenants.raise_bank_day("acme", date(2026, 10, 14), berlin(2026, 10, 15, 5))
    assert h.fire_schedule(berlin(2026, 10, 22))["held"] == 1
