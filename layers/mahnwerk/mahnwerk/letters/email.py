"""The notice as an email: text and HTML body, the PDF letter attached, in the tenant's name."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from ..domain.dunning import NoticePlan
from ..domain.errors import MahnwerkError
from ..domain.model import Customer
from ..domain.settings import TenantSettings
from .formatting import ascii_slug
from .texts import LetterText, compose, render_html, render_plain


class EmailError(MahnwerkError, ValueError):
    """The email cannot be built: an address is missing or malformed."""

    code, status, message = "email_invalid", 400, "the e-mail cannot be built"


def _address(display_name: str, addr_spec: str, what: str) -> Address:
    addr_spec = addr_spec.strip()
    if addr_spec.count("@") != 1 or not all(addr_spec.split("@")):
        raise EmailError(f"{what}: not an email address: {addr_spec!r}")
    try:
        return Address(display_name=display_name, addr_spec=addr_spec)
    except (ValueError, IndexError) as exc:
        raise EmailError(f"{what}: not an email address: {addr_spec!r}") from exc


def attachment_name(plan: NoticePlan) -> str:
    """``1-mahnung-K-10042-2026-10-15.pdf``: ASCII only, so every mail client shows it."""
    level = ascii_slug(plan.level_name)
    customer = ascii_slug(plan.customer_id, lower=False)
    return f"{level}-{customer}-{plan.run_date.isoformat()}.pdf"


def message_id(plan: NoticePlan, sender_email: str) -> str:
    """Deterministic, so a re-sent notice keeps its id and the recipient's client dedupes it.

    The notice id holds the customer id, which may contain characters a Message-ID must not;
    a hash of tenant and notice id is safe and still unique per tenant, customer, day and level.
    """
    domain = sender_email.rsplit("@", 1)[-1].strip().lower()
    digest = hashlib.sha256(f"{plan.tenant_id}/{plan.notice_id}".encode()).hexdigest()[:24]
    return f"<{plan.run_date:%Y%m%d}.L{plan.level}.{digest}@{domain}>"


def build_email(
    plan: NoticePlan,
    customer: Customer,
    settings: TenantSettings,
    pdf: bytes,
    sent_at: datetime,
    configuration_set: str | None = None,
    *,
    letter: LetterText | None = None,
) -> EmailMessage:
    """multipart/mixed: multipart/alternative (text/plain, text/html) and the PDF letter.

    No List-Unsubscribe header: a dunning notice is a legal notice, not a newsletter.
    """
    if sent_at.tzinfo is None:
        raise EmailError("sent_at must be timezone-aware")
    letter = letter or compose(plan, customer, settings)
    company = settings.company

    message = EmailMessage(policy=SMTP)
    message["From"] = _address(company.name, settings.sender_email, "sender_email")
    message["To"] = _address(customer.name, customer.email, "customer email")
    if company.email:
        message["Reply-To"] = _address(company.name, company.email, "company email")
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id(plan, settings.sender_email)
    message["X-Mahnwerk-Notice"] = plan.notice_id
    if configuration_set:
        message["X-SES-CONFIGURATION-SET"] = configuration_set

    message.set_content(render_plain(letter, plan, customer, settings), charset="utf-8")
    message.add_alternative(
        render_html(letter, plan, customer, settings), subtype="html", charset="utf-8"
    )
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=attachment_name(plan)
    )
    return message
