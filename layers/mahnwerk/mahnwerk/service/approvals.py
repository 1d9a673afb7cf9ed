"""Approval before sending (``policy.approval``): letters that wait for the owner.

A letter that needs approval is decided, reserved (its invoices move as for any letter, so the
next morning does not plan it again) and rendered like any other, but its notice is
``awaiting_approval``: nobody may claim it for sending. The owner then

- approves it: the notice becomes ``reserved`` and a request goes to the notice queue, so it is
  sent by the same exactly-once path as every letter (a retried approval changes nothing; a
  hand-over is carried out at once);
- skips it: the notice is cancelled and never goes out. Its invoices go back to the level they
  had before it (its fee is taken off again), and their next action comes ``cooldown_days`` after
  the skip, as after a sent letter — so it is not planned again the next morning;
- edits it: a new payment deadline, a note printed at the end of the letter, the channel. The PDF
  is rendered again; the letter keeps waiting.

A letter waiting longer than ``STALE_AFTER_DAYS`` is cancelled at the next daily run and its
invoices are put back as for a skip but due that very day: the run plans one new letter with the
day's figures (which may wait for approval again) — one letter, never two. Each daily run also
sends the owner one e-mail listing what waits (at most one per tenant and day).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ..domain import events
from ..domain.approval import STALE_AFTER_DAYS, Approval, is_stale, needs_approval
from ..domain.currency import symbol
from ..domain.dates import business_date
from ..domain.dunning import CHARGES, NoticePlan
from ..domain.model import DUNNABLE, Channel, Customer, DomainError, Invoice, InvoiceStatus
from ..domain.money import ZERO, to_str
from ..domain.notices import Notice, NoticeStatus, plan_to_json
from ..domain.policy import Action, Policy
from ..domain.settings import TenantSettings
from ..domain.workdays import next_working_day
from .bootstrap import Context
from .tenants import load_settings

WAITING = NoticeStatus.AWAITING_APPROVAL
#: why a notice was cancelled by the owner or as stale (its ``held_reason``)
SKIPPED = "skipped by the owner"
STALE = "waited too long for approval: planned afresh"
#: the longest note printed on a letter
MAX_NOTE = 500


class ApprovalNotFound(DomainError):
    code, status, message = "approval_not_found", 404, "no letter waiting for approval with this id"


class ApprovalDone(DomainError):
    code, status, message = "approval_done", 409, \
        "the letter no longer waits for approval (approved, skipped or planned afresh)"


def plan_needs_approval(plan: NoticePlan, policy: Policy) -> bool:
    return needs_approval(Approval(policy.approval), level=plan.level, total=plan.total,
                          hand_over=plan.action is Action.HAND_OVER,
                          amount=policy.approval_amount)


def waiting_plan(plan: NoticePlan, invoices: list[Invoice]) -> NoticePlan:
    """What is reserved for a letter that waits: a hand-over does not mark its invoices handed
    over before the owner approves it (they keep their status, without a next action); each
    invoice's last letter before this one is kept, to put it back if the letter never goes."""
    found = {inv.number: inv for inv in invoices}
    advances = []
    for a in plan.advances:
        inv = found.get(a.number)
        a = replace(a, last_notice_before=inv.last_notice_on if inv else None)
        if a.status is InvoiceStatus.HANDED_OVER:
            a = replace(a, status=inv.status if inv else InvoiceStatus.OPEN)
        advances.append(a)
    return replace(plan, advances=tuple(advances))


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Waiting:
    notice: Notice
    plan: NoticePlan
    waiting_days: int

    def as_dict(self) -> dict[str, Any]:
        plan, notice = self.plan, self.notice
        return {
            "id": notice.notice_id, "customer_id": plan.customer_id, "level": plan.level,
            "level_name": plan.level_name, "action": plan.action.value,
            "channels": [c.value for c in plan.channels], "run_date": plan.run_date.isoformat(),
            "deadline": plan.deadline.isoformat(), "note": plan.note,
            "invoice_numbers": list(plan.invoice_numbers), "total": to_str(plan.total),
            "currency": plan.currency,
            "reserved_at": notice.reserved_at, "waiting_days": self.waiting_days,
            "stale": is_stale(self.waiting_days), "pdf_key": notice.pdf_key,
        }


