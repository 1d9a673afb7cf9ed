# ruff: noqa: F811 - the tests take the imported fixture ``api`` as their argument
"""Undo through the API (issue 15): resume a pause, reopen a hand-over or write-off, unassign a
payment, dismiss and restore an unmatched one, and the preview before assigning one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mahnwerk.domain.model import InvoiceStatus

from ..conftest import berlin

# the API tests' fixture (two tenants, their keys and invoices; the clock on 23.11.2026)
from .test_api import api, customer, get, post  # noqa: F401


def run(stack, day):
    stack.now = day
    stack.fire_schedule("DunningFunction", day)
    stack.drain()


def notices_of(stack, customer_id):
    return sorted(n["notice_id"] for n in get(stack, "/v1/notices", limit=200).body["items"]
                  if n["customer_id"] == customer_id)


def mystery(stack, amount, on="2026-11-23"):
    paid = post(stack, "/v1/payments", {"amount": amount, "booking_date": on, "reference": "Danke"})
    assert paid.status == 200 and paid.body["status"] == "unmatched", paid.body
    return paid.body["payment_id"]


def kinds(stack, number):
    return [e["kind"] for e in get(stack, f"/v1/invoices/{number}").body["timeline"]]


def test_resume_puts_the_next_letter_back_on_its_schedule(api):
    """R-9 is due 20.11., its reminder on 27.11.; paused on 23.11. until 31.12. and resumed on
    24.11.: the reminder goes out on 27.11. as scheduled, not on the day of resuming."""
    new = {"number": "R-9", "customer": customer("K-9", "Jörg Weiß", email="joerg@example.org"),
           "issue_date": "2026-11-06", "due_date": "2026-11-20", "amount": "80.00"}
    assert post(api, "/v1/invoices", {"invoices": [new]}).status == 200
    paused = post(api, "/v1/invoices/R-9/pause", {"until": "2026-12-31"}).body
    assert paused["next_action_on"] == "2027-01-01"
    api.now = berlin(2026, 11, 24, 10)
    resumed = post(api, "/v1/invoices/R-9/resume", {"reason": "Kunde meldet sich doch nicht"})
    assert resumed.status == 200, resumed.body
    assert (resumed.body["paused_until"], resumed.body["next_action_on"]) == (None, "2026-11-27")
    assert post(api, "/v1/invoices/R-9/resume", {}).status == 409  # not paused any more
    timeline = get(api, "/v1/invoices/R-9").body["timeline"]
    assert timeline[-1]["kind"] == "resumed" and timeline[-1]["next_action_on"] == "2026-11-27"
    run(api, berlin(2026, 11, 26))
    assert notices_of(api, "K-9") == []
    run(api, berlin(2026, 11, 27))
    assert notices_of(api, "K-9") == ["K-9:2026-11-27:L1"]


def test_reopening_a_hand_over_by_the_last_level_sends_the_last_letter_not_a_new_hand_over(api):
    """R-5 was handed over by the policy's last level (4) on 20.11.; the agency returns it and the
    owner reopens it on 23.11.: nothing the next morning, the "Letzte Mahnung" (level 3) 14 days
    later, and the invoice is open at level 3 — no second hand-over."""
    with api.service_context() as ctx:
        r5 = ctx.invoices.get_invoice("acme", "R-5")
        ctx.invoices.replace_invoice(r5.with_changes(
            status=InvoiceStatus.HANDED_OVER, level=4, last_notice_on=date(2026, 11, 20),
            next_action_on=None, fees_open=Decimal("4.00")), r5.version, source="test")
    assert post(api, "/v1/invoices/R-1/reopen", {}).status == 409  # open: nothing to reopen
    reopened = post(api, "/v1/invoices/R-5/reopen", {"reason": "Inkasso gibt zurück"})
    assert reopened.status == 200, reopened.body
    body = reopened.body
    assert (body["status"], body["level"], body["next_action_on"]) == ("open", 2, "2026-12-07")
    assert body["fees_open"] == "4.00"
    entry = get(api, "/v1/invoices/R-5").body["timeline"][-1]
    assert (entry["kind"], entry["from"], entry["reason"]) == ("reopened", "handed_over",
                                                               "Inkasso gibt zurück")
    run(api, berlin(2026, 11, 24))
    assert notices_of(api, "K-3") == []
    run(api, berlin(2026, 12, 7))
    assert notices_of(api, "K-3") == ["K-3:2026-12-07:L3"]
    r5 = get(api, "/v1/invoices/R-5").body
    assert (r5["status"], r5["level"]) == ("open", 3)
    # a write-off comes back too
    assert post(api, "/v1/invoices/R-4/write-off", {}).status == 200
    assert post(api, "/v1/invoices/R-4/reopen", {}).body["status"] == "open"


def test_unassign_gives_the_invoice_back_its_claim_and_the_payment_can_be_assigned_anew(api):
    """R-3 (300 €, level 2, 4 € fees) is paid off by 400 € assigned by hand: paid, fees and
    interest settled, the rest a customer credit, the customer's behaviour counted. Unassigned, it
    is exactly as before (open, level 2, fees 4 €, its next letter), the credit is gone, the
    counters too, and the payment is unmatched again; a second unassign is refused."""
    with api.service_context() as ctx:
        r3 = ctx.invoices.get_invoice("acme", "R-3")
        ctx.invoices.replace_invoice(r3.with_changes(
            level=2, last_notice_on=date(2026, 11, 10), next_action_on=date(2026, 11, 24),
            fees_open=Decimal("4.00"), reminder_reached_on=date(2026, 10, 1)), r3.version, "test")
    before = get(api, "/v1/invoices/R-3").body
    pid = mystery(api, "400.00")
    assigned = post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-3"]})
    assert assigned.status == 200 and assigned.body["status"] == "matched"
    paid = get(api, "/v1/invoices/R-3").body
    assert paid["status"] == "paid" and paid["fees_open"] == "0.00"
    assert Decimal(paid["interest_paid"]) > 0
    credit = Decimal(assigned.body["unapplied"])
    assert credit > 0
    assert get(api, f"/v1/invoices/GUTHABEN-{pid[:10].upper()}").status == 200
    assert get(api, "/v1/customers/K-2").body["behaviour"]["paid_count"] == 1

    api.now = berlin(2026, 11, 23, 12)
    undone = post(api, f"/v1/payments/{pid}/unassign", {"reason": "falsch zugeordnet"})
    assert undone.status == 200, undone.body
    assert (undone.body["status"], undone.body["invoices"], undone.body["unapplied"]) == \
        ("unmatched", [], "400.00")
    assert undone.body["history"][-1]["action"] == "unassigned"
    r3 = get(api, "/v1/invoices/R-3").body
    for field in ("status", "open_amount", "fees_open", "interest_paid", "level", "next_action_on",
                  "charges_open", "charges_waived", "charges_state"):
        assert r3[field] == before[field], field
    assert get(api, f"/v1/invoices/GUTHABEN-{pid[:10].upper()}").status == 404
    assert get(api, "/v1/customers/K-2").body["behaviour"]["paid_count"] == 0
    assert "payment_unassigned" in kinds(api, "R-3")
    assert [p["payment_id"] for p in get(api, "/v1/payments/unmatched").body["items"]] == [pid]
    assert post(api, f"/v1/payments/{pid}/unassign", {}).status == 409  # exactly once

    # the next letter comes as it would have: level 3 on its day
    run(api, berlin(2026, 11, 24))
    assert get(api, "/v1/invoices/R-3").body["level"] == 3

    # assigned anew to another invoice of the customer, and undone again
    part = post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-4"]})
    assert part.status == 200 and part.body["invoices"][0]["number"] == "R-4"
    assert post(api, f"/v1/payments/{pid}/unassign", {}).status == 200


def test_unassigning_a_part_payment_reopens_the_invoice(api):
    pid = mystery(api, "30.00")
    assert post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-1"]}).status == 200
    r1 = get(api, "/v1/invoices/R-1").body
    assert (r1["status"], r1["open_amount"]) == ("partially_paid", "70.00")
    assert post(api, f"/v1/payments/{pid}/unassign", {}).status == 200
    r1 = get(api, "/v1/invoices/R-1").body
    assert (r1["status"], r1["open_amount"]) == ("open", "100.00")
    assert post(api, "/v1/payments/nope/unassign", {}).status == 404


def test_a_later_payment_on_the_invoice_must_be_undone_first(api):
    first, second = mystery(api, "10.00"), mystery(api, "20.00")
    assert post(api, f"/v1/payments/{first}/assign", {"invoices": ["R-1"]}).status == 200
    assert post(api, f"/v1/payments/{second}/assign", {"invoices": ["R-1"]}).status == 200
    refused = post(api, f"/v1/payments/{first}/unassign", {})
    assert refused.status == 409 and "later payment" in refused.body["message"]
    assert post(api, f"/v1/payments/{second}/unassign", {}).status == 200
    assert post(api, f"/v1/payments/{first}/unassign", {}).status == 200
    assert get(api, "/v1/invoices/R-1").body["open_amount"] == "100.00"


def test_dismiss_and_restore_an_unmatched_payment(api):
    pid = mystery(api, "1234.56")
    assert post(api, f"/v1/payments/{pid}/dismiss", {}).status == 422  # a reason is required
    dismissed = post(api, f"/v1/payments/{pid}/dismiss", {"reason": "Steuererstattung Finanzamt"})
    assert dismissed.status == 200, dismissed.body
    assert (dismissed.body["status"], dismissed.body["dismiss_reason"]) == \
        ("dismissed", "Steuererstattung Finanzamt")
    assert get(api, "/v1/payments/unmatched").body["items"] == []
    assert post(api, f"/v1/payments/{pid}/dismiss", {"reason": "again"}).status == 409
    assert post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-1"]}).status == 409
    restored = post(api, f"/v1/payments/{pid}/restore", {})
    assert restored.status == 200 and restored.body["status"] == "unmatched"
    assert restored.body["dismiss_reason"] is None
    assert [h["action"] for h in restored.body["history"]] == ["dismissed", "restored"]
    assert [p["payment_id"] for p in get(api, "/v1/payments/unmatched").body["items"]] == [pid]
    assert post(api, f"/v1/payments/{pid}/restore", {}).status == 409


def test_the_assign_preview_shows_what_would_happen_and_changes_nothing(api):
    """R-5 (400 €) is handed over; a payment of 400 € would pay it off and withdraw the
    hand-over. The preview says so and writes nothing; the assignment then does it."""
    assert post(api, "/v1/invoices/R-5/hand-over", {"to": "Inkasso Nord GmbH"}).status == 200
    pid = mystery(api, "400.00")
    preview = post(api, f"/v1/payments/{pid}/assign/preview", {"invoices": ["R-5"]})
    assert preview.status == 200, preview.body
    [line] = preview.body["invoices"]
    assert (line["number"], line["paid_in_full"], line["hand_over_withdrawn"]) == ("R-5", True, True)
    assert (line["status_before"], line["status_after"]) == ("handed_over", "paid")
    assert line["principal"] == "400.00" and preview.body["credit"] is None
    assert get(api, "/v1/invoices/R-5").body["status"] == "handed_over"
    assert [p["payment_id"] for p in get(api, "/v1/payments/unmatched").body["items"]] == [pid]
    assert post(api, "/v1/payments/nope/assign/preview", {"invoices": ["R-5"]}).status == 404
    assert post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-5"]}).status == 200
    assert get(api, "/v1/invoices/R-5").body["status"] == "paid"
    assert "hand_over_withdrawn" in kinds(api, "R-5")
    assert post(api, f"/v1/payments/{pid}/assign/preview", {"invoices": ["R-5"]}).status == 409


def test_assigning_a_payment_late_drops_the_fees_of_letters_sent_after_it_arrived(api):
    """K-2's reminder goes out on 24.11. (free), the 1. Mahnung on 8.12. (1,50 € on R-3). A transfer
    of 300 € that arrived on 20.11. is assigned to R-3 only on 9.12.: R-3 was paid before those
    letters, so their fee drops (the preview names the letter), and nothing is waived for it."""
    run(api, berlin(2026, 11, 24))
    run(api, berlin(2026, 12, 8))
    assert get(api, "/v1/invoices/R-3").body["fees_open"] == "1.50"
    api.now = berlin(2026, 12, 9, 10)
    pid = mystery(api, "300.00", on="2026-11-20")
    preview = post(api, f"/v1/payments/{pid}/assign/preview", {"invoices": ["R-3"]}).body
    [line] = preview["invoices"]
    assert line["paid_in_full"] and line["fees_dropped"] == "1.50"
    assert [x["run_date"] for x in line["letters_after_payment"]] == ["2026-12-08"]
    assert line["fees"] == "0.00" and line["fees_open_after"] == "0.00"
    assert post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-3"]}).status == 200
    r3 = get(api, "/v1/invoices/R-3").body
    assert r3["status"] == "paid" and r3["fees_open"] == "0.00"
    # what is waived is the interest alone: the fee was dropped, not waived
    assert line["charges"] == {"state": "waived", "amount": r3["charges_waived"]}
    timeline = get(api, "/v1/invoices/R-3").body["timeline"]
    dropped = [e for e in timeline if e["kind"] == "fees_dropped"]
    assert dropped and dropped[0]["amount"] == "1.50"
    # undone, the fee is owed again
    assert post(api, f"/v1/payments/{pid}/unassign", {}).status == 200
    assert get(api, "/v1/invoices/R-3").body["fees_open"] == "1.50"
