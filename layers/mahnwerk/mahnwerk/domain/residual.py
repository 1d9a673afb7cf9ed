"""Residual charges: interest and costs still open once an invoice's principal is paid. Pure.

A customer who paid the invoice amount has settled what they owed in substance (§367 Abs. 2 BGB:
a transfer naming the invoice pays its principal first). Default interest, dunning fees and the
§288 Abs. 5 flat fee may still be owed, but whether to ask for them is the owner's call — never a
reason for another escalating letter. The invoice is ``paid``; the remainder is its own figure,
``charges_open``, handled by the tenant's ``policy.residual_charges``:

waive  written off on the day the principal is paid ("Verzugskosten erlassen"), the default;
claim  one friendly statement listing only these charges, at the next daily run (the customer's
       cooldown between letters still applies); no escalation after it;
ask    the owner's list: waive or claim by hand.

Below ``policy.residual_minimum`` (10 € by default) the charges are always waived.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .actions import NotAllowed
from .model import DomainError, Invoice, InvoiceStatus
from .money import ZERO
from .policy import Policy

#: the states in which a residual charge is still claimable (a payment may settle it)
OPEN_STATES = frozenset({"ask", "claim", "claimed"})


def principal_paid(invoice: Invoice, residual: Decimal, policy: Policy, on: date) -> Invoice:
    """The invoice on the day its principal became fully paid, with ``residual`` (its interest
    and costs still open that day) handled by the owner's policy."""
    paid = invoice.with_changes(status=InvoiceStatus.PAID, next_action_on=None)
    if residual <= ZERO:
        return paid.with_changes(charges_open=ZERO, fees_open=ZERO)
    if policy.residual_charges == "waive" or residual < policy.residual_minimum:
        return waive(paid.with_changes(charges_open=residual))
    if policy.residual_charges == "claim":
        return paid.with_changes(charges_open=residual, charges_state="claim",
                                 next_action_on=on + timedelta(days=1))
    return paid.with_changes(charges_open=residual, charges_state="ask")


def charges_paid(invoice: Invoice, rest: Decimal) -> Invoice:
    """A payment on the residual charge of a paid invoice: ``rest`` is what is still open."""
    rest = max(ZERO, rest)
    return invoice.with_changes(charges_open=rest, fees_open=min(invoice.fees_open, rest))


def waive(invoice: Invoice) -> Invoice:
    """Write the residual charge off (by policy, or the owner's decision)."""
    return invoice.with_changes(
        charges_waived=invoice.charges_waived + invoice.charges_open
        if invoice.charges_open > ZERO else invoice.charges_waived,
        charges_open=ZERO, fees_open=ZERO, charges_state="waived", next_action_on=None)


def decide(invoice: Invoice, decision: str, today: date) -> Invoice:
    """The owner's decision on a residual charge: ``waive`` or ``claim``."""
    if decision not in ("waive", "claim"):
        raise DomainError(f"decision: 'waive' or 'claim', got {decision!r}")
    if invoice.charges_open <= ZERO or invoice.charges_state not in OPEN_STATES:
        raise NotAllowed(f"invoice {invoice.number} has no residual charges to decide on")
    if decision == "waive":
        return waive(invoice)
    if invoice.charges_state != "ask":
        raise NotAllowed(f"invoice {invoice.number}: its residual charges are already claimed")
    return invoice.with_changes(charges_state="claim", next_action_on=today)


def statement_due(invoice: Invoice, today: date) -> bool:
    """A residual-charge statement is due for this invoice today."""
    return (invoice.status is InvoiceStatus.PAID and invoice.charges_state == "claim"
            and invoice.charges_open > ZERO and invoice.next_action_on is not None
            and invoice.next_action_on <= today)


def claimable(invoice: Invoice) -> bool:
    """A paid invoice whose residual charge a payment can still settle."""
    return (invoice.status is InvoiceStatus.PAID and invoice.charges_open > ZERO
            and invoice.charges_state in OPEN_STATES)
