"""The Notices and InvoiceSends ports: reserved once with the invoices they move, claimed with a
lease, finished only by the holder of the claim."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mahnwerk.domain.dunning import decide
from mahnwerk.domain.notices import NoticeStatus
from mahnwerk.domain.policy import default_policy
from mahnwerk.service.law import base_rates
from mahnwerk.service.ports import Conflict

from .conftest import customer, invoice

RUN = date(2026, 10, 22)
AT = datetime(2026, 10, 22, 6, tzinfo=UTC)
NOW = datetime(2026, 10, 22, 6, 1, tzinfo=UTC)


def plan_for(ctx, tenant, who="K-1"):
    ctx.customers.put_customer(customer(tenant, who))
    for number in (f"{who}-RE-1", f"{who}-RE-2"):
        ctx.invoices.create_invoice(invoice(tenant, number, who), "f")
    plan = decide(ctx.customers.get_customer(tenant, who),
                  ctx.invoices.customer_invoices(tenant, who), default_policy(), base_rates(), RUN)
    assert plan is not None and plan.advances
    return plan


def test_a_notice_is_reserved_once_and_moves_its_invoices_with_it(ctx, tenant):
    plan = plan_for(ctx, tenant)
    assert ctx.notices.reserve_notice(plan, AT)
    assert not ctx.notices.reserve_notice(plan, AT)  # a retry: reserved before
    notice = ctx.notices.get_notice(tenant, plan.notice_id)
    assert notice.status is NoticeStatus.RESERVED and notice.status == "reserved"
    assert notice.decided() == plan and notice.reserved_at == AT.isoformat()
    for adv in plan.advances:
        moved = ctx.invoices.get_invoice(tenant, adv.number)
        assert (moved.level, moved.version, moved.last_notice_on) == (
            adv.to_level, adv.expected_version + 1, RUN)
        assert moved.next_action_on == adv.next_action_on
    assert ctx.invoices.due_customers(tenant, RUN) == []
    assert ctx.invoices.due_customers(tenant, adv.next_action_on) == ["K-1"]


def test_a_changed_invoice_cancels_the_reservation_and_nothing_is_half_done(ctx, tenant):
    plan = plan_for(ctx, tenant)
    changed = ctx.invoices.get_invoice(tenant, plan.advances[0].number)
    ctx.invoices.replace_invoice(changed, changed.version, "paid meanwhile")
    with pytest.raises(Conflict):
        ctx.notices.reserve_notice(plan, AT)
    assert ctx.notices.get_notice(tenant, plan.notice_id) is None
    assert ctx.invoices.get_invoice(tenant, plan.advances[-1].number).level == 0


def test_one_sender_holds_the_claim_until_it_finishes_releases_or_its_lease_expires(ctx, tenant):
    plan = plan_for(ctx, tenant)
    ctx.notices.reserve_notice(plan, AT)
    nid = plan.notice_id
    assert ctx.notices.claim_notice(tenant, nid, "a", NOW, NOW + timedelta(seconds=120))
    assert ctx.notices.get_notice(tenant, nid).status is NoticeStatus.SENDING
    assert not ctx.notices.claim_notice(tenant, nid, "b", NOW, NOW + timedelta(seconds=120))
    ctx.notices.release_notice(tenant, nid, "b")  # not b's to give back: nothing happens
    assert ctx.notices.get_notice(tenant, nid).status is NoticeStatus.SENDING
    later = NOW + timedelta(seconds=121)  # a's lease expired: b takes over
    assert ctx.notices.claim_notice(tenant, nid, "b", later, later + timedelta(seconds=120))
    with pytest.raises(Conflict):
        ctx.notices.finish_notice(tenant, nid, "a", status="sent")
    ctx.notices.release_notice(tenant, nid, "b")
    assert ctx.notices.get_notice(tenant, nid).status is NoticeStatus.RESERVED
    assert ctx.notices.claim_notice(tenant, nid, "c", later, later + timedelta(seconds=120))
    ctx.notices.finish_notice(tenant, nid, "c", status="sent", sent_at=AT.isoformat(),
                              message_id="m-1", pdf_key="notices/x.pdf")
    done = ctx.notices.get_notice(tenant, nid)
    assert (done.status, done.message_id, done.pdf_key, done.sent_at) == (
        NoticeStatus.SENT, "m-1", "notices/x.pdf", AT.isoformat())
    assert not ctx.notices.claim_notice(tenant, nid, "d", later, later + timedelta(seconds=120))
    assert not ctx.notices.claim_notice(tenant, "K-404:2026-10-22:L1", "d", later, later)


def test_an_update_notes_fields_on_a_notice(ctx, tenant):
    plan = plan_for(ctx, tenant)
    ctx.notices.reserve_notice(plan, AT)
    ctx.notices.update_notice(tenant, plan.notice_id, send_attempt_at=NOW.isoformat())
    ctx.notices.update_notice(tenant, plan.notice_id, ses_message_id="ses-1")
    notice = ctx.notices.get_notice(tenant, plan.notice_id)
    assert (notice.send_attempt_at, notice.ses_message_id) == (NOW.isoformat(), "ses-1")
    with pytest.raises(Exception):  # no such notice: nothing to update
        ctx.notices.update_notice(tenant, "K-404:2026-10-22:L1", ses_message_id="x")


def test_notices_are_found_by_day_by_customer_and_by_tenant(ctx, tenant):
    first, second = plan_for(ctx, tenant, "K-1"), plan_for(ctx, tenant, "K-2")
    ctx.notices.reserve_notice(second, AT)
    ctx.notices.reserve_notice(first, AT)
    assert [n.notice_id for n in ctx.notices.notices(tenant)] == [first.notice_id, second.notice_id]
    assert [n.notice_id for n in ctx.notices.notices_of_day(tenant, "K-1", RUN)] == [first.notice_id]
    assert ctx.notices.notices_of_day(tenant, "K-1", RUN + timedelta(days=1)) == []
    assert [n.notice_id for n in ctx.notices.notices_of_customer(tenant, "K-2")] == [second.notice_id]
    assert ctx.notices.notices_of_customer(tenant, "K-2", after=RUN.isoformat()) == []
    after = ctx.notices.notices_of_customer(tenant, "K-2", after=(RUN - timedelta(days=1)).isoformat())
    assert [n.notice_id for n in after] == [second.notice_id]


def test_an_invoice_is_sent_once_by_the_holder_of_its_claim(ctx, tenant):
    assert ctx.invoice_sends.reserve_invoice_send(tenant, "RE-1", AT)
    assert not ctx.invoice_sends.reserve_invoice_send(tenant, "RE-1", AT)
    assert ctx.invoice_sends.get_invoice_send(tenant, "RE-1").status is NoticeStatus.RESERVED
    assert ctx.invoice_sends.claim_invoice_send(tenant, "RE-1", "a", NOW, NOW + timedelta(minutes=2))
    assert not ctx.invoice_sends.claim_invoice_send(tenant, "RE-1", "b", NOW, NOW)
    with pytest.raises(Conflict):
        ctx.invoice_sends.finish_invoice_send(tenant, "RE-1", "b", status="sent")
    ctx.invoice_sends.release_invoice_send(tenant, "RE-1", "a")
    assert ctx.invoice_sends.claim_invoice_send(tenant, "RE-1", "b", NOW, NOW + timedelta(minutes=2))
    ctx.invoice_sends.finish_invoice_send(tenant, "RE-1", "b", status="held", held_reason="why",
                                          sent_at=AT.isoformat())
    sent = ctx.invoice_sends.get_invoice_send(tenant, "RE-1")
    assert (sent.status, sent.held_reason, sent.number) == (NoticeStatus.HELD, "why", "RE-1")
    assert ctx.invoice_sends.get_invoice_send(tenant, "RE-404") is None


def test_an_update_notes_the_ses_attempt_on_an_invoice_send(ctx, tenant):
    ctx.invoice_sends.reserve_invoice_send(tenant, "RE-1", AT)
    ctx.invoice_sends.update_invoice_send(tenant, "RE-1", send_attempt_at="2026-10-20T09:00:00+00:00")
    ctx.invoice_sends.update_invoice_send(tenant, "RE-1", ses_message_id="ses-1")
    send = ctx.invoice_sends.get_invoice_send(tenant, "RE-1")
    assert (send.send_attempt_at, send.ses_message_id, send.status) == (
        "2026-10-20T09:00:00+00:00", "ses-1", NoticeStatus.RESERVED)


def test_a_notice_awaiting_approval_cannot_be_claimed_and_moves_only_from_the_status_expected(
        ctx, tenant):
    plan = plan_for(ctx, tenant, "K-7")
    assert ctx.notices.reserve_notice(plan, AT, awaiting_approval=True)
    assert ctx.notices.get_notice(tenant, plan.notice_id).status is NoticeStatus.AWAITING_APPROVAL
    assert not ctx.notices.claim_notice(tenant, plan.notice_id, "a", NOW, NOW + timedelta(minutes=2))
    assert not ctx.notices.transition_notice(tenant, plan.notice_id, "reserved", status="sent")
    assert ctx.notices.transition_notice(tenant, plan.notice_id, "awaiting_approval",
                                         status="reserved")
    # a retried approval finds it moved already
    assert not ctx.notices.transition_notice(tenant, plan.notice_id, "awaiting_approval",
                                             status="reserved")
    assert ctx.notices.claim_notice(tenant, plan.notice_id, "a", NOW, NOW + timedelta(minutes=2))
