"""The daily dunning decision for one customer. Pure: invoices and a date in, a plan out.

Semantics (documented in the README):
- level 1 becomes due ``levels[0].days`` after the invoice's due date;
- level n+1 becomes due ``levels[n].days`` after level n was sent;
- with ``consolidate`` on, the customer gets one letter at the highest level that is due, listing
  every open overdue invoice as an account statement; the invoices that are due advance one level,
  and so do listed invoices whose next level would fall due within ``cooldown_days`` (they are in
  this letter, so they do not get a letter of their own a few days later);
- no letter goes to a customer within ``cooldown_days`` of the previous one: what falls due in
  between waits and goes out, at the highest level then due, when the cooldown ends.
- a letter's payment deadline is ``deadline_days`` after it, moved off a weekend or public holiday
  to the next working day (§193 BGB); a hand-over comes no earlier than the day after the
  deadline of the letter that announced it.

Amounts: a notice states what settles the claim as of its date — open principal, unpaid fees of
earlier letters plus its own, default interest accrued up to and including the notice date, and the
§288 Abs. 5 flat fee where owed.

Currencies: a notice is in one currency, the currency of its invoices. Interest is computed the
same way on a foreign principal, in that currency (rounded to its minor units). The level fees
and the §288 Abs. 5 flat fee are euro amounts: they are charged on euro invoices only, never
added to a total in another currency. A customer with overdue invoices in several currencies
gets one letter per currency — the currency of the most urgent invoices first; the others follow
when the cooldown after that letter ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from .currency import EUR, round_minor
from .deliverability import NO_CHANNEL, delivery
from .interest import FLAT_FEE_B2B, BaseRateTable, default_interest
from .model import Channel, Customer, Invoice, InvoiceStatus
from .money import ZERO, cents
from .policy import Action, Policy, Tone
from .portal import promise_broken
from .workdays import next_working_day


@dataclass(frozen=True)
class NoticeLine:
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    open_amount: Decimal
    level: int
    days_overdue: int
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    flat_fee: Decimal = ZERO
    default_from: date | None = None
    currency: str = EUR

    @property
    def total(self) -> Decimal:
        return self.open_amount + self.interest + self.fees + self.flat_fee


@dataclass(frozen=True)
class Advance:
    """How one invoice moves because of this notice (written in the reservation transaction)."""

    number: str
    from_level: int
    to_level: int
    next_action_on: date | None
    status: InvoiceStatus
    #: the version read when deciding; the write is conditional on it (optimistic locking)
    expected_version: int
    fees_open: Decimal = ZERO
    reminder_reached_on: date | None = None
    #: the residual-charge state the invoice moves to (None: unchanged)
    charges_state: str | None = None
    #: the invoice's last letter before this one (kept for a letter that waits for approval, so
    #: skipping it or planning it afresh can put the invoice back)
    last_notice_before: date | None = None


#: a notice's kind: an escalation level of the policy, or the one statement of residual charges
DUNNING, CHARGES = "dunning", "charges"
#: the level name of a residual-charge statement (its subject; the letters translate it)
CHARGES_NAME = "Aufstellung Verzugskosten"


@dataclass(frozen=True)
class NoticePlan:
    tenant_id: str
    customer_id: str
    run_date: date
    level: int
    level_name: str
    tone: Tone
    channels: tuple[Channel, ...]
    action: Action
    lines: tuple[NoticeLine, ...]
    fee: Decimal
    deadline: date
    advances: tuple[Advance, ...]
    #: the base-rate table had no confirmed value for some day charged (operator must update it)
    stale_base_rate: bool = False
    #: (number, version) of listed invoices that do not advance: the reservation checks that they
    #: are unchanged, so the statement never shows a state that is already outdated
    checks: tuple[tuple[str, int], ...] = ()
    #: DUNNING, or CHARGES: the statement of interest and costs left after the principal was paid
    kind: str = DUNNING
    #: payments received on the listed invoices since their last letter (day, amount), which the
    #: letter acknowledges
    payments: tuple[tuple[date, Decimal], ...] = ()
    #: the owner's note printed on the letter (added when approving it, ``approval``)
    note: str = ""
    #: deliverability (domain.deliverability): "" when the planned channels reach the customer;
    #: no_email / no_address when the letter falls back to the other channel (``channels`` is
    #: then that channel); no_channel when it cannot go out at all and waits for the owner
    undeliverable: str = ""
    #: the listed invoices whose promise to pay ran out unpaid (domain.portal): the letter says so
    promise_broken: tuple[str, ...] = ()
    #: the day they were promised to be paid by (the latest, if several)
    promised_by: date | None = None
    #: the customer's link to their page (domain.portal), printed below the payment block; set
    #: when the letter is rendered (the notice records it with the plan)
    portal_url: str = ""

    @property
    def held(self) -> bool:
        """The letter cannot reach the customer by any channel: it waits for the owner."""
        return self.undeliverable == NO_CHANNEL

    @property
    def notice_id(self) -> str:
        """Deterministic: the same customer, level and run day always give the same id (a
        residual-charge statement is level 0)."""
        return f"{self.customer_id}:{self.run_date.isoformat()}:L{self.level}"

    @property
    def paid(self) -> Decimal:
        """Paid so far on the listed invoices' principal."""
        return cents(sum((line.paid for line in self.lines), ZERO))

    @property
    def principal(self) -> Decimal:
        return cents(sum((line.open_amount for line in self.lines), ZERO))

    @property
    def interest(self) -> Decimal:
        return cents(sum((line.interest for line in self.lines), ZERO))

    @property
    def fees(self) -> Decimal:
        """Unpaid fees of earlier letters plus this letter's own."""
        return cents(self.fee + sum((line.fees for line in self.lines), ZERO))

    @property
    def flat_fee(self) -> Decimal:
        return cents(sum((line.flat_fee for line in self.lines), ZERO))

    @property
    def total(self) -> Decimal:
        return cents(self.principal + self.interest + self.fees + self.flat_fee)

    @property
    def invoice_numbers(self) -> tuple[str, ...]:
        return tuple(line.number for line in self.lines)

    @property
    def currency(self) -> str:
        """The currency of every amount on the notice (its lines share one, ``decide``)."""
        return self.lines[0].currency if self.lines else EUR