def waiting(ctx: Context, tenant_id: str, today: date) -> list[Waiting]:
    """The tenant's letters awaiting approval, oldest first."""
    found = [Waiting(n, n.decided(), (today - n.decided().run_date).days)
             for n in ctx.notices.notices(tenant_id) if n.status is WAITING]
    return sorted(found, key=lambda w: (w.plan.run_date, w.notice.notice_id))


def get_waiting(ctx: Context, tenant_id: str, notice_id: str) -> Notice:
    notice = ctx.notices.get_notice(tenant_id, notice_id)
    if notice is None:
        raise ApprovalNotFound(notice_id)
    return notice


def customer_waits(ctx: Context, tenant_id: str, customer_id: str, today: date) -> bool:
    """Whether a letter to this customer already waits (then no second one is planned)."""
    since = (today - timedelta(days=STALE_AFTER_DAYS + 30)).isoformat()
    return any(n.status is WAITING for n in ctx.notices.notices_of_customer(
        tenant_id, customer_id, after=since))


# --- holding a letter at planning ---------------------------------------------------------------

def hold(ctx: Context, settings: TenantSettings, plan: NoticePlan, customer: Customer,
         at: datetime) -> None:
    """Render the reserved (waiting) letter as it would be sent and keep its PDF with it; note
    that the tenant has letters waiting (the daily run looks after them even if the rule is
    switched off meanwhile)."""
    ctx.events.publish([events.notice_awaiting_approval(plan, at)])
    noted = ctx.tenants.get_document(plan.tenant_id, DIGEST_DOC) or {}
    if not noted.get("waiting"):
        ctx.tenants.put_document(plan.tenant_id, DIGEST_DOC, {**noted, "waiting": 1}, at)
    if plan.action is Action.HAND_OVER:
        return
    from ..letters.pdf import render_notice_pdf
    from .dunning import letter_key

    key = letter_key(plan)
    ctx.store.put(key, render_notice_pdf(plan, customer, settings), "application/pdf")
    ctx.notices.transition_notice(plan.tenant_id, plan.notice_id, WAITING.value, pdf_key=key)


# --- the owner's decisions ----------------------------------------------------------------------

def approve(ctx: Context, tenant_id: str, notice_id: str, at: datetime) -> dict[str, Any]:
    """Let the letter go: it is queued for the exactly-once delivery (a hand-over is carried out
    at once). Approving again is harmless: the answer says where the letter stands."""
    notice = get_waiting(ctx, tenant_id, notice_id)
    plan = notice.decided()
    if notice.status is WAITING:
        if plan.action is Action.HAND_OVER:
            _hand_over(ctx, plan, at)
        elif ctx.notices.transition_notice(tenant_id, notice_id, WAITING.value,
                                           status=NoticeStatus.RESERVED.value,
                                           approved_at=at.isoformat()):
            _note_on_invoices(ctx, plan, "letter_approved", at, {"notice": notice_id})
            _queue(ctx, plan, at)
    elif notice.status is NoticeStatus.RESERVED and notice.approved_at:
        _queue(ctx, plan, at)  # the queue message of an earlier approval may have been lost
    elif not notice.approved_at:
        raise ApprovalDone(notice_id)
    return status_of(ctx, tenant_id, notice_id)


def _note_on_invoices(ctx: Context, plan: NoticePlan, kind: str, at: datetime,
                      detail: dict[str, Any]) -> None:
    """The owner's decision in the timeline of each invoice the letter lists (a skip or a fresh
    plan is noted with the invoice's change itself)."""
    for number in plan.invoice_numbers:
        ctx.invoices.add_event(plan.tenant_id, number, kind, at,
                               {**detail, "level_name": plan.level_name})


def _queue(ctx: Context, plan: NoticePlan, at: datetime) -> None:
    ctx.notice_queue.send_all([{
        "tenant_id": plan.tenant_id, "customer_id": plan.customer_id,
        "run_date": plan.run_date.isoformat(), "scheduled_time": at.isoformat()}])


