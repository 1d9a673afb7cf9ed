"""The settings page's live preview: a level's letter for a sample customer and invoice, decided by
the real ``decide()`` and worded by the real letter templates (``letters.compose``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from ..domain.dunning import NoticePlan, decide
from ..domain.model import Address, Customer, DomainError, Invoice
from ..domain.policy import Level
from ..domain.settings import TenantSettings
from ..letters.pdf import render_notice_pdf
from ..letters.texts import LetterText, compose
from ..service.law import base_rates

SAMPLE_AMOUNT = Decimal("1190.00")


def sample_customer(tenant: str, lang: str) -> Customer:
    name = "Muster GmbH" if lang == "de" else "Sample Ltd"
    return Customer(tenant_id=tenant, customer_id="K-0000", name=name, email="buchhaltung@muster.example",
                    address=Address("Musterstraße 1", "10115", "Berlin", "DE"), locale=lang)


def sample_plan(settings: TenantSettings, level_no: int, today: date,
                lang: str) -> tuple[NoticePlan, Customer]:
    """What level ``level_no`` would send today for one overdue sample invoice that has had the
    letters before it."""
    policy = settings.policy
    if not 1 <= level_no <= policy.top:
        raise DomainError(f"no level {level_no}")
    customer = sample_customer(settings.tenant_id, lang)
    before = level_no - 1
    due = today - timedelta(days=14 + sum(lv.days for lv in policy.levels[:level_no]))
    invoice = Invoice(
        tenant_id=settings.tenant_id, number="RE-2026-0815", customer_id=customer.customer_id,
        issue_date=due - timedelta(days=policy.payment_terms_days), due_date=due,
        amount=SAMPLE_AMOUNT, open_amount=SAMPLE_AMOUNT, level=before, next_action_on=today,
        last_notice_on=today - timedelta(days=policy.level(level_no).days) if before else None,
        reminder_reached_on=due + timedelta(days=policy.level(1).days) if before else None,
        fees_open=sum((lv.fee for lv in policy.levels[:before]), Decimal(0)))
    # the preview shows the level even where cooldown or minimum amount would hold it back
    relaxed = replace(policy, cooldown_days=0, minimum_amount=Decimal(0))
    plan = decide(customer, [invoice], relaxed, base_rates(), today)
    if plan is None or plan.level != level_no:
        raise DomainError(f"level {level_no} cannot be shown")
    return plan, customer


def with_level(settings: TenantSettings, level_no: int, level: Level) -> TenantSettings:
    """The settings with one level replaced (the values typed into the form, not yet saved)."""
    levels = list(settings.policy.levels)
    levels[level_no - 1] = level
    return replace(settings, policy=replace(settings.policy, levels=tuple(levels)))


def letter_text(settings: TenantSettings, level_no: int, today: date,
                lang: str) -> tuple[NoticePlan, LetterText]:
    plan, customer = sample_plan(settings, level_no, today, lang)
    return plan, compose(plan, customer, settings)


def letter_pdf(settings: TenantSettings, level_no: int, today: date, lang: str) -> bytes:
    plan, customer = sample_plan(settings, level_no, today, lang)
    return render_notice_pdf(plan, customer, settings)
