"""Use cases: one tenant's daily planning (the schedule's, or "run now"), the stale-bank-data guard,
and what the owner sees about runs (the last one, the next one, whether letters are held).

Exactly once: planning only queues notice requests with the run day; the notice id is (customer,
run day, level) and is reserved conditionally (service/dunning.py). A "run now" and the
scheduled run of the same day therefore decide the same notices, and the one that comes second
finds them reserved (or the invoices already moved on): never two letters.

The guard (domain/freshness.py): a tenant who imports bank statements and whose newest booking
day is too old on the run day gets no letters that day. Nothing is written for them: the invoices
stay in the due index, so the first run after a fresher statement sends them.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..domain.dates import BERLIN, business_date
from ..domain.freshness import DEFAULT_FRESHNESS_DAYS, Staleness, stale_bank_data
from ..domain.model import DomainError, check_tenant_id
from . import approvals, recurring
from .tenants import load_settings

if TYPE_CHECKING:
    from .bootstrap import Context

#: the tenant document with the report of its last run
RUN_KEY = "RUN"
#: why a run sent nothing, as the API and the dashboard name it
STALE_BANK_DATA = "stale_bank_data"


def bank_guard(ctx: Context, tenant_id: str, run_date: date) -> Staleness | None:
    """Why the tenant's letters must wait on ``run_date`` (None: they may go out).

    A tenant who never imported a statement costs one read. Stored settings that no longer
    parse (a rule tightened since they were saved) must not stop the daily run of every tenant:
    the default allowance applies to them (their letters fail on their own notice requests)."""
    newest = ctx.tenants.bank_day(tenant_id)
    if newest is None:
        return None
    try:
        policy = load_settings(ctx, tenant_id).policy
        days, region = policy.bank_freshness_days, policy.holiday_region
    except DomainError:
        days, region = DEFAULT_FRESHNESS_DAYS, ""
    return stale_bank_data(newest, run_date, days, region)


def held_reason(stale: Staleness) -> dict[str, Any]:
    return {"code": STALE_BANK_DATA, **stale.as_dict(),
            "message": (f"letters held: the newest bank booking is of "
                        f"{stale.newest_booking.isoformat()}, {stale.working_days_without} working "
                        f"days without bookings (at most {stale.allowed} allowed); they go out at "
                        f"the first run after a newer statement is imported")}


def plan_tenant(ctx: Context, tenant_id: str, run_date: date, scheduled_time: datetime,
                trigger: str = "schedule") -> dict[str, Any]:
    """Queue one notice request per customer of this tenant with something due on ``run_date``
    (unless the bank data is stale), and keep the run's report. Returns the report."""
    stale = bank_guard(ctx, tenant_id, run_date)
    if stale is None:
        _portal_holds(ctx, tenant_id, run_date, scheduled_time)
    customers = [] if stale is not None else ctx.invoices.due_customers(tenant_id, run_date)
    messages: list[dict[str, Any]] = []
    # letters waiting for approval: the notice function plans stale ones afresh and sends the
    # owner the day's list (this function only reads); not while the bank data is stale
    if stale is None and _approvals_pending(ctx, tenant_id):
        messages.append({"kind": approvals.KIND, "tenant_id": tenant_id,
                         "run_date": run_date.isoformat(),
                         "scheduled_time": scheduled_time.isoformat()})
    # recurring invoices due (service/recurring.py): issued whatever the bank data says
    messages += recurring.request(ctx, tenant_id, run_date, scheduled_time)
    messages += [{"tenant_id": tenant_id, "customer_id": customer_id,
                  "run_date": run_date.isoformat(), "scheduled_time": scheduled_time.isoformat()}
                 for customer_id in customers]
    ctx.notice_queue.send_all(messages)
    report: dict[str, Any] = {
        "run_date": run_date.isoformat(), "at": scheduled_time.isoformat(), "trigger": trigger,
        "requests": len(customers), "held": None if stale is None else held_reason(stale),
    }
    ctx.tenants.put_document(tenant_id, RUN_KEY, report, scheduled_time)
    return report


def _portal_holds(ctx: Context, tenant_id: str, run_date: date, at: datetime) -> None:
    """The debtors' answers first (service.portal.daily): a broken promise makes its invoice due
    this morning, an unmatched "already paid" holds it for the owner. Never stops the run."""
    from . import portal

    with suppress(DomainError):
        portal.daily(ctx, tenant_id, run_date, at)


def _approvals_pending(ctx: Context, tenant_id: str) -> bool:
    """Letters wait for this tenant's approval; stored settings that no longer pass validation
    never stop the run (that tenant's own requests report them)."""
    try:
        return approvals.pending(ctx, tenant_id)
    except DomainError:
        return False


def run_now(ctx: Context, tenant_id: str, now: datetime) -> dict[str, Any]:
    """Today's planning for this tenant only (``POST /v1/runs``, the dashboard's button)."""
    tenant_id = check_tenant_id(tenant_id)
    return plan_tenant(ctx, tenant_id, business_date(now), now, trigger="now")


def next_run(now: datetime, hour: int) -> datetime:
    """The scheduled run after ``now``: the next ``hour``:00 Europe/Berlin (DST-aware)."""
    local = now.astimezone(BERLIN)
    at = datetime.combine(local.date(), time(hour, 0), tzinfo=BERLIN)
    return at if at > local else datetime.combine(local.date() + timedelta(days=1), time(hour, 0),
                                                  tzinfo=BERLIN)


def run_status(ctx: Context, tenant_id: str, now: datetime) -> dict[str, Any]:
    """The last run, the next one, and whether letters are held now (``GET /v1/runs``, the
    dashboard's overview)."""
    today = business_date(now)
    newest = ctx.tenants.bank_day(tenant_id)
    stale = bank_guard(ctx, tenant_id, today)
    try:
        days = load_settings(ctx, tenant_id).policy.bank_freshness_days
    except DomainError:
        days = DEFAULT_FRESHNESS_DAYS
    return {
        "today": today.isoformat(),
        "next_run": next_run(now, ctx.config.dunning_hour).isoformat(),
        "dunning_hour": ctx.config.dunning_hour,
        "bank_data": {"imports_statements": newest is not None,
                      "newest_booking": None if newest is None else newest.isoformat(),
                      "freshness_days": days,
                      "held": None if stale is None else held_reason(stale)},
        "last_run": ctx.tenants.get_document(tenant_id, RUN_KEY),
    }
