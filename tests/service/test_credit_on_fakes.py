"""Credit rules on the fakes: a customer crossing its limit gets a hold (CreditHoldSet) and loses
it after paying (CreditHoldReleased); the credit bureau is never asked about a consumer without a
legitimate interest; recomputation reads only that customer's invoices."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.domain.credit import BureauResult
from mahnwerk.domain.events import EventType
from mahnwerk.domain.model import DomainError
from mahnwerk.service import credit
from mahnwerk.service.customer_input import CustomerPatch
from mahnwerk.service.customers import customer_detail, save_master
from mahnwerk_local.camt import Credit, camt053

from ..conftest import berlin
from ..fakes import FakeBureau
from .harness import SETTINGS, Harness, fake
from .scenarios import CSV

RULES = {"rules": [{"kind": "exposure_over_limit", "action": "hold"},
                   {"kind": "overdue_days", "above": 30, "action": "hold"},
                   {"kind": "risk_class", "at_least": "D", "action": "prepayment"}]}


def _setup(credit_settings: dict | None = None) -> Harness:
    h = fake()
    doc = copy.deepcopy(SETTINGS)
    doc["credit"] = credit_settings if credit_settings is not None else RULES
    h.settings("acme", doc)
    h.upload("inbox/acme/invoices/rechnungen.csv", CSV, berlin(2026, 10, 20, 5))
    h.drain()
    return h


def _hold_events(h: Harness) -> list:
    return [e for e in h.ctx.events.published
            if e.type in (EventType.CREDIT_HOLD_SET, EventType.CREDIT_HOLD_RELEASED)]


def _patch(h: Harness, customer: str, at, **body) -> dict:
    return save_master(h.ctx, "acme", customer, CustomerPatch.model_validate(body), "api", "key-1", at)


def test_a_customer_crossing_its_limit_is_held_and_released_after_paying():
    h = _setup()
    # K-1 owes 119 + 50 = 169.00: a limit of 100 puts it over, at once
    answer = _patch(h, "K-1", berlin(2026, 10, 21, 9), credit_limit="100")
    assert answer["credit_hold"] is True and answer["credit_limit"] == "100.00"
    assert answer["credit_reasons"] == [{"rule": "exposure_over_limit:hold",
                                         "detail": "169.00 > 100.00"}]
    assert answer["timeline"][-1]["kind"] == "credit_changed"
    assert answer["timeline"][-1]["changes"] == {"credit_limit": [None, "100.00"]}
    [held] = _hold_events(h)
    assert held.type is EventType.CREDIT_HOLD_SET and held.fields["hold_number"] == 1
    assert held.fields["reasons"] == ["exposure_over_limit:hold"]
    assert "Anna" not in str(held.detail())  # no personal data in events
    report = credit.credit_report(h.ctx, "acme")
    assert [c["customer_id"] for c in report["customers"]] == ["K-1"]
    assert report["customers"][0]["name"] == "Anna Schmidt" and report["on_hold"] == 1

    # the same figures again: nothing new is published
    credit.credit_changed(h.ctx, "acme", ["K-1"], berlin(2026, 10, 22, 9))
    assert len(_hold_events(h)) == 1

    # K-1 pays both invoices: the statement's booking recomputes K-1, the hold ends
    statement = camt053("DE02120300000000202051", [
        Credit(date(2026, 10, 23), Decimal("169.00"), "RE-1 RE-2", "Anna Schmidt")])
    h.upload("inbox/acme/bank/s.xml", statement, berlin(2026, 10, 24, 5))
    held, released = _hold_events(h)
    assert released.type is EventType.CREDIT_HOLD_RELEASED and released.fields["hold_number"] == 1
    assert released.event_id != held.event_id
    detail = customer_detail(h.ctx, "acme", "K-1", berlin(2026, 10, 24, 9))
    assert detail["credit_hold"] is False and detail["credit"]["exposure"] == "0.00"
    assert credit.credit_report(h.ctx, "acme")["customers"] == []


def test_overdue_rule_holds_after_a_letter_and_the_hold_counts_on():
    h = _setup()
    # no limit: RE-1 (due 15.10.) is 31 days late on 15.11.; the dunning run recomputes K-1
    h.run_day(berlin(2026, 10, 22))
    assert not _hold_events(h)
    h.run_day(berlin(2026, 11, 16))
    record = h.ctx.credit.get_credit("acme", "K-1")
    assert record is not None and record.hold
    assert ("overdue_days:hold", "32 > 30") in record.reasons
    assert _hold_events(h)[-1].type is EventType.CREDIT_HOLD_SET


def test_no_rules_no_records_unless_the_owner_set_a_limit():
    h = _setup({})
    assert h.ctx.credit.credit_records("acme") == []
    detail = customer_detail(h.ctx, "acme", "K-1", berlin(2026, 10, 21, 9))
    assert detail["credit"]["exposure"] == "169.00" and detail["credit_hold"] is False
    _patch(h, "K-2", berlin(2026, 10, 21, 9), credit_limit=500)
    # over the limit without a hold rule: listed, not held
    report = credit.credit_report(h.ctx, "acme")
    assert [(c["customer_id"], c["over_limit"], c["credit_hold"]) for c in report["customers"]] \
        == [("K-2", True, False)]
    assert not _hold_events(h)
    # null clears the limit, a field left out keeps it
    _patch(h, "K-2", berlin(2026, 10, 21, 10), name="Ørsted A/S")
    assert h.ctx.credit.get_credit("acme", "K-2").credit_limit == Decimal("500")
    _patch(h, "K-2", berlin(2026, 10, 21, 11), credit_limit=None)
    assert h.ctx.credit.get_credit("acme", "K-2").credit_limit is None


def test_a_negative_limit_is_refused_with_field_and_reason():
    with pytest.raises(Exception) as caught:
        CustomerPatch.model_validate({"credit_limit": "-1"})
    [error] = caught.value.errors()
    assert error["loc"] == ("credit_limit",) and error["type"] == "negative"
    with pytest.raises(DomainError, match="credit_limit: must not be negative"):
        credit.set_owner_fields(fake().ctx, "acme", "K-1", berlin(2026, 10, 21), {},
                                credit_limit=Decimal("-0.01"))


def test_the_bureau_is_asked_about_businesses_and_consumers_only_with_legitimate_interest():
    bureau = FakeBureau({c: BureauResult(72, Decimal("5000"), date(2026, 10, 1), "fake")
                         for c in ("K-1", "K-2")})
    h = fake()
    h.ctx.bureau = bureau
    doc = copy.deepcopy(SETTINGS)
    doc["credit"] = {"bureau_check": True, "bureau_max_age_days": 30}
    h.settings("acme", doc)
    consumer_csv = CSV.decode().replace("Fällig am;Betrag", "Fällig am;Betrag;Verbraucher")
    consumer_csv = consumer_csv.replace("Berlin;01.10.2026;15.10.2026;119,00",
                                        "Berlin;01.10.2026;15.10.2026;119,00;ja")
    h.upload("inbox/acme/invoices/r.csv", consumer_csv.encode(), berlin(2026, 10, 20, 5))
    assert h.ctx.customers.get_customer("acme", "K-1").is_consumer
    assert sorted(s.customer_id for s in bureau.asked) == ["K-2", "K-3"]  # businesses only
    assert h.ctx.credit.get_credit("acme", "K-1").bureau is None
    assert h.ctx.credit.get_credit("acme", "K-2").bureau.score == 72
    # fresh enough: not asked again
    bureau.asked.clear()
    credit.credit_changed(h.ctx, "acme", ["K-2"], berlin(2026, 10, 25))
    assert bureau.asked == []
    # older than 30 days: asked again
    credit.credit_changed(h.ctx, "acme", ["K-2"], berlin(2026, 11, 5))
    assert [s.customer_id for s in bureau.asked] == ["K-2"]
    # the owner records a legitimate interest for the consumer: now K-1 is looked up
    bureau.asked.clear()
    answer = _patch(h, "K-1", berlin(2026, 10, 26), credit_legitimate_interest=True)
    assert [s.customer_id for s in bureau.asked] == ["K-1"]
    assert answer["credit"]["bureau"] == {"score": 72, "limit": "5000.00", "on": "2026-10-01",
                                          "provider": "fake"}