def first_action_on(due_date: date, policy: Policy) -> date:
    """When a fresh invoice first needs a decision: level 1's interval after its due date."""
    return due_date + timedelta(days=policy.level(1).days)


def next_action_after(level_sent: int, sent_on: date, policy: Policy) -> date | None:
    """After level n went out, level n+1 is due ``levels[n].days`` later; None after the last."""
    if level_sent >= policy.top:
        return None
    return sent_on + timedelta(days=policy.level(level_sent + 1).days)


def scheduled_next(invoice: Invoice, policy: Policy) -> date | None:
    """The day the invoice's next level falls due by the policy alone (no pause, no cooldown):
    level 1 after its due date, level n+1 after level n was sent; None after the last level (or
    when the day level n was sent is not known)."""
    if invoice.level == 0:
        return first_action_on(invoice.due_date, policy)
    if invoice.last_notice_on is None:
        return None
    return next_action_after(invoice.level, invoice.last_notice_on, policy)


def deadline_of(today: date, policy: Policy) -> date:
    """The payment deadline of a letter dated ``today``: ``deadline_days`` later, moved off a
    Saturday, Sunday or public holiday to the next working day (§193 BGB)."""
    return next_working_day(today + timedelta(days=policy.deadline_days), policy.holiday_region)


def following_action_on(level_sent: int, sent_on: date, deadline: date, policy: Policy) -> date | None:
    """Like ``next_action_after``, but the hand-over a letter announces for after its deadline
    never comes before the day after that deadline (it may have moved, §193 BGB)."""
    after = next_action_after(level_sent, sent_on, policy)
    if after is not None and policy.level(level_sent + 1).action is Action.HAND_OVER:
        after = max(after, deadline + timedelta(days=1))
    return after


def is_due(invoice: Invoice, on: date) -> bool:
    return (
        invoice.is_dunnable(on)
        and invoice.next_action_on is not None
        and invoice.next_action_on <= on
        and invoice.due_date < on
    )


# --- §286: when does default begin ----------------------------------------------------------

