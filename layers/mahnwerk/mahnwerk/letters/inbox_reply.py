"""The one reply to an allowed sender of the inbox: what was imported, what was refused and why,
and where to look (German and English, the tenant's language first)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from ..domain.reasons import reason_text
from ..domain.settings import TenantSettings
from .email import _address


@dataclass(frozen=True)
class FileResult:
    name: str
    #: invoice numbers taken over (new, changed or already known and unchanged)
    imported: tuple[str, ...] = ()
    #: why this file (or rows of it) was not taken: each a reject's dict (line, code, params,
    #: English message; ``Reject.as_dict``), rendered in the reader's language — or, as written
    #: before reasons had codes, a text
    refused: tuple[Mapping[str, Any] | str, ...] = ()
    #: the file went to the review list (to be completed by hand in the dashboard)
    review: bool = False


_TEXT = {
    "de": {
        "subject": "Ihre Rechnungen sind eingegangen",
        "hello": "Guten Tag,",
        "intro": "vielen Dank für Ihre E-Mail. Wir haben die Anhänge wie folgt verarbeitet:",
        "imported": "übernommen: Rechnung(en) {numbers}",
        "nothing": "keine Rechnung gefunden",
        "refused": "nicht übernommen: {reason}",
        "review": "zur Prüfung abgelegt: bitte im Dashboard unter „Zu prüfen“ ergänzen",
        "review_link": "Was noch geprüft werden muss, finden Sie im Dashboard unter „Zu prüfen“: "
                       "{url}",
        "line": "Zeile {line}: {reason}",
        "none": "Die E-Mail enthielt keinen Anhang, den wir lesen können (PDF, E-Rechnung als "
                "XML, CSV oder ZIP davon).",
        "link": "Die übernommenen Rechnungen und alles, was noch geprüft werden muss, sehen Sie "
                "im Dashboard: {url}",
        "bye": "Mit freundlichen Grüßen\n{company}\n(automatische Antwort)",
    },
    "en": {
        "subject": "Your invoices have arrived",
        "hello": "Hello,",
        "intro": "thank you for your e-mail. We processed its attachments as follows:",
        "imported": "imported: invoice(s) {numbers}",
        "nothing": "no invoice found",
        "refused": "not imported: {reason}",
        "review": "put on the review list: please complete it in the dashboard under “To review”",
        "review_link": "What still needs a look is on the dashboard's review list: {url}",
        "line": "line {line}: {reason}",
        "none": "The e-mail carried no attachment we can read (PDF, XML e-invoice, CSV or a ZIP "
                "of those).",
        "link": "The imported invoices and everything that still needs a look are in the "
                "dashboard: {url}",
        "bye": "Kind regards\n{company}\n(automatic reply)",
    },
}


def _section(lang: str, results: list[FileResult], dashboard_url: str, company: str) -> str:
    t = _TEXT[lang]
    lines = [t["hello"], "", t["intro"] if results else t["none"], ""]
    for r in results:
        lines.append(f"• {r.name}")
        if r.imported:
            lines.append("  " + t["imported"].format(numbers=", ".join(r.imported)))
        elif not r.refused:
            lines.append("  " + t["nothing"])
        lines += ["  " + t["refused"].format(reason=_reason(t, lang, entry)) for entry in r.refused]
        if r.review:
            lines.append("  " + t["review"])
    if dashboard_url:
        link = "review_link" if any(r.review for r in results) else "link"
        lines += ["", t[link].format(url=dashboard_url)]
    lines += ["", t["bye"].format(company=company)]
    return "\n".join(lines)


def _reason(t: Mapping[str, str], lang: str, entry: Mapping[str, Any] | str) -> str:
    text = reason_text(entry, lang)
    line = entry.get("line") if isinstance(entry, Mapping) else 0
    return t["line"].format(line=line, reason=text) if line else text


def build_reply(settings: TenantSettings, to: str, original_id: str, original_subject: str,
                results: list[FileResult], dashboard_url: str, at: datetime) -> EmailMessage:
    """From the tenant's sender identity to the sender; marked as an automatic reply (RFC 3834)
    so that other robots do not answer it."""
    first = settings.locale if settings.locale in _TEXT else "de"
    order = [first] + [lang for lang in _TEXT if lang != first]
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(settings.company.name, settings.sender_email, "sender_email")
    message["To"] = _address("", to, "sender")
    subject = " / ".join(_TEXT[lang]["subject"] for lang in order)
    if original_subject:
        subject = f"{subject}: {original_subject[:120]}"
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=settings.sender_email.rsplit("@", 1)[-1])
    if original_id:
        message["In-Reply-To"] = original_id
        message["References"] = original_id
    message["Auto-Submitted"] = "auto-replied"
    body = "\n\n— — —\n\n".join(_section(lang, results, dashboard_url, settings.company.name)
                                for lang in order)
    message.set_content(body + "\n", charset="utf-8")
    return message
