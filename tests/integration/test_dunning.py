"""Schedule → DunningFunction → SQS → NoticeFunction → PDF in S3 + email through SES (moto)."""

import email
import email.utils
import io
import json

from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk.service.timeline import invoice_timeline
from mahnwerk_local.events import sqs_event

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.10.2026;15.10.2026;119,00\n"
       "RE-2;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;05.10.2026;19.10.2026;50,00\n"
       "RE-3;K-2;Ørsted A/S;;Havnegade 1;10115;Berlin;01.10.2026;15.10.2026;1.000,00\n"
       "RE-4;K-3;Zoë;;;;;01.10.2026;15.10.2026;20,00\n").encode()


def setup(stack, tenant="acme"):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document(tenant, SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload(f"inbox/{tenant}/invoices/rechnungen.csv", CSV)
    stack.drain()


def run_day(stack, day):
    stack.now = day
    result = stack.fire_schedule("DunningFunction", day)
    stack.drain()
    return result


def notices(stack, tenant="acme"):
    with stack.service_context() as ctx:
        return {n.notice_id: n for n in ctx.notices.notices(tenant)}


def test_one_reminder_per_overdue_customer_rendered_and_emailed_with_the_pdf(stack):
    setup(stack)
    assert run_day(stack, berlin(2026, 10, 21))["requests"] == 0  # due + 7 not reached yet
    result = run_day(stack, berlin(2026, 10, 22))
    assert result == {"run_date": "2026-10-22", "tenants": 1, "requests": 3, "held": 0}
    sent = notices(stack)
    # K-3 has neither e-mail nor address: nothing reserved or sent, its invoice keeps level 0
    # and the letter waits for the owner (tests/integration/test_deliverability.py)
    assert set(sent) == {"K-1:2026-10-22:L1", "K-2:2026-10-22:L1"}
    k1 = sent["K-1:2026-10-22:L1"]
    assert k1.status == "sent" and k1.message_id
    assert json.loads(k1.plan)["level_name"] == "Zahlungserinnerung"
    # K-2 has no email: the reminder goes to the post outbox
    assert sent["K-2:2026-10-22:L1"].post_key.startswith("outbox/post/2026-10-22/")
    with stack.service_context() as ctx:
        assert ctx.invoices.get_invoice("acme", "RE-4").level == 0  # waits, not skipped

    [raw] = stack.sent_emails()
    message = email.message_from_bytes(raw)
    assert email.utils.parseaddr(message["To"])[1] == "anna@example.org"
    assert message["X-Mahnwerk-Notice"] == "K-1:2026-10-22:L1"
    [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    pdf = attachment.get_payload(decode=True)
    stored = stack.client("s3").get_object(Bucket=stack.bucket, Key=k1.pdf_key)["Body"].read()
    assert pdf == stored and pdf.startswith(b"%PDF")
    # the customer's first reminder lists both overdue invoices (one letter per customer)
    assert [line["number"] for line in json.loads(k1.plan)["lines"]] == ["RE-1", "RE-2"]
    with stack.service_context() as ctx:
        # RE-2's own reminder would fall due on 26.10., within the cooldown: it is in this letter
        assert [i.level for i in ctx.invoices.customer_invoices("acme", "K-1")] == [1, 1]
        timeline = invoice_timeline(ctx, "acme", "RE-1")
    assert [e["kind"] for e in timeline] == ["received", "notice_sent"]
    assert timeline[1]["channels"] == ["email"] and timeline[1]["level"] == 1


def test_a_schedule_fired_twice_on_one_day_sends_one_reminder(stack):
    setup(stack)
    day = berlin(2026, 10, 22)
    run_day(stack, day)
    run_day(stack, day.replace(hour=7))  # a retried / duplicated schedule, same day
    assert len(stack.sent_emails()) == 1
    assert len(notices(stack)) == 2  # K-1 and K-2; K-3 (no e-mail, no address) waits


def test_a_duplicated_notice_request_sends_once(stack):
    setup(stack)
    stack.fire_schedule("DunningFunction", berlin(2026, 10, 22))
    fn = stack.functions["NoticeFunction"]
    messages = stack.client("sqs").receive_message(QueueUrl=fn.queue_url, MaxNumberOfMessages=10,
                                                   VisibilityTimeout=0)["Messages"]
    event = sqs_event(messages, fn.queue_arn, stack.region)
    assert stack.invoke("NoticeFunction", event) == {"batchItemFailures": []}
    assert stack.invoke("NoticeFunction", event) == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1


def test_a_crash_after_reserving_resumes_the_same_letter_on_retry(stack, monkeypatch):
    setup(stack)
    from mahnwerk.adapters import aws

    real_send = aws.Mailer.send_raw
    calls = {"n": 0}

    def flaky(self, raw, source, destinations, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise aws.SendRefused("EndpointConnectionError")  # SES unreachable: nothing sent
        return real_send(self, raw, source, destinations, **kwargs)

    monkeypatch.setattr(aws.Mailer, "send_raw", flaky)
    run_day(stack, berlin(2026, 10, 22))  # first attempt fails, SQS redelivers, retry resumes
    assert len(stack.sent_emails()) == 1
    assert notices(stack)["K-1:2026-10-22:L1"].status == "sent"
    assert stack.queue_depth("NoticeDeadLetterQueue") == 0


def test_escalation_follows_the_policy_and_a_missed_week_sends_one_letter(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))
    # the schedule was down for three weeks: one catch-up letter, not one per missed day
    run_day(stack, berlin(2026, 11, 12))
    levels = sorted(n.notice_id for n in notices(stack).values())
    assert "K-1:2026-11-12:L2" in levels
    assert len([n for n in levels if n.startswith("K-1:")]) == 2


def test_two_workers_racing_on_one_message_send_one_letter(stack):
    import threading

    setup(stack)
    stack.fire_schedule("DunningFunction", berlin(2026, 10, 22))
    fn = stack.functions["NoticeFunction"]
    messages = stack.client("sqs").receive_message(QueueUrl=fn.queue_url, MaxNumberOfMessages=10,
                                                   VisibilityTimeout=0)["Messages"]
    [k1] = [m for m in messages if '"K-1"' in m["Body"]]
    event = sqs_event([k1], fn.queue_arn, stack.region)
    barrier = threading.Barrier(2)
    results = []

    def worker(container):
        handler = stack.handler("NoticeFunction", container=container)  # two Lambda instances
        barrier.wait()
        try:
            results.append(len(handler(event, stack.context("NoticeFunction"))["batchItemFailures"]))
        except Exception:  # Powertools raises when every record of the batch failed
            results.append(1)

    with stack.function_env("NoticeFunction"):
        threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(stack.sent_emails()) == 1
    # the loser either saw the letter done, or reported the message as failed to retry later
    assert sorted(results) in ([0, 0], [0, 1])
    stack.drain()  # the retried duplicate finds the letter sent
    assert len(stack.sent_emails()) == 1
    assert notices(stack)["K-1:2026-10-22:L1"].status == "sent"


def test_an_ses_failure_mid_batch_retries_only_that_letter(stack, monkeypatch):
    from mahnwerk.adapters import aws

    setup(stack, tenant="acme")
    extra = (b"RE-9;K-9;Berta Beispiel;berta@example.org;Weg 9;10115;Berlin;01.10.2026;"
             b"15.10.2026;10,00\n")
    stack.upload("inbox/acme/invoices/more.csv", CSV.split(b"\n")[0] + b"\n" + extra)
    stack.drain()
    real_send = aws.Mailer.send_raw
    failed = []

    def flaky(self, raw, source, destinations, **kwargs):
        if destinations == ["berta@example.org"] and not failed:
            failed.append(destinations)
            raise aws.SendRefused("Throttling")  # SES answered: not taken
        return real_send(self, raw, source, destinations, **kwargs)

    monkeypatch.setattr(aws.Mailer, "send_raw", flaky)
    stack.fire_schedule("DunningFunction", berlin(2026, 10, 22))
    fn = stack.functions["NoticeFunction"]
    first = stack.pump("NoticeFunction")  # one batch holding all four requests
    assert first == 4 and failed
    assert stack.queue_depth("NoticeQueue") == 1  # only the failed one is left to retry
    stack.drain()
    recipients = sorted(email.message_from_bytes(raw)["To"] for raw in stack.sent_emails())
    assert len(recipients) == 2 and any("berta@example.org" in r for r in recipients)
    assert {n.status for n in notices(stack).values()} == {"sent"}  # K-3 waits: no notice
    assert fn.batch_size >= 4


def test_a_change_after_reading_cancels_the_reservation_instead_of_acting_on_stale_state(stack):
    import pytest

    from mahnwerk.domain.dunning import decide
    from mahnwerk.service.law import base_rates
    from mahnwerk.service.ports import Conflict
    from mahnwerk.service.tenants import load_settings

    setup(stack)
    with stack.service_context() as ctx:
        day = berlin(2026, 10, 22).date()
        invoices = ctx.invoices.customer_invoices("acme", "K-1")
        customer = ctx.customers.get_customer("acme", "K-1")
        plan = decide(customer, invoices, load_settings(ctx, "acme").policy, base_rates(), day)
        assert plan is not None
        # meanwhile RE-2 is paid (any change bumps the version)
        changed = ctx.invoices.get_invoice("acme", "RE-2")
        ctx.invoices.replace_invoice(changed.with_changes(open_amount=changed.open_amount),
                                 changed.version, source="test")
        with pytest.raises(Conflict):
            ctx.notices.reserve_notice(plan, berlin(2026, 10, 22))
        assert ctx.notices.get_notice("acme", plan.notice_id) is None  # nothing half-done
        assert ctx.invoices.get_invoice("acme", "RE-1").level == 0


def test_a_bounce_switches_the_next_letter_to_post_and_shows_in_the_timeline(stack):
    setup(stack)
    run_day(stack, berlin(2026, 10, 22))  # K-1's reminder goes out by email
    sent = notices(stack)["K-1:2026-10-22:L1"]
    # SES reports a permanent bounce through the configuration set → SNS → FeedbackQueue
    with stack.service_context() as ctx:
        from mahnwerk.service.dunning import feedback_tag

        tag = feedback_tag("acme", "K-1", sent.notice_id)
        assert ctx.customers.get_customer("acme", "K-1").email_status == ""
    ses_event = {"eventType": "Bounce",
                 "bounce": {"bounceType": "Permanent",
                            "bouncedRecipients": [{"emailAddress": "anna@example.org"}]},
                 "mail": {"timestamp": "2026-10-22T06:05:00Z", "messageId": sent.message_id,
                          "tags": {"mw": [tag]}}}
    stack.client("sqs").send_message(
        QueueUrl=stack.resolver.values["FeedbackQueue"],
        MessageBody=json.dumps({"Type": "Notification", "Message": json.dumps(ses_event)}))
    stack.drain()
    with stack.service_context() as ctx:
        assert ctx.customers.get_customer("acme", "K-1").email_status == "bounced"
        timeline = [e["kind"] for e in invoice_timeline(ctx, "acme", "RE-1")]
    assert "email_bounced" in timeline
    emails_before = len(stack.sent_emails())
    run_day(stack, berlin(2026, 11, 5))  # the 1. Mahnung: by post now
    second = notices(stack)["K-1:2026-11-05:L2"]
    assert second.post_key and not second.message_id
    assert second.fallback == "email bounced: sent by post instead"
    assert len(stack.sent_emails()) == emails_before  # nobody else has an email due


def test_the_next_run_bundles_yesterdays_post_into_one_print_file_with_a_manifest(stack):
    from pypdf import PdfReader

    setup(stack)
    run_day(stack, berlin(2026, 10, 22))  # K-2's reminder goes by post (no email)
    run_day(stack, berlin(2026, 10, 23))
    s3 = stack.client("s3")
    prefix = "outbox/post/2026-10-22/acme/"
    manifest = json.loads(s3.get_object(Bucket=stack.bucket, Key=prefix + "_manifest.json")
                          ["Body"].read())
    assert [letter["key"].rsplit("/", 1)[1] for letter in manifest["letters"]] == [
        "K-2_2026-10-22_L1.pdf"]
    merged = PdfReader(io.BytesIO(s3.get_object(Bucket=stack.bucket,
                                                Key=prefix + "_print.pdf")["Body"].read()))
    assert len(merged.pages) == 2  # one page, padded to a full sheet for duplex
    assert "Ørsted A/S" in merged.pages[0].extract_text()
