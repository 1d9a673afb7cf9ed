"""Events for integrators, published on Mahnwerk's EventBridge bus. Pure: no AWS, no clock.

One constructor per event type builds a :class:`DomainEvent`; :data:`SCHEMAS` holds the JSON
schema (draft 2020-12) of each event's ``detail``. docs/events.md is generated from both
(``python -m mahnwerk_local.events_doc``; a test keeps the committed file in sync).

What an event may carry: ids (tenant, customer, invoice number, notice, payment), amounts, dates,
levels, channels. Never a name, an e-mail or postal address, an IBAN or a remittance text (those
often hold names): events leave the tenant's data to integrators' systems.

Delivery is at least once: a retried step publishes its event again with the same ``event_id``,
derived from tenant, type, subject and the state reached (never from a clock or a random number),
so consumers drop what they have seen by ``event_id``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .dunning import NoticePlan
from .matching import Suggestion
from .model import Invoice, InvoiceStatus
from .money import to_str
from .settling import Settlement

SOURCE = "mahnwerk"
SCHEMA_VERSION = 1


class EventType(StrEnum):
    """The EventBridge ``detail-type`` of each event."""

    INVOICE_RECEIVED = "InvoiceReceived"
    INVOICE_OVERDUE = "InvoiceOverdue"
    NOTICE_SENT = "NoticeSent"
    NOTICE_BOUNCED = "NoticeBounced"
    PAYMENT_MATCHED = "PaymentMatched"
    PAYMENT_UNMATCHED = "PaymentUnmatched"
    INVOICE_PAID = "InvoicePaid"
    INVOICE_HANDED_OVER = "InvoiceHandedOver"
    CUSTOMER_ERASED = "CustomerErased"
    NOTICE_AWAITING_APPROVAL = "NoticeAwaitingApproval"
    NOTICE_SKIPPED = "NoticeSkipped"
    CREDIT_HOLD_SET = "CreditHoldSet"
    CREDIT_HOLD_RELEASED = "CreditHoldReleased"
    # the debtor's page (domain/portal.py)
    PAYMENT_CLAIMED = "PaymentClaimed"
    PROMISE_MADE = "PromiseMade"
    PROMISE_KEPT = "PromiseKept"
    PROMISE_BROKEN = "PromiseBroken"
    DISPUTE_OPENED = "DisputeOpened"


def event_id(tenant_id: str, kind: str, subject: str, state: str) -> str:
    """128 bits of SHA-256 over what the event is about: the same fact always gets the same id."""
    raw = "\x1f".join(("mahnwerk-event/1", tenant_id, kind, subject, state))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def timestamp(at: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2026-10-22T04:00:00.000Z``."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DomainEvent:
    type: EventType
    tenant_id: str
    #: what the event is about (an invoice number, a notice id, a payment id) …
    subject: str
    #: … and the state it reached: together they make the event id
    state: str
    occurred_at: datetime
    #: the subject fields of ``detail`` (JSON values only)
    fields: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def event_id(self) -> str:
        return event_id(self.tenant_id, self.type.value, self.subject, self.state)

    def detail(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "event_id": self.event_id,
                "tenant_id": self.tenant_id, "occurred_at": timestamp(self.occurred_at),
                **self.fields}


def outbox_json(events: Iterable[DomainEvent]) -> str:
    """Events kept with the change they report, in its own transaction, until they are published
    (the payment item's outbox): JSON that :func:`from_outbox` turns back into the same events."""
    return json.dumps([{"type": e.type.value, "tenant_id": e.tenant_id, "subject": e.subject,
                        "state": e.state, "occurred_at": e.occurred_at.isoformat(),
                        "fields": e.fields} for e in events], separators=(",", ":"))


def from_outbox(text: str) -> list[DomainEvent]:
    return [DomainEvent(EventType(e["type"]), e["tenant_id"], e["subject"], e["state"],
                        datetime.fromisoformat(e["occurred_at"]), e["fields"])
            for e in json.loads(text or "[]")]


# --- constructors ---------------------------------------------------------------------------------

def invoice_received(invoice: Invoice, at: datetime, via: str) -> DomainEvent:
    """A new invoice, as it was taken over from a file (``via="file"``) or the API."""
    return DomainEvent(EventType.INVOICE_RECEIVED, invoice.tenant_id, invoice.number, "received",
                       at, {
                           "invoice_number": invoice.number, "customer_id": invoice.customer_id,
                           "issue_date": invoice.issue_date.isoformat(),
                           "due_date": invoice.due_date.isoformat(),
                           "amount": to_str(invoice.amount),
                           "open_amount": to_str(invoice.open_amount),
                           "currency": invoice.currency, "status": invoice.status.value,
                           "credit_note": invoice.amount < 0 or invoice.open_amount < 0,
                           "via": via,
                       })


def invoices_overdue(plan: NoticePlan, at: datetime) -> list[DomainEvent]:
    """The invoices this decision takes into dunning for the first time (advancing from level 0).
    Derived from the plan alone, so a retry that resumes a stored plan gives the same events."""
    lines = {line.number: line for line in plan.lines}
    events = []
    for advance in plan.advances:
        line = lines.get(advance.number)
        if advance.from_level != 0 or line is None:
            continue
        events.append(DomainEvent(
            EventType.INVOICE_OVERDUE, plan.tenant_id, line.number, line.due_date.isoformat(), at, {
                "invoice_number": line.number, "customer_id": plan.customer_id,
                "due_date": line.due_date.isoformat(), "days_overdue": line.days_overdue,
                "open_amount": to_str(line.open_amount), "run_date": plan.run_date.isoformat(),
                "notice_id": plan.notice_id,
            }))
    return events


def notice_sent(plan: NoticePlan, channels: Sequence[str], at: datetime) -> DomainEvent:
    return DomainEvent(EventType.NOTICE_SENT, plan.tenant_id, plan.notice_id, "sent", at, {
        "notice_id": plan.notice_id, "customer_id": plan.customer_id, "level": plan.level,
        "tone": plan.tone.value, "channels": list(channels),
        "run_date": plan.run_date.isoformat(), "deadline": plan.deadline.isoformat(),
        "invoice_numbers": list(plan.invoice_numbers), "principal": to_str(plan.principal),
        "interest": to_str(plan.interest), "fees": to_str(plan.fees + plan.flat_fee),
        "total": to_str(plan.total),
    })


def notice_awaiting_approval(plan: NoticePlan, at: datetime) -> DomainEvent:
    """A letter (or hand-over) was planned and waits for the owner's approval (policy.approval)."""
    return DomainEvent(EventType.NOTICE_AWAITING_APPROVAL, plan.tenant_id, plan.notice_id,
                       "awaiting_approval", at, {
        "notice_id": plan.notice_id, "customer_id": plan.customer_id, "level": plan.level,
        "action": plan.action.value, "run_date": plan.run_date.isoformat(),
        "invoice_numbers": list(plan.invoice_numbers), "total": to_str(plan.total),
    })


def notice_skipped(plan: NoticePlan, reason: str, at: datetime) -> DomainEvent:
    """A waiting letter will never go out: skipped by the owner, or planned afresh (stale)."""
    return DomainEvent(EventType.NOTICE_SKIPPED, plan.tenant_id, plan.notice_id, "skipped", at, {
        "notice_id": plan.notice_id, "customer_id": plan.customer_id, "level": plan.level,
        "run_date": plan.run_date.isoformat(), "invoice_numbers": list(plan.invoice_numbers),
        "reason": reason,
    })


#: SES feedback tags name an e-mailed invoice as ``invoice:{number}`` instead of a notice id
INVOICE_TAG = "invoice:"


def notice_bounced(tenant_id: str, customer_id: str, tagged_id: str, reason: str,
                   invoice_numbers: Sequence[str], at: datetime) -> DomainEvent:
    """``tagged_id``: the notice id, or ``invoice:{number}`` for an e-mailed invoice."""
    is_invoice = tagged_id.startswith(INVOICE_TAG)
    numbers = [tagged_id.removeprefix(INVOICE_TAG)] if is_invoice else list(invoice_numbers)
    return DomainEvent(EventType.NOTICE_BOUNCED, tenant_id, tagged_id, reason, at, {
        "document": "invoice" if is_invoice else "notice",
        "notice_id": None if is_invoice else tagged_id, "customer_id": customer_id,
        "reason": reason, "invoice_numbers": numbers, "next_letters": "post",
    })


def payment_matched(tenant_id: str, payment_id: str, customer_id: str, booking_date: date,
                    amount: Decimal, method: str, settlement: Settlement, via: str,
                    at: datetime) -> DomainEvent:
    return DomainEvent(EventType.PAYMENT_MATCHED, tenant_id, payment_id, "matched", at, {
        "payment_id": payment_id, "customer_id": customer_id,
        "booking_date": booking_date.isoformat(), "amount": to_str(amount), "method": method,
        "via": via,
        "allocations": [{
            "invoice_number": s.number, "principal": to_str(s.principal),
            "interest": to_str(s.interest), "fees": to_str(s.fees),
            "flat_fee": to_str(s.flat_fee), "paid_in_full": s.paid_in_full,
        } for s in settlement.invoices],
        "unapplied": to_str(settlement.overpayment),
    })


def payment_unmatched(tenant_id: str, payment_id: str, booking_date: date, amount: Decimal,
                      suggestions: Iterable[Suggestion], via: str, at: datetime) -> DomainEvent:
    return DomainEvent(EventType.PAYMENT_UNMATCHED, tenant_id, payment_id, "unmatched", at, {
        "payment_id": payment_id, "booking_date": booking_date.isoformat(),
        "amount": to_str(amount), "via": via,
        "suggestions": [{"invoice_numbers": list(s.numbers), "customer_id": s.customer_id,
                         "score": round(s.score, 2)} for s in suggestions],
    })


def invoice_paid(invoice: Invoice, payment_id: str, paid_on: date, at: datetime) -> DomainEvent:
    """``invoice`` as the payment left it (status paid)."""
    return DomainEvent(EventType.INVOICE_PAID, invoice.tenant_id, invoice.number, "paid", at, {
        "invoice_number": invoice.number, "customer_id": invoice.customer_id,
        "payment_id": payment_id, "paid_on": paid_on.isoformat(),
        "amount": to_str(invoice.amount), "level": invoice.level,
    })


def invoice_handed_over(tenant_id: str, number: str, customer_id: str, open_amount: Decimal,
                        level: int, via: str, notice_id: str | None, at: datetime) -> DomainEvent:
    return DomainEvent(EventType.INVOICE_HANDED_OVER, tenant_id, number, "handed_over", at, {
        "invoice_number": number, "customer_id": customer_id,
        "open_amount": to_str(open_amount), "level": level, "via": via, "notice_id": notice_id,
    })


def handed_over_by_dunning(plan: NoticePlan, at: datetime) -> list[DomainEvent]:
    """The invoices a hand-over decision moves (its advances)."""
    lines = {line.number: line for line in plan.lines}
    return [invoice_handed_over(plan.tenant_id, a.number, plan.customer_id,
                                lines[a.number].open_amount, a.to_level, "dunning",
                                plan.notice_id, at)
            for a in plan.advances if a.number in lines]


def handed_over_by_owner(invoice: Invoice, at: datetime) -> DomainEvent:
    return invoice_handed_over(invoice.tenant_id, invoice.number, invoice.customer_id,
                               invoice.open_amount, invoice.level, "api", None, at)


def customer_erased(tenant_id: str, customer_id: str, reference: str, erased_at: datetime,
                    invoice_numbers: Iterable[str]) -> DomainEvent:
    """The customer's personal data were erased (GDPR Art. 17); told to integrators (Art. 19).
    It occurred when the customer was first erased, however often it is published."""
    return DomainEvent(EventType.CUSTOMER_ERASED, tenant_id, customer_id, "erased", erased_at, {
        "customer_id": customer_id, "reference": reference, "erased_at": timestamp(erased_at),
        "invoice_numbers": sorted(invoice_numbers),
    })


def credit_hold(tenant_id: str, customer_id: str, hold: bool, seq: int, reasons: Sequence[str],
                exposure: Decimal, overdue: Decimal, oldest_overdue_days: int, risk_class: str,
                at: datetime) -> DomainEvent:
    """A customer went on credit hold (``hold``) or off it; ``seq`` counts the holds, so each hold
    and its release are one fact each (a retry publishes the same id)."""
    kind = EventType.CREDIT_HOLD_SET if hold else EventType.CREDIT_HOLD_RELEASED
    return DomainEvent(kind, tenant_id, customer_id, f"{'set' if hold else 'released'}:{seq}", at, {
        "customer_id": customer_id, "hold_number": seq, "reasons": sorted(set(reasons)),
        "exposure": to_str(exposure), "overdue": to_str(overdue),
        "oldest_overdue_days": oldest_overdue_days, "risk_class": risk_class,
    })
def portal_answer(kind: EventType, invoice: Invoice, state: str, at: datetime,
                  **fields: Any) -> DomainEvent:
    """An answer the debtor gave on their page (PaymentClaimed, PromiseMade, DisputeOpened) or
    what became of it (PromiseKept, PromiseBroken): about one invoice, no personal data."""
    return DomainEvent(kind, invoice.tenant_id, invoice.number, state, at, {
        "invoice_number": invoice.number, "customer_id": invoice.customer_id,
        "open_amount": to_str(invoice.open_amount), **fields})


# --- schemas ----------------------------------------------------------------------------------------

def _str(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _nullable(description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description}


def _amount(description: str) -> dict[str, Any]:
    return _str(f"{description} (euros, two decimals)", pattern=r"^-?[0-9]+\.[0-9]{2}$")


def _date(description: str) -> dict[str, Any]:
    return _str(description, format="date", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _int(description: str, minimum: int = 0) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "description": description}


def _list(description: str, items: dict[str, Any], min_items: int = 0) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "description": description, "items": items}
    if min_items:
        schema["minItems"] = min_items
    return schema


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": list(properties),
            "properties": properties}