def default_from(invoice: Invoice, customer: Customer, policy: Policy) -> date | None:
    """The first day of default (Verzug), or None while the debtor is not in default yet.

    The earliest of: the day after the first reminder reached the debtor (§286 Abs. 1); day 31
    after the due date — for consumers only if the invoice pointed this out (§286 Abs. 3); the day
    after the due date where the payment date was agreed by the calendar (§286 Abs. 2 Nr. 1).
    """
    days: list[date] = []
    if invoice.reminder_reached_on is not None:
        days.append(invoice.reminder_reached_on + timedelta(days=1))
    if not customer.is_consumer or invoice.consumer_notice:
        # 30 days after the due date *and* the invoice reached the debtor, which it cannot have
        # done before its date: a due date printed before the invoice date starts no earlier
        days.append(max(invoice.due_date, invoice.issue_date) + timedelta(days=31))
    agreed = customer.overrides.due_dates_agreed
    if agreed if agreed is not None else policy.due_dates_agreed:
        days.append(invoice.due_date + timedelta(days=1))
    return min(days) if days else None


def claim_line(invoice: Invoice, customer: Customer, policy: Policy, rates: BaseRateTable,
               on: date, level: int) -> tuple[NoticeLine, bool]:
    """One invoice's line on a notice dated ``on``, and whether a stale base rate was used."""
    start = default_from(invoice, customer, policy)
    interest = ZERO
    stale = False
    if policy.statutory_interest and start is not None and start <= on:
        begin = start
        if invoice.interest_through is not None:
            begin = max(start, invoice.interest_through + timedelta(days=1))
        begin = max(begin, rates.first_day)  # no rate known before: none claimed (never too much)
        piece = default_interest(invoice.open_amount, begin, on, customer.is_consumer, rates)
        stale = piece.stale_rate
        interest = max(ZERO, round_minor(invoice.interest_accrued + piece.exact, invoice.currency)
                       - invoice.interest_paid)
    flat_fee = ZERO
    # §288 Abs. 5 BGB: 40 EUR once per claim in default, business debtors only; a euro amount,
    # so claimed on euro invoices only (never added into a total in another currency).
    if policy.flat_fee_b2b and not customer.is_consumer and start is not None and start <= on \
            and invoice.currency == EUR:
        flat_fee = max(ZERO, FLAT_FEE_B2B - invoice.flat_fee_paid)
    line = NoticeLine(
        number=invoice.number, issue_date=invoice.issue_date, due_date=invoice.due_date,
        amount=invoice.amount, paid=invoice.paid_amount, open_amount=invoice.open_amount,
        level=level, days_overdue=invoice.days_overdue(on), interest=interest,
        fees=invoice.fees_open, flat_fee=flat_fee, default_from=start, currency=invoice.currency,
    )
    return line, stale


# --- the decision -----------------------------------------------------------------------------

def _aligned(listed: list[Invoice], due: list[Invoice], level_no: int, today: date,
             policy: Policy) -> list[Invoice]:
    """Listed invoices whose next letter level would fall due within the cooldown: they advance
    with this letter rather than cause another one a few days later."""
    if policy.level(level_no).action is not Action.LETTER:
        return []
    horizon = today + timedelta(days=policy.cooldown_days)
    due_numbers = {inv.number for inv in due}
    return [
        inv for inv in listed
        if inv.number not in due_numbers and inv.next_action_on is not None
        and inv.next_action_on <= horizon and inv.level + 1 <= level_no
        and policy.level(inv.level + 1).action is Action.LETTER
    ]


def customer_blocked(customer: Customer, today: date) -> bool:
    o = customer.overrides
    return o.excluded or (o.paused_until is not None and o.paused_until >= today)