def _hand_over(ctx: Context, plan: NoticePlan, at: datetime) -> None:
    """An approved hand-over: its invoices are handed over (each once), then the notice."""
    for adv in plan.advances:
        inv = ctx.invoices.get_invoice(plan.tenant_id, adv.number)
        if inv is None or inv.status not in DUNNABLE:
            continue
        ctx.api.change_invoice(inv.with_changes(status=InvoiceStatus.HANDED_OVER,
                                                next_action_on=None),
                               inv.version, "handed_over", at, {"notice": plan.notice_id})
    if ctx.notices.transition_notice(plan.tenant_id, plan.notice_id, WAITING.value,
                                     status=NoticeStatus.HANDED_OVER.value,
                                     sent_at=at.isoformat(), approved_at=at.isoformat()):
        ctx.events.publish(events.handed_over_by_dunning(plan, at))


def skip(ctx: Context, tenant_id: str, notice_id: str, at: datetime) -> dict[str, Any]:
    """The letter never goes out; its invoices keep the level they had before it and move on
    after the cooldown. Skipping again is harmless."""
    notice = get_waiting(ctx, tenant_id, notice_id)
    plan = notice.decided()
    if notice.status is WAITING:
        if not ctx.notices.transition_notice(tenant_id, notice_id, WAITING.value,
                                             status=NoticeStatus.CANCELLED.value,
                                             held_reason=SKIPPED):
            raise ApprovalDone(notice_id)
    elif not (notice.status is NoticeStatus.CANCELLED and notice.held_reason == SKIPPED):
        raise ApprovalDone(notice_id)
    ctx.events.publish([events.notice_skipped(plan, "skipped", at)])  # again on a retry: same id
    policy = load_settings(ctx, tenant_id).policy
    day = business_date(at)
    _put_back(ctx, plan, at, day + timedelta(days=max(policy.cooldown_days, 1)), "letter_skipped")
    return status_of(ctx, tenant_id, notice_id)


def _put_back(ctx: Context, plan: NoticePlan, at: datetime, next_on: date, kind: str) -> None:
    """Undo what reserving the letter did to its invoices: the level before it, its fee taken
    off, the next action on ``next_on``. Each invoice once (a retry finds it put back)."""
    before = {line.number: line.fees for line in plan.lines}
    for adv in plan.advances:
        inv = ctx.invoices.get_invoice(plan.tenant_id, adv.number)
        if inv is None or plan.kind == CHARGES or inv.level != adv.to_level \
                or adv.to_level == adv.from_level:
            continue
        own_fee = adv.fees_open - before.get(adv.number, adv.fees_open)
        changes: dict[str, Any] = {
            "level": adv.from_level, "fees_open": max(ZERO, inv.fees_open - max(own_fee, ZERO)),
            "last_notice_on": adv.last_notice_before}
        if inv.is_dunnable(next_on):
            changes["next_action_on"] = next_on
        if adv.from_level == 0:
            changes["reminder_reached_on"] = None
        ctx.api.change_invoice(inv.with_changes(**changes), inv.version, kind, at,
                               {"notice": plan.notice_id, "level": str(adv.from_level)})


