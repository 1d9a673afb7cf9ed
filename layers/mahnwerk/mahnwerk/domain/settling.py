"""What a payment settles on a customer's claims (§§366, 367 BGB). Pure.

``settle`` spreads a payment over a customer's claims with ``allocation.allocate``: the named
invoices first, then the others by due date; within an invoice costs → interest → principal
(§367 Abs. 1) — unless the debtor designated the principal (§367 Abs. 2: a reference match, or an
amount equal to open principal; ``matching.Match.designated``), then principal first. What is left
is an over-payment (a customer credit); what stays open on the invoices named or touched is the
shortfall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import residual
from .allocation import allocate
from .dunning import NoticeLine
from .model import Invoice, InvoiceStatus
from .money import ZERO, cents

#: the statuses in which an invoice's principal can still be paid
OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.HANDED_OVER,
        InvoiceStatus.DISPUTED)


def settleable(inv: Invoice) -> bool:
    """An invoice a payment can still settle: open principal or fees, or a residual charge that
    is claimed or awaits the owner's decision."""
    return (inv.status in OPEN and inv.open_amount + inv.fees_open > ZERO) or residual.claimable(inv)


@dataclass(frozen=True)
class InvoiceSettlement:
    """What one payment does to one invoice."""

    number: str
    fees: Decimal  # dunning fees of letters
    flat_fee: Decimal  # §288 Abs. 5 BGB
    interest: Decimal
    principal: Decimal
    claim_before: Decimal
    claim_after: Decimal
    principal_after: Decimal

    @property
    def costs(self) -> Decimal:
        return self.fees + self.flat_fee

    @property
    def total(self) -> Decimal:
        return self.costs + self.interest + self.principal

    @property
    def paid_in_full(self) -> bool:
        return self.claim_after <= ZERO

    @property
    def status(self) -> InvoiceStatus:
        return InvoiceStatus.PAID if self.paid_in_full else InvoiceStatus.PARTIALLY_PAID


@dataclass(frozen=True)
class Settlement:
    amount: Decimal
    invoices: tuple[InvoiceSettlement, ...]
    #: left after every claim given was settled: becomes a customer credit
    overpayment: Decimal
    #: still open on the invoices named or touched by this payment (an under-payment)
    shortfall: Decimal
    #: invoice numbers named that are not among the claims (already settled, or someone else's)
    unknown_named: tuple[str, ...] = ()
    #: how it was applied: "designated" (§367 Abs. 2 BGB, principal first) or "statutory"
    #: (§366 Abs. 2, §367 Abs. 1: costs → interest → principal)
    application: str = "statutory"

    @property
    def applied(self) -> Decimal:
        return self.amount - self.overpayment

    @property
    def paid_in_full(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.invoices if s.paid_in_full)

    @property
    def partially_paid(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.invoices if not s.paid_in_full)

    @property
    def outcome(self) -> str:
        """One of ``overpaid``, ``underpaid``, ``exact``."""
        if self.overpayment > ZERO:
            return "overpaid"
        return "underpaid" if self.shortfall > ZERO else "exact"


def settle(amount: Decimal, claims: Sequence[NoticeLine], named: Sequence[str] = (), *,
           designated: bool = False) -> Settlement:
    """Credit ``amount`` to a customer's ``claims`` (lines as of the booking day, e.g. from
    ``dunning.claim_line``): the ``named`` invoices first in that order, then the rest by due
    date (§366 Abs. 2); within each invoice costs → interest → principal (§367 Abs. 1) — or,
    ``designated`` by the debtor (§367 Abs. 2), the named invoices' principal first, then their
    interest and costs.

    Pass only the named invoices' claims to keep any excess as a customer credit, or all the
    customer's claims to let it settle the others oldest first.
    """
    amount = cents(amount)
    if amount < ZERO:
        raise ValueError("a payment cannot be negative")
    by_number = {c.number: c for c in claims}
    designated = designated and any(n in by_number for n in named)
    allocation = allocate(amount, claims, named, designated=designated)
    done = []
    for credit in allocation.credits:
        line = by_number[credit.number]
        fees = min(credit.costs, line.fees)
        before = cents(line.total)
        done.append(InvoiceSettlement(
            number=credit.number, fees=fees, flat_fee=credit.costs - fees,
            interest=credit.interest, principal=credit.principal, claim_before=before,
            claim_after=before - credit.total, principal_after=line.open_amount - credit.principal,
        ))
    touched = {s.number for s in done}
    shortfall = sum((s.claim_after for s in done), ZERO) + sum(
        (cents(by_number[n].total) for n in dict.fromkeys(named)
         if n in by_number and n not in touched), ZERO)
    unknown = tuple(n for n in dict.fromkeys(named) if n not in by_number)
    return Settlement(amount, tuple(done), cents(allocation.unapplied), cents(shortfall), unknown,
                      "designated" if designated else "statutory")


def application_why(method: str, application: str) -> str:
    """Why a payment was applied the way it was (§§366, 367 BGB), in a few English words."""
    if application == "designated":
        return "named in the remittance" if method == "reference" else \
            "amount equals the open principal"
    if method in ("amount+iban", "amount+name"):
        return "amount equals the whole claim"
    return "no invoice named"


__all__ = ["OPEN", "InvoiceSettlement", "Settlement", "application_why", "settle", "settleable"]
