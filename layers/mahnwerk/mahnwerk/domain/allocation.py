"""How a payment is credited (§§366, 367 BGB). Pure.

§367 Abs. 1: within one claim, a payment that does not cover everything settles the costs first,
then the interest, then the principal — but only where the debtor made no designation. §366 Abs. 2:
a payment naming no claim goes to the claim that fell due first (among equally due ones, the one
least secured / oldest — we take the oldest).

§367 Abs. 2: a transfer that names an invoice, or pays exactly its open principal, designates that
principal. The creditor could refuse such money; keeping it accepts the designation. So a
*designated* payment settles the principal of each named invoice first (in the order named), and
only what exceeds those principals goes to their interest and costs.
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
             named: Sequence[str] = (), *, designated: bool = False) -> Allocation:
    """Spread ``amount`` over the claims: the named invoices in the order named, then — for what
    is left, or when nothing was named — the claims in the order they fell due (§366 Abs. 2).

    ``designated`` (§367 Abs. 2): the debtor's transfer named the invoices (``named``), so their
    principals are settled first, in that order, then their interest and costs; the claims not
    named follow in the statutory order.
    """
    if amount < ZERO:
        raise ValueError("a payment cannot be negative")
    by_number = {c.number: c for c in claims}
    first = [by_number[n] for n in dict.fromkeys(named) if n in by_number]
    others = sorted((c for c in claims if c.number not in set(named)),
                    key=lambda c: (c.due_date, c.number))
    rest = amount
    paid: dict[str, Credit] = {}
    if designated and first:
        for claim in first:  # the principal of each named invoice
            principal = min(rest, claim.open_amount)
            rest -= principal
            paid[claim.number] = Credit(claim.number, ZERO, ZERO, principal)
        for claim in first:  # then what they carry: costs, then interest (§367 Abs. 1)
            before = paid[claim.number]
            costs = min(rest, claim.fees + claim.flat_fee)
            rest -= costs
            interest = min(rest, claim.interest)
            rest -= interest
            paid[claim.number] = Credit(claim.number, costs, interest, before.principal)
        order = others
    else:
        order = first + others
    for claim in order:
        if rest <= ZERO:
            break
        credit = credit_one(rest, claim)
        paid[claim.number] = credit
        rest -= credit.total
    credits = tuple(c for c in paid.values() if c.total > ZERO)
    return Allocation(credits, rest)
