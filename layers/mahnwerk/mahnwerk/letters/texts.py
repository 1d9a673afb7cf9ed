"""The words of a notice: subject, salutation, body and closing, in German or English.

The texts are Jinja2 templates in ``templates/``. They run in a sandbox with strict undefined
variables because tenants will be able to replace them per level; a template sees plain strings,
numbers and booleans only, never the domain objects.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, DictLoader, FileSystemLoader, StrictUndefined
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..domain.dunning import CHARGES, CHARGES_NAME, NoticePlan
from ..domain.errors import MahnwerkError
from ..domain.model import Customer
from ..domain.money import ZERO
from ..domain.settings import TenantSettings
from .formatting import format_date, format_money, resolve_locale
from .portal_line import broken_promise_sentence, portal_labels
from .sandbox import TenantSandbox, check_source
from .view import statement

TEMPLATE_DIR = Path(__file__).parent / "templates"

#: English subjects for the level names of the default policy; other names are used as they are.
_EN_LEVEL_NAMES = {
    "Zahlungserinnerung": "Payment reminder",
    "1. Mahnung": "First reminder",
    "2. Mahnung": "Second reminder",
    "3. Mahnung": "Third reminder",
    "Letzte Mahnung": "Final reminder",
    "Übergabe an Inkasso": "Notice of transfer to debt collection",
    CHARGES_NAME: "Statement of late-payment charges",
}

_SUBJECT = {"de": "{level} – Kundennummer {customer}", "en": "{level} – Customer no. {customer}"}


class LetterTemplateError(MahnwerkError, ValueError):
    """A letter template is broken or tried something the sandbox forbids."""

    code, status, message = "letter_template_invalid", 400, "the letter template was not accepted"


@dataclass(frozen=True)
class LetterText:
    locale: str
    subject: str
    salutation: str
    paragraphs: list[str]
    closing: str
    #: who signs: the tenant's company name
    signature: str

    def as_plain_text(self) -> str:
        """The letter as plain text: salutation, paragraphs, closing and signature."""
        blocks = [self.salutation, *self.paragraphs, f"{self.closing}\n{self.signature}".strip()]
        return "\n\n".join(block for block in blocks if block) + "\n"


def _environment(
    autoescape: bool, overrides: Mapping[str, str] | None
) -> ImmutableSandboxedEnvironment:
    loader: BaseLoader = FileSystemLoader(TEMPLATE_DIR)
    if overrides:
        loader = ChoiceLoader([DictLoader(dict(overrides)), loader])
    # a tenant's sources are checked before they compile and render with a bounded output
    kind = TenantSandbox if overrides else ImmutableSandboxedEnvironment
    env = kind(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name, source in (overrides or {}).items():
        try:
            check_source(source, env)
        except TemplateError as exc:
            raise LetterTemplateError(f"letter template {name!r}: {exc}") from exc
    return env


@lru_cache(maxsize=2)
def _default_environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    return _environment(autoescape, None)


def _env(autoescape: bool, overrides: Mapping[str, str] | None) -> ImmutableSandboxedEnvironment:
    return _environment(autoescape, overrides) if overrides else _default_environment(autoescape)


def _render(
    env: ImmutableSandboxedEnvironment, names: list[str], context: Mapping[str, Any]
) -> str:
    try:
        template = env.select_template(names)
        if isinstance(env, TenantSandbox):
            return env.render_bounded(template, context)
        return template.render(**context)
    except TemplateError as exc:
        raise LetterTemplateError(f"letter template {names[0]!r}: {exc}") from exc


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; line breaks inside one are only for the template's sake."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        joined = " ".join(block.split())
        # A clause that starts on its own template line (", including ...") must not leave a
        # space before its punctuation.
        joined = re.sub(r" ([,.;:])", r"\1", joined)
        if joined:
            paragraphs.append(joined)
    return paragraphs


def _contact(settings: TenantSettings, locale: str) -> str:
    company = settings.company
    if locale == "de":
        parts = [f"per E-Mail an {company.email}" if company.email else "",
                 f"telefonisch unter {company.phone}" if company.phone else ""]
        return " oder ".join(p for p in parts if p)
    parts = [f"by email at {company.email}" if company.email else "",
             f"by phone on {company.phone}" if company.phone else ""]
    return " or ".join(p for p in parts if p)


def subject_for(plan: NoticePlan, customer: Customer, locale: str) -> str:
    level = plan.level_name
    if locale == "en":
        level = _EN_LEVEL_NAMES.get(level, level)
    return _SUBJECT[locale].format(level=level, customer=customer.customer_id)


def text_context(
    plan: NoticePlan, customer: Customer, settings: TenantSettings, locale: str
) -> dict[str, Any]:
    """Everything a body template may use; plain values only (the sandbox's first line)."""
    line_fees = sum((line.fees for line in plan.lines), ZERO)
    return {
        "customer_name": customer.name,
        "customer_id": customer.customer_id,
        "is_consumer": customer.is_consumer,
        "company_name": settings.company.name,
        "level": plan.level,
        "level_name": plan.level_name,
        "tone": str(plan.tone),
        "invoice_count": len(plan.lines),
        "invoice_numbers": list(plan.invoice_numbers),
        "total": format_money(plan.total, locale, plan.currency),
        "principal": format_money(plan.principal, locale, plan.currency),
        "interest": format_money(plan.interest, locale, plan.currency),
        "fees": format_money(plan.fees, locale, plan.currency),
        "flat_fee": format_money(plan.flat_fee, locale, plan.currency),
        "paid": format_money(plan.paid, locale, plan.currency),
        "payment_note": payment_note(plan, locale),
        "currency": plan.currency,
        "letter_fee": format_money(plan.fee, locale, plan.currency),
        "has_interest": plan.interest > ZERO,
        "has_fees": plan.fee > ZERO or line_fees > ZERO,
        "has_letter_fee": plan.fee > ZERO,
        "deadline": format_date(plan.deadline, locale),
        "run_date": format_date(plan.run_date, locale),
        "contact": _contact(settings, locale),
    }


def payment_note(plan: NoticePlan, locale: str) -> str:
    """The payments received since the last letter, acknowledged in one sentence ("" if none):
    a letter after a part payment says so instead of "no payment received"."""
    if not plan.payments:
        return ""
    parts = [(format_money(amount, locale, plan.currency), format_date(day, locale))
             for day, amount in plan.payments]
    if locale == "de":
        listed = [f"über {amount} vom {day}" for amount, day in parts]
        joined = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " und " + listed[-1]
        noun = "Ihre Zahlung" if len(listed) == 1 else "Ihre Zahlungen"
        return f"{noun} {joined} haben wir berücksichtigt."
    listed = [f"of {amount} on {day}" for amount, day in parts]
    joined = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
    noun = "your payment" if len(listed) == 1 else "your payments"
    return f"We have taken {noun} {joined} into account."


def compose(
    plan: NoticePlan,
    customer: Customer,
    settings: TenantSettings,
    *,
    overrides: Mapping[str, str] | None = None,
) -> LetterText:
    """The text of a notice in the customer's language.

    ``overrides`` maps template names to Jinja2 sources that replace the packaged ones, e.g.
    ``{"de/level2.txt": "..."}`` for a tenant's own wording of level 2 (see templates/README.md).
    """
    locale = resolve_locale(customer, settings)
    env = _env(False, overrides)
    context = text_context(plan, customer, settings, locale)
    names = [f"{locale}/charges.txt"] if plan.kind == CHARGES else \
        [f"{locale}/level{plan.level}.txt", f"{locale}/{plan.tone}.txt"]
    body = _render(env, names, context)
    salutation = _render(env, [f"{locale}/salutation.txt"], context)
    closing = _render(env, [f"{locale}/closing.txt"], context)
    return LetterText(
        locale=locale,
        subject=subject_for(plan, customer, locale),
        salutation=" ".join(salutation.split()),
        # the owner's own note (added when approving the letter) ends the body, as they wrote it
        paragraphs=_broken_promise(plan, locale) + _with_legal_basis(
            _paragraphs(body), _legal_basis(plan, customer, locale), context["total"])
        + ([plan.note] if plan.note else []),
        closing=" ".join(closing.split()),
        signature=settings.company.name,
    )


def _broken_promise(plan: NoticePlan, locale: str) -> list[str]:
    """The sentence a letter after a broken promise to pay opens with (domain.portal)."""
    if not plan.promise_broken:
        return []
    day = format_date(plan.promised_by or plan.run_date - timedelta(days=1), locale)
    return [broken_promise_sentence(plan, day, locale)]


def _with_legal_basis(paragraphs: list[str], legal: list[str], total: str) -> list[str]:
    """The legal basis joins the paragraph that names the total (the first one if none does):
    it explains that figure and keeps letters short."""
    if not legal:
        return paragraphs
    if not paragraphs:
        return legal
    at = next((i for i, text in enumerate(paragraphs) if total in text), 0)
    return [*paragraphs[:at], f"{paragraphs[at]} {' '.join(legal)}", *paragraphs[at + 1:]]


def _legal_basis(plan: NoticePlan, customer: Customer, locale: str) -> list[str]:
    """What the claimed interest and flat fee rest on. Added by code, not by the (tenant-editable)
    templates, so that a custom text can never drop or misstate it."""
    points = "5" if customer.is_consumer else "9"
    parts = []
    if plan.interest > ZERO:
        parts.append(
            f"Verzugszinsen in Höhe von {points} Prozentpunkten über dem Basiszinssatz "
            f"(§ 288 Abs. {1 if customer.is_consumer else 2} BGB)" if locale == "de" else
            f"default interest at {points} percentage points above the base rate "
            f"(§ 288 ({1 if customer.is_consumer else 2}) BGB)")
    if plan.flat_fee > ZERO:
        parts.append(
            f"die Verzugspauschale von {format_money(Decimal('40'), locale)} je Rechnung "
            "(§ 288 Abs. 5 BGB)" if locale == "de" else
            f"the late-payment flat fee of {format_money(Decimal('40'), locale)} per invoice "
            "(§ 288 (5) BGB)")
    if not parts:
        return []
    if locale == "de":
        return ["Der Gesamtbetrag enthält " + " sowie ".join(parts) + "."]
    return ["The total includes " + " and ".join(parts) + "."]


def check_template(
    source: str, plan: NoticePlan, customer: Customer, settings: TenantSettings
) -> None:
    """Raise LetterTemplateError if a tenant's body template does not render for this plan."""
    locale = resolve_locale(customer, settings)
    env = _environment(False, {"check.txt": source})
    _render(env, ["check.txt"], text_context(plan, customer, settings, locale))


def _email_context(
    letter: LetterText, plan: NoticePlan, customer: Customer, settings: TenantSettings
) -> dict[str, Any]:
    view = statement(plan, settings, letter.locale)
    return {
        "letter": dataclasses.asdict(letter),
        "statement": {**dataclasses.asdict(view), "has_girocode": view.has_girocode},
        "labels": dict(view.labels),
        "company_name": settings.company.name,
        "customer_name": customer.name,
        "customer_id": customer.customer_id,
        "portal_url": plan.portal_url,
        "portal_label": portal_labels(letter.locale)["portal"],
    }


def render_html(
    letter_text: LetterText,
    plan: NoticePlan,
    customer: Customer,
    settings: TenantSettings,
    *,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """The HTML part of the email: the letter, the open items, the total and the bank details."""
    env = _env(True, overrides)
    return _render(env, ["email.html"], _email_context(letter_text, plan, customer, settings))


def render_plain(
    letter_text: LetterText,
    plan: NoticePlan,
    customer: Customer,
    settings: TenantSettings,
    *,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """The text/plain part of the email, with the same content as the HTML part."""
    env = _env(False, overrides)
    return _render(env, ["email.txt"], _email_context(letter_text, plan, customer, settings))
