# ruff: noqa: F811 - the tests take the imported fixture ``api`` as their argument
"""Approval before sending (issue 15 point 4) on the embedded stack: with ``policy.approval`` a
letter is planned and rendered but waits under GET /v1/approvals; approve sends it once (also
when the approval is retried), skip never sends it, edit changes deadline, note and channel, a
letter waiting more than 3 days is planned afresh (one letter, never two), the owner gets one
e-mail a day listing what waits, and no tenant sees or decides another's letters."""

from __future__ import annotations

import copy
import email
from email import policy as email_policy

from mahnwerk.domain.notices import NoticeStatus
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import berlin
from .test_api import SETTINGS, api, get, post  # noqa: F401

OWNER = SETTINGS["company"]["email"]


def set_approval(stack, rule, amount=None):
    """acme's rule; beta (whose K-1 is also anna@example.org) holds all its letters and has an
    owner address of its own, so the mails counted here are acme's."""
    for tenant, owner in (("acme", OWNER), ("beta", "beta-owner@example.org")):
        doc = copy.deepcopy(SETTINGS)
        doc["company"]["email"] = owner
        doc["policy"]["approval"] = rule if tenant == "acme" else "all"
        if amount is not None and tenant == "acme":
            doc["policy"]["approval_amount"] = amount
        with stack.service_context() as ctx:
            ctx.tenants.put_document(tenant, SETTINGS_KEY, doc, berlin(2026, 8, 1))


def run(stack, day):
    stack.now = day
    stack.fire_schedule("DunningFunction", day)
    stack.drain()


def waiting(stack, tenant="acme"):
    answer = get(stack, "/v1/approvals", tenant=tenant)
    assert answer.status == 200, answer.body
    return {item["id"]: item for item in answer.body["items"]}


def mails(stack, to):
    found = []
    for raw in stack.sent_emails():
        message = email.message_from_bytes(raw, policy=email_policy.default)
        if to in str(message["To"]):
            found.append(message)
    return found


def notice(stack, notice_id, tenant="acme"):
    with stack.service_context() as ctx:
        return ctx.notices.get_notice(tenant, notice_id)


def invoice(stack, number, tenant="acme"):
    with stack.service_context() as ctx:
        return ctx.invoices.get_invoice(tenant, number)


def test_a_letter_needing_approval_is_planned_and_rendered_but_not_sent(api):
    set_approval(api, "all")
    run(api, berlin(2026, 11, 23))
    found = waiting(api)
    assert sorted(found) == ["K-1:2026-11-23:L1", "K-2:2026-11-23:L1", "K-3:2026-11-23:L1"]
    k1 = found["K-1:2026-11-23:L1"]
    assert (k1["level"], k1["invoice_numbers"], k1["channels"]) == (1, ["R-1"], ["email"])
    assert k1["total"] == "100.00" and k1["waiting_days"] == 0 and not k1["stale"]
    assert api.sent_emails() == []  # nothing went out (either tenant): no letter, no digest yet
    with api.service_context() as ctx:
        assert not any(k for k in ctx.store.keys("outbox/post/"))
        # rendered as it would be sent
        assert ctx.store.get(k1["pdf_key"]).startswith(b"%PDF")
    assert notice(api, "K-1:2026-11-23:L1").status is NoticeStatus.AWAITING_APPROVAL
    # the invoice moved as for a sent letter: the next morning plans nothing again
    assert invoice(api, "R-1").level == 1
    run(api, berlin(2026, 11, 24))
    assert sorted(waiting(api)) == sorted(found)
    assert [n["status"] for n in get(api, "/v1/notices").body["items"]].count(
        "awaiting_approval") == 3


