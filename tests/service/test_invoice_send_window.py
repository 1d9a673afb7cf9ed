"""An invoice Mahnwerk writes goes out once even when the sender dies right after SES took the
email: the attempt is noted first, SES's "Send" event confirms it, the retry does not send again.
On the fakes (the same service code the notice function runs)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mahnwerk.domain.notices import NoticeStatus
from mahnwerk.service import feedback
from mahnwerk.service.delivery import SendInProgress
from mahnwerk.service.dunning import feedback_tag

from ..conftest import berlin
from .harness import SETTINGS, Harness, fake

CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag;Offen\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;19.10.2026;02.11.2026;119,00;119,00\n"
       ).encode()


def opted_in() -> tuple[Harness, dict[str, Any]]:
    h = fake()
    settings = copy.deepcopy(SETTINGS)
    settings["invoicing"] = {"send_invoices": True, "line_text": "Wartung Heizungsanlage"}
    h.settings(document=settings)
    h.upload("inbox/acme/invoices/rechnungen.csv", CSV, berlin(2026, 10, 20, 9))
    [request] = h.take()
    return h, request


def crash_after_ses_took_it(h: Harness) -> list[str]:
    """The next send reaches SES (it is recorded), then the worker dies before noting the result."""
    mailer, send, ids = h.ctx.mailer, h.ctx.mailer.send_raw, []

    def dies_after(*args: Any, **kwargs: Any) -> str:
        mailer.send_raw = send  # type: ignore[method-assign]
        ids.append(send(*args, **kwargs))
        raise RuntimeError("Lambda timed out after SES accepted the email")

    mailer.send_raw = dies_after  # type: ignore[method-assign]
    return ids


def ses_send_event(h: Harness, message_id: str) -> str:
    [mail] = [m for m in h.ctx.mailer.sent if m.message_id == message_id]  # type: ignore[attr-defined]
    return feedback.handle(h.ctx, {"eventType": "Send", "mail": {
        "messageId": message_id, "tags": {k: [v] for k, v in mail.tags.items()}}})


def test_a_crash_after_ses_accepted_the_invoice_email_sends_no_second_copy():
    h, request = opted_in()
    ids = crash_after_ses_took_it(h)
    with pytest.raises(RuntimeError):
        h.handle(request)
    assert len(h.emails()) == 1
    # the retry before SES confirmed waits instead of sending again
    with pytest.raises(SendInProgress):
        h.handle(request)
    assert ses_send_event(h, ids[0]) == "accepted"
    outcome = h.handle(request)
    assert (outcome.status, outcome.channels) == ("sent", ("email",))
    assert len(h.emails()) == 1
    send = h.ctx.invoice_sends.get_invoice_send("acme", "RE-1")
    assert send is not None and (send.status, send.message_id) == (NoticeStatus.SENT, ids[0])


def test_an_attempt_ses_never_confirmed_is_sent_after_the_wait():
    h, request = opted_in()
    crash_after_ses_took_it(h)
    with pytest.raises(RuntimeError):
        h.handle(request)
    h.ctx.mailer.sent.clear()  # type: ignore[attr-defined]  # SES lost it: nothing was delivered
    long_ago = (datetime.now(UTC) - timedelta(minutes=16)).isoformat()
    h.ctx.invoice_sends.update_invoice_send("acme", "RE-1", send_attempt_at=long_ago)
    outcome = h.handle(request)
    assert (outcome.status, len(h.emails())) == ("sent", 1)


def test_a_send_event_for_an_unknown_invoice_is_ignored():
    h, _ = opted_in()
    tag = feedback_tag("acme", "K-1", "invoice:RE-404")
    assert feedback.handle(h.ctx, {"eventType": "Send", "mail": {
        "messageId": "m-1", "tags": {"mw": [tag]}}}) == "ignored:unknown_invoice"
