"""The owner's hand-off mails on fakes: the DATEV file on the 1st (once per month), the limitation
watch from 1 October (once per ISO week)."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime
from decimal import Decimal

from mahnwerk.domain.dates import BERLIN
from mahnwerk.domain.model import Invoice
from mahnwerk.service import datev, limitation
from mahnwerk.service.tenants import SETTINGS_KEY

from ..fakes import fake_context

AT = datetime(2026, 10, 1, 6, tzinfo=BERLIN)
SETTINGS = {"company": {"name": "Muster GmbH", "email": "chef@muster.de"},
            "sender_email": "mahnung@muster.de",
            "datev": {"advisor_number": 29098, "client_number": 55003,
                      "email": "kanzlei@example.org"}}


def context():
    ctx = fake_context()
    ctx.tenants.put_document("t1", SETTINGS_KEY, SETTINGS, AT)
    for number, due in (("R-2023", date(2023, 6, 30)), ("R-2024", date(2024, 3, 1))):
        ctx.invoices.create_invoice(Invoice("t1", number, "K-1", due, due, Decimal("80.00"),
                                            Decimal("80.00")), "test")
    return ctx


def test_monthly_datev_mail_once_on_the_first():
    ctx = context()
    assert not datev.monthly_mail(ctx, "t1", date(2026, 10, 2), AT)       # not the 1st
    assert datev.monthly_mail(ctx, "t1", date(2026, 10, 1), AT)
    assert not datev.monthly_mail(ctx, "t1", date(2026, 10, 1), AT)       # the key holds
    (sent,) = ctx.mailer.sent
    assert sent.destinations == ["kanzlei@example.org"]
    message = email.message_from_bytes(sent.raw)
    (attachment,) = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == "EXTF_Buchungsstapel_20260901_20260930.csv"
    assert attachment.get_payload(decode=True).startswith(b'"EXTF";700;21;"Buchungsstapel";13;')


def test_limitation_watch_weekly_from_october():
    ctx = context()
    assert not limitation.weekly_mail(ctx, "t1", date(2026, 9, 30), AT)   # before 1 October
    assert limitation.weekly_mail(ctx, "t1", date(2026, 10, 1), AT)
    assert not limitation.weekly_mail(ctx, "t1", date(2026, 10, 2), AT)   # same ISO week
    assert limitation.weekly_mail(ctx, "t1", date(2026, 10, 5), AT)       # next week
    first = email.message_from_bytes(ctx.mailer.sent[0].raw, policy=email.policy.default)
    body = first.get_content()
    assert first["To"] == "chef@muster.de"
    assert "R-2023" in body and "31.12.2026" in body and "15.12.2026" in body
    assert "R-2024" not in body                                           # expires 31.12.2027


def test_handoff_mails_never_stop_the_run():
    ctx = context()
    ctx.mailer.refuse = ["Throttling", "Throttling"]
    assert datev.handoff_mails(ctx, "t1", date(2026, 10, 1), AT) == {"datev": False,
                                                                     "limitation": False}


def test_part_payment_restarts_the_period_and_leaves_the_watch():
    """§212 BGB: a part payment on 10.05.2024 on R-2023 (due 30.06.2023) is an acknowledgement:
    the period restarts and ends 10.05.2027, so the claim is no longer listed for 2026."""
    import json

    ctx = context()
    ctx.payments.book_payment("t1", "PAY-1", {
        "booking_date": "2024-05-10", "amount": "30.00", "status": "matched", "method": "manual",
        "customer_id": "K-1", "invoices": json.dumps([{"number": "R-2023", "principal": "30.00"}])},
        [], None, None)
    (claim,) = [c for c in limitation.claims(ctx, "t1", date(2026, 10, 1)) if c.number == "R-2023"]
    assert claim.limitation.expires_on == date(2027, 5, 10) and claim.limitation.basis == "§212"
    report = limitation.report(ctx, "t1", 2026, date(2026, 10, 1))
    assert report["claims"] == []
    assert [c["number"] for c in limitation.report(ctx, "t1", 2027, date(2026, 10, 1))["claims"]] == [
        "R-2023", "R-2024"]