def test_approve_sends_exactly_once_even_when_the_approval_is_retried(api):
    set_approval(api, "all")
    run(api, berlin(2026, 11, 23))
    api.now = berlin(2026, 11, 23, 11)
    first = post(api, "/v1/approvals/K-1:2026-11-23:L1/approve", {})
    assert first.status == 200, first.body
    again = post(api, "/v1/approvals/K-1:2026-11-23:L1/approve", {})  # before the queue ran
    assert again.status == 200
    api.drain()
    assert len(mails(api, "anna@example.org")) == 1
    third = post(api, "/v1/approvals/K-1:2026-11-23:L1/approve", {})
    assert third.status == 200 and third.body["status"] == "sent"
    api.drain()
    run(api, berlin(2026, 11, 23, 12))  # the schedule re-run that day changes nothing either
    assert len(mails(api, "anna@example.org")) == 1
    assert notice(api, "K-1:2026-11-23:L1").status is NoticeStatus.SENT
    assert "K-1:2026-11-23:L1" not in waiting(api)
    kinds = [e["kind"] for e in get(api, "/v1/invoices/R-1").body["timeline"]]
    assert kinds.count("letter_approved") == 1 and kinds.count("notice_sent") == 1
    # a skipped letter cannot be approved afterwards, an approved one cannot be skipped
    assert post(api, "/v1/approvals/K-2:2026-11-23:L1/skip", {}).status == 200
    assert post(api, "/v1/approvals/K-2:2026-11-23:L1/approve", {}).status == 409
    assert post(api, "/v1/approvals/K-1:2026-11-23:L1/skip", {}).status == 409


def test_skip_never_sends_and_the_invoices_keep_their_level_until_after_the_cooldown(api):
    set_approval(api, "all")
    run(api, berlin(2026, 11, 23))
    api.now = berlin(2026, 11, 23, 11)
    skipped = post(api, "/v1/approvals/K-1:2026-11-23:L1/skip", {})
    assert skipped.status == 200 and skipped.body["status"] == "cancelled"
    assert post(api, "/v1/approvals/K-1:2026-11-23:L1/skip", {}).status == 200  # retried: same
    r1 = invoice(api, "R-1")
    # back to the level before the letter; next action after the cooldown (7 days)
    assert (r1.level, r1.next_action_on.isoformat()) == (0, "2026-11-30")
    kinds = [e["kind"] for e in get(api, "/v1/invoices/R-1").body["timeline"]]
    assert kinds.count("letter_skipped") == 1 and "notice_cancelled" in kinds
    api.drain()
    for day in (24, 25, 26, 27):
        run(api, berlin(2026, 11, day))
    assert mails(api, "anna@example.org") == []
    assert not [i for i in waiting(api) if i.startswith("K-1:")]
    # after the cooldown the reminder is planned again (and waits again)
    run(api, berlin(2026, 11, 30))
    assert [i for i in waiting(api) if i.startswith("K-1:")] == ["K-1:2026-11-30:L1"]


def test_edit_changes_deadline_note_and_channel_and_the_sent_letter_carries_them(api):
    set_approval(api, "first_letter")
    run(api, berlin(2026, 11, 23))
    api.now = berlin(2026, 11, 23, 11)
    path = "/v1/approvals/K-1:2026-11-23:L1/edit"
    assert post(api, path, {"deadline": "2026-11-28"}).status == 400  # a Saturday
    assert post(api, path, {"deadline": "2026-11-20"}).status == 400  # in the past
    assert post(api, path, {"channel": "fax"}).status == 422
    garbage = post(api, path, {"deadline": "nächste Woche"})
    assert garbage.status == 400 and garbage.body["message"].startswith("deadline: not a date")
    # the waiting letter can be looked at before it is approved
    assert get(api, "/v1/notices/K-1:2026-11-23:L1/letter").status == 200
    # the 1. Mahnung is due 14 days after the reminder (07.12.): the deadline ends before it
    late = post(api, path, {"deadline": "2026-12-07"})
    assert late.status == 400 and "before the next step on 2026-12-07" in late.body["message"]
    assert post(api, path, {}).status == 400
    edited = post(api, path, {"deadline": "2026-12-04", "channel": "both",
                              "note": "Bitte melden Sie sich,  falls Sie Ratenzahlung wünschen."})
    assert edited.status == 200, edited.body
    item = waiting(api)["K-1:2026-11-23:L1"]
    assert (item["deadline"], item["channels"]) == ("2026-12-04", ["email", "post"])
    assert item["note"] == "Bitte melden Sie sich, falls Sie Ratenzahlung wünschen."
    assert post(api, "/v1/approvals/K-1:2026-11-23:L1/approve", {}).status == 200
    api.drain()
    [letter] = mails(api, "anna@example.org")
    text = letter.get_body(preferencelist=("plain",)).get_content()
    assert "falls Sie Ratenzahlung wünschen" in text and "04.12.2026" in text
    sent = notice(api, "K-1:2026-11-23:L1")
    assert sent.status is NoticeStatus.SENT and sent.post_key  # by e-mail and by post
    assert post(api, path, {"note": "zu spät"}).status == 409


