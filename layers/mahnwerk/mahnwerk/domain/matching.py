"""Which open invoices a bank payment pays (§366 BGB): the matching rules and the decision. Pure.

Matching, in this order (the first rule that decides wins; the rule is recorded in
``Match.method``):

1. ``reference`` — invoice numbers of the tenant found in the structured reference (an RF creditor
   reference per ISO 11649 as our letters print it, or any reference containing an invoice number)
   or in the remittance text. Tolerant to case, spaces, dashes, dots and slashes inside the number,
   common prefixes ("RE", "Rg.", "Rechnung Nr.", "Invoice", …) and several numbers in one transfer.
   A number written without its letters ("2026/101" for RE-2026-101) matches when its digits are
   unambiguous among the tenant's numbers. The referenced open invoices must belong to one
   customer. If the amount does not fit what was named but fits another customer exactly by rule
   2 or 3, the reference is taken as mistyped and that rule decides (noted, confidence − 0.1); if
   the amount fits what was named and amount + IBAN point to another customer, the conflict is
   reported (unmatched), not resolved. If the amount fits another invoice of the *same* customer,
   the designation still decides (§366 Abs. 1) but is noted as possibly mistyped.
2. ``amount+iban`` — the amount equals exactly one open invoice's claim total (principal, interest,
   fees, flat fee) or its open principal, or the sum over all open invoices of one customer, and the
   debtor IBAN is known for that customer.
3. ``amount+name`` — the same exact amount rule, and the debtor name matches the customer's name
   (normalised: case, umlauts, ß, accents, legal forms and titles removed; Dice token overlap
   ≥ 0.6 — tokens also match when one is a prefix of the other, for names the bank truncated — or
   difflib ratio ≥ 0.85 on the sorted tokens).
4. ``unmatched`` — with up to three suggestions: invoices named in the remittance first, then by
   score = 0.4·amount closeness + 0.3·name similarity + 0.1·date proximity (due date vs booking
   day) + 0.1·debtor IBAN known + 0.1·named in the remittance.

Currencies: a payment only ever pays invoices in its own currency. An invoice in another currency
named in the remittance is noted and left aside (a EUR transfer never settles a CHF invoice); the
amount rules and the suggestions only look at invoices in the payment's currency.

Never a guess: two customers that fit equally well (same rule, name scores within 0.05) make
the payment unmatched, with both as suggestions. Within one customer the candidates are preferred
single invoice claim total > single open principal > all open claims > all open principal, then
oldest due first (§366 Abs. 2).

Confidence: reference 0.99 when the amount equals the claims (or principal) named, 0.97 when the
numbers were written with their letters, 0.9 digits only, 0.75 digits only with neither IBAN nor
name pointing to the customer, at most 0.8 when the amount fits a sibling invoice; amount+iban
0.97 (name matches too) or 0.93; amount+name 0.6 + 0.3 × name score; 0 when unmatched.

The numbers are found by ``references.InvoiceIndex``, names compared by ``names.name_key``, the
open items indexed by ``open_book.OpenBook``; what a match settles is ``settling.settle``.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from .iban import compact_iban
from .model import Customer
from .names import NAME_TOKEN_OVERLAP, NameKey, name_key, similarity
from .open_book import (
    KINDS,
    PRINCIPAL_KINDS,
    Candidate,
    OpenBook,
    OpenItem,
    Payment,
    to_cents,
)
from .references import InvoiceIndex

#: two customers whose name scores differ by less than this fit equally well (ambiguous)
TIE_MARGIN = 0.05
#: suggestions offered for an unmatched payment
MAX_SUGGESTIONS = 3
#: suggestion score weights (they add up to 1)
W_AMOUNT, W_NAME, W_DATE, W_IBAN, W_REFERENCE = 0.4, 0.3, 0.1, 0.1, 0.1


class MatchMethod(StrEnum):
    REFERENCE = "reference"
    AMOUNT_IBAN = "amount+iban"
    AMOUNT_NAME = "amount+name"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Suggestion:
    numbers: tuple[str, ...]
    customer_id: str
    score: float
    why: str

    @property
    def number(self) -> str:
        return self.numbers[0]


@dataclass(frozen=True)
class Match:
    method: MatchMethod
    #: the invoices this payment is for, in the order to serve them
    numbers: tuple[str, ...] = ()
    customer_id: str | None = None
    confidence: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    #: why it was (not) matched: conflicts, ambiguity, references to invoices not open
    notes: tuple[str, ...] = ()
    #: §367 Abs. 2 BGB: the debtor designated the principal of ``numbers`` (named them, or paid
    #: exactly their open principal); otherwise §366 Abs. 2 / §367 Abs. 1 apply
    designated: bool = False

    @property
    def matched(self) -> bool:
        return self.method is not MatchMethod.UNMATCHED


class _Pick(NamedTuple):
    candidate: Candidate
    name_score: float


def match_payment(entry: Payment, open_items: OpenBook | Iterable[OpenItem],
                  customers: Mapping[str, Customer] | None = None,
                  index: InvoiceIndex | None = None) -> Match:
    """Which open invoices ``entry`` pays (see the module doc for the rules).

    ``open_items``: an ``OpenBook`` (build it once to match many payments) or the open items
    themselves; ``customers`` supplies names for items without ``customer_name`` when the book is
    built here. ``index``: the tenant's ``InvoiceIndex`` (defaults to the open numbers).
    """
    book = open_items if isinstance(open_items, OpenBook) else OpenBook(open_items, customers)
    return _match(book, entry, index)


# --- the decision -----------------------------------------------------------------------------

def _match(book: OpenBook, entry: Payment, index: InvoiceIndex | None = None) -> Match:
    """Match one payment; ``index`` may hold all the tenant's numbers (paid ones too), so a
    payment naming a settled invoice is noticed; by default only open numbers are known."""
    if not entry.is_payment:
        return Match(MatchMethod.UNMATCHED, notes=("not a customer payment",))
    ctx = _Context(book, entry)
    idx = index if index is not None else book.index
    scan_ref = idx.scan(entry.structured_reference)
    scan_text = idx.scan(entry.remittance)
    named = tuple(dict.fromkeys(scan_ref.numbers + scan_text.numbers))
    weak = scan_ref.weak | scan_text.weak
    ctx.ambiguous = tuple(n for group in scan_ref.ambiguous + scan_text.ambiguous for n in group)
    notes: list[str] = []
    for group in scan_ref.ambiguous + scan_text.ambiguous:
        notes.append(f"reference fits several invoices: {', '.join(group)}")
    closed = [n for n in named if n not in book.items]
    if closed:
        notes.append(f"named but not open: {', '.join(closed)}")
    other_currency = [n for n in named if n in book.items
                      and book.items[n].currency != ctx.currency]
    if other_currency:
        notes.append(f"named but in another currency than the payment ({ctx.currency}): "
                     + ", ".join(f"{n} ({book.items[n].currency})" for n in other_currency))
    open_named = tuple(n for n in named if n in book.items and n not in other_currency)
    ctx.referenced = open_named

    by_amount = book.by_amount.get((ctx.currency, ctx.amount), [])
    iban_result = _amount_iban(book, ctx, by_amount)

    name_result: _Pick | str | None = None
    typo = 0.0
    if open_named:
        owners = tuple(dict.fromkeys(book.items[n].customer_id for n in open_named))
        if len(owners) > 1:
            notes.append("the invoices named belong to different customers: "
                         + ", ".join(owners))
            return _unmatched(book, ctx, notes)
        owner = owners[0]
        fits = ctx.amount in (sum(book.cents_of[n][0] for n in open_named),
                              sum(book.cents_of[n][1] for n in open_named))
        other: _Pick | None = None
        iban_pick = iban_result if isinstance(iban_result, _Pick) else None
        if iban_pick is not None and iban_pick.candidate.customer_id != owner:
            other = iban_pick
        elif not fits and iban_pick is None:
            name_result = _amount_name(ctx, by_amount)
            if isinstance(name_result, _Pick) and name_result.candidate.customer_id != owner:
                other = name_result
        if other is None:
            weak_only = all(n in weak for n in open_named)
            confidence = 0.9 if weak_only else 0.97
            if fits:
                confidence = 0.99
            elif weak_only and not (ctx.iban in book.ibans[owner] or ctx.name(owner)[1]):
                confidence = 0.75  # digits only, and nothing else points to this customer
            if not fits:
                sibling = next((c for c in by_amount if c.customer_id == owner), None)
                if sibling is not None:
                    # §366 Abs. 1: the debtor's designation decides, but tell a human
                    notes.append(f"the amount equals the {KINDS[sibling.kind]} of "
                                 f"{', '.join(sibling.numbers)} of the same customer: "
                                 "the reference may be mistyped")
                    confidence = min(confidence, 0.8)
            return Match(MatchMethod.REFERENCE, open_named, owner, confidence,
                         notes=tuple(notes), designated=True)
        if fits:
            notes.append(
                f"conflict: the invoices named belong to customer {owner} and fit the amount, "
                f"but amount and IBAN fit customer {other.candidate.customer_id}")
            return _unmatched(book, ctx, notes)
        # the amount does not fit what was named, but fits another customer exactly: a typo
        notes.append(f"{', '.join(open_named)} (customer {owner}) named, but the amount does "
                     "not fit; taken as a mistyped reference")
        typo = 0.1

    if isinstance(iban_result, _Pick):
        cand = iban_result.candidate
        notes.append(f"amount equals the {KINDS[cand.kind]}; debtor IBAN known")
        confidence = 0.97 if iban_result.name_score >= NAME_TOKEN_OVERLAP else 0.93
        return Match(MatchMethod.AMOUNT_IBAN, cand.numbers, cand.customer_id,
                     round(confidence - typo, 3), notes=tuple(notes),
                     designated=cand.kind in PRINCIPAL_KINDS)
    if iban_result == "tie":
        notes.append("amount and IBAN fit several customers equally")
        return _unmatched(book, ctx, notes)

    if name_result is None:
        name_result = _amount_name(ctx, by_amount)
    if isinstance(name_result, _Pick):
        cand = name_result.candidate
        notes.append(f"amount equals the {KINDS[cand.kind]}; name similarity "
                     f"{name_result.name_score:.2f}")
        return Match(MatchMethod.AMOUNT_NAME, cand.numbers, cand.customer_id,
                     round(0.6 + 0.3 * name_result.name_score - typo, 3), notes=tuple(notes),
                     designated=cand.kind in PRINCIPAL_KINDS)
    if name_result == "tie":
        notes.append("amount and name fit several customers equally")
    return _unmatched(book, ctx, notes)


def _best_per_customer(cands: Iterable[Candidate]) -> dict[str, Candidate]:
    best: dict[str, Candidate] = {}
    for cand in cands:
        held = best.get(cand.customer_id)
        if held is None or (cand.kind, cand.due_date, cand.numbers) < \
                (held.kind, held.due_date, held.numbers):
            best[cand.customer_id] = cand
    return best


def _decide(ctx: _Context, best: dict[str, Candidate],
            require_name: bool) -> _Pick | str | None:
    scored = []
    for cid, cand in best.items():
        score, ok = ctx.name(cid)
        if ok or not require_name:
            scored.append((score if ok else 0.0, cand.kind, cid))
    if not scored:
        return None
    scored.sort(key=lambda s: (-s[0], s[1]))
    top = scored[0]
    if len(scored) > 1 and top[0] - scored[1][0] < TIE_MARGIN:
        return "tie"
    return _Pick(best[top[2]], top[0])


def _amount_iban(book: OpenBook, ctx: _Context, by_amount: list[Candidate]) -> _Pick | str | None:
    if not ctx.iban or not by_amount:
        return None
    owners = set(book.by_iban.get(ctx.iban, ()))
    if not owners:
        return None
    best = _best_per_customer(c for c in by_amount if c.customer_id in owners)
    return _decide(ctx, best, require_name=False) if best else None


def _amount_name(ctx: _Context, by_amount: list[Candidate]) -> _Pick | str | None:
    if not ctx.debtor.tokens or not by_amount:
        return None
    return _decide(ctx, _best_per_customer(by_amount), require_name=True)


# --- suggestions ------------------------------------------------------------------------------

def _unmatched(book: OpenBook, ctx: _Context, notes: list[str]) -> Match:
    return Match(MatchMethod.UNMATCHED, suggestions=_suggest(book, ctx), notes=tuple(notes))


def _suggest(book: OpenBook, ctx: _Context) -> tuple[Suggestion, ...]:
    pool: dict[tuple[str, ...], Candidate] = {}

    def add_item(number: str) -> None:
        it = book.items.get(number)
        if it is not None and it.currency == ctx.currency and (it.number,) not in pool:
            pool[(it.number,)] = Candidate(
                it.customer_id, (it.number,), 0,
                book.cents_of[it.number], it.due_date)

    def add_customer(cid: str, limit: int = 10) -> None:
        for it in book.by_customer.get(cid, ())[:limit]:
            add_item(it.number)
        whole = book.sums.get(cid)
        if whole is not None and book.items[whole.numbers[0]].currency == ctx.currency:
            pool.setdefault(whole.numbers, whole)

    for number in (*ctx.referenced, *ctx.ambiguous):
        add_item(number)
    for cand in book.by_amount.get((ctx.currency, ctx.amount), [])[:20]:
        pool.setdefault(cand.numbers, cand)
    for cid in book.by_iban.get(ctx.iban, [])[:5] if ctx.iban else []:
        add_customer(cid)
    for cid in _name_neighbours(book, ctx):
        add_customer(cid, limit=5)
    pos = bisect.bisect_left(book.near_amounts, ctx.amount)
    for number in book.near_numbers[max(0, pos - 5) : pos + 5]:
        add_item(number)

    # what the debtor wrote comes first, then the best scores
    named = set(ctx.referenced) | set(ctx.ambiguous)
    ranked = sorted((_score(book, ctx, cand) for cand in pool.values()),
                    key=lambda s: (not named & set(s.numbers), -s.score, s.numbers))
    return tuple(ranked[:MAX_SUGGESTIONS])


def _name_neighbours(book: OpenBook, ctx: _Context, limit: int = 10) -> list[str]:
    counts: defaultdict[str, int] = defaultdict(int)
    for token in ctx.debtor.tokens:
        owners = book.by_token.get(token, ())
        if len(owners) > 200:  # a common word ("bau", "mueller"): says little on its own
            continue
        for cid in owners:
            counts[cid] += 1
    ranked = sorted(counts, key=lambda c: (-counts[c], c))[: limit * 3]
    scored = sorted(ranked, key=lambda c: -ctx.name(c)[0])
    return [c for c in scored[:limit] if ctx.name(c)[0] > 0.3]


def _score(book: OpenBook, ctx: _Context, cand: Candidate) -> Suggestion:
    target = min(cand.amounts, key=lambda a: abs(a - ctx.amount))
    which = "claim" if target == cand.amounts[0] else "principal"
    diff = abs(target - ctx.amount)
    amount_score = 1.0 - min(1.0, diff / max(ctx.amount, target, 1))
    name_score = ctx.name(cand.customer_id)[0]
    days = (ctx.booking - cand.due_date).days
    date_score = 1.0 / (1.0 + abs(days) / 30)
    iban_known = bool(ctx.iban) and ctx.iban in book.ibans.get(cand.customer_id, ())
    referenced = any(n in ctx.referenced or n in ctx.ambiguous for n in cand.numbers)
    score = (W_AMOUNT * amount_score + W_NAME * name_score + W_DATE * date_score
             + W_IBAN * iban_known + W_REFERENCE * referenced)
    why = [f"amount {_fmt(ctx.amount)} = {which} {_fmt(target)}" if diff == 0 else
           f"amount {_fmt(ctx.amount)} vs {which} {_fmt(target)}"]
    if len(cand.numbers) > 1:
        why.append(f"all {len(cand.numbers)} open invoices of the customer")
    why.append(f"name {name_score:.2f}")
    why.append(f"due {abs(days)} days {'before' if days >= 0 else 'after'} booking")
    if iban_known:
        why.append("debtor IBAN known")
    if referenced:
        why.append("named in the remittance")
    return Suggestion(cand.numbers, cand.customer_id, round(score, 3), "; ".join(why))


def _fmt(amount_cents: int) -> str:
    return f"{Decimal(amount_cents) / 100:.2f}"


class _Context:
    """One payment being matched, with its name scores cached per customer."""

    def __init__(self, book: OpenBook, entry: Payment) -> None:
        self.book = book
        self.amount = to_cents(entry.amount)
        self.currency = entry.currency or "EUR"
        self.booking = entry.booking_date
        self.iban = compact_iban(entry.debtor_iban)
        self.debtor = name_key(entry.debtor_name)
        self.referenced: tuple[str, ...] = ()
        self.ambiguous: tuple[str, ...] = ()
        self._names: dict[str, tuple[float, bool]] = {}

    def name(self, customer_id: str) -> tuple[float, bool]:
        found = self._names.get(customer_id)
        if found is None:
            key = self.book.names.get(customer_id, NameKey((), ""))
            found = self._names[customer_id] = similarity(self.debtor, key)
        return found


__all__ = ["Match", "MatchMethod", "Suggestion", "match_payment"]