def decide(
    customer: Customer,
    invoices: Iterable[Invoice],
    policy: Policy,
    rates: BaseRateTable,
    today: date,
) -> NoticePlan | None:
    """What (if anything) this customer gets today. Invoice beats customer beats tenant."""
    if customer_blocked(customer, today):
        return None
    tenant_id, customer_id = customer.tenant_id, customer.customer_id
    candidates = [
        inv
        for inv in invoices
        if inv.customer_id == customer_id and inv.tenant_id == tenant_id and inv.is_dunnable(today)
    ]
    due = [inv for inv in candidates if is_due(inv, today) and inv.level < policy.top]
    if due:
        # one currency per letter: never a sum across currencies
        currency = letter_currency(due)
        candidates = [inv for inv in candidates if inv.currency == currency]
        due = [inv for inv in due if inv.currency == currency]
    if not due:
        mine = [inv for inv in invoices
                if inv.customer_id == customer_id and inv.tenant_id == tenant_id]
        return charges_statement(customer, mine, policy, rates, today)
    last_letter = max((inv.last_notice_on for inv in candidates if inv.last_notice_on), default=None)
    # a broken promise to pay is answered the next morning, cooldown or not (domain.portal)
    broken = tuple(sorted(inv.number for inv in due if promise_broken(inv, today)))
    if last_letter is not None and (today - last_letter).days < policy.cooldown_days \
            and not broken:
        return None
    # credit notes not yet settled reduce what the customer owes
    credits = [inv for inv in invoices
               if inv.customer_id == customer_id and inv.tenant_id == tenant_id
               and inv.status is InvoiceStatus.OPEN and inv.open_amount < ZERO
               and inv.currency == currency]
    owed = sum((inv.open_amount for inv in candidates if inv.due_date < today), ZERO) \
        + sum((inv.open_amount for inv in credits), ZERO)
    if owed <= ZERO or owed < policy.minimum_amount:
        return None

    level_no = max(inv.level + 1 for inv in due)
    level = policy.level(level_no)
    if policy.consolidate:
        listed = [inv for inv in candidates if inv.due_date < today]
        due += _aligned(listed, due, level_no, today, policy)
    else:
        # Without consolidation the letter covers only the invoices at the chosen level.
        listed = [inv for inv in due if inv.level + 1 == level_no]
        due = listed
    listed.sort(key=lambda inv: (inv.due_date, inv.number))
    listed += sorted(credits, key=lambda inv: (inv.issue_date, inv.number))

    is_letter = level.action is Action.LETTER
    channels = level.channels
    undeliverable = ""
    if is_letter:
        route = delivery(customer, customer.overrides.channels or level.channels)
        channels, undeliverable = route.channels or route.planned, route.reason
    # level fees are euro amounts: charged on euro letters only
    fee = level.fee if is_letter and currency == EUR else ZERO
    # The letter's fee is booked on its oldest invoice (§367: costs are settled first anyway).
    fee_bearer = min(due, key=lambda inv: (inv.due_date, inv.number)).number
    deadline = deadline_of(today, policy)
    reached = today if Channel.EMAIL in channels and customer.email else \
        today + timedelta(days=policy.post_delivery_days)

    advances = []
    for inv in sorted(due, key=lambda i: i.number):
        to_level = inv.level + 1
        hand_over = policy.level(to_level).action is Action.HAND_OVER
        advances.append(Advance(
            number=inv.number,
            from_level=inv.level,
            to_level=to_level,
            next_action_on=None if hand_over else following_action_on(to_level, today, deadline, policy),
            status=InvoiceStatus.HANDED_OVER if hand_over else inv.status,
            expected_version=inv.version,
            fees_open=inv.fees_open + (fee if inv.number == fee_bearer else ZERO),
            reminder_reached_on=inv.reminder_reached_on or (reached if is_letter else None),
        ))
    new_level = {a.number: a.to_level for a in advances}
    lines, stale = [], False
    for inv in listed:
        line, line_stale = claim_line(inv, customer, policy, rates, today,
                                      new_level.get(inv.number, inv.level))
        lines.append(line)
        stale = stale or line_stale
    return NoticePlan(
        tenant_id=tenant_id,
        customer_id=customer_id,
        run_date=today,
        level=level_no,
        level_name=level.name,
        tone=level.tone,
        channels=channels,
        action=level.action,
        lines=tuple(lines),
        fee=fee,
        deadline=deadline,
        advances=tuple(advances),
        stale_base_rate=stale,
        checks=tuple((inv.number, inv.version) for inv in listed if inv.number not in new_level),
        payments=payments_since_last_letter(listed),
        undeliverable=undeliverable,
        promise_broken=tuple(n for n in broken if n in new_level),
        promised_by=max((inv.paused_until for inv in due if inv.number in broken
                         and inv.paused_until is not None), default=None),
    )


def letter_currency(due: Iterable[Invoice]) -> str:
    """The currency of today's letter when invoices in several currencies are due: the one whose
    invoices reach the highest level, then euro, then the one with the oldest due date."""
    return min(due, key=lambda inv: (-inv.level, inv.currency != EUR, inv.due_date,
                                     inv.currency)).currency


def payments_since_last_letter(invoices: Iterable[Invoice]) -> tuple[tuple[date, Decimal], ...]:
    """The payments booked on these invoices since each one's last letter, once each (one
    transfer may have paid several of them): what the next letter acknowledges."""
    seen: dict[str, tuple[date, Decimal]] = {}
    for inv in invoices:
        on = inv.last_payment_on
        if inv.last_payment_id and on is not None and \
                (inv.last_notice_on is None or on >= inv.last_notice_on):
            seen.setdefault(inv.last_payment_id, (on, inv.last_payment_amount))
    return tuple(sorted(seen.values()))


