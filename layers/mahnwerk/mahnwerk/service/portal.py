"""Use cases of the debtor's page (portal): the link, the statement, the debtor's answers, the
daily look at the holds they set, and what the owner is told. Rules: ``domain/portal.py``.

Storage (tenant documents, no table of its own):
- ``portal-secret``: the tenant's HMAC secret, created once (conditional write) when the first
  link is made; an anonymous request never creates one.
- ``portal/{customer}``: the customer's link generation (revoking raises it), the promises given
  per invoice, and today's answer count (the per-link limit).
- ``portal-holds``: the holds the answers set that the daily run must look at (promise, "already
  paid"), so that run reads one document instead of scanning invoices.
- ``portal-inbox``: the answers the owner has not looked at yet (the dashboard's alert).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import quote

from ..domain import events, portal
from ..domain.actions import apply_action
from ..domain.dates import business_date
from ..domain.dunning import NoticeLine, claim_line
from ..domain.errors import MahnwerkError
from ..domain.model import ERASED_NAME_PREFIX, TENANT_ID, Customer, Invoice, InvoiceStatus
from ..domain.money import ZERO, cents, to_str
from ..domain.notices import NoticeStatus
from ..domain.settings import TenantSettings
from .bootstrap import Context
from .law import base_rates
from .tenants import load_settings

SECRET_DOC, HOLDS_DOC, INBOX_DOC = "portal-secret", "portal-holds", "portal-inbox"
#: answers one link may send per day (a persistent limit besides the gateway's throttling)
ANSWERS_PER_DAY = 20
INBOX_MAX = 200
#: the dispute attachment: what the hostile-input guards accept here, and its size limit
ATTACHMENT_MAX = 5 * 1024 * 1024
ATTACHMENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class PortalNotFound(MahnwerkError):
    """Every refused link (unknown tenant or customer, bad signature, revoked, expired, erased):
    one answer, so the page is no oracle."""

    code, status, message = "portal_not_found", 404, "not found"


class TooManyAnswers(MahnwerkError):
    code, status, message = "portal_answer_limit", 429, "too many answers today; try again tomorrow"


def _doc_key(customer_id: str) -> str:
    return f"portal/{customer_id}"


def _secret(ctx: Context, tenant_id: str, at: datetime | None) -> bytes | None:
    """The tenant's link secret; created (once, conditionally) only when ``at`` is given."""
    doc = ctx.tenants.get_document(tenant_id, SECRET_DOC)
    if doc is None and at is not None:
        ctx.tenants.add_document(tenant_id, SECRET_DOC, {"secret": secrets.token_hex(32)}, at)
        doc = ctx.tenants.get_document(tenant_id, SECRET_DOC)
    return None if doc is None else bytes.fromhex(str(doc["secret"]))


def _state(ctx: Context, tenant_id: str, customer_id: str) -> dict[str, Any]:
    return ctx.tenants.get_document(tenant_id, _doc_key(customer_id)) or {"generation": 0}


def link_path(ctx: Context, tenant_id: str, customer_id: str, at: datetime) -> str:
    """``/{tenant}/{customer}/{signature}``: the part after the portal's base address."""
    secret = _secret(ctx, tenant_id, at)
    assert secret is not None
    generation = int(_state(ctx, tenant_id, customer_id).get("generation", 0))
    sig = portal.signature(secret, tenant_id, customer_id, generation)
    return f"/{tenant_id}/{quote(customer_id, safe='')}/{sig}"


def link_url(ctx: Context, tenant_id: str, customer_id: str, at: datetime,
             base: str | None = None) -> str:
    """The customer's link (``base``: the portal's address, default the configured one; without
    one the path alone, ``/portal/…``)."""
    root = (ctx.config.portal_url if base is None else base).rstrip("/") or "/portal"
    return root + link_path(ctx, tenant_id, customer_id, at)


def letter_url(ctx: Context, tenant_id: str, customer: Customer, at: datetime) -> str:
    """The link a letter prints: none without a configured portal address or for an erased
    customer."""
    if not ctx.config.portal_url or customer.name.startswith(ERASED_NAME_PREFIX):
        return ""
    return link_url(ctx, tenant_id, customer.customer_id, at)


