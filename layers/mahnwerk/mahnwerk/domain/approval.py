"""Which letters wait for the owner's approval before they go out (``policy.approval``). Pure.

An owner who wants to see what is sent in their name chooses how much to check:

- ``none`` (default): every letter goes out on its day;
- ``first_letter``: the first letter of a dunning, the friendly reminder (level 1), waits — the
  one that first speaks to a customer about an unpaid invoice; later letters go out by themselves;
- ``all``: every letter waits;
- ``above_amount``: a letter whose total (what it asks to be paid) is at least ``approval_amount``;
- ``handover``: the hand-over for collection waits (and the letter that announces it does not).

A letter that waits is planned and rendered as it would be sent, never sent unapproved, and if it
waits longer than ``STALE_AFTER_DAYS`` it is planned afresh at the next run (with today's interest
and deadline) instead of being sent with yesterday's figures — one letter, never two.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from .model import DomainError
from .money import ZERO


class Approval(StrEnum):
    NONE = "none"
    FIRST_LETTER = "first_letter"
    ALL = "all"
    ABOVE_AMOUNT = "above_amount"
    HANDOVER = "handover"


#: a letter waiting longer than this many days is planned afresh at the next run
STALE_AFTER_DAYS = 3


def check_approval(rule: str, amount: Decimal | None) -> Approval:
    """The rule itself, or DomainError with the reason (for the settings form and the API)."""
    try:
        approval = Approval(rule)
    except ValueError:
        raise DomainError(f"approval: one of {', '.join(a.value for a in Approval)}, got {rule!r}") from None
    if approval is Approval.ABOVE_AMOUNT and (amount is None or amount <= ZERO):
        raise DomainError("approval_amount: a positive amount is needed for approval 'above_amount'")
    return approval


def needs_approval(rule: Approval, *, level: int, total: Decimal, hand_over: bool,
                   amount: Decimal | None = None) -> bool:
    """Whether the letter (or hand-over) at ``level`` claiming ``total`` waits for the owner."""
    if rule is Approval.ALL:
        return True
    if rule is Approval.FIRST_LETTER:
        return level == 1 and not hand_over
    if rule is Approval.ABOVE_AMOUNT:
        return amount is not None and total >= amount
    if rule is Approval.HANDOVER:
        return hand_over
    return False


def is_stale(waiting_days: int) -> bool:
    return waiting_days > STALE_AFTER_DAYS
