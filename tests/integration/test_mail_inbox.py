"""E-mail → the tenant's inbox (SES stores raw MIME under mail/) → S3 → IntakeQueue →
IntakeFunction → the same intake as an upload, and one reply; on the embedded stack."""

from __future__ import annotations

import io
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from mahnwerk.service.mail import rotate_inbox
from mahnwerk.service.tenants import save_settings
from mahnwerk.service.timeline import invoice_timeline
from mahnwerk_local.hostile.payloads import text_pdf
from mahnwerk_local.inbox import deliver

from ..conftest import berlin

OWNER = "owner@acme.example"
EINVOICE = "zugferd-corpus/XML-Rechnung/FX/EN16931_Einfach_DueDate.pdf"
PLAIN = [
    "Tischlerei Holz KG • Werkstraße 3 • 10115 Berlin",
    "Firma", "Müller Bau GmbH", "Baustraße 7", "12345 Musterstadt",
    "Kundennummer: K-4711", "Rechnungsnummer: RE-2026-0042", "Rechnungsdatum: 02.03.2026",
    "Summe netto 1.000,00 €", "USt. 19 % 190,00 €", "Gesamtbetrag 1.190,00 €",
    "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
]
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Rechnungsdatum;Fällig am;Betrag\n"
       "RE-CSV-1;K-1;Anna Schmidt;anna@example.org;01.10.2026;15.10.2026;119,00\n").encode()


@pytest.fixture
def inbox(stack):
    """acme with an owner address, a verified sender identity and an inbox address."""
    stack.now = berlin(2026, 10, 20, 9)
    stack.verify_sender("mahnung@acme.example")
    with stack.service_context() as ctx:
        save_settings(ctx, "acme", {"company": {"name": "Acme GmbH", "email": OWNER},
                                    "sender_email": "mahnung@acme.example"}, stack.now)
        address = rotate_inbox(ctx, "acme", stack.now)
    return address