def revoke(ctx: Context, tenant_id: str, customer_id: str, at: datetime) -> dict[str, Any]:
    """Every link of the customer stops working; the next letter prints a new one."""
    if ctx.customers.get_customer(tenant_id, customer_id) is None:
        raise PortalNotFound(f"no customer {customer_id}")
    state = _state(ctx, tenant_id, customer_id)
    state["generation"] = int(state.get("generation", 0)) + 1
    state["revoked_at"] = at.isoformat()
    ctx.tenants.put_document(tenant_id, _doc_key(customer_id), state, at)
    return {"customer_id": customer_id, "revoked": True, "generation": state["generation"]}


# --- opening a link -------------------------------------------------------------------------------

@dataclass
class Portal:
    """One opened link: whose page it is and what it may show."""

    tenant_id: str
    customer: Customer
    settings: TenantSettings
    invoices: list[Invoice]
    today: date
    form_token: str
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def customer_id(self) -> str:
        return self.customer.customer_id


def open_link(ctx: Context, tenant_id: str, customer_id: str, sig: str, now: datetime) -> Portal:
    """The page behind a link, or PortalNotFound (one answer for every refusal)."""
    if not TENANT_ID.match(tenant_id) or not 0 < len(customer_id) <= 200 \
            or len(sig) != portal.SIGNATURE_CHARS:
        raise PortalNotFound
    secret = _secret(ctx, tenant_id, None)
    if secret is None:
        raise PortalNotFound
    state = _state(ctx, tenant_id, customer_id)
    generation = int(state.get("generation", 0))
    if not portal.signature_ok(secret, tenant_id, customer_id, generation, sig):
        raise PortalNotFound
    customer = ctx.customers.get_customer(tenant_id, customer_id)
    if customer is None or customer.name.startswith(ERASED_NAME_PREFIX):
        raise PortalNotFound  # GDPR: an erased customer has no page
    today = business_date(now)
    invoices = [inv for inv in ctx.invoices.customer_invoices(tenant_id, customer_id)
                if inv.tenant_id == tenant_id and inv.customer_id == customer_id]
    if not portal.link_alive(invoices, today):
        raise PortalNotFound
    return Portal(tenant_id, customer, load_settings(ctx, tenant_id), invoices, today,
                  portal.form_token(secret, tenant_id, customer_id, generation), state)


def form_ok(page: Portal, presented: str) -> bool:
    return bool(presented) and secrets.compare_digest(page.form_token.encode(),
                                                      presented.encode("utf-8", "replace"))


# --- the statement ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    invoice: Invoice
    line: NoticeLine | None
    answerable: bool
    has_pdf: bool
    hold: str

    @property
    def total(self) -> Decimal:
        return self.line.total if self.line is not None else ZERO


@dataclass(frozen=True)
class Statement:
    rows: list[Row]
    closed: list[Invoice]
    payments: list[dict[str, Any]]
    letters: list[dict[str, str]]
    principal: Decimal
    charges: Decimal
    total: Decimal
    numbers: list[str]


def statement(ctx: Context, page: Portal) -> Statement:
    """Open invoices (due dates, levels, today's interest and fees), payments received, the
    letters sent, and the exact total to pay (disputed invoices are listed, not totalled)."""
    policy, rates = page.settings.policy, base_rates()
    rows, closed = [], []
    sends = set()
    for inv in sorted(page.invoices, key=lambda i: (i.due_date, i.number)):
        if inv.status in (InvoiceStatus.CANCELLED,):
            continue
        open_ = inv.open_amount > ZERO and inv.status in (
            InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.DISPUTED,
            InvoiceStatus.HANDED_OVER)
        if not open_:
            closed.append(inv)
            continue
        line, _ = claim_line(inv, page.customer, policy, rates, page.today, inv.level)
        send = ctx.invoice_sends.get_invoice_send(page.tenant_id, inv.number)
        if send is not None and send.pdf_key:
            sends.add(inv.number)
        hold = inv.pause_reason if inv.pause_reason in portal.HOLDS and inv.paused_until \
            and inv.paused_until >= page.today else ""
        rows.append(Row(inv, line, portal.answerable(inv), inv.number in sends, hold))
    payable = [r for r in rows if r.invoice.status is not InvoiceStatus.DISPUTED]
    principal = cents(sum((r.invoice.open_amount for r in payable), ZERO))
    total = cents(sum((r.total for r in payable), ZERO))
    payments: list[dict[str, Any]] = []
    for inv in page.invoices:
        if inv.paid_amount <= ZERO and inv.last_payment_on is None:
            continue  # nothing booked on it: no query
        for p in ctx.payments.payments_of(page.tenant_id, inv.number):
            payments.append({"number": inv.number, "on": str(p.get("at") or "")[:10],
                             "amount": str(p.get("amount") or "")})
    payments.sort(key=lambda p: p["on"], reverse=True)
    letters = [{"id": n.notice_id, "level_name": n.decided().level_name, "sent_at": n.sent_at or ""}
               for n in ctx.notices.notices_of_customer(page.tenant_id, page.customer_id)
               if n.status is NoticeStatus.SENT and n.pdf_key and _own_letter(page, n.pdf_key)]
    return Statement(rows, closed, payments, list(reversed(letters)), principal,
                     cents(total - principal), total, [r.invoice.number for r in payable])


