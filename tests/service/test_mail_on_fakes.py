"""The mail use case on the fakes: tenant isolation, rotation, automatic mail, new attachments
under an old Message-ID, a refused reply send."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

from mahnwerk.service.mail import receive_raw, rotate_inbox
from mahnwerk.service.tenants import save_settings

from ..fakes import CONFIG, fake_context

AT = datetime(2026, 10, 20, 8, tzinfo=UTC)
PASSED = [("X-SES-Spam-Verdict", "PASS"), ("X-SES-Virus-Verdict", "PASS"),
          ("Authentication-Results", "amazonses.com; spf=pass; dkim=pass; dmarc=pass")]


def ctx_with(*tenants: str):
    ctx = fake_context(replace(CONFIG, inbox_domain="in.example", dashboard_url="https://d/app"))
    addresses = {}
    for tenant in tenants:
        save_settings(ctx, tenant, {"company": {"name": tenant.title(), "email": f"owner@{tenant}.example"},
                                    "sender_email": f"mahnung@{tenant}.example"}, AT)
        addresses[tenant] = rotate_inbox(ctx, tenant, AT)
    return ctx, addresses


def raw(to: str, sender: str, number: str = "RE-1", msgid: str = "<m@x.example>",
        **headers: str) -> bytes:
    m = EmailMessage()
    for name, value in PASSED:
        m[name] = value
    m["From"], m["To"], m["Subject"], m["Message-ID"] = sender, to, "Rechnung", msgid
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("Anbei.")
    m.add_attachment((f"Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fällig am;Betrag\n"
                      f"{number};K-1;Anna;01.10.2026;15.10.2026;10,00\n").encode(),
                     maintype="text", subtype="csv", filename="r.csv")
    return m.as_bytes()


def numbers(ctx, tenant):
    return sorted(i.number for i in ctx.invoices.invoices(tenant))


def test_one_mail_to_two_tenants_is_judged_and_imported_per_tenant():
    ctx, to = ctx_with("acme", "beta")
    both = f"{to['acme']}, {to['beta']}"
    outcomes = receive_raw(ctx, raw(both, "owner@acme.example"), "mail/1", AT)
    assert [(o.tenant, o.status, o.reason) for o in outcomes] == [
        ("acme", "imported", ""), ("beta", "refused", "sender")]
    assert numbers(ctx, "acme") == ["RE-1"] and numbers(ctx, "beta") == []
    [reply] = ctx.mailer.sent
    assert reply.source == "mahnung@acme.example" and reply.destinations == ["owner@acme.example"]


def test_a_rotated_or_foreign_token_delivers_nothing():
    ctx, to = ctx_with("acme")
    old = to["acme"]
    rotate_inbox(ctx, "acme", AT)
    [outcome] = receive_raw(ctx, raw(old, "owner@acme.example"), "mail/1", AT)
    assert (outcome.status, outcome.reason) == ("refused", "address")
    forged = "rechnungen+" + "f" * 32 + "@in.example"
    [outcome] = receive_raw(ctx, raw(forged, "owner@acme.example"), "mail/2", AT)
    assert outcome.reason == "address" and not ctx.mailer.sent and numbers(ctx, "acme") == []


def test_an_automatic_message_is_imported_but_never_answered():
    ctx, to = ctx_with("acme")
    [outcome] = receive_raw(ctx, raw(to["acme"], "owner@acme.example",
                                     Auto_Submitted="auto-generated"), "mail/1", AT)
    assert outcome.status == "imported" and not outcome.replied and not ctx.mailer.sent
    assert numbers(ctx, "acme") == ["RE-1"]


def test_the_same_message_id_with_other_attachments_is_new_and_a_refused_send_is_not_retried():
    ctx, to = ctx_with("acme")
    receive_raw(ctx, raw(to["acme"], "owner@acme.example"), "mail/1", AT)
    receive_raw(ctx, raw(to["acme"], "owner@acme.example"), "mail/2", AT)
    assert len(ctx.mailer.sent) == 1
    ctx.mailer.refuse.append("Throttling")
    [outcome] = receive_raw(ctx, raw(to["acme"], "owner@acme.example", number="RE-2"), "mail/3",
                            AT)
    assert numbers(ctx, "acme") == ["RE-1", "RE-2"] and not outcome.replied
    receive_raw(ctx, raw(to["acme"], "owner@acme.example", number="RE-2"), "mail/3", AT)
    assert len(ctx.mailer.sent) == 1  # once per message: a lost reply is not sent twice later


def test_the_reply_names_what_was_imported_and_links_the_dashboard():
    ctx, to = ctx_with("acme")
    receive_raw(ctx, raw(to["acme"], "owner@acme.example", number="RE-77"), "mail/1", AT)
    text = ctx.mailer.sent[0].raw.decode("utf-8", "replace")
    from email import message_from_bytes, policy

    body = message_from_bytes(ctx.mailer.sent[0].raw, policy=policy.default).get_body().get_content()
    assert "Auto-Submitted: auto-replied" in text
    assert "übernommen: Rechnung(en) RE-77" in body and "imported: invoice(s) RE-77" in body
    assert "https://d/app/invoices" in body


def test_a_rotation_counts_at_once_even_where_settings_are_cached():
    """Another container rotated the address: this one's cached settings still carry the old
    token, and must not decide."""
    import time

    from mahnwerk.service.tenants import load_settings

    ctx, to = ctx_with("acme")
    stale = load_settings(ctx, "acme")
    new = rotate_inbox(ctx, "acme", AT)
    ctx.settings_cache["acme"] = (time.monotonic(), stale)
    [old] = receive_raw(ctx, raw(to["acme"], "owner@acme.example", msgid="<o@x>"), "mail/2", AT)
    ctx.settings_cache["acme"] = (time.monotonic(), stale)
    [fresh] = receive_raw(ctx, raw(new, "owner@acme.example", msgid="<n@x>"), "mail/3", AT)
    assert (old.reason, fresh.status) == ("address", "imported")
