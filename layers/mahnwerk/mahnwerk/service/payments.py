"""Use cases behind the API's payment resource: a payment recorded by hand, an unmatched one
assigned (after a preview, if wished). Both book through the same allocation as bank statements
(§366/§367 BGB). And the undo: a matched payment unassigned, an unmatched one dismissed (no
customer payment) or restored."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..domain import events, undo
from ..domain.actions import NotAllowed
from ..domain.booking import Booking, booked_events, settle_on
from ..domain.currency import check_currency
from ..domain.dates import business_date
from ..domain.model import DomainError, Invoice, InvoiceStatus
from ..domain.money import ZERO, to_str
from ..domain.payment_record import PaymentRecord
from ..domain.settling import application_why, settleable
from ..intake.bank_model import BankEntry
from .bootstrap import Context
from .credit import credit_changed
from .invoice_ops import NotFound
from .reconcile import BankReport, _Book, _book_entry, publish_outbox
from .tenants import load_settings


class AlreadyAssigned(DomainError):
    code, status, message = "payment_already_assigned", 409, "the payment is assigned already"


class ProbableDuplicate(DomainError):
    """The same payment (date, amount, payer, reference) was recorded before without an
    Idempotency-Key: reported, not booked twice."""

    code, status, message = "probable_duplicate", 409, "this payment was recorded before"

    def __init__(self, payment_id: str, message: str) -> None:
        super().__init__(message)
        self.payment_id = payment_id

    def details(self) -> dict[str, Any]:
        return {"payment_id": self.payment_id}


def record_payment(ctx: Context, tenant_id: str, *, amount: Decimal, on: date, reference: str,
                   debtor_name: str, invoices: list[str], idempotency_key: str | None,
                   today: date | None = None, currency: str | None = None) -> dict[str, Any]:
    """A payment the owner saw elsewhere (cash, PayPal, a bank not uploaded). The same
    Idempotency-Key books it once; the invoice numbers named are matched like a remittance text.
    ``currency`` (ISO 4217): absent, the currency of the invoices named when they share one, else
    EUR; the payment only pays invoices in its currency.

    Without a key, the same date, amount, payer and reference again is a probable duplicate
    (ProbableDuplicate, nothing booked): a second such payment needs a key of its own. A booking
    date after ``today`` (the business date in Germany) is refused: money not yet received.
    """
    if amount <= ZERO:
        raise DomainError("amount must be above 0")
    if currency is None:  # the currency of the invoices named, when they share one
        named = ctx.invoices.batch_get_invoices(tenant_id, invoices[:100]) if invoices else {}
        shared = {inv.currency for inv in named.values()}
        currency = shared.pop() if len(shared) == 1 else "EUR"
    currency = check_currency(currency)  # CurrencyError (400) for a code we do not know
    if today is not None and on > today:
        raise DomainError(f"booking_date: {on.isoformat()} is in the future; record a payment once "
                          f"it has arrived (today is {today.isoformat()})")
    payer = debtor_name.strip()[:140]
    entry = BankEntry(
        account_iban="API", booking_date=on, value_date=None, amount=amount, currency=currency,
        credit=True, remittance=" ".join([reference.strip(), *invoices]).strip()[:500],
        # without a key the entry key is the payment's own fingerprint (date, amount, reference
        # and this payer): the same payment posted twice finds the first
        debtor_name=payer, bank_reference=idempotency_key or f"api-unkeyed:{payer.casefold()}")
    report = BankReport(tenant_id, "api")
    outbox = ctx.payments.payment_outbox(tenant_id, entry.entry_key)
    if outbox is None:
        booked = _book_entry(ctx, _Book(ctx, load_settings(ctx, tenant_id)), entry, report, "api")
    elif idempotency_key is None:
        if outbox:  # the first call died before publishing: its events go out now
            publish_outbox(ctx, tenant_id, [(entry.entry_key, events.from_outbox(outbox))])
        raise ProbableDuplicate(entry.entry_key, (
            f"probably a duplicate: payment {entry.entry_key} of {to_str(amount)} {currency} on "
            f"{on.isoformat()} from {payer or 'an unnamed payer'} with the same reference was "
            f"recorded before; send an Idempotency-Key to record a second, separate payment"))
    else:  # booked before: a retry publishes what the first call did not get to
        booked = events.from_outbox(outbox)
    publish_outbox(ctx, tenant_id, [(entry.entry_key, booked)])
    item = ctx.api.get_payment(tenant_id, entry.entry_key)
    assert item is not None
    return payment_json(item)


@dataclass
class _Assignment:
    """What assigning a payment would book (``assign`` writes it, ``preview_assign`` shows it)."""

    item: Any
    customer_id: str
    on: date
    invoices: list[Invoice]
    booking: Booking
    #: per invoice: the letters sent after the payment day that charged it a fee
    late: dict[str, list[dict[str, Any]]]


def _assignment(ctx: Context, tenant_id: str, payment_id: str, numbers: list[str]) -> _Assignment:
    store = ctx.api
    item = store.get_payment(tenant_id, payment_id)
    if item is None:
        raise NotFound(f"payment {payment_id} not found")
    if item.status != "unmatched":
        if item.outbox:  # assigned by a call that died before its events were published
            publish_outbox(ctx, tenant_id, [(payment_id, events.from_outbox(item.outbox))])
        raise AlreadyAssigned(f"payment {payment_id} is already {item.status}")
    if not numbers:
        raise DomainError("invoices: name at least one invoice")
    found = ctx.invoices.batch_get_invoices(tenant_id, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(f"invoice(s) not found: {', '.join(missing)}")
    invoices = [found[n] for n in dict.fromkeys(numbers)]
    customers = {inv.customer_id for inv in invoices}
    if len(customers) != 1:
        raise DomainError("the invoices belong to different customers; assign them one by one")
    closed = [inv.number for inv in invoices if not settleable(inv)]
    if closed:
        raise AlreadyAssigned(f"invoice(s) not open: {', '.join(closed)}")
    customer_id = customers.pop()
    customer = ctx.customers.get_customer(tenant_id, customer_id)
    book = _Book(ctx, load_settings(ctx, tenant_id), (invoices, [customer] if customer else []))
    on = date.fromisoformat(item.booking_date)
    late = letters_after(ctx, tenant_id, customer_id, [inv.number for inv in invoices], on)
    fees = {n: sum((Decimal(x["fee"]) for x in letters), ZERO) for n, letters in late.items()}
    # the debtor named nothing (else it would have matched): the amount still designates what
    # it pays exactly, the invoices' open principal (§367 Abs. 2 BGB); any other amount is
    # credited in the statutory order (§366 Abs. 2, §367 Abs. 1)
    amount = Decimal(item.amount)
    designated = amount == sum((inv.open_amount for inv in invoices), ZERO)
    booking = settle_on(book, [inv.number for inv in invoices], amount, on,
                        customer_id, "api", payment_id, designated=designated, late_fees=fees)
    return _Assignment(item, customer_id, on, invoices, booking, late)


def letters_after(ctx: Context, tenant_id: str, customer_id: str, numbers: list[str],
                  on: date) -> dict[str, list[dict[str, Any]]]:
    """The customer's letters dated after ``on`` that charged a fee on one of these invoices
    (its fee is booked on one invoice of the letter: what that invoice's fees grew by)."""
    wanted = set(numbers)
    found: dict[str, list[dict[str, Any]]] = {}
    for notice in ctx.notices.notices_of_customer(tenant_id, customer_id, after=on.isoformat()):
        plan = json.loads(notice.plan)
        before = {line["number"]: Decimal(str(line.get("fees") or "0")) for line in plan["lines"]}
        for adv in plan.get("advances", []):
            number = adv["number"]
            fee = Decimal(str(adv.get("fees_open") or "0")) - before.get(number, ZERO)
            if number in wanted and fee > ZERO:
                found.setdefault(number, []).append({
                    "notice_id": notice.notice_id, "run_date": plan["run_date"],
                    "level": plan["level"], "level_name": plan["level_name"], "fee": to_str(fee)})
    return found


def preview_assign(ctx: Context, tenant_id: str, payment_id: str,
                   numbers: list[str]) -> dict[str, Any]:
    """What assigning the payment to these invoices would do, without doing it: per invoice what
    it pays (principal, interest, fees, flat fee), whether it pays the invoice off, the residual
    charge then waived or claimed, the fees of letters after the payment day that drop, whether a
    hand-over is withdrawn or a dispute ends; and an over-payment's customer credit."""
    a = _assignment(ctx, tenant_id, payment_id, numbers)
    before = {inv.number: inv for inv in a.invoices}
    after = {inv.number: inv for inv, _ in a.booking.updates}
    lines = []
    for s in a.booking.settlement.invoices:
        old, new = before[s.number], after[s.number]
        paid_off = s.number in a.booking.paid_now
        charges = None
        if paid_off and new.charges_state == "waived" and new.charges_waived > old.charges_waived:
            charges = {"state": "waived", "amount": to_str(new.charges_waived - old.charges_waived)}
        elif paid_off and new.charges_state in ("claim", "ask"):
            charges = {"state": new.charges_state, "amount": to_str(new.charges_open)}
        late = a.late.get(s.number, [])
        lines.append({
            "number": s.number, "status_before": old.status.value, "status_after": new.status.value,
            "open_before": to_str(old.open_amount), "open_after": to_str(new.open_amount),
            "principal": to_str(s.principal), "interest": to_str(s.interest),
            "fees": to_str(s.fees), "flat_fee": to_str(s.flat_fee), "paid_in_full": paid_off,
            "fees_open_before": to_str(old.fees_open), "fees_open_after": to_str(new.fees_open),
            "charges": charges,
            "letters_after_payment": late,
            "fees_dropped": to_str(sum((Decimal(x["fee"]) for x in late), ZERO)
                                   if paid_off else ZERO),
            "hand_over_withdrawn": paid_off and old.status is InvoiceStatus.HANDED_OVER,
            "dispute_ended": paid_off and old.status is InvoiceStatus.DISPUTED,
        })
    overpayment = a.booking.settlement.overpayment
    return {"payment_id": payment_id, "amount": a.item.amount, "booking_date": a.item.booking_date,
            "customer_id": a.customer_id, "application": a.booking.settlement.application,
            "invoices": lines, "credit": to_str(overpayment) if overpayment > ZERO else None}


def assign(ctx: Context, tenant_id: str, payment_id: str, numbers: list[str],
           at: datetime | None = None) -> dict[str, Any]:
    store = ctx.api
    a = _assignment(ctx, tenant_id, payment_id, numbers)
    item, booking, customer_id, on = a.item, a.booking, a.customer_id, a.on
    matched = booked_events(tenant_id, payment_id, customer_id, on, Decimal(item.amount), "manual",
                            booking, "api", datetime.now(UTC))
    fields = {"status": "matched", "method": "manual", "customer_id": customer_id,
              "unapplied": to_str(booking.settlement.overpayment), "invoices": booking.invoices_json,
              "outbox": events.outbox_json(matched), "application": booking.settlement.application,
              "application_why": application_why("manual", booking.settlement.application)}
    # what the assignment decides (charges waived, fees dropped, a hand-over withdrawn) is
    # written on the day it is made
    ctx.api.assign_payment(tenant_id, payment_id, fields, booking.updates, booking.credit,
                   booking.behaviour, booking.timeline,
                   max(item.booking_date, _today(at or datetime.now(UTC))))
    publish_outbox(ctx, tenant_id, [(payment_id, matched)])
    fresh = store.get_payment(tenant_id, payment_id)
    assert fresh is not None
    return payment_json(fresh)


def _today(at: datetime) -> str:
    return business_date(at).isoformat()


def _history(item: Any, entry: dict[str, Any]) -> str:
    history = json.loads(item.history or "[]")
    history.append(entry)
    return json.dumps(history, ensure_ascii=False)


def unassign(ctx: Context, tenant_id: str, payment_id: str, at: datetime,
             reason: str = "") -> dict[str, Any]:
    """Undo a matched payment (bank-matched or assigned by hand): its invoices get back what it
    paid and the state it changed (``domain.undo``), an over-payment credit it created goes (if
    untouched), the customer's behaviour counters lose what it added, and the payment is
    unmatched again, to be assigned anew. One transaction; a second call is a Conflict (409)."""
    store = ctx.api
    item = store.get_payment(tenant_id, payment_id)
    if item is None:
        raise NotFound(f"payment {payment_id} not found")
    if item.status != "matched":
        raise NotAllowed(f"payment {payment_id} is {item.status}; only a matched payment can be "
                         "unassigned")
    if item.outbox:  # its matching's events go out before it is undone
        publish_outbox(ctx, tenant_id, [(payment_id, events.from_outbox(item.outbox))])
    lines = json.loads(item.invoices or "[]")
    numbers = [str(line["number"]) for line in lines]
    found = ctx.invoices.batch_get_invoices(tenant_id, numbers) if numbers else {}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotAllowed(f"invoice(s) no longer stored: {', '.join(missing)}")
    policy = load_settings(ctx, tenant_id).policy
    today = business_date(at)
    on = date.fromisoformat(item.booking_date)
    updates: list[tuple[Invoice, int]] = []
    behaviour: Counter[str] = Counter()
    timeline: list[tuple[str, str, dict[str, str]]] = []
    clean = reason.strip()[:500]
    for line in lines:
        inv = found[line["number"]]
        updates.append((undo.unassign(inv, line, payment_id, today, policy), inv.version))
        behaviour.update(undo.behaviour_undone(inv, line, on))
        detail = {"payment_id": payment_id, "amount": to_str(undo.paid_total(line)),
                  "booked_on": item.booking_date}
        timeline.append((inv.number, "payment_unassigned",
                         {**detail, "reason": clean} if clean else detail))
    credit_number = None
    unapplied = Decimal(item.unapplied or "0")
    if unapplied > ZERO:
        number = f"GUTHABEN-{payment_id[:10].upper()}"
        credit = ctx.invoices.get_invoice(tenant_id, number)
        if credit is not None:
            if credit.version != 0 or credit.open_amount != -unapplied:
                raise NotAllowed(f"the over-payment credit {number} has changed meanwhile; "
                                 "it cannot be taken back automatically")
            credit_number = number
    fields = {"status": "unmatched", "invoices": "[]", "unapplied": to_str(Decimal(item.amount)),
              "history": _history(item, {"action": "unassigned", "at": at.isoformat(),
                                         "invoices": numbers, "method": item.method,
                                         **({"reason": clean} if clean else {})})}
    ctx.api.unassign_payment(tenant_id, payment_id, item.invoices or "[]", fields,
                     ["customer_id", "application", "outbox"], updates, credit_number,
                     item.customer_id, dict(behaviour), timeline, at)
    if item.customer_id:  # owed again: the customer's credit state follows
        credit_changed(ctx, tenant_id, [item.customer_id], at)
    fresh = store.get_payment(tenant_id, payment_id)
    assert fresh is not None
    return payment_json(fresh)


def dismiss(ctx: Context, tenant_id: str, payment_id: str, at: datetime,
            reason: str) -> dict[str, Any]:
    """An unmatched credit that is no customer payment (a tax refund, a transfer between own
    accounts): it leaves the review list. ``restore`` brings it back."""
    reason = reason.strip()[:500]
    if not reason:
        raise DomainError("reason: say why this is no customer payment")
    return _review_status(ctx, tenant_id, payment_id, at, "unmatched", "dismissed", reason)


def restore(ctx: Context, tenant_id: str, payment_id: str, at: datetime) -> dict[str, Any]:
    """A dismissed payment back on the review list."""
    return _review_status(ctx, tenant_id, payment_id, at, "dismissed", "unmatched", "")


def _review_status(ctx: Context, tenant_id: str, payment_id: str, at: datetime, from_status: str,
                   to_status: str, reason: str) -> dict[str, Any]:
    store = ctx.api
    item = store.get_payment(tenant_id, payment_id)
    if item is None:
        raise NotFound(f"payment {payment_id} not found")
    action = "dismissed" if to_status == "dismissed" else "restored"
    if item.status != from_status:
        raise NotAllowed(f"payment {payment_id} is {item.status}; it cannot be {action}")
    entry: dict[str, Any] = {"action": action, "at": at.isoformat()}
    fields: dict[str, Any] = {"status": to_status}
    if reason:
        entry["reason"] = fields["dismiss_reason"] = reason
    fields["history"] = _history(item, entry)
    ctx.api.set_payment_status(tenant_id, payment_id, from_status, fields,
                       [] if reason else ["dismiss_reason"])
    fresh = store.get_payment(tenant_id, payment_id)
    assert fresh is not None
    return payment_json(fresh)


def payment_json(item: PaymentRecord) -> dict[str, Any]:
    return {
        "payment_id": item.payment_id, "booking_date": item.booking_date,
        "amount": item.amount, "status": item.status, "method": item.method,
        "customer_id": item.customer_id, "unapplied": item.unapplied,
        "remittance": item.remittance, "debtor_name": item.debtor_name,
        "invoices": [{k: v for k, v in line.items() if k != "before"}
                     for line in json.loads(item.invoices or "[]")],
        "application": item.application or ("statutory" if item.status == "matched" else None),
        "application_why": item.application_why,
        "suggestions": json.loads(item.suggestions or "[]"), "source": item.source,
        "dismiss_reason": item.dismiss_reason, "history": json.loads(item.history or "[]"),
    }


