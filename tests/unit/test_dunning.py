from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.actions import apply_action
from mahnwerk.domain.dunning import decide as _decide
from mahnwerk.domain.dunning import first_action_on, next_action_after
from mahnwerk.domain.interest import BaseRateTable
from mahnwerk.domain.model import Customer, DomainError, Invoice, InvoiceStatus
from mahnwerk.domain.policy import Action, Level, Policy, Tone, default_policy
from mahnwerk.domain.settings_doc import policy_from_dict

POLICY = default_policy()  # 7 → 14 → 14 → hand-over
DUE = date(2026, 10, 1)
RATES = BaseRateTable(((date(2025, 1, 1), Decimal("2.27")), (date(2025, 7, 1), Decimal("1.27"))),
                      known_through=date(2026, 12, 31))


def decide(tenant_id, customer_id, invoices, policy, today, customer=None):
    customer = customer or Customer(tenant_id, customer_id, "Kunde", "k@example.org")
    return _decide(customer, invoices, policy, RATES, today)


def invoice(number="R1", due=DUE, amount="100.00", open_amount=None, level=0, customer="K1",
            next_action_on=None, **changes):
    amount_d = Decimal(amount)
    inv = Invoice(
        tenant_id="t1", number=number, customer_id=customer, issue_date=due - timedelta(days=14),
        due_date=due, amount=amount_d,
        open_amount=Decimal(open_amount) if open_amount is not None else amount_d,
        level=level, next_action_on=next_action_on or first_action_on(due, POLICY),
    )
    return inv.with_changes(**changes) if changes else inv


def test_nothing_before_level_one_is_due():
    assert decide("t1", "K1", [invoice()], POLICY, DUE + timedelta(days=6)) is None


def test_friendly_reminder_on_the_day_level_one_falls_due():
    today = DUE + timedelta(days=7)
    plan = decide("t1", "K1", [invoice()], POLICY, today)
    assert plan is not None
    assert (plan.level, plan.level_name, plan.tone) == (1, "Zahlungserinnerung", Tone.FRIENDLY)
    assert plan.fee == Decimal("0.00")
    assert plan.total == Decimal("100.00")
    assert plan.notice_id == "K1:2026-10-08:L1"
    [adv] = plan.advances
    assert (adv.to_level, adv.next_action_on) == (1, today + timedelta(days=14))


def test_level_two_counts_from_when_level_one_was_sent_not_from_the_due_date():
    sent = DUE + timedelta(days=30)  # reminder went out late (schedule was down)
    inv = invoice(level=1, last_notice_on=sent, next_action_on=next_action_after(1, sent, POLICY))
    assert decide("t1", "K1", [inv], POLICY, sent + timedelta(days=13)) is None
    plan = decide("t1", "K1", [inv], POLICY, sent + timedelta(days=14))
    assert plan is not None and plan.level == 2 and plan.fee == Decimal("1.50")


def test_a_missed_week_gives_one_letter_not_one_per_day():
    late = DUE + timedelta(days=40)
    plan = decide("t1", "K1", [invoice()], POLICY, late)
    assert plan is not None and plan.level == 1  # no level skipped


def test_consolidation_one_letter_at_the_highest_due_level_listing_every_overdue_invoice():
    today = date(2026, 11, 20)
    a = invoice("A", due=date(2026, 10, 1), level=1, next_action_on=today)
    b = invoice("B", due=date(2026, 11, 10), next_action_on=today - timedelta(days=3))
    c = invoice("C", due=date(2026, 11, 15), next_action_on=date(2026, 11, 29))  # overdue, not due
    d = invoice("D", due=date(2026, 12, 1))  # not overdue
    plan = decide("t1", "K1", [a, b, c, d], POLICY, today)
    assert plan is not None
    assert plan.level == 2
    assert plan.invoice_numbers == ("A", "B", "C")
    assert {x.number: x.to_level for x in plan.advances} == {"A": 2, "B": 1}
    assert {line.number: line.level for line in plan.lines} == {"A": 2, "B": 1, "C": 0}
    assert plan.principal == Decimal("300.00")


