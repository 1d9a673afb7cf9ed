"""The inbox per tenant (SES receiving): address tokens, the sender allow-list, SES's verdicts.

Pure rules: no I/O. The address is ``rechnungen+{token}@{InboxDomain}``; the token is random
(128 bits, lowercase hex), unguessable and rotatable. Who may send is decided twice, and both
must pass: the tenant's allow-list (addresses or whole domains; the owner's own address when
none is set) and SES's verdicts on the message (SPF, DKIM, DMARC, spam, virus).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

from .errors import MahnwerkError
from .model import DomainError

LOCAL_PART = "rechnungen"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_ADDRESS_TOKEN = re.compile(rf"^{LOCAL_PART}\+([0-9a-f]{{32}})@(.+)$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")
MAX_SENDERS = 50


def check_token(token: str) -> str:
    if not _TOKEN.match(token):
        raise DomainError("inbox.token: 32 lowercase hex digits (made by Mahnwerk)")
    return token


def inbox_address(token: str, domain: str) -> str:
    return f"{LOCAL_PART}+{check_token(token)}@{domain}"


def token_of(address: str, domain: str) -> str | None:
    """The token of one of our inbox addresses on ``domain`` (None: not ours)."""
    found = _ADDRESS_TOKEN.match(address.strip().lower())
    if found is None or found.group(2) != domain.lower():
        return None
    return found.group(1)


def recipient_tokens(message: Message, domain: str) -> list[str]:
    """Tokens of our addresses among the recipients SES saw (To, Cc, Delivered-To,
    X-Original-To), in order, without repeats."""
    found: list[str] = []
    headers: list[str] = []
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        headers += [str(v) for v in message.get_all(name) or []]
    for _, address in getaddresses(headers):
        token = token_of(address, domain)
        if token and token not in found:
            found.append(token)
    return found


class SenderInvalid(DomainError):
    """One entry of ``inbox.senders`` is neither an address nor a domain."""

    code, status = "inbox_sender_invalid", 400
    message = "an allowed sender is neither an address nor a domain"

    def __init__(self, entry: str) -> None:
        super().__init__(f"inbox.senders: neither an e-mail address nor a domain: {entry!r}")
        self.entry = entry


def check_senders(value: object) -> tuple[str, ...]:
    """``inbox.senders``: addresses (``anna@example.org``) or domains (``example.org`` or
    ``@example.org``), lowercased; DomainError names the first bad entry."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainError("inbox.senders: expected a list of e-mail addresses or domains")
    if len(value) > MAX_SENDERS:
        raise DomainError(f"inbox.senders: at most {MAX_SENDERS} entries")
    result: list[str] = []
    for raw in value:
        entry = raw.strip().lower()
        domain = entry.removeprefix("@")
        if "@" in domain:
            if not _ADDRESS.match(entry) or not _DOMAIN.match(entry.rsplit("@", 1)[1]):
                raise SenderInvalid(raw)
        elif not _DOMAIN.match(domain):
            raise SenderInvalid(raw)
        else:
            entry = domain
        if entry not in result:
            result.append(entry)
    return tuple(result)


def sender_allowed(sender: str, allowed: tuple[str, ...]) -> bool:
    """The sender's address is on the list, or its domain is (exactly: a list entry
    ``example.org`` does not admit ``evil-example.org`` nor ``mail.example.org``)."""
    address = sender.strip().lower()
    if not _ADDRESS.match(address):
        return False
    domain = address.rsplit("@", 1)[1]
    return any(entry == address if "@" in entry else entry == domain for entry in allowed)


@dataclass(frozen=True)
class Verdicts:
    """SES's checks on a received message; every one must be PASS (DMARC: pass or none
    published is not enough — it must pass)."""

    spf: str
    dkim: str
    dmarc: str
    spam: str
    virus: str

    def failed(self) -> list[str]:
        return [name for name in ("spf", "dkim", "dmarc", "spam", "virus")
                if getattr(self, name) != "pass"]


_RESULT = re.compile(r"\b(spf|dkim|dmarc)=([a-z]+)", re.IGNORECASE)


def verdicts(message: Message) -> Verdicts:
    """Read SES's verdicts from the headers it adds when it stores a message in S3
    (``X-SES-Spam-Verdict``, ``X-SES-Virus-Verdict``, ``Authentication-Results`` by
    amazonses.com, ``Received-SPF``). Missing means not passed."""
    found = {"spf": "missing", "dkim": "missing", "dmarc": "missing"}
    for header in message.get_all("Authentication-Results") or []:
        text = str(header)
        if not text.strip().lower().startswith("amazonses.com"):
            continue  # only SES's own verdict counts, not one the sender wrote
        for name, result in _RESULT.findall(text):
            key = name.lower()
            if found[key] in {"missing", "pass"}:
                found[key] = result.lower()
        break  # SES puts its header on top: a forged one further down never counts
    spam = str(message.get("X-SES-Spam-Verdict") or "missing").strip().lower()
    virus = str(message.get("X-SES-Virus-Verdict") or "missing").strip().lower()
    return Verdicts(found["spf"], found["dkim"], found["dmarc"], spam, virus)


def passed_verdict_headers(domain: str = "amazonses.com") -> list[tuple[str, str]]:
    """The headers SES adds to a message that passed every check (local simulation)."""
    return [("X-SES-Spam-Verdict", "PASS"), ("X-SES-Virus-Verdict", "PASS"),
            ("Authentication-Results", f"{domain}; spf=pass; dkim=pass; dmarc=pass")]


class InboxNotConfigured(MahnwerkError):
    """The stack has no InboxDomain: there is no address to make."""

    code = "inbox_not_configured"
    status = 409
    message = "no inbox domain is configured for this installation (template parameter InboxDomain)"