ENVELOPE: dict[str, Any] = {
    "schema_version": {"const": SCHEMA_VERSION,
                       "description": "version of the detail's schema; new fields may be added "
                                      "within a version, a breaking change raises it"},
    "event_id": _str("deterministic id of the fact (tenant, type, subject, state): the same fact "
                     "published twice (a retry) has the same id. Deduplicate on it",
                     pattern="^[0-9a-f]{32}$"),
    "tenant_id": _str("the Mahnwerk tenant (the business) the event belongs to",
                      pattern="^[a-z0-9][a-z0-9-]{1,62}$"),
    "occurred_at": _str("when it happened (UTC; for the daily run: its scheduled time)",
                        format="date-time"),
}

_NUMBER = _str("the invoice number (the tenant's own)")
_CUSTOMER = _str("the tenant's customer number (see 'Personal data' for derived ids)")
_NOTICE = _str("the notice (letter) id: {customer_id}:{run_date}:L{level}")
_PAYMENT = _str("Mahnwerk's payment id (as in GET /v1/payments), a hash of the booking")
_VIA_PAYMENT = _str("where the payment came from", enum=["bank", "api"])

_FIELDS: dict[EventType, tuple[str, dict[str, Any]]] = {
    EventType.INVOICE_RECEIVED: (
        "A new invoice was taken over, from an uploaded file (CSV, PDF, e-invoice) or through "
        "POST /v1/invoices. Once per invoice number: re-uploading a known invoice, or changing it, "
        "emits nothing.", {
            "invoice_number": _NUMBER, "customer_id": _CUSTOMER,
            "issue_date": _date("invoice date"), "due_date": _date("due date"),
            "amount": _amount("gross amount; negative for a credit note"),
            "open_amount": _amount("still open when it was received"),
            "currency": _str("ISO 4217 currency code", pattern="^[A-Z]{3}$"),
            "status": _str("open, or paid when it arrived with nothing open",
                           enum=[InvoiceStatus.OPEN.value, InvoiceStatus.PAID.value]),
            "credit_note": {"type": "boolean",
                            "description": "a credit note: it reduces what the customer owes"},
            "via": _str("how it arrived: a file, the API, or issued by a recurring invoice",
                        enum=["file", "api", "recurring"]),
        }),
    EventType.INVOICE_OVERDUE: (
        "An open invoice past its due date enters dunning: the daily run takes it into a decision "
        "for the first time (its first reminder, or a hand-over, is reserved). That is the first "
        "level's interval (levels[0].days) after the due date at the earliest. Once per invoice "
        "and due date. Invoices that are never dunned (paused, disputed, customer excluded, below "
        "minimum_amount) emit none.", {
            "invoice_number": _NUMBER, "customer_id": _CUSTOMER, "due_date": _date("due date"),
            "days_overdue": _int("days past the due date on the run date"),
            "open_amount": _amount("open principal on the run date"),
            "run_date": _date("the daily run that found it (Europe/Berlin calendar day)"),
            "notice_id": _NOTICE,
        }),
    EventType.NOTICE_SENT: (
        "A dunning letter (one per customer, listing all their overdue invoices) went out by "
        "e-mail and/or to the post outbox. Once per notice. A letter held back (no usable "
        "address) or cancelled (paid meanwhile) emits nothing.", {
            "notice_id": _NOTICE, "customer_id": _CUSTOMER,
            "level": _int("dunning level of the letter (1: friendly reminder)", 1),
            "tone": _str("the level's tone", enum=["friendly", "neutral", "firm"]),
            "channels": _list("how it was sent", _str("channel", enum=["email", "post"]), 1),
            "run_date": _date("the daily run (Europe/Berlin calendar day)"),
            "deadline": _date("the payment deadline the letter sets"),
            "invoice_numbers": _list("the invoices the letter lists", _NUMBER, 1),
            "principal": _amount("open principal claimed"),
            "interest": _amount("default interest claimed"),
            "fees": _amount("dunning fees and §288 Abs. 5 BGB flat fees claimed"),
            "total": _amount("everything the letter claims"),
        }),
    EventType.NOTICE_BOUNCED: (
        "SES reported a permanent bounce or a complaint for a letter or an invoice Mahnwerk "
        "e-mailed. The customer's address is marked; their next letters go by post.", {
            "document": _str("what was e-mailed", enum=["notice", "invoice"]),
            "notice_id": _nullable("the notice id; null for an e-mailed invoice"),
            "customer_id": _CUSTOMER,
            "reason": _str("what SES reported", enum=["bounced", "complained"]),
            "invoice_numbers": _list("the invoices of the document", _NUMBER),
            "next_letters": {"const": "post", "description": "how the customer is written to now"},
        }),
    EventType.PAYMENT_MATCHED: (
        "A payment was allocated to a customer's invoices (§366/§367 BGB: costs, interest, then "
        "principal): a bank statement entry, a payment recorded through POST /v1/payments, or an "
        "unmatched payment assigned by hand (then PaymentUnmatched came first, same payment_id).", {
            "payment_id": _PAYMENT, "customer_id": _CUSTOMER,
            "booking_date": _date("the bank's booking date"), "amount": _amount("amount paid"),
            "method": _str("how it was matched",
                           enum=["reference", "amount+iban", "amount+name", "manual"]),
            "via": _VIA_PAYMENT,
            "allocations": _list("what it paid, per invoice", _object({
                "invoice_number": _NUMBER, "principal": _amount("principal"),
                "interest": _amount("default interest"), "fees": _amount("dunning fees"),
                "flat_fee": _amount("§288 Abs. 5 BGB flat fee"),
                "paid_in_full": {"type": "boolean",
                                 "description": "the invoice is settled (InvoicePaid follows)"},
            })),
            "unapplied": _amount("left over: kept as the customer's credit"),
        }),
    EventType.PAYMENT_UNMATCHED: (
        "A payment could not be matched without guessing. It waits on the review list (GET "
        "/v1/payments/unmatched) and is assigned by hand (POST /v1/payments/{id}/assign).", {
            "payment_id": _PAYMENT, "booking_date": _date("the bank's booking date"),
            "amount": _amount("amount paid"), "via": _VIA_PAYMENT,
            "suggestions": _list("candidates, best first", _object({
                "invoice_numbers": _list("invoices", _NUMBER, 1), "customer_id": _CUSTOMER,
                "score": {"type": "number", "minimum": 0, "description": "confidence"},
            })),
        }),
    EventType.INVOICE_PAID: (
        "A payment settled an invoice in full (principal, interest, fees): its status is paid and "
        "dunning stops. Not emitted for invoices that arrive already paid.", {
            "invoice_number": _NUMBER, "customer_id": _CUSTOMER,
            "payment_id": _PAYMENT, "paid_on": _date("booking date of the settling payment"),
            "amount": _amount("the invoice's gross amount"),
            "level": _int("dunning level reached before payment (0: paid before any letter)"),
        }),
    EventType.INVOICE_HANDED_OVER: (
        "The claim was handed over for collection, by the dunning policy's last level (action "
        "hand_over) or by the owner (POST /v1/invoices/{number}/hand-over). Mahnwerk sends "
        "nothing more for it. The agency or lawyer is not named in the event.", {
            "invoice_number": _NUMBER, "customer_id": _CUSTOMER,
            "open_amount": _amount("open principal handed over"),
            "level": _int("dunning level reached"),
            "via": _str("who handed it over", enum=["dunning", "api"]),
            "notice_id": _nullable("the dunning decision's notice id; null via the API"),
        }),
    EventType.CUSTOMER_ERASED: (
        "The owner erased a customer's personal data through POST /v1/customers/{id}/erase "
        "(GDPR Article 17): name, addresses, e-mail and the names in their payments are gone from "
        "Mahnwerk; invoices, letters and bookings are kept, pseudonymised, for their retention "
        "periods. Integrators who keep personal data of this customer that they got from Mahnwerk "
        "erase it too (Article 19). Every later erase call publishes it again, same event_id.", {
            "customer_id": _CUSTOMER,
            "reference": _str("the erasure record's reference, as in the erase answer",
                              pattern="^ER-[0-9a-f]{12}$"),
            "erased_at": _str("when the customer was first erased", format="date-time"),
            "invoice_numbers": _list("the customer's invoices (kept, without the person)", _NUMBER),
        }),
    EventType.NOTICE_AWAITING_APPROVAL: (
        "A letter (or a hand-over) was planned and rendered but waits for the owner's approval "
        "(policy.approval): it is listed under GET /v1/approvals. NoticeSent (or "
        "InvoiceHandedOver) follows when it is approved, NoticeSkipped when it is skipped or "
        "planned afresh. Once per notice.", {
            "notice_id": _NOTICE, "customer_id": _CUSTOMER,
            "level": _int("dunning level of the letter (1: friendly reminder)"),
            "action": _str("a letter, or the hand-over for collection",
                           enum=["letter", "hand_over"]),
            "run_date": _date("the daily run that planned it (Europe/Berlin calendar day)"),
            "invoice_numbers": _list("the invoices the letter lists", _NUMBER, 1),
            "total": _amount("everything the letter claims, as planned"),
        }),
    EventType.NOTICE_SKIPPED: (
        "A letter waiting for approval will never go out: the owner skipped it (its invoices keep "
        "their level and come up again after the cooldown), or it waited more than 3 days and "
        "was planned afresh (a new NoticeAwaitingApproval or NoticeSent follows). Once per "
        "notice.", {
            "notice_id": _NOTICE, "customer_id": _CUSTOMER,
            "level": _int("dunning level of the letter"),
            "run_date": _date("the daily run that planned it (Europe/Berlin calendar day)"),
            "invoice_numbers": _list("the invoices the letter listed", _NUMBER, 1),
            "reason": _str("why", enum=["skipped", "stale"]),
        }),
    EventType.CREDIT_HOLD_SET: (
        "A customer went on credit hold (Liefersperre): a hold rule of the tenant's credit.rules "
        "matched when their figures were recomputed (an invoice arrived, a payment was booked, a "
        "letter went out, the owner changed the credit limit). A shop or ERP stops deliveries on "
        "account. Once per hold; CreditHoldReleased follows when no hold rule matches any more.", {
            "customer_id": _CUSTOMER,
            "hold_number": _int("counts this customer's holds (1: the first)", 1),
            "reasons": _list("the hold rules that matched", _str(
                "rule kind and action", enum=["overdue_days:hold", "exposure_over_limit:hold",
                                              "risk_class:hold"]), 1),
            "exposure": _amount("open principal and charges"),
            "overdue": _amount("the part of it past its due date"),
            "oldest_overdue_days": _int("days the oldest overdue invoice is late"),
            "risk_class": _str("Mahnwerk's risk class", enum=["A", "B", "C", "D"]),
        }),
    EventType.CREDIT_HOLD_RELEASED: (
        "A customer's credit hold ended: no hold rule matches any more (paid, limit raised, "
        "rules changed). Once per hold, with the hold_number of the CreditHoldSet it ends.", {
            "customer_id": _CUSTOMER,
            "hold_number": _int("the hold that ended", 1),
            "reasons": _list("empty: nothing holds the customer any more", _str("rule"), 0),
            "exposure": _amount("open principal and charges"),
            "overdue": _amount("the part of it past its due date"),
            "oldest_overdue_days": _int("days the oldest overdue invoice is late"),
            "risk_class": _str("Mahnwerk's risk class", enum=["A", "B", "C", "D"]),
        }),
    **{kind: (description, {
        "invoice_number": _NUMBER, "customer_id": _CUSTOMER,
        "open_amount": _amount("open principal when it happened"), **extra})
       for kind, description, extra in (
        (EventType.PAYMENT_CLAIMED,
         "The debtor said on their page that they have paid the invoice. Its dunning waits "
         "policy.paid_claim_days for the bank match; unmatched by then, the owner is asked and "
         "dunning waits for their decision. Once per invoice and claim.", {
             "paid_on": _date("the day the debtor says they paid"),
             "amount": _amount("the amount the debtor says they paid (for all named invoices)"),
             "wait_until": _date("dunning waits for the bank match until this day")}),
        (EventType.PROMISE_MADE,
         "The debtor promised on their page to pay the invoice by a day (at most "
         "policy.max_promise_days ahead): dunning holds until then. PromiseKept or PromiseBroken "
         "follows.", {"promised_for": _date("the day the debtor promised to pay by")}),
        (EventType.PROMISE_KEPT,
         "The invoice was paid by the promised day (seen by the daily run).",
         {"promised_for": _date("the day the debtor promised to pay by")}),
        (EventType.PROMISE_BROKEN,
         "The promised day passed unpaid: the invoice's next level goes out the next morning, "
         "saying that the promise was not kept.",
         {"promised_for": _date("the day the debtor promised to pay by")}),
        (EventType.DISPUTE_OPENED,
         "The debtor disputed the invoice on their page: it is disputed, no letters go out until "
         "the owner resolves it (or credits, writes off). The free text and any attachment stay "
         "with the owner.", {
             "reason": _str("the reason chosen from the list",
                            enum=["amount_wrong", "not_received", "defective", "already_credited",
                                  "other"]),
             "attachment": {"type": "boolean", "description": "a file was attached"}}),
    )},
}


def _schema(kind: EventType) -> dict[str, Any]:
    description, fields = _FIELDS[kind]
    schema = _object({**ENVELOPE, **fields})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://mahnwerk.example/events/{kind.value}.json", "title": kind.value,
            "description": description, **schema}


SCHEMAS: dict[EventType, dict[str, Any]] = {kind: _schema(kind) for kind in EventType}