def test_an_escalation_due_within_the_cooldown_goes_into_todays_letter():
    today = date(2026, 11, 20)
    a = invoice("A", level=1, next_action_on=today)
    soon = invoice("B", due=date(2026, 11, 10), next_action_on=today + timedelta(days=7))
    later = invoice("C", due=date(2026, 11, 12), next_action_on=today + timedelta(days=8))
    plan = decide("t1", "K1", [a, soon, later], POLICY, today)
    assert plan is not None
    assert {x.number: x.to_level for x in plan.advances} == {"A": 2, "B": 1}


def test_no_second_letter_within_the_cooldown_then_the_highest_level_due():
    sent = date(2026, 11, 1)
    a = invoice("A", level=1, last_notice_on=sent, next_action_on=sent + timedelta(days=2))
    b = invoice("B", due=date(2026, 10, 20), next_action_on=sent + timedelta(days=3))
    assert decide("t1", "K1", [a, b], POLICY, sent + timedelta(days=6)) is None
    plan = decide("t1", "K1", [a, b], POLICY, sent + timedelta(days=7))
    assert plan is not None and plan.level == 2
    assert {x.number: x.to_level for x in plan.advances} == {"A": 2, "B": 1}


def test_without_consolidation_only_the_invoices_at_the_chosen_level():
    policy = Policy(levels=POLICY.levels, consolidate=False)
    today = date(2026, 11, 20)
    a = invoice("A", level=1, next_action_on=today)
    b = invoice("B", due=date(2026, 11, 10), next_action_on=today)
    plan = decide("t1", "K1", [a, b], policy, today)
    assert plan is not None and plan.invoice_numbers == ("A",)


@pytest.mark.parametrize("changes", [
    {"status": InvoiceStatus.PAID}, {"status": InvoiceStatus.DISPUTED},
    {"status": InvoiceStatus.HANDED_OVER}, {"open_amount": Decimal("0.00")},
    {"paused_until": date(2026, 12, 31)},
])
def test_paid_disputed_paused_or_handed_over_invoices_are_skipped(changes):
    assert decide("t1", "K1", [invoice(**changes)], POLICY, date(2026, 11, 1)) is None


def test_resolving_a_dispute_keeps_the_grace_that_was_left():
    """Level 1 falls due on DUE + 7; disputed on DUE + 2 (5 days left), resolved on DUE + 20: no
    letter on the day of resolution, the reminder 5 days after it, at level 1."""
    inv = invoice()
    disputed = apply_action(inv, "dispute", DUE + timedelta(days=2)).invoice
    assert decide("t1", "K1", [disputed], POLICY, DUE + timedelta(days=10)) is None
    resolve_day = DUE + timedelta(days=20)
    resolved = apply_action(disputed, "resolve", resolve_day).invoice
    assert resolved.status is InvoiceStatus.OPEN
    assert resolved.next_action_on == resolve_day + timedelta(days=5)
    assert (resolved.disputed_on, resolved.held_next_action_on) == (None, None)
    for day in range(5):
        assert decide("t1", "K1", [resolved], POLICY, resolve_day + timedelta(days=day)) is None
    plan = decide("t1", "K1", [resolved], POLICY, resolve_day + timedelta(days=5))
    assert plan is not None and plan.level == 1


def test_resolving_a_dispute_whose_letter_was_already_due_lets_it_go_out_at_its_level():
    inv = invoice("R2", level=1, last_notice_on=DUE + timedelta(days=7),
                  next_action_on=DUE + timedelta(days=21))
    disputed = apply_action(inv, "dispute", DUE + timedelta(days=25)).invoice
    resolved = apply_action(disputed, "resolve", DUE + timedelta(days=40)).invoice
    assert resolved.next_action_on == DUE + timedelta(days=40)
    plan = decide("t1", "K1", [resolved], POLICY, DUE + timedelta(days=40))
    assert plan is not None and plan.level == 2  # the level that was due; none skipped