def test_a_letter_waiting_more_than_three_days_is_planned_afresh_once_and_the_owner_is_told_daily(
        api):
    set_approval(api, "all")
    run(api, berlin(2026, 11, 23))
    assert mails(api, OWNER) == []
    run(api, berlin(2026, 11, 24))
    [digest] = mails(api, OWNER)
    assert "3 Schreiben warten auf Ihre Freigabe" in str(digest["Subject"])
    assert "K-1" in digest.get_content() and "Zur Freigabe" in digest.get_content()
    run(api, berlin(2026, 11, 24, 9))  # the schedule again the same day: no second e-mail
    assert len(mails(api, OWNER)) == 1
    run(api, berlin(2026, 11, 26))  # 3 days: not yet stale
    assert sorted(waiting(api)) == ["K-1:2026-11-23:L1", "K-2:2026-11-23:L1",
                                    "K-3:2026-11-23:L1"]
    run(api, berlin(2026, 11, 27))  # 4 days: each planned afresh with today's figures
    assert sorted(waiting(api)) == ["K-1:2026-11-27:L1", "K-2:2026-11-27:L1",
                                    "K-3:2026-11-27:L1"]
    assert "neu geplant" in mails(api, OWNER)[-1].get_content()
    old = notice(api, "K-1:2026-11-23:L1")
    assert old.status is NoticeStatus.CANCELLED and "planned afresh" in old.held_reason
    assert invoice(api, "R-1").level == 1
    run(api, berlin(2026, 11, 27, 9))  # re-run: still one letter each
    assert len(waiting(api)) == 3
    assert not mails(api, "anna@example.org")
    assert len(mails(api, OWNER)) == 3  # 24., 26., 27.
    assert len(mails(api, "beta-owner@example.org")) == 3


def test_above_amount_holds_only_large_letters(api):
    set_approval(api, "above_amount", "300.00")
    run(api, berlin(2026, 11, 23))
    # K-2 owes 350 €, K-1 100 € (sent at once), K-3 400 € (held)
    assert sorted(waiting(api)) == ["K-2:2026-11-23:L1", "K-3:2026-11-23:L1"]
    assert len(mails(api, "anna@example.org")) == 1


def test_tenants_see_and_decide_only_their_own_letters(api):
    set_approval(api, "all")
    run(api, berlin(2026, 11, 23))
    assert sorted(waiting(api, "beta")) == ["K-1:2026-11-23:L1"]
    acme = waiting(api)
    assert "K-2:2026-11-23:L1" in acme
    for action in ("approve", "skip"):
        answer = post(api, f"/v1/approvals/K-2:2026-11-23:L1/{action}", {}, tenant="beta")
        assert answer.status == 404, answer.body
    assert post(api, "/v1/approvals/K-2:2026-11-23:L1/edit", {"note": "x"},
                tenant="beta").status == 404
    assert post(api, "/v1/approvals/nothing/approve", {}).status == 404
    assert sorted(waiting(api)) == sorted(acme)
    assert notice(api, "K-2:2026-11-23:L1").status is NoticeStatus.AWAITING_APPROVAL


def test_a_hand_over_waits_without_marking_the_invoice_and_is_carried_out_once_approved(api):
    from datetime import date
    from decimal import Decimal

    set_approval(api, "handover")
    with api.service_context() as ctx:
        r5 = ctx.invoices.get_invoice("acme", "R-5")
        ctx.invoices.replace_invoice(r5.with_changes(
            level=3, last_notice_on=date(2026, 11, 1), next_action_on=date(2026, 11, 23),
            fees_open=Decimal("4.00")), r5.version, source="test")
    run(api, berlin(2026, 11, 23))
    assert sorted(waiting(api)) == ["K-3:2026-11-23:L4"]  # the letters of K-1 and K-2 went out
    assert len(mails(api, "anna@example.org")) == 1
    item = waiting(api)["K-3:2026-11-23:L4"]
    assert item["action"] == "hand_over" and item["pdf_key"] is None
    r5 = invoice(api, "R-5")
    assert (r5.status.value, r5.level, r5.next_action_on) == ("open", 4, None)
    api.now = berlin(2026, 11, 23, 11)
    path = "/v1/approvals/K-3:2026-11-23:L4"
    assert post(api, f"{path}/edit", {"note": "x"}).status == 400  # no letter to edit
    assert post(api, f"{path}/approve", {}).body["status"] == "handed_over"
    assert post(api, f"{path}/approve", {}).status == 200  # retried: nothing more
    assert invoice(api, "R-5").status.value == "handed_over"
    kinds = [e["kind"] for e in get(api, "/v1/invoices/R-5").body["timeline"]]
    assert kinds.count("handed_over") == 1