def _own_letter(page: Portal, key: str) -> bool:
    return key.startswith(f"notices/{page.tenant_id}/{page.customer_id}/")


def letter_pdf(ctx: Context, page: Portal, notice_id: str) -> bytes:
    """One of this customer's letters; PortalNotFound for anyone else's."""
    item = ctx.notices.get_notice(page.tenant_id, notice_id)
    if item is None or item.status is not NoticeStatus.SENT or not item.pdf_key \
            or item.decided().customer_id != page.customer_id or not _own_letter(page, item.pdf_key):
        raise PortalNotFound
    return ctx.store.get(item.pdf_key)


def invoice_pdf(ctx: Context, page: Portal, number: str) -> bytes:
    """The invoice Mahnwerk wrote and sent for this customer; PortalNotFound otherwise."""
    inv = next((i for i in page.invoices if i.number == number), None)
    if inv is None:
        raise PortalNotFound
    send = ctx.invoice_sends.get_invoice_send(page.tenant_id, number)
    if send is None or not send.pdf_key or not send.pdf_key.startswith(
            f"invoices/{page.tenant_id}/"):
        raise PortalNotFound
    return ctx.store.get(send.pdf_key)


def giro_code(page: Portal, st: Statement) -> bytes | None:
    """The EPC QR code (GiroCode) for the exact total, the invoice numbers as remittance."""
    from ..letters.payment_block import join_numbers, payment_qr, qr_png

    if st.total <= ZERO:
        return None
    qr = payment_qr(page.settings, st.total, join_numbers(st.numbers))
    return None if qr is None else qr_png(qr)


# --- answers ------------------------------------------------------------------------------------------

def _own_invoices(ctx: Context, page: Portal, numbers: list[str]) -> list[Invoice]:
    """The named invoices, read again strongly consistent (the page listed them from the
    customer index), each this customer's own."""
    mine = {inv.number for inv in page.invoices}
    chosen = []
    for number in dict.fromkeys(numbers):
        inv = ctx.invoices.get_invoice(page.tenant_id, number) if number in mine else None
        if inv is None or inv.customer_id != page.customer_id:
            raise portal.PortalInputError("invoices", "choose")
        chosen.append(inv)
    if not chosen:
        raise portal.PortalInputError("invoices", "choose")
    for inv in chosen:
        if not portal.answerable(inv):
            raise portal.PortalInputError("invoices", "not_open")
    return chosen


def _count_answer(ctx: Context, page: Portal, at: datetime) -> None:
    state = _state(ctx, page.tenant_id, page.customer_id)
    day = page.today.isoformat()
    count = int(state.get("answers", {}).get(day, 0)) if isinstance(state.get("answers"), dict) \
        else 0
    if count >= ANSWERS_PER_DAY:
        raise TooManyAnswers
    state["answers"] = {day: count + 1}
    ctx.tenants.put_document(page.tenant_id, _doc_key(page.customer_id), state, at)
    page.state = state


def _save(ctx: Context, inv: Invoice, changed: Invoice, kind: str, at: datetime,
          detail: dict[str, Any]) -> None:
    # the owner actions' write: conditional on the version read, with its timeline entry
    ctx.api.change_invoice(changed, inv.version, kind, at, {**detail, "by": "customer"})