def edit(ctx: Context, tenant_id: str, notice_id: str, at: datetime, *,
         deadline: str | None = None, note: str | None = None,
         channel: str | None = None) -> dict[str, Any]:
    """Change a waiting letter: its payment deadline (a working day after today, at most 60 days
    ahead), a note printed at its end, its channel (email, post or both). It keeps waiting."""
    notice = get_waiting(ctx, tenant_id, notice_id)
    if notice.status is not WAITING:
        raise ApprovalDone(notice_id)
    plan = notice.decided()
    if plan.action is Action.HAND_OVER:
        raise DomainError("a hand-over has no letter to edit: approve or skip it")
    settings = load_settings(ctx, tenant_id)
    changes: dict[str, Any] = {}
    today = business_date(at)
    if deadline is not None and deadline.strip():
        try:
            day = date.fromisoformat(deadline.strip())
        except ValueError:
            raise DomainError(f"deadline: not a date (YYYY-MM-DD): {deadline[:20]!r}") from None
        if day <= today or day > today + timedelta(days=60):
            raise DomainError("deadline: a day after today and at most 60 days ahead")
        if next_working_day(day, settings.policy.holiday_region) != day:
            raise DomainError("deadline: a working day (not a weekend or public holiday)")
        # the next level (or the hand-over this letter announces) is scheduled for after the
        # planned deadline: a later deadline must still end before it
        following = [a.next_action_on for a in plan.advances if a.next_action_on is not None]
        if following and day >= min(following):
            raise DomainError(f"deadline: before the next step on {min(following).isoformat()}")
        changes["deadline"] = day
    if note is not None:
        text = " ".join(note.split())
        if len(text) > MAX_NOTE:
            raise DomainError(f"note: at most {MAX_NOTE} characters")
        changes["note"] = text
    if channel is not None and channel.strip():
        options = {"email": (Channel.EMAIL,), "post": (Channel.POST,),
                   "both": (Channel.EMAIL, Channel.POST)}
        if channel.strip() not in options:
            raise DomainError("channel: one of email, post, both")
        changes["channels"] = options[channel.strip()]
    if not changes:
        raise DomainError("nothing to change: deadline, note or channel")
    changed = replace(plan, **changes)
    customer = ctx.customers.get_customer(tenant_id, plan.customer_id) or Customer(
        tenant_id=tenant_id, customer_id=plan.customer_id, name=plan.customer_id)
    from ..letters.pdf import render_notice_pdf
    from .dunning import letter_key

    key = letter_key(changed)
    ctx.store.put(key, render_notice_pdf(changed, customer, settings), "application/pdf")
    if not ctx.notices.transition_notice(tenant_id, notice_id, WAITING.value,
                                         plan=plan_to_json(changed), pdf_key=key):
        raise ApprovalDone(notice_id)
    _note_on_invoices(ctx, plan, "letter_edited", at, {
        "notice": notice_id, **{k: (v.isoformat() if isinstance(v, date) else
                                     ",".join(c.value for c in v) if isinstance(v, tuple) else v)
                                for k, v in changes.items()}})
    return status_of(ctx, tenant_id, notice_id)


def status_of(ctx: Context, tenant_id: str, notice_id: str) -> dict[str, Any]:
    notice = get_waiting(ctx, tenant_id, notice_id)
    plan = notice.decided()
    return {**Waiting(notice, plan, 0).as_dict(), "status": notice.status.value,
            "waiting_days": None, "stale": False}


# --- the daily run ------------------------------------------------------------------------------

#: the notice queue's message for a tenant's daily approval work (``process_request``)
KIND = "approvals"


def pending(ctx: Context, tenant_id: str) -> bool:
    """Whether the daily run has approval work for this tenant (read only): the rule is on, or
    letters are still waiting from when it was. A tenant without either costs no read of its
    notices."""
    if load_settings(ctx, tenant_id).policy.approval != Approval.NONE.value:
        return True
    return bool((ctx.tenants.get_document(tenant_id, DIGEST_DOC) or {}).get("waiting"))


def process_request(ctx: Context, message: dict[str, Any]) -> int:
    """The daily run's approval message for one tenant (on the notice queue): stale letters are
    cancelled and their customers planned afresh at once (the same decision as a notice
    request); then the owner gets the day's list. The number planned afresh."""
    from .dunning import process_request as plan_customer

    tenant_id = str(message["tenant_id"])
    run_date = date.fromisoformat(str(message["run_date"]))
    at = datetime.fromisoformat(str(message["scheduled_time"]))
    customers = daily(ctx, tenant_id, run_date, at)
    for customer_id in customers:
        plan_customer(ctx, {"tenant_id": tenant_id, "customer_id": customer_id,
                            "run_date": run_date.isoformat(), "scheduled_time": at.isoformat()})
    return len(customers)