def charges_statement(customer: Customer, invoices: Iterable[Invoice], policy: Policy,
                      rates: BaseRateTable, today: date) -> NoticePlan | None:
    """The one friendly statement of residual charges (``residual.py``, policy ``claim``): the
    interest and costs left on invoices whose principal is paid. No fee, no escalation after it."""
    from .residual import statement_due

    mine = list(invoices)
    due = sorted((inv for inv in mine if statement_due(inv, today)),
                 key=lambda inv: (inv.due_date, inv.number))
    if not due:
        return None
    currency = letter_currency(due)
    due = [inv for inv in due if inv.currency == currency]
    # no letter within the cooldown of the customer's last one, whatever it was about
    last_letter = max((inv.last_notice_on for inv in mine if inv.last_notice_on), default=None)
    if last_letter is not None and (today - last_letter).days < policy.cooldown_days:
        return None
    lines = []
    stale = False
    for inv in due:
        line, line_stale = claim_line(inv, customer, policy, rates, today, inv.level)
        lines.append(line)
        stale = stale or line_stale
    if sum((line.total for line in lines), ZERO) <= ZERO:
        return None
    first = policy.level(1)
    route = delivery(customer, customer.overrides.channels or first.channels)
    channels = route.channels or route.planned
    return NoticePlan(undeliverable=route.reason,
        tenant_id=customer.tenant_id, customer_id=customer.customer_id, run_date=today, level=0,
        level_name=CHARGES_NAME, tone=Tone.FRIENDLY, channels=channels, action=Action.LETTER,
        lines=tuple(lines), fee=ZERO, deadline=deadline_of(today, policy),
        advances=tuple(Advance(
            number=inv.number, from_level=inv.level, to_level=inv.level, next_action_on=None,
            status=inv.status, expected_version=inv.version, fees_open=inv.fees_open,
            charges_state="claimed") for inv in due),
        stale_base_rate=stale, kind=CHARGES, payments=payments_since_last_letter(due),
    )


def accrue(invoice: Invoice, customer: Customer, policy: Policy, rates: BaseRateTable,
           on: date) -> Invoice:
    """The invoice with its default interest booked exactly up to and including ``on`` — done
    before its principal changes (a payment), so interest keeps running on the right amount."""
    start = default_from(invoice, customer, policy)
    if not policy.statutory_interest or start is None or start > on:
        return invoice
    begin = start if invoice.interest_through is None else \
        max(start, invoice.interest_through + timedelta(days=1))
    begin = max(begin, rates.first_day)  # no rate known before: none claimed (never too much)
    if begin > on:
        return invoice
    piece = default_interest(invoice.open_amount, begin, on, customer.is_consumer, rates)
    return invoice.with_changes(interest_accrued=invoice.interest_accrued + piece.exact,
                                interest_through=on)


def refresh(plan: NoticePlan, current: Iterable[Invoice], customer: Customer, policy: Policy,
            rates: BaseRateTable) -> NoticePlan | None:
    """A reserved notice re-checked just before it goes out: lines of invoices settled meanwhile
    drop out, the others show their current amounts; None when nothing is left to claim."""
    fresh = {inv.number: inv for inv in current}
    levels = {line.number: line.level for line in plan.lines}
    # the reservation already booked this letter's own fee on its invoice: shown once, as the fee
    before = {line.number: line.fees for line in plan.lines}
    added = {a.number: a.fees_open - before.get(a.number, ZERO) for a in plan.advances}
    lines = []
    for number in plan.invoice_numbers:
        inv = fresh.get(number)
        if inv is None:
            continue
        if plan.kind == CHARGES:
            if inv.charges_open <= ZERO or inv.charges_state == "waived":
                continue
        elif inv.status not in (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID,
                                InvoiceStatus.HANDED_OVER):
            continue
        own_fee = added.get(number, ZERO)
        if own_fee > ZERO:
            inv = inv.with_changes(fees_open=max(ZERO, inv.fees_open - own_fee))
        if plan.kind != CHARGES and inv.open_amount == ZERO and inv.fees_open == ZERO:
            continue
        line, _ = claim_line(inv, customer, policy, rates, plan.run_date, levels[number])
        lines.append(line)
    if not lines or sum((line.total for line in lines), ZERO) <= ZERO:
        return None
    return replace(plan, lines=tuple(lines))