def test_the_rule_is_validated_at_its_field_through_the_api(api):
    from .test_api import call

    settings = copy.deepcopy(SETTINGS)
    settings["policy"]["approval"] = "above_amount"
    bad = call(api, api.keys["acme"], "PUT", "/v1/settings", settings)
    assert bad.status == 400 and "policy.approval_amount" in bad.body["message"]
    settings["policy"]["approval_amount"] = "250.00"
    assert call(api, api.keys["acme"], "PUT", "/v1/settings", settings).status == 200
    stored = get(api, "/v1/settings").body["settings"]["policy"]
    assert (stored["approval"], stored["approval_amount"]) == ("above_amount", "250.00")


def test_letters_still_waiting_when_approval_is_switched_off_are_planned_afresh_and_sent(
        api, monkeypatch):
    monkeypatch.setattr("mahnwerk.service.tenants.CACHE_SECONDS", 0.0)  # the switch is seen now
    set_approval(api, "first_letter")
    run(api, berlin(2026, 11, 23))
    assert "K-1:2026-11-23:L1" in waiting(api)
    set_approval(api, "none")
    run(api, berlin(2026, 11, 24))  # still listed (and in the owner's e-mail) until decided
    assert "K-1:2026-11-23:L1" in waiting(api) and len(mails(api, OWNER)) == 1
    run(api, berlin(2026, 11, 27))  # stale: planned afresh under the rule now in force
    assert waiting(api) == {}
    assert len(mails(api, "anna@example.org")) == 1
    run(api, berlin(2026, 11, 28))
    assert len(mails(api, OWNER)) == 2  # 24. and 27., nothing once nothing waits


def test_integrators_hear_of_waiting_skipped_and_replanned_letters_once_each(api):
    import jsonschema

    from mahnwerk.domain.events import SCHEMAS, EventType

    def details(kind):
        return [e["detail"] for e in api.published_events(kind.value)
                if e["detail"]["tenant_id"] == "acme"]

    set_approval(api, "all")
    run(api, berlin(2026, 11, 23))
    waiting_events = details(EventType.NOTICE_AWAITING_APPROVAL)
    assert sorted(e["notice_id"] for e in waiting_events) == [
        "K-1:2026-11-23:L1", "K-2:2026-11-23:L1", "K-3:2026-11-23:L1"]
    for event in waiting_events:
        jsonschema.validate(event, SCHEMAS[EventType.NOTICE_AWAITING_APPROVAL])
    api.now = berlin(2026, 11, 23, 11)
    post(api, "/v1/approvals/K-1:2026-11-23:L1/skip", {})
    post(api, "/v1/approvals/K-1:2026-11-23:L1/skip", {})  # retried: the same event id
    run(api, berlin(2026, 11, 27))  # K-2 and K-3 stale
    skipped = details(EventType.NOTICE_SKIPPED)
    for event in skipped:
        jsonschema.validate(event, SCHEMAS[EventType.NOTICE_SKIPPED])
    assert sorted({(e["notice_id"], e["reason"]) for e in skipped}) == [
        ("K-1:2026-11-23:L1", "skipped"), ("K-2:2026-11-23:L1", "stale"),
        ("K-3:2026-11-23:L1", "stale")]
    assert len({e["event_id"] for e in skipped}) == 3
    assert {e["notice_id"] for e in details(EventType.NOTICE_AWAITING_APPROVAL)} >= {
        "K-2:2026-11-27:L1", "K-3:2026-11-27:L1"}
    assert details(EventType.NOTICE_SENT) == []
