"""Whether a letter can reach the customer through the channels it is planned for. Pure.

A letter planned "per E-Mail" to a customer without an e-mail address (or whose address bounced)
and one planned by post to a customer without a complete postal address would never arrive. The
rule: the planned channels the customer can be reached by are used; when none of them works, the
letter falls back to the other channel (e-mail missing → post if the address is complete, and vice
versa); when the customer has neither, the letter waits for the owner (held with a reason, never
dropped, never sent) until the master data is completed.

The same rule flags the customer when an invoice arrives (import report), before the letter is
due (forecast "nicht zustellbar", dashboard alert, API field) and decides the channels when the
letter is planned (``domain.dunning.decide``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Channel, Customer
from .policy import Action, Policy

#: reason codes (stable; the dashboard translates them, the API returns code and English text)
NO_EMAIL, NO_ADDRESS, NO_CHANNEL = "no_email", "no_address", "no_channel"

REASONS = {
    NO_EMAIL: "no usable e-mail address: the letter goes by post instead",
    NO_ADDRESS: "no complete postal address: the letter goes by e-mail instead",
    NO_CHANNEL: "neither a usable e-mail address nor a complete postal address: the letter waits "
                "for the owner",
}


@dataclass(frozen=True)
class Delivery:
    """How a letter planned for ``planned`` reaches the customer."""

    planned: tuple[Channel, ...]
    #: the channels it really goes by (empty: it cannot go out and waits for the owner)
    channels: tuple[Channel, ...]
    #: "" when every planned channel works; else NO_EMAIL, NO_ADDRESS or NO_CHANNEL
    reason: str = ""

    @property
    def deliverable(self) -> bool:
        """False: a planned channel is missing (flagged, even when another one takes over)."""
        return not self.reason

    @property
    def held(self) -> bool:
        """True: no channel works; the letter waits for the owner."""
        return not self.channels

    @property
    def message(self) -> str:
        return REASONS.get(self.reason, "")


def usable(customer: Customer, channel: Channel) -> bool:
    """Whether ``channel`` reaches this customer: an e-mail address that has not bounced, or a
    complete postal address (street, postal code, city)."""
    if channel is Channel.EMAIL:
        return bool(customer.email.strip()) and not customer.email_status
    return customer.address.complete


def delivery(customer: Customer, planned: Sequence[Channel]) -> Delivery:
    """The channels a letter planned for ``planned`` really goes by, and why not as planned."""
    wanted = tuple(planned) or (Channel.EMAIL,)
    working = tuple(c for c in wanted if usable(customer, c))
    missing = [c for c in wanted if c not in working]
    if not missing:
        return Delivery(wanted, working)
    if working:  # e-mail and post planned, one of them works: it carries the letter
        return Delivery(wanted, working, NO_EMAIL if Channel.EMAIL in missing else NO_ADDRESS)
    other = tuple(c for c in Channel if c not in wanted and usable(customer, c))
    if other:
        return Delivery(wanted, other, NO_EMAIL if Channel.EMAIL in missing else NO_ADDRESS)
    return Delivery(wanted, (), NO_CHANNEL)


def letter_channels(customer: Customer, policy: Policy, level_no: int) -> tuple[Channel, ...] | None:
    """The channels the letter of ``level_no`` is planned for (the customer's own choice wins);
    None when that level sends no letter (a hand-over)."""
    if not 1 <= level_no <= policy.top:
        return None
    level = policy.level(level_no)
    if level.action is not Action.LETTER:
        return None
    return customer.overrides.channels or level.channels


def next_letter(customer: Customer, policy: Policy, level_no: int = 1) -> Delivery | None:
    """How the customer's next letter (level ``level_no``, the first by default) would travel;
    None when that level sends none."""
    planned = letter_channels(customer, policy, level_no)
    return None if planned is None else delivery(customer, planned)