def _register_hold(ctx: Context, page: Portal, number: str, kind: str, until: date,
                   at: datetime) -> None:
    doc = ctx.tenants.get_document(page.tenant_id, HOLDS_DOC) or {"items": []}
    items = [h for h in doc.get("items", []) if h.get("number") != number]
    items.append({"customer_id": page.customer_id, "number": number, "kind": kind,
                  "until": until.isoformat(), "at": at.isoformat()})
    ctx.tenants.put_document(page.tenant_id, HOLDS_DOC, {"items": items}, at)


def claim_paid(ctx: Context, page: Portal, numbers: list[str], paid_on: date, amount: Decimal,
               note: str, at: datetime) -> list[str]:
    """"Ich habe bereits bezahlt": the named invoices wait ``paid_claim_days`` for the bank."""
    if paid_on > page.today or (page.today - paid_on).days > 90:
        raise portal.PortalInputError("paid_on", "date_range")
    chosen = _own_invoices(ctx, page, numbers)
    _count_answer(ctx, page, at)
    policy = page.settings.policy
    for inv in chosen:
        changed = portal.hold_paid_claim(inv, page.today, policy)
        _save(ctx, inv, changed, "portal_paid_claim", at,
              {"paid_on": paid_on.isoformat(), "amount": to_str(amount), "note": note,
               "until": changed.paused_until.isoformat() if changed.paused_until else None})
        _register_hold(ctx, page, inv.number, portal.PAID_CLAIM, changed.paused_until or page.today, at)
    _tell_owner(ctx, page, "paid_claim", [i.number for i in chosen], at,
                {"paid_on": paid_on.isoformat(), "amount": to_str(amount), "note": note})
    ctx.events.publish([_event(events.EventType.PAYMENT_CLAIMED, page, inv, at, "claimed",
                               paid_on=paid_on.isoformat(), amount=to_str(amount),
                               wait_until=(page.today + _days(policy.paid_claim_days)).isoformat())
                        for inv in chosen])
    return [i.number for i in chosen]


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def promise(ctx: Context, page: Portal, numbers: list[str], until: date, at: datetime) -> list[str]:
    """A promise to pay by ``until``: dunning of the named invoices holds until then."""
    chosen = _own_invoices(ctx, page, numbers)
    made = page.state.get("promises", {}) if isinstance(page.state.get("promises"), dict) else {}
    changed = [(inv, portal.hold_promise(inv, until, page.today, page.settings.policy,
                                         int(made.get(inv.number, 0)))) for inv in chosen]
    _count_answer(ctx, page, at)
    state = page.state
    state["promises"] = {**made, **{inv.number: int(made.get(inv.number, 0)) + 1 for inv in chosen}}
    ctx.tenants.put_document(page.tenant_id, _doc_key(page.customer_id), state, at)
    for inv, new in changed:
        _save(ctx, inv, new, "portal_promise", at, {"until": until.isoformat()})
        _register_hold(ctx, page, inv.number, portal.PROMISE, until, at)
    _tell_owner(ctx, page, "promise", [i.number for i in chosen], at, {"until": until.isoformat()})
    ctx.events.publish([_event(events.EventType.PROMISE_MADE, page, inv, at, f"made:{until}",
                               promised_for=until.isoformat()) for inv in chosen])
    return [i.number for i in chosen]


def dispute(ctx: Context, page: Portal, number: str, reason: str, text: str,
            attachment: tuple[str, bytes] | None, at: datetime) -> str:
    """An objection: the invoice becomes disputed (no letters) until the owner decides."""
    if reason not in portal.DISPUTE_REASONS:
        raise portal.PortalInputError("reason", "choose")
    (inv,) = _own_invoices(ctx, page, [number])
    key = ""
    if attachment is not None:
        key = _store_attachment(ctx, page, number, attachment, at)
    _count_answer(ctx, page, at)
    result = apply_action(inv, "dispute", page.today, reason=f"{reason}: {text}".strip(": "))
    _save(ctx, inv, result.invoice, "disputed", at,
          {"reason": reason, "text": text, "attachment": key, "via": "portal"})
    _tell_owner(ctx, page, "dispute", [number], at, {"reason": reason, "text": text,
                                                      "attachment": key})
    ctx.events.publish([_event(events.EventType.DISPUTE_OPENED, page, inv, at, "opened",
                               reason=reason, attachment=bool(key))])
    return number