def test_resolving_a_dispute_respects_a_pause_and_an_end_of_the_schedule():
    disputed = apply_action(invoice(), "dispute", DUE + timedelta(days=2)).invoice
    paused = apply_action(disputed, "pause", DUE + timedelta(days=3),
                          until=DUE + timedelta(days=30)).invoice
    resolved = apply_action(paused, "resolve", DUE + timedelta(days=20)).invoice
    assert resolved.next_action_on == DUE + timedelta(days=31)
    done = invoice(level=3, last_notice_on=DUE, next_action_on=None)
    disputed = apply_action(done.with_changes(next_action_on=None), "dispute", DUE).invoice
    assert apply_action(disputed, "resolve", DUE + timedelta(days=9)).invoice.next_action_on is None


def test_resolving_a_dispute_kept_before_the_schedule_was_stored_follows_the_policy():
    """Disputed before ``disputed_on`` existed: the level's scheduled day, never before today."""
    legacy = invoice(level=1, last_notice_on=DUE + timedelta(days=7), status=InvoiceStatus.DISPUTED,
                     next_action_on=None)
    legacy = legacy.with_changes(next_action_on=None)
    early = apply_action(legacy, "resolve", DUE + timedelta(days=10), policy=POLICY).invoice
    assert early.next_action_on == DUE + timedelta(days=21)
    late = apply_action(legacy, "resolve", DUE + timedelta(days=30), policy=POLICY).invoice
    assert late.next_action_on == DUE + timedelta(days=30)


def test_pause_ends_after_its_date():
    inv = invoice(paused_until=date(2026, 10, 20))
    assert decide("t1", "K1", [inv], POLICY, date(2026, 10, 20)) is None
    assert decide("t1", "K1", [inv], POLICY, date(2026, 10, 21)) is not None


def test_minimum_amount():
    policy = Policy(levels=POLICY.levels, minimum_amount=Decimal("5.00"))
    assert decide("t1", "K1", [invoice(amount="4.99")], policy, date(2026, 11, 1)) is None
    assert decide("t1", "K1", [invoice(amount="5.00")], policy, date(2026, 11, 1)) is not None


def test_other_customers_and_tenants_are_never_mixed_in():
    today = date(2026, 11, 1)
    mine, other = invoice("A"), invoice("B", customer="K2")
    foreign = invoice("C").with_changes(tenant_id="t2")
    plan = decide("t1", "K1", [mine, other, foreign], POLICY, today)
    assert plan is not None and plan.invoice_numbers == ("A",)


def test_last_level_hands_over_and_stops_letters():
    today = date(2026, 12, 1)
    inv = invoice(level=3, next_action_on=today)
    plan = decide("t1", "K1", [inv], POLICY, today)
    assert plan is not None and plan.action is Action.HAND_OVER and plan.fee == 0
    [adv] = plan.advances
    assert adv.status is InvoiceStatus.HANDED_OVER and adv.next_action_on is None
    assert decide("t1", "K1", [inv.with_changes(level=4)], POLICY, today) is None


def test_policy_rules():
    with pytest.raises(DomainError, match="first reminder"):
        Policy(levels=(Level("Mahnung", 7, fee=Decimal("5")),))
    with pytest.raises(DomainError, match="last level"):
        Policy(levels=(Level("A", 7), Level("B", 7, action=Action.HAND_OVER), Level("C", 7)))
    with pytest.raises(DomainError, match="at least one"):
        Policy(levels=())


def test_policy_document_is_validated_with_the_path_of_the_error():
    with pytest.raises(DomainError, match=r"policy.levels\[1\].fee"):
        policy_from_dict({"levels": [{"name": "a", "days": 7}, {"name": "b", "fee": "x"}]})
    with pytest.raises(DomainError, match=r"policy.levels\[0\]"):
        policy_from_dict({"levels": [{"name": "a", "tone": "rude"}]})
    assert policy_from_dict({}).levels == POLICY.levels