def daily(ctx: Context, tenant_id: str, run_date: date, at: datetime) -> list[str]:
    """Stale letters are cancelled and their invoices made due today; the owner gets the day's
    list of what waits (those planned afresh marked so; letters held by this day's run itself
    appear in the next day's list). The customers whose letters are to be planned afresh (a
    customer whose planning failed after the put-back is due today and planned by the next
    run at the latest: the due index holds everything due up to that day)."""
    settings = load_settings(ctx, tenant_id)
    noted = ctx.tenants.get_document(tenant_id, DIGEST_DOC) or {}
    if settings.policy.approval == Approval.NONE.value and not noted.get("waiting"):
        return []
    found = waiting(ctx, tenant_id, run_date)
    if bool(found) != bool(noted.get("waiting")):
        ctx.tenants.put_document(tenant_id, DIGEST_DOC, {**noted, "waiting": len(found)}, at)
    if not found:
        return []
    replanned: list[str] = []
    for item in found:
        if is_stale(item.waiting_days) and \
                ctx.notices.transition_notice(tenant_id, item.notice.notice_id, WAITING.value,
                                              status=NoticeStatus.CANCELLED.value,
                                              held_reason=STALE):
            _put_back(ctx, item.plan, at, run_date, "letter_replanned")
            ctx.events.publish([events.notice_skipped(item.plan, "stale", at)])
            replanned.append(item.plan.customer_id)
    digest(ctx, settings, found, run_date, at)
    return sorted(set(replanned))


DIGEST_DOC = "approval-digest"


def digest(ctx: Context, settings: TenantSettings, found: list[Waiting], day: date,
           at: datetime) -> str | None:
    """One e-mail a day to the owner (the company address, else the sender address) listing
    the letters that wait. The message id, or None if it went out today already or there is no
    address."""
    tenant_id = settings.tenant_id
    sent = ctx.tenants.get_document(tenant_id, DIGEST_DOC) or {}
    to = settings.company.email or settings.sender_email
    if sent.get("day") == day.isoformat() or not to or not settings.sender_email:
        return None
    english = settings.locale == "en"
    message = EmailMessage()
    message["From"] = settings.sender_email
    message["To"] = to
    message["Date"] = formatdate(at.timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain="mahnwerk")
    count = len(found)
    if english:
        message["Subject"] = f"Mahnwerk: {count} letter(s) awaiting your approval"
        lines = ["Good morning,", "",
                 f"{count} letter(s) are waiting for your approval before they are sent:", ""]
    else:
        message["Subject"] = f"Mahnwerk: {count} Schreiben warten auf Ihre Freigabe"
        lines = ["Guten Morgen,", "",
                 f"{count} Schreiben warten auf Ihre Freigabe, bevor sie verschickt werden:", ""]
    for w in found:
        total = f"{w.plan.total:.2f}".replace(".", "," if not english else ".")
        since = w.plan.run_date.strftime("%Y-%m-%d" if english else "%d.%m.%Y")
        state = (" — planned afresh today with today's figures" if english else
                 " — wird heute mit den heutigen Beträgen neu geplant") \
            if is_stale(w.waiting_days) else (f" (waiting since {since})" if english else
                                              f" (wartet seit {since})")
        lines.append(f"- {w.plan.customer_id}: {w.plan.level_name}, {total} {symbol(w.plan.currency)}, "
                     f"{', '.join(w.plan.invoice_numbers)}{state}")
    lines += ["", "Approve, edit or skip them in the dashboard under “To approve”. A letter "
              f"waiting more than {STALE_AFTER_DAYS} days is planned afresh." if english else
              "Bitte geben Sie sie im Dashboard unter „Zur Freigabe“ frei, ändern oder "
              f"überspringen Sie sie. Ein Schreiben, das länger als {STALE_AFTER_DAYS} Tage "
              "wartet, wird neu geplant."]
    message.set_content("\n".join(lines))
    message_id = ctx.mailer.send_raw(message.as_bytes(), settings.sender_email, [to])
    ctx.tenants.put_document(tenant_id, DIGEST_DOC, {
        "day": day.isoformat(), "message_id": message_id, "waiting": count}, at)
    return message_id
