"""A tenant's dunning policy: ordered levels, each with its own interval, fee, tone and channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .approval import check_approval
from .model import Channel, DomainError
from .money import ZERO
from .workdays import check_region


class Tone(StrEnum):
    FRIENDLY = "friendly"
    NEUTRAL = "neutral"
    FIRM = "firm"


class Action(StrEnum):
    LETTER = "letter"
    HAND_OVER = "hand_over"


#: the most a dunning letter may charge: courts accept only the material costs of a letter
#: (BGH, 26.06.2019, VIII ZR 95/18); the settings refuse more, with the reason, at the field
FEE_MAX = Decimal("10.00")

#: what happens to interest and fees still open once an invoice's principal is paid
RESIDUAL_POLICIES = ("waive", "claim", "ask")


@dataclass(frozen=True)
class Level:
    name: str
    #: level 1: days after the invoice's due date; level n+1: days after level n was sent
    days: int
    fee: Decimal = ZERO
    tone: Tone = Tone.FRIENDLY
    channels: tuple[Channel, ...] = (Channel.EMAIL,)
    action: Action = Action.LETTER


@dataclass(frozen=True)
class Policy:
    levels: tuple[Level, ...]
    payment_terms_days: int = 14
    minimum_amount: Decimal = ZERO
    consolidate: bool = True
    #: days the debtor gets to pay after a letter (printed as a calendar date; on a weekend or
    #: holiday it moves to the next working day, §193 BGB)
    deadline_days: int = 10
    #: the Land whose public holidays count besides the nationwide ones (BY, NW, …; "" = none)
    holiday_region: str = ""
    post_delivery_days: int = 3
    #: at least this many days between two letters to one customer; escalations falling due
    #: within this window after a letter are taken into that letter instead of a letter of their own
    cooldown_days: int = 7
    #: §288 Abs. 1/2 BGB default interest on the letters
    statutory_interest: bool = True
    #: §288 Abs. 5 BGB 40 EUR flat fee from business debtors; off by default because most small
    #: businesses waive it for the sake of the customer relationship
    flat_fee_b2b: bool = False
    #: §286 Abs. 2 Nr. 1 BGB: due dates are agreed by contract, so default starts without a reminder
    due_dates_agreed: bool = False
    #: interest and fees left once the principal is paid: "waive" (written off), "claim" (one
    #: friendly statement of them, no escalation) or "ask" (the owner decides)
    residual_charges: str = "waive"
    #: residual charges below this amount are always waived
    residual_minimum: Decimal = Decimal("10.00")
    #: which letters wait for the owner's approval before they go out (``approval.Approval``):
    #: none, first_letter, all, above_amount (with ``approval_amount``) or handover
    approval: str = "none"
    approval_amount: Decimal | None = None
    #: a tenant who imports bank statements: letters wait while the newest booking day is more
    #: than this many working days old on a run day (domain/freshness.py); 0 turns it off
    bank_freshness_days: int = 3
    #: the debtor's page (domain/portal.py): days dunning of invoices the debtor says are paid
    #: waits for the bank match before the owner is asked
    paid_claim_days: int = 5
    #: the furthest a promise to pay may lie ahead, in days
    max_promise_days: int = 30
    #: promises the debtor may give per invoice (the owner may allow more)
    promises_per_invoice: int = 1
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.levels:
            raise DomainError("a policy needs at least one level")
        for i, level in enumerate(self.levels):
            if level.days < 1:
                raise DomainError(f"level {i + 1} ({level.name}): days must be at least 1")
            if level.fee < ZERO:
                raise DomainError(f"level {i + 1} ({level.name}): fee must not be negative")
            if level.fee > FEE_MAX:
                raise DomainError(f"level {i + 1} ({level.name}): fee at most {FEE_MAX} EUR: only "
                                  f"the material costs of a letter may be charged (BGH VIII ZR 95/18)")
            if level.action is Action.HAND_OVER and i != len(self.levels) - 1:
                raise DomainError("only the last level may hand over for collection")
        if self.levels[0].action is Action.HAND_OVER:
            raise DomainError("at least one letter must come before the hand-over for collection")
        if self.residual_charges not in RESIDUAL_POLICIES:
            raise DomainError(f"residual_charges: one of {', '.join(RESIDUAL_POLICIES)}, "
                              f"got {self.residual_charges!r}")
        if self.residual_minimum < ZERO:
            raise DomainError("residual_minimum: must not be negative")
        # §286 Abs. 1 BGB: the first reminder is what puts the debtor in default, so its own
        # costs cannot be claimed.
        if self.levels[0].fee != ZERO:
            raise DomainError("the first reminder must be free of charge (§286 Abs. 1 BGB)")
        check_region(self.holiday_region)
        check_approval(self.approval, self.approval_amount)

    def level(self, number: int) -> Level:
        """Levels are numbered from 1, as on the letters."""
        return self.levels[number - 1]

    @property
    def top(self) -> int:
        return len(self.levels)


def default_policy() -> Policy:
    """Friendly reminder, two dunning letters about two weeks apart, then hand-over.

    Fees stay low on purpose: courts accept only real material costs (BGH VIII ZR 95/18).
    """
    return Policy(
        levels=(
            Level("Zahlungserinnerung", days=7, fee=ZERO, tone=Tone.FRIENDLY),
            Level("1. Mahnung", days=14, fee=Decimal("1.50"), tone=Tone.NEUTRAL),
            Level(
                "Letzte Mahnung",
                days=14,
                fee=Decimal("2.50"),
                tone=Tone.FIRM,
                channels=(Channel.EMAIL, Channel.POST),
            ),
            Level("Übergabe an Inkasso", days=14, tone=Tone.FIRM, action=Action.HAND_OVER),
        )
    )