def test_an_open_credit_note_reduces_the_claim_and_is_listed():
    today = date(2026, 11, 1)
    credit = invoice("GS-1", amount="-30.00", next_action_on=None).with_changes(
        due_date=date(2026, 10, 5))
    plan = decide("t1", "K1", [invoice("A"), credit], POLICY, today)
    assert plan is not None
    assert plan.invoice_numbers == ("A", "GS-1")
    assert plan.principal == Decimal("70.00") and plan.lines[1].interest == 0
    assert plan.total == Decimal("70.00") + plan.interest  # A is a day into default (§286 Abs. 3)
    assert [a.number for a in plan.advances] == ["A"]


def test_no_letter_when_credits_cover_everything():
    credit = invoice("GS-1", amount="-100.00", next_action_on=None)
    assert decide("t1", "K1", [invoice("A"), credit], POLICY, date(2026, 11, 1)) is None


def test_refresh_shows_the_letters_own_fee_once_and_drops_paid_lines():
    from mahnwerk.domain.dunning import refresh

    today = date(2026, 11, 20)
    a = invoice("A", level=1, next_action_on=today, fees_open=Decimal("0.00"))
    b = invoice("B", due=date(2026, 10, 20), level=1, next_action_on=today)
    customer = Customer("t1", "K1", "Kunde", "k@example.org")
    plan = _decide(customer, [a, b], POLICY, RATES, today)
    assert plan.fee == Decimal("1.50")
    # after the reservation: A carries the new fee; then B is paid before the letter goes out
    reserved_a = a.with_changes(level=2, fees_open=Decimal("1.50"), version=1)
    paid_b = b.with_changes(status=InvoiceStatus.PAID, open_amount=Decimal("0.00"))
    fresh = refresh(plan, [reserved_a, paid_b], customer, POLICY, RATES)
    assert fresh.invoice_numbers == ("A",)
    assert fresh.fees == Decimal("1.50")  # not 3.00
    assert refresh(plan, [paid_b, reserved_a.with_changes(status=InvoiceStatus.PAID,
                                                          open_amount=Decimal("0"),
                                                          fees_open=Decimal("1.50"))],
                   customer, POLICY, RATES) is None


# --- undo: resume a pause, reopen a handed-over or written-off invoice ---------------------------

def test_resume_puts_the_letter_back_on_its_schedule_never_before_today():
    """The reminder falls due on DUE + 7. Paused on DUE + 2 until DUE + 30 (next check DUE + 31):
    resumed on DUE + 4 it is due on DUE + 7 again; resumed on DUE + 10 (it was due anyway) today."""
    paused = apply_action(invoice(), "pause", DUE + timedelta(days=2),
                          until=DUE + timedelta(days=30), reason="Urlaub").invoice
    assert paused.next_action_on == DUE + timedelta(days=31)
    early = apply_action(paused, "resume", DUE + timedelta(days=4), policy=POLICY)
    assert early.kind == "resumed"
    assert (early.invoice.paused_until, early.invoice.pause_reason) == (None, "")
    assert early.invoice.next_action_on == DUE + timedelta(days=7)
    assert decide("t1", "K1", [early.invoice], POLICY, DUE + timedelta(days=6)) is None
    assert decide("t1", "K1", [early.invoice], POLICY, DUE + timedelta(days=7)).level == 1
    late = apply_action(paused, "resume", DUE + timedelta(days=10), policy=POLICY).invoice
    assert late.next_action_on == DUE + timedelta(days=10)
    # a hand-over keeps to the day after the announcing letter's deadline
    sent = DUE + timedelta(days=35)
    last = invoice(level=3, last_notice_on=sent, next_action_on=sent + timedelta(days=14))
    paused = apply_action(last, "pause", sent + timedelta(days=1), until=sent + timedelta(days=60))
    resumed = apply_action(paused.invoice, "resume", sent + timedelta(days=2), policy=POLICY).invoice
    assert resumed.next_action_on == sent + timedelta(days=14)