def _store_attachment(ctx: Context, page: Portal, number: str, attachment: tuple[str, bytes],
                      at: datetime) -> str:
    """The dispute's attachment, after the same guards every upload passes (size, type by its
    bytes, PDF structure): stored under uploads/, never served back to anyone on the page."""
    from ..intake.portal_guard import check_attachment

    content_type, data = attachment
    suffix = check_attachment(data, content_type, ATTACHMENT_MAX, ATTACHMENT_TYPES)
    name = f"{at:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}{suffix}"
    key = f"uploads/{page.tenant_id}/portal/{quote(page.customer_id, safe='')}/{name}"
    ctx.store.put(key, data, content_type)
    return key


def _event(kind: events.EventType, page: Portal, inv: Invoice, at: datetime, state: str,
           **fields: Any) -> events.DomainEvent:
    return events.portal_answer(kind, inv, state, at, **fields)


# --- the owner -----------------------------------------------------------------------------------------

def _tell_owner(ctx: Context, page: Portal, kind: str, numbers: list[str], at: datetime,
                detail: dict[str, Any]) -> None:
    """The dashboard's list of answers and an e-mail to the owner."""
    add_to_inbox(ctx, page.tenant_id, {"kind": kind, "customer_id": page.customer_id,
                                       "numbers": numbers, "at": at.isoformat(), **detail}, at)
    mail_owner(ctx, page.settings, kind, page.customer, numbers, detail, at)


def add_to_inbox(ctx: Context, tenant_id: str, item: dict[str, Any], at: datetime) -> None:
    doc = ctx.tenants.get_document(tenant_id, INBOX_DOC) or {"items": []}
    items = [*doc.get("items", []), item][-INBOX_MAX:]
    ctx.tenants.put_document(tenant_id, INBOX_DOC, {"items": items}, at)


def inbox(ctx: Context, tenant_id: str) -> list[dict[str, Any]]:
    return list(reversed((ctx.tenants.get_document(tenant_id, INBOX_DOC) or {}).get("items", [])))


def clear_inbox(ctx: Context, tenant_id: str, at: datetime) -> None:
    ctx.tenants.put_document(tenant_id, INBOX_DOC, {"items": []}, at)


_MAIL = {
    "paid_claim": ("Kunde {c} meldet: bereits bezahlt ({n})",
                   "Customer {c} says: already paid ({n})"),
    "promise": ("Kunde {c} sagt Zahlung zu ({n})", "Customer {c} promises to pay ({n})"),
    "dispute": ("Kunde {c} erhebt Einwand ({n})", "Customer {c} disputes ({n})"),
    "promise_broken": ("Zahlungszusage nicht eingehalten: Kunde {c} ({n})",
                       "Promise to pay broken: customer {c} ({n})"),
    "paid_claim_unmatched": ("Bitte prüfen: Zahlung von Kunde {c} nicht gefunden ({n})",
                             "Please check: payment of customer {c} not found ({n})"),
}


def mail_owner(ctx: Context, settings: TenantSettings, kind: str, customer: Customer,
               numbers: list[str], detail: dict[str, Any], at: datetime) -> str | None:
    to = settings.company.email or settings.sender_email
    if not to or not settings.sender_email:
        return None
    english = settings.locale == "en"
    subject = _MAIL[kind][1 if english else 0].format(c=customer.customer_id,
                                                       n=", ".join(numbers))
    message = EmailMessage()
    message["From"] = settings.sender_email
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(at.timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender_email.rsplit("@", 1)[-1])
    lines = [subject, ""] + [f"{k}: {v}" for k, v in detail.items() if v not in ("", None)]
    lines += ["", "Im Dashboard unter „Kundenantworten“ entscheiden Sie, wie es weitergeht." if
              not english else "Decide how to go on in the dashboard under “Customer answers”."]
    message.set_content("\n".join(lines))
    try:
        return ctx.mailer.send_raw(message.as_bytes(), settings.sender_email, [to])
    except Exception:  # the answer is recorded and listed; a refused mail must not lose it
        return None


