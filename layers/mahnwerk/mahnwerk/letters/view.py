"""What a notice shows, formatted once: the open items, the totals, the bank and the footer.

The PDF, the HTML email and the plain-text email all print from this one view, so they show the
same numbers in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..domain.dunning import NoticeLine, NoticePlan
from ..domain.iban import format_iban
from ..domain.money import ZERO
from ..domain.settings import TenantSettings
from .formatting import format_date, labels
from .formatting import format_money as money
from .formatting import format_number as number
from .payment_block import join_numbers


@dataclass(frozen=True)
class ItemRow:
    number: str
    issue_date: str
    due_date: str
    days_overdue: str
    level: str
    amount: str
    paid: str
    interest: str
    fees: str
    open: str
    has_interest: bool
    has_fees: bool


@dataclass(frozen=True)
class Statement:
    locale: str
    #: the ISO 4217 code of every amount shown
    currency: str
    labels: dict[str, str]
    rows: tuple[ItemRow, ...]
    interest_total: str
    line_fees_total: str
    subtotal: str
    #: the fee of this letter itself; empty when the letter is free
    letter_fee: str
    #: what the total is made of, (label, amount), when it is more than principal: open
    #: principal, interest, earlier fees, this letter's fee, the §288 Abs. 5 flat fee
    breakdown: tuple[tuple[str, str], ...]
    total: str
    deadline: str
    run_date: str
    reference: str
    account_holder: str
    iban: str
    bic: str
    bank_name: str
    footer_groups: tuple[tuple[str, ...], ...]

    @property
    def has_bank(self) -> bool:
        return bool(self.iban)

    @property
    def has_girocode(self) -> bool:
        """An EPC QR code (GiroCode) is for euro transfers only."""
        return self.currency == "EUR"


def _row(line: NoticeLine, locale: str) -> ItemRow:
    def format_number(value: Decimal, locale: str) -> str:
        return number(value, locale, line.currency)

    return ItemRow(
        number=line.number,
        issue_date=format_date(line.issue_date, locale),
        due_date=format_date(line.due_date, locale),
        days_overdue=str(line.days_overdue),
        level=str(line.level),
        amount=format_number(line.amount, locale),
        paid=format_number(line.paid, locale),
        interest=format_number(line.interest, locale),
        # the §288 Abs. 5 flat fee is a cost too; the text names it separately
        fees=format_number(line.fees + line.flat_fee, locale),
        open=format_number(line.total, locale),
        has_interest=line.interest != ZERO,
        has_fees=line.fees + line.flat_fee != ZERO,
    )


def footer_groups(settings: TenantSettings, locale: str) -> tuple[tuple[str, ...], ...]:
    """The company's mandatory details (§35a GmbHG, §37a HGB) and its bank, in four groups."""
    lab = labels(locale)
    company, bank = settings.company, settings.bank
    address = company.address
    city = " ".join(p for p in (address.postal_code, address.city) if p)
    columns = [
        (company.name, address.street, city),
        (
            f"{lab['phone']} {company.phone}" if company.phone else "",
            f"{lab['email']} {company.email}" if company.email else "",
            company.website,
        ),
        (
            company.register,
            f"{lab['vat_id']} {company.vat_id}" if company.vat_id else "",
            f"{lab['managing_director']}: {company.managing_director}"
            if company.managing_director
            else "",
        ),
        (
            bank.bank_name,
            f"{lab['iban']} {format_iban(bank.iban)}" if bank.iban else "",
            f"{lab['bic']} {bank.bic}" if bank.bic else "",
        ),
    ]
    cleaned = (tuple(line for line in column if line) for column in columns)
    return tuple(column for column in cleaned if column)


def breakdown(plan: NoticePlan, locale: str) -> tuple[tuple[str, str], ...]:
    """The parts of the total, each its own figure (they add up to ``plan.total``); empty when
    the total is open principal alone."""
    lab = labels(locale, plan.currency)
    earlier = sum((line.fees for line in plan.lines), ZERO)

    def format_money(value: Decimal, locale: str) -> str:
        return money(value, locale, plan.currency)

    parts = [
        (lab["interest_total"], plan.interest),
        (lab["fees_earlier"], earlier),
        (lab["letter_fee"], plan.fee),
        (lab["flat_fee"], plan.flat_fee),
    ]
    shown = [(label, amount) for label, amount in parts if amount != ZERO]
    if not shown:
        return ()
    principal = lab["principal_after_payments"].format(paid=format_money(plan.paid, locale)) \
        if plan.paid > ZERO else lab["principal_open"]
    if plan.principal == ZERO:  # a statement of residual charges: the principal is paid
        return tuple((label, format_money(amount, locale)) for label, amount in shown)
    return tuple((label, format_money(amount, locale))
                 for label, amount in [(principal, plan.principal), *shown])


def statement(plan: NoticePlan, settings: TenantSettings, locale: str) -> Statement:
    subtotal = sum((line.total for line in plan.lines), ZERO)
    currency = plan.currency

    def format_money(value: Decimal, locale: str) -> str:
        return money(value, locale, currency)

    def format_number(value: Decimal, locale: str) -> str:
        return number(value, locale, currency)

    return Statement(
        locale=locale,
        currency=currency,
        labels=labels(locale, currency),
        rows=tuple(_row(line, locale) for line in plan.lines),
        interest_total=format_number(plan.interest, locale),
        line_fees_total=format_number(
            sum((line.fees + line.flat_fee for line in plan.lines), ZERO), locale),
        subtotal=format_money(subtotal, locale),
        letter_fee=format_money(plan.fee, locale) if plan.fee > ZERO else "",
        breakdown=breakdown(plan, locale),
        total=format_money(plan.total, locale),
        deadline=format_date(plan.deadline, locale),
        run_date=format_date(plan.run_date, locale),
        reference=join_numbers(plan.invoice_numbers),
        account_holder=settings.company.name,
        iban=format_iban(settings.bank.iban) if settings.bank.iban else "",
        bic=settings.bank.bic.strip(),
        bank_name=settings.bank.bank_name,
        footer_groups=footer_groups(settings, locale),
    )