def test_resume_needs_a_running_pause_and_keeps_a_dispute():
    with pytest.raises(DomainError, match="not paused"):
        apply_action(invoice(), "resume", DUE, policy=POLICY)
    ended = invoice(paused_until=DUE + timedelta(days=3))
    with pytest.raises(DomainError, match="not paused"):
        apply_action(ended, "resume", DUE + timedelta(days=4), policy=POLICY)
    disputed = apply_action(invoice(), "dispute", DUE + timedelta(days=2)).invoice
    paused = apply_action(disputed, "pause", DUE + timedelta(days=3),
                          until=DUE + timedelta(days=30)).invoice
    resumed = apply_action(paused, "resume", DUE + timedelta(days=5), policy=POLICY).invoice
    assert resumed.status is InvoiceStatus.DISPUTED and resumed.next_action_on is None
    assert resumed.held_next_action_on == DUE + timedelta(days=7)


def test_reopening_a_hand_over_by_the_last_level_sends_the_last_letter_again_not_a_hand_over():
    """Handed over by level 4 (hand-over): reopened, the invoice steps back to level 2, the
    "Letzte Mahnung" (level 3) goes out 14 days after the reopening, the hand-over only after it."""
    sent = DUE + timedelta(days=50)
    handed = invoice(level=4, last_notice_on=sent, status=InvoiceStatus.HANDED_OVER,
                     open_amount="60.00", fees_open=Decimal("4.00")).with_changes(next_action_on=None)
    today = sent + timedelta(days=20)
    result = apply_action(handed, "reopen", today, reason="Inkasso gibt zurück", policy=POLICY)
    reopened = result.invoice
    assert result.kind == "reopened" and result.detail["from"] == "handed_over"
    assert (reopened.status, reopened.level) == (InvoiceStatus.PARTIALLY_PAID, 2)
    assert reopened.next_action_on == today + timedelta(days=14)
    assert reopened.fees_open == Decimal("4.00")
    assert decide("t1", "K1", [reopened], POLICY, today) is None
    assert decide("t1", "K1", [reopened], POLICY, today + timedelta(days=13)) is None
    plan = decide("t1", "K1", [reopened], POLICY, today + timedelta(days=14))
    assert plan.level == 3 and plan.action is Action.LETTER


def test_reopening_a_write_off_continues_its_schedule_from_today():
    sent = DUE + timedelta(days=7)
    inv = invoice(level=1, last_notice_on=sent, next_action_on=sent + timedelta(days=14))
    written_off = apply_action(inv, "write_off", sent + timedelta(days=3)).invoice
    with pytest.raises(DomainError):
        apply_action(written_off, "reopen", sent + timedelta(days=5))  # needs the policy
    early = apply_action(written_off, "reopen", sent + timedelta(days=5), policy=POLICY).invoice
    assert (early.status, early.level) == (InvoiceStatus.OPEN, 1)
    assert early.next_action_on == sent + timedelta(days=14)
    late = apply_action(written_off, "reopen", sent + timedelta(days=40), policy=POLICY).invoice
    assert late.next_action_on == sent + timedelta(days=40)
    with pytest.raises(DomainError, match="reopen is not possible"):
        apply_action(invoice(), "reopen", DUE, policy=POLICY)


def test_a_default_older_than_the_base_rate_table_claims_interest_from_its_first_day_not_a_crash():
    # an old invoice (due in 2024 here, against a table that starts in 2025) is dunned: the days
    # before the table's first rate earn nothing (never a figure the law cannot back), the rest do
    old = invoice(due=date(2024, 3, 1), level=0)
    plan = decide("t1", "K1", [old], POLICY, date(2025, 1, 31))
    [line] = plan.lines
    expected = Decimal("100.00") * (Decimal("2.27") + 9) / 100 * 31 / 365  # 1.–31.1.2025 only
    assert line.interest == expected.quantize(Decimal("0.01"))