# --- the daily run -----------------------------------------------------------------------------------

def daily(ctx: Context, tenant_id: str, run_date: date, at: datetime) -> dict[str, int]:
    """Before the day's notices are planned: promises paid (kept) or run out (broken: the next
    level goes out this morning with its sentence), "already paid" claims matched or run out
    (then the owner is asked and the dunning waits for their decision)."""
    doc = ctx.tenants.get_document(tenant_id, HOLDS_DOC)
    if not doc or not doc.get("items"):
        return {}
    items = list(doc["items"])
    found = ctx.invoices.batch_get_invoices(tenant_id, sorted({h["number"] for h in items}))
    keep: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    settings = load_settings(ctx, tenant_id)
    for hold in items:
        inv = found.get(hold["number"])
        if inv is None or inv.customer_id != hold["customer_id"]:
            continue
        until = date.fromisoformat(hold["until"])
        outcome = portal.hold_outcome(inv, hold["kind"], until, run_date)
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
        if outcome.result == "waiting":
            keep.append(hold)
            continue
        customer = ctx.customers.get_customer(tenant_id, inv.customer_id) or Customer(
            tenant_id=tenant_id, customer_id=inv.customer_id, name=inv.customer_id)
        subject = f"{hold['kind']}:{hold['until']}"
        if outcome.result == "kept":
            ctx.invoices.add_event(tenant_id, inv.number, "portal_promise_kept", at,
                                   {"until": hold["until"]})
            ctx.events.publish([_owner_event(events.EventType.PROMISE_KEPT, inv, at, subject,
                                             promised_for=hold["until"])])
        elif outcome.result == "broken":
            ctx.invoices.add_event(tenant_id, inv.number, "portal_promise_broken", at,
                                   {"until": hold["until"]})
            ctx.events.publish([_owner_event(events.EventType.PROMISE_BROKEN, inv, at, subject,
                                             promised_for=hold["until"])])
            add_to_inbox(ctx, tenant_id, {"kind": "promise_broken", "customer_id": inv.customer_id,
                                          "numbers": [inv.number], "at": at.isoformat(),
                                          "until": hold["until"]}, at)
            mail_owner(ctx, settings, "promise_broken", customer, [inv.number],
                       {"until": hold["until"]}, at)
        elif outcome.result == "unmatched":
            changed = portal.claim_unmatched(inv, run_date)
            ctx.api.change_invoice(changed, inv.version, "portal_paid_claim_unmatched", at,
                                   {"until": changed.paused_until.isoformat()
                                    if changed.paused_until else None})
            add_to_inbox(ctx, tenant_id, {"kind": "paid_claim_unmatched",
                                          "customer_id": inv.customer_id, "numbers": [inv.number],
                                          "at": at.isoformat()}, at)
            mail_owner(ctx, settings, "paid_claim_unmatched", customer, [inv.number], {}, at)
    ctx.tenants.put_document(tenant_id, HOLDS_DOC, {"items": keep}, at)
    return counts


def _owner_event(kind: events.EventType, inv: Invoice, at: datetime, state: str,
                 **fields: Any) -> events.DomainEvent:
    return events.portal_answer(kind, inv, state, at, **fields)


def forget(ctx: Context, tenant_id: str, customer_id: str, at: datetime) -> int:
    """GDPR erasure (service/privacy.py): the customer's answers leave the owner's list and the
    holds register, their dispute attachments are deleted. Returns how many things went."""
    removed = 0
    for key in (INBOX_DOC, HOLDS_DOC):
        doc = ctx.tenants.get_document(tenant_id, key)
        if not doc or not doc.get("items"):
            continue
        kept = [i for i in doc["items"] if i.get("customer_id") != customer_id]
        if len(kept) != len(doc["items"]):
            removed += len(doc["items"]) - len(kept)
            ctx.tenants.put_document(tenant_id, key, {"items": kept}, at)
    for key in ctx.store.keys(f"uploads/{tenant_id}/portal/{quote(customer_id, safe='')}/"):
        removed += 1 if ctx.privacy.delete_everything(key) else 0
    return removed
