"""How a payment is credited (§§366, 367 BGB). Pure.

§367 Abs. 1: within one claim, a payment that does not cover everything settles the costs first,
then the interest, then the principal. §366 Abs. 2: a payment naming no claim goes to the claim that
fell due first (among equally due ones, the one least secured / oldest — we take the oldest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .dunning import NoticeLine
from .money import ZERO


@dataclass(frozen=True)
class Credit:
    """What one payment settles on one invoice."""

    number: str
    costs: Decimal  # dunning fees and the §288 Abs. 5 flat fee
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.costs + self.interest + self.principal


@dataclass(frozen=True)
class Allocation:
    credits: tuple[Credit, ...]
    #: what is left over (an over-payment becomes a customer credit)
    unapplied: Decimal


def credit_one(amount: Decimal, line: NoticeLine) -> Credit:
    """§367 Abs. 1: costs → interest → principal."""
    rest = amount
    costs = min(rest, line.fees + line.flat_fee)
    rest -= costs
    interest = min(rest, line.interest)
    rest -= interest
    principal = min(rest, line.open_amount)
    return Credit(line.number, costs, interest, principal)


def allocate(amount: Decimal, claims: Sequence[NoticeLine],
             named: Sequence[str] = ()) -> Allocation:
    """Spread ``amount`` over the claims: the named invoices in the order named, then — for what
    is left, or when nothing was named — the claims in the order they fell due (§366 Abs. 2)."""
    if amount < ZERO:
        raise ValueError("a payment cannot be negative")
    by_number = {c.number: c for c in claims}
    order = [by_number[n] for n in dict.fromkeys(named) if n in by_number]
    order += sorted((c for c in claims if c.number not in set(named)),
                    key=lambda c: (c.due_date, c.number))
    credits = []
    rest = amount
    for claim in order:
        if rest <= ZERO:
            break
        credit = credit_one(rest, claim)
        if credit.total > ZERO:
            credits.append(credit)
            rest -= credit.total
    return Allocation(tuple(credits), rest)
