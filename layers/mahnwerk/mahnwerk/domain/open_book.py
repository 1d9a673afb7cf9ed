"""A tenant's open invoices as payment matching reads them: the open items, the payment's fields,
and the book that indexes the items by amount, customer, IBAN and name token. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, Protocol

from .dunning import NoticeLine
from .iban import compact_iban
from .model import Customer
from .money import cents
from .names import NameKey, name_key
from .references import InvoiceIndex


class Payment(Protocol):
    """What matching reads from a bank entry (``intake.bank_model.BankEntry`` fits)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def booking_date(self) -> date: ...
    @property
    def remittance(self) -> str: ...
    @property
    def structured_reference(self) -> str: ...
    @property
    def debtor_name(self) -> str: ...
    @property
    def debtor_iban(self) -> str: ...
    @property
    def is_payment(self) -> bool: ...


@dataclass(frozen=True)
class OpenItem:
    """One open invoice of the tenant as matching sees it, with its claim as of the booking day."""

    number: str
    customer_id: str
    due_date: date
    #: principal + interest + fees + flat fee (``NoticeLine.total``)
    claim_total: Decimal
    open_principal: Decimal
    customer_name: str = ""
    #: IBANs this customer paid from before (any spacing/case)
    ibans: frozenset[str] = frozenset()
    currency: str = "EUR"

    @classmethod
    def from_line(cls, line: NoticeLine, customer: Customer, ibans: Iterable[str] = (),
                  currency: str = "EUR") -> OpenItem:
        """From ``dunning.claim_line`` (computed as of the booking date)."""
        return cls(line.number, customer.customer_id, line.due_date, cents(line.total),
                   cents(line.open_amount), customer.name, frozenset(ibans), currency)


def to_cents(amount: Decimal) -> int:
    """Whole cents, commercial rounding (the same as ``money.cents``)."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


class Candidate(NamedTuple):
    """Invoices an amount could be for: one invoice, or all open invoices of a customer."""

    customer_id: str
    numbers: tuple[str, ...]
    kind: int  # KINDS index: lower is preferred
    amounts: tuple[int, int]  # cents: claim total, open principal
    due_date: date  # the oldest due date among ``numbers``


KINDS = ("claim total", "open principal", "all open claims", "all open principal")
#: an amount equal to open principal designates that principal (§367 Abs. 2 BGB)
PRINCIPAL_KINDS = (1, 3)


class OpenBook:
    """A tenant's open items indexed for matching: build once (linear), then
    ``matching.match_payment`` matches each payment in time independent of the number of open
    items (dict look-ups by amount, customer, IBAN and name token; a bisect for amounts near the
    payment's)."""

    def __init__(self, items: Iterable[OpenItem],
                 customers: Mapping[str, Customer] | None = None) -> None:
        self.items: dict[str, OpenItem] = {}
        by_customer: defaultdict[str, list[OpenItem]] = defaultdict(list)
        for item in items:
            if item.number in self.items:
                raise ValueError(f"invoice {item.number!r} is listed twice")
            self.items[item.number] = item
            by_customer[item.customer_id].append(item)
        self.by_customer: dict[str, tuple[OpenItem, ...]] = {}
        self.names: dict[str, NameKey] = {}
        self.ibans: dict[str, frozenset[str]] = {}
        self.by_iban: defaultdict[str, list[str]] = defaultdict(list)
        self.by_amount: defaultdict[tuple[str, int], list[Candidate]] = defaultdict(list)
        self.by_token: defaultdict[str, list[str]] = defaultdict(list)
        self.sums: dict[str, Candidate] = {}
        #: number → (claim total, open principal) in cents
        self.cents_of: dict[str, tuple[int, int]] = {}
        near_amounts: list[int] = []
        near_numbers: list[str] = []
        for cid, group in by_customer.items():
            group.sort(key=lambda it: (it.due_date, it.number))
            self.by_customer[cid] = tuple(group)
            name = next((it.customer_name for it in group if it.customer_name), "")
            if not name and customers is not None and cid in customers:
                name = customers[cid].name
            key = name_key(name)
            self.names[cid] = key
            for token in key.tokens:
                self.by_token[token].append(cid)
            ibans = frozenset(compact_iban(i) for it in group for i in it.ibans if i.strip())
            self.ibans[cid] = ibans
            for iban in ibans:
                self.by_iban[iban].append(cid)
            for it in group:
                claim, principal = to_cents(it.claim_total), to_cents(it.open_principal)
                self.cents_of[it.number] = (claim, principal)
                cand = Candidate(cid, (it.number,), 0, (claim, principal), it.due_date)
                self.by_amount[(it.currency, claim)].append(cand)
                near_amounts.append(claim)
                near_numbers.append(it.number)
                if principal != claim:
                    self.by_amount[(it.currency, principal)].append(
                        Candidate(cid, (it.number,), 1, (claim, principal), it.due_date))
                    near_amounts.append(principal)
                    near_numbers.append(it.number)
            currencies = {it.currency for it in group}
            if len(group) > 1 and len(currencies) == 1:
                currency = currencies.pop()
                claim = sum(self.cents_of[it.number][0] for it in group)
                principal = sum(self.cents_of[it.number][1] for it in group)
                numbers = tuple(it.number for it in group)
                whole = Candidate(cid, numbers, 2, (claim, principal), group[0].due_date)
                self.sums[cid] = whole
                self.by_amount[(currency, claim)].append(whole)
                if principal != claim:
                    self.by_amount[(currency, principal)].append(
                        Candidate(cid, numbers, 3, (claim, principal), group[0].due_date))
        order = sorted(range(len(near_amounts)), key=near_amounts.__getitem__)
        self.near_amounts = [near_amounts[i] for i in order]
        self.near_numbers = [near_numbers[i] for i in order]
        self.index = InvoiceIndex(self.items)

    def __len__(self) -> int:
        return len(self.items)


__all__ = ["KINDS", "PRINCIPAL_KINDS", "Candidate", "OpenBook", "OpenItem", "Payment",
           "to_cents"]
