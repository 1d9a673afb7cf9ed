"""Use case: an e-mail arrived in a tenant's inbox (SES stored it under ``mail/``) → its invoice
files through the same intake as an upload, and one reply to an allowed sender.

Who may send is checked before anything is read from the attachments: SES's verdicts (SPF, DKIM,
DMARC, spam, virus) and the tenant's allow-list. A refused message imports nothing and gets no
reply (no backscatter to forged senders); the outcome carries a reason code and counts, never an
address or a subject, so it can be logged as it is.

Exactly once: each attachment is handled once per Message-ID and content hash (a marker written
conditionally after its import; the import itself is idempotent by invoice number, so a crash in
between imports nothing twice), and the reply is sent once per Message-ID and set of attachments.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from ..adapters.aws import FileTooLarge, SendRefused
from ..domain.inbox import InboxNotConfigured, inbox_address, recipient_tokens, sender_allowed, verdicts
from ..domain.settings import TenantSettings
from ..intake.mail import MAX_MESSAGE_BYTES, ParsedMail, message_key, parse_mail
from ..letters.email import EmailError
from ..letters.inbox_reply import FileResult, build_reply
from .bootstrap import Context
from .intake import ingest_file
from .tenants import forget_settings, load_settings, set_inbox_token

MAIL_PREFIX = "mail/"


@dataclass
class MailOutcome:
    """What became of one message for one tenant (``tenant`` "" when none was found)."""

    tenant: str
    #: "imported" or "refused"
    status: str
    #: why it was refused: a code ("verdict:spf,dkim", "sender", "address", "unreadable", …)
    reason: str = ""
    files: int = 0
    invoices: int = 0
    refused_files: int = 0
    replied: bool = False
    results: list[FileResult] = field(default_factory=list)

    def log_fields(self) -> dict[str, object]:
        """No personal data: no address, no subject, no file name."""
        return {"tenant": self.tenant, "status": self.status, "reason": self.reason,
                "files": self.files, "invoices": self.invoices,
                "refused_files": self.refused_files, "replied": self.replied}


def rotate_inbox(ctx: Context, tenant_id: str, at: datetime) -> str:
    """A new unguessable address for the tenant's inbox; the old one stops working at once."""
    if not ctx.config.inbox_domain:
        raise InboxNotConfigured()
    token = secrets.token_hex(16)
    ctx.tenants.put_inbox_token(token, tenant_id, at)
    set_inbox_token(ctx, tenant_id, token, at)
    return inbox_address(token, ctx.config.inbox_domain)


def current_inbox(ctx: Context, tenant_id: str) -> str | None:
    """The tenant's inbox address (None: none made yet, or no inbox domain configured)."""
    token = load_settings(ctx, tenant_id).inbox_token
    if not token or not ctx.config.inbox_domain:
        return None
    return inbox_address(token, ctx.config.inbox_domain)


def allowed_senders(settings: TenantSettings) -> tuple[str, ...]:
    if settings.inbox_senders:
        return settings.inbox_senders
    return (settings.company.email.lower(),) if settings.company.email else ()


def receive_mail(ctx: Context, key: str, version_id: str | None,
                 received_at: datetime) -> list[MailOutcome]:
    """One message SES stored at ``key`` (``mail/...``): an outcome per tenant it was for."""
    try:
        raw = ctx.store.get(key, version_id, max_bytes=MAX_MESSAGE_BYTES)
    except FileTooLarge:
        return [MailOutcome("", "refused", "too_large")]
    return receive_raw(ctx, raw, key, received_at)