def zipped(**files: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def message(to: str, sender: str = OWNER, msgid: str = "<m1@acme.example>",
            attachments: list[tuple[str, bytes, str]] = (), **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = f"Anna Owner <{sender}>"
    m["To"] = to
    m["Subject"] = "Rechnungen Oktober"
    m["Message-ID"] = msgid
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("Anbei die Rechnungen.\n\n-- \nAnna")
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m.as_bytes()


def three_files(corpus) -> list[tuple[str, bytes, str]]:
    path = corpus / EINVOICE
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return [("EN16931_Einfach_DueDate.pdf", path.read_bytes(), "application/pdf"),
            ("rechnung-0042.pdf", text_pdf(PLAIN), "application/pdf"),
            ("export.zip", zipped(**{"rechnungen.csv": CSV}), "application/zip")]


def numbers(stack, tenant="acme"):
    with stack.service_context() as ctx:
        return sorted(inv.number for inv in ctx.invoices.invoices(tenant))


def replies(stack):
    return [message_from_bytes(raw, policy=policy.default) for raw in stack.sent_emails()]


def test_an_allowed_sender_imports_three_files_and_gets_one_reply(stack, inbox, corpus):
    deliver(stack, message(inbox, attachments=three_files(corpus)))
    stack.drain()
    # the e-invoice (its embedded XML), the plain PDF (its text) and the CSV inside the ZIP
    assert numbers(stack) == ["471102", "RE-2026-0042", "RE-CSV-1"]
    [reply] = replies(stack)
    assert reply["To"] == OWNER and "mahnung@acme.example" in reply["From"]
    assert reply["In-Reply-To"] == "<m1@acme.example>"
    assert reply["Auto-Submitted"] == "auto-replied"
    body = reply.get_body().get_content()
    assert "übernommen: Rechnung(en) RE-2026-0042" in body
    assert "imported: invoice(s) RE-CSV-1" in body
    assert "/app/invoices" in body  # the link to the dashboard
    # the same intake as an upload: an import report per file, named {message-id}/{name}
    keys = [o["Key"] for o in stack.client("s3").list_objects_v2(
        Bucket=stack.bucket, Prefix="reports/acme/imports/")["Contents"]]
    assert "reports/acme/imports/m1@acme.example/rechnung-0042.pdf.json" in keys
    assert stack.queue_depth("IntakeDeadLetterQueue") == 0


def test_a_stranger_imports_nothing_and_gets_no_reply(stack, inbox, corpus):
    deliver(stack, message(inbox, sender="someone@elsewhere.example",
                           attachments=three_files(corpus)))
    stack.drain()
    assert numbers(stack) == []
    assert replies(stack) == []
    assert stack.queue_depth("IntakeDeadLetterQueue") == 0


def test_a_failed_ses_verdict_imports_nothing_and_gets_no_reply(stack, inbox, corpus):
    raw = message(inbox, attachments=three_files(corpus), X_SES_Spam_Verdict="PASS",
                  X_SES_Virus_Verdict="PASS",
                  Authentication_Results="amazonses.com; spf=fail; dkim=pass; dmarc=fail")
    deliver(stack, raw)  # carries its own verdicts: kept as they are
    stack.drain()
    assert numbers(stack) == [] and replies(stack) == []


def test_the_same_message_twice_imports_once_and_replies_once(stack, inbox, corpus):
    raw = message(inbox, attachments=three_files(corpus))
    deliver(stack, raw)
    stack.drain()
    deliver(stack, raw)  # SES delivered it again
    stack.drain()
    assert len(numbers(stack)) == 3
    assert len(replies(stack)) == 1
    with stack.service_context() as ctx:
        timeline = invoice_timeline(ctx, "acme", "RE-CSV-1")
    assert [e["kind"] for e in timeline] == ["received"]


def test_a_zip_bomb_is_refused_and_said_so(stack, inbox):
    bomb = zipped(**{"rechnungen.csv": CSV + b"0" * (30 * 1024 * 1024)})
    assert len(bomb) < 100_000
    deliver(stack, message(inbox, attachments=[("bomb.zip", bomb, "application/zip")]))
    stack.drain()
    assert numbers(stack) == []
    [reply] = replies(stack)
    assert "ZIP bomb" in reply.get_body().get_content()


def test_a_rotated_address_no_longer_delivers(stack, inbox, corpus):
    with stack.service_context() as ctx:
        new = rotate_inbox(ctx, "acme", stack.now)
    assert new != inbox and new.startswith("rechnungen+")
    deliver(stack, message(inbox, attachments=three_files(corpus)))
    stack.drain()
    assert numbers(stack) == [] and replies(stack) == []
    deliver(stack, message(new, msgid="<m2@acme.example>", attachments=three_files(corpus)))
    stack.drain()
    assert len(numbers(stack)) == 3 and len(replies(stack)) == 1


def test_post_v1_inbox_only_with_dev_inbox(stack, inbox):
    """`mahnwerk serve --dev-inbox` takes raw MIME at POST /v1/inbox; without the flag the route
    does not exist (the deployed API has none)."""
    from mahnwerk_local.serve import LocalApi

    raw = message(inbox, attachments=[("r.csv", CSV, "text/csv")])
    api = LocalApi(stack, clock=lambda: stack.now)
    answer = api.handle("POST", "/v1/inbox", [("Content-Type", "message/rfc822")], raw)
    assert answer.status != 202
    assert stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix="mail/")["KeyCount"] == 0
    api.dev_inbox = True
    answer = api.handle("POST", "/v1/inbox", [("Content-Type", "message/rfc822")], raw)
    assert answer.status == 202
    assert numbers(stack) == ["RE-CSV-1"] and len(replies(stack)) == 1
    assert api.handle("POST", "/v1/inbox", [], b"").status == 400


def test_the_api_shows_and_rotates_the_inbox_address(stack, inbox):
    from datetime import UTC, datetime

    from mahnwerk.service.keys import create_key

    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "t", datetime(2026, 10, 1, tzinfo=UTC))
        other, _ = create_key(ctx, "other", "t", datetime(2026, 10, 1, tzinfo=UTC))
    shown = stack.api("GET", "/v1/settings/inbox", key=key)
    assert shown.status == 200
    assert shown.body == {"address": inbox, "senders": [OWNER], "senders_default": True}
    assert stack.api("GET", "/v1/settings/inbox", key=other).body["address"] is None
    rotated = stack.api("POST", "/v1/settings/inbox/rotate", key=key)
    assert rotated.status == 200 and rotated.body["address"] != inbox
    assert rotated.body["address"].endswith("@inbox.mahnwerk.test")
    # a saved settings document cannot set or drop the token: Mahnwerk's to make
    doc = stack.api("GET", "/v1/settings", key=key).body["settings"]
    doc["inbox"] = {"token": "0" * 32, "senders": ["lieferant.example"]}
    assert stack.api("PUT", "/v1/settings", key=key, body=doc).status == 200
    shown = stack.api("GET", "/v1/settings/inbox", key=key).body
    assert shown == {"address": rotated.body["address"], "senders": ["lieferant.example"],
                     "senders_default": False}


def test_mail_logs_carry_reason_codes_and_counts_no_addresses_or_subjects(stack, inbox, corpus):
    import logging

    from .test_logs_pii import Everything

    for name in stack.functions:
        stack.handler(name)
    handler = Everything()
    loggers = [logging.getLogger(), logging.getLogger("mahnwerk")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        deliver(stack, message(inbox, attachments=three_files(corpus)))
        deliver(stack, message(inbox, sender="fremder.mensch@elsewhere.example",
                               msgid="<m3@elsewhere.example>", attachments=three_files(corpus)))
        stack.drain()
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    logged = "\n".join(handler.lines)
    assert '"reason": "sender"' in logged and '"status": "imported"' in logged
    for secret in (OWNER, "fremder.mensch", "Rechnungen Oktober", "Anna Owner", inbox,
                   "rechnung-0042.pdf", "Müller Bau"):
        assert secret not in logged, f"personal data in the logs: {secret!r}"
