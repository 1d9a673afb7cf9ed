"""What an owner may do with an invoice by hand (pause, dispute, resolve, write off, cancel, hand
over), from which states, and what each action changes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from mahnwerk.domain.actions import MAX_PAUSE_DAYS, NotAllowed, apply_action
from mahnwerk.domain.model import DomainError, Invoice, InvoiceStatus

TODAY = date(2026, 3, 10)
S = InvoiceStatus


def invoice(status: InvoiceStatus = S.OPEN, open_amount: str = "500.00",
            next_action_on: date | None = date(2026, 3, 12)) -> Invoice:
    return Invoice("t", "R-7", "K1", date(2026, 1, 10), date(2026, 2, 10), Decimal("500.00"),
                   Decimal(open_amount), status=status, next_action_on=next_action_on)


def test_a_pause_runs_through_the_chosen_day_and_dunning_resumes_the_day_after():
    result = apply_action(invoice(), "pause", TODAY, until=date(2026, 3, 20), reason="  Urlaub  ")
    assert result.invoice.paused_until == date(2026, 3, 20)
    assert result.invoice.pause_reason == "Urlaub"
    assert result.invoice.next_action_on == date(2026, 3, 21)
    assert (result.kind, result.detail) == ("paused", {"reason": "Urlaub", "until": "2026-03-20"})
    # a letter already planned after the pause keeps its day
    later = apply_action(invoice(next_action_on=date(2026, 4, 1)), "pause", TODAY, until=date(2026, 3, 20))
    assert later.invoice.next_action_on == date(2026, 4, 1)
    assert later.detail == {"until": "2026-03-20"}  # no reason given: none recorded
    # an invoice with nothing planned stays so
    idle = apply_action(invoice(next_action_on=None), "pause", TODAY, until=date(2026, 3, 20))
    assert idle.invoice.next_action_on is None


def test_a_pause_must_end_after_today_and_at_most_366_days_ahead():
    assert MAX_PAUSE_DAYS == 366
    tomorrow = apply_action(invoice(), "pause", TODAY, until=TODAY + timedelta(days=1))
    assert tomorrow.invoice.paused_until == date(2026, 3, 11)
    for until in (TODAY, None):
        with pytest.raises(DomainError, match=r"^until: a day after today is required$"):
            apply_action(invoice(), "pause", TODAY, until=until)
    longest = apply_action(invoice(), "pause", TODAY, until=TODAY + timedelta(days=366))
    assert longest.invoice.paused_until == date(2027, 3, 11)
    with pytest.raises(DomainError, match=r"^until: at most 366 days ahead$"):
        apply_action(invoice(), "pause", TODAY, until=TODAY + timedelta(days=367))


def test_a_reason_is_kept_trimmed_to_500_characters():
    result = apply_action(invoice(), "dispute", TODAY, reason=" " + "x" * 600)
    assert result.detail == {"reason": "x" * 500}


def test_a_disputed_claim_gets_no_letters_until_resolved_then_dunning_resumes_with_its_grace():
    disputed = apply_action(invoice(), "dispute", TODAY, reason="Ware mangelhaft")
    assert (disputed.invoice.status, disputed.invoice.next_action_on) == (S.DISPUTED, None)
    assert (disputed.kind, disputed.detail) == ("disputed", {"reason": "Ware mangelhaft"})
    # resolved the same day: the two days of grace it had left (next letter 12.03.) still count
    resolved = apply_action(disputed.invoice, "resolve", TODAY)
    assert (resolved.invoice.status, resolved.invoice.next_action_on) == (S.OPEN, date(2026, 3, 12))
    assert resolved.kind == "dispute_resolved"
    # a claim that was partly paid before the dispute is partly paid again
    part = apply_action(invoice(S.DISPUTED, open_amount="200.00"), "resolve", TODAY)
    assert part.invoice.status == S.PARTIALLY_PAID
    # fifty cents paid: partly paid
    cents = apply_action(invoice(S.DISPUTED, open_amount="499.50"), "resolve", TODAY)
    assert cents.invoice.status == S.PARTIALLY_PAID
    # exactly nothing paid: open, not partly paid
    nothing = apply_action(invoice(S.DISPUTED, open_amount="500.00"), "resolve", TODAY)
    assert nothing.invoice.status == S.OPEN


def test_a_claim_written_off_or_cancelled_or_handed_over_leaves_dunning():
    written = apply_action(invoice(open_amount="123.45"), "write_off", TODAY)
    assert (written.invoice.status, written.invoice.next_action_on) == (S.WRITTEN_OFF, None)
    assert (written.kind, written.detail) == ("written_off", {"amount": "123.45"})
    cancelled = apply_action(invoice(), "cancel", TODAY, reason="Storno")
    assert (cancelled.invoice.status, cancelled.invoice.next_action_on) == (S.CANCELLED, None)
    assert (cancelled.kind, cancelled.detail) == ("cancelled", {"reason": "Storno"})
    handed = apply_action(invoice(), "hand_over", TODAY, to="  Inkasso Nord GmbH  ")
    assert (handed.invoice.status, handed.invoice.next_action_on) == (S.HANDED_OVER, None)
    assert (handed.kind, handed.detail) == ("handed_over", {"to": "Inkasso Nord GmbH"})
    assert apply_action(invoice(), "hand_over", TODAY, to="y" * 300).detail == {"to": "y" * 200}
    with pytest.raises(DomainError, match=r"^to: name the collection agency or lawyer$"):
        apply_action(invoice(), "hand_over", TODAY, to="   ")
    with pytest.raises(DomainError, match=r"^to: name the collection agency or lawyer$"):
        apply_action(invoice(), "hand_over", TODAY)


@pytest.mark.parametrize("action, allowed_from", [
    ("pause", {S.OPEN, S.PARTIALLY_PAID, S.DISPUTED}),
    ("dispute", {S.OPEN, S.PARTIALLY_PAID}),
    ("resolve", {S.DISPUTED}),
    ("write_off", {S.OPEN, S.PARTIALLY_PAID, S.DISPUTED, S.HANDED_OVER}),
    ("cancel", {S.OPEN, S.PARTIALLY_PAID, S.DISPUTED}),
    ("hand_over", {S.OPEN, S.PARTIALLY_PAID, S.DISPUTED}),
])
def test_each_action_starts_only_from_its_states(action, allowed_from):
    for status in S:
        args = {"until": date(2026, 3, 20), "to": "Inkasso Nord GmbH"}
        if status in allowed_from:
            apply_action(invoice(status), action, TODAY, **args)
        else:
            with pytest.raises(NotAllowed) as refused:
                apply_action(invoice(status), action, TODAY, **args)
            assert str(refused.value) == (f"invoice R-7 is {status.value}; "
                                          f"{action.replace('_', ' ')} is not possible")


def test_an_unknown_action_is_refused_by_name():
    with pytest.raises(DomainError, match=r"^unknown action 'mahnen'$"):
        apply_action(invoice(), "mahnen", TODAY)