def receive_raw(ctx: Context, raw: bytes, key: str, received_at: datetime) -> list[MailOutcome]:
    domain = ctx.config.inbox_domain
    if not domain:
        return [MailOutcome("", "refused", "no_inbox_domain")]
    mail = parse_mail(raw, ctx.config.max_upload_bytes)
    if mail.message is None:
        return [MailOutcome("", "refused", "unreadable")]
    tokens = recipient_tokens(mail.message, domain)
    if not tokens:
        return [MailOutcome("", "refused", "address")]
    failed = verdicts(mail.message).failed()
    outcomes: list[MailOutcome] = []
    for token in tokens[:5]:
        tenant = ctx.tenants.inbox_tenant(token)
        if tenant:  # read fresh: a token rotated a moment ago counts at once, either way
            forget_settings(ctx, tenant)
        settings = load_settings(ctx, tenant) if tenant else None
        if tenant is None or settings is None or settings.inbox_token != token:
            outcomes.append(MailOutcome("", "refused", "address"))  # unknown or rotated away
            continue
        if failed:
            outcomes.append(MailOutcome(tenant, "refused", "verdict:" + ",".join(failed)))
            continue
        if not sender_allowed(mail.sender, allowed_senders(settings)):
            outcomes.append(MailOutcome(tenant, "refused", "sender"))
            continue
        outcomes.append(_accept(ctx, settings, mail, raw, key, received_at))
    return outcomes


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _accept(ctx: Context, settings: TenantSettings, mail: ParsedMail, raw: bytes, key: str,
            received_at: datetime) -> MailOutcome:
    tenant = settings.tenant_id
    mkey = message_key(mail.message_id, raw)
    outcome = MailOutcome(tenant, "imported", files=len(mail.files))
    for f in mail.files:
        name = f"{mkey}/{f.name}"
        marker = f"MAILPART#{_digest(mkey)}#{f.digest}"
        done = ctx.tenants.get_document(tenant, marker)
        if done is None:
            report = ingest_file(ctx, settings, name, f.data, f"{key}#{f.name}", received_at)
            done = {"name": f.name,
                    "imported": report.created + report.updated + report.unchanged,
                    "refused": [r.as_dict() for r in report.rejected],
                    "review": bool(report.review)}
            ctx.tenants.add_document(tenant, marker, done, received_at)
        result = FileResult(f.name, tuple(done["imported"]), tuple(done["refused"]),
                            bool(done.get("review")))
        outcome.results.append(result)
        outcome.invoices += len(result.imported)
    for name, reason in mail.refused:
        outcome.results.append(FileResult(name or "—", (), ({"line": 0, **reason.as_dict()},)))
        outcome.refused_files += 1
    # the tenant's own record of the message (the dashboard's import reports sit beside it)
    ctx.store.put_json(f"reports/{tenant}/mail/{mkey}.json", {
        "message": mkey, "received_at": received_at.isoformat(), "source": key,
        "files": [{"name": r.name, "imported": list(r.imported), "refused": list(r.refused)}
                  for r in outcome.results]})
    reply_key = "MAILREPLY#" + _digest(mkey + "|" + ",".join(sorted(f.digest for f in mail.files)))
    if _auto_submitted(mail) or not ctx.tenants.add_document(
            tenant, reply_key, {"at": received_at.isoformat()}, received_at):
        return outcome
    try:
        reply = build_reply(settings, mail.sender, mail.message_id, mail.subject,
                            outcome.results,
                            _review_link(ctx, any(r.review for r in outcome.results)), received_at)
    except (EmailError, ValueError):  # an address or header SES accepted but we cannot answer
        return outcome
    outcome.replied = _send(ctx, settings, reply, mail.sender)
    return outcome


def _auto_submitted(mail: ParsedMail) -> bool:
    """Never answer a robot (RFC 3834): no mail loops between two auto-responders."""
    assert mail.message is not None
    auto = str(mail.message.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(mail.message.get("Precedence") or "").strip().lower()
    return auto != "no" or precedence in {"bulk", "list", "junk"}


def _review_link(ctx: Context, to_review: bool) -> str:
    """The dashboard's review list when a file went there, else its invoices."""
    base = ctx.config.dashboard_url
    if not base:
        return ""
    return f"{base}/review" if to_review else f"{base}/invoices"


def _send(ctx: Context, settings: TenantSettings, reply: EmailMessage, to: str) -> bool:
    try:
        ctx.mailer.send_raw(reply.as_bytes(), settings.sender_email, [to])
    except SendRefused:
        return False  # the import stands; the reply is a courtesy, not retried into a second
    return True
