"""CSV upload → IntakeFunction → NoticeQueue → NoticeFunction → Factur-X invoice archived and sent
once (SES via moto, or the post outbox), for tenants that opted in."""

import copy
import email
import email.policy
import email.utils
import json

from mahnwerk.intake.files import parse_invoice_file
from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk.service.timeline import invoice_timeline
from mahnwerk_local.events import sqs_event

from ..conftest import ROOT, berlin

DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag;Offen\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;19.10.2026;02.11.2026;119,00;119,00\n"
       "RE-2;K-2;Ørsted A/S;;Havnegade 1;10115;Berlin;19.10.2026;02.11.2026;1.000,00;1.000,00\n"
       "RE-3;K-3;Zoë;;;;;19.10.2026;02.11.2026;20,00;20,00\n"
       "RE-4;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.09.2026;15.09.2026;50,00;0,00\n"
       ).encode()


def setup(stack, tenant="acme", send=True):
    settings = copy.deepcopy(DEMO)
    settings["invoicing"] = {"send_invoices": send, "line_text": "Wartung Heizungsanlage"}
    stack.verify_sender(settings["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document(tenant, SETTINGS_KEY, settings, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 9)


def keys(stack, prefix):
    listing = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def s3_body(stack, key):
    return stack.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read()


def sent(stack, tenant="acme"):
    with stack.service_context() as ctx:
        return {n: ctx.invoice_sends.get_invoice_send(tenant, n) for n in ("RE-1", "RE-2", "RE-3", "RE-4")}


def test_an_opted_in_tenants_csv_invoices_are_rendered_archived_and_sent_once(stack):
    setup(stack)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    stack.drain()

    [raw] = stack.sent_emails()  # RE-1 only: RE-2 goes by post, RE-3 cannot go, RE-4 is paid
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert email.utils.parseaddr(message["To"])[1] == "anna@example.org"
    assert message["Subject"] == "Rechnung RE-1"
    [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    pdf = attachment.get_payload(decode=True)
    assert pdf == s3_body(stack, "archive/acme/invoices/RE-1.pdf")
    # the attachment reads back through the same entry point the S3 intake uses
    [record] = parse_invoice_file(pdf, "RE-1.pdf", "acme", 14).records
    assert (record.number, str(record.amount), str(record.open_amount)) == ("RE-1", "119.00", "119.00")
    assert (record.issue_date.isoformat(), record.due_date.isoformat()) == ("2026-10-19", "2026-11-02")
    assert record.customer.name == "Anna Schmidt" and record.customer.customer_id == "K-1"

    status = sent(stack)
    assert status["RE-1"].status == "sent" and status["RE-1"].message_id
    assert status["RE-2"].status == "sent" and status["RE-2"].post_key == \
        "outbox/post/2026-10-20/acme/invoice-RE-2.pdf"
    assert keys(stack, "outbox/post/2026-10-20/acme/") == ["outbox/post/2026-10-20/acme/invoice-RE-2.pdf"]
    # RE-3 has neither email nor address: written and archived, held for the tenant to deliver
    assert status["RE-3"].status == "held" and "postal address" in status["RE-3"].held_reason
    assert status["RE-3"].pdf_key == "archive/acme/invoices/RE-3.pdf"
    assert status["RE-4"] is None  # already paid: no invoice is sent for it
    assert keys(stack, "archive/acme/invoices/") == [
        "archive/acme/invoices/RE-1.pdf", "archive/acme/invoices/RE-2.pdf",
        "archive/acme/invoices/RE-3.pdf"]
    with stack.service_context() as ctx:
        timeline = invoice_timeline(ctx, "acme", "RE-1")
    assert [e["kind"] for e in timeline] == ["received", "invoice_sent"]
    assert timeline[1]["channels"] == ["email"]
    for queue in ("NoticeDeadLetterQueue", "IntakeDeadLetterQueue"):
        assert stack.queue_depth(queue) == 0


def intake_event(stack):
    fn = stack.functions["IntakeFunction"]
    messages = stack.client("sqs").receive_message(QueueUrl=fn.queue_url,
                                                   MaxNumberOfMessages=10)["Messages"]
    [message] = [m for m in messages if '"Records"' in m["Body"]]  # not S3's TestEvent
    return sqs_event([message], fn.queue_arn, stack.region)


def test_the_same_s3_event_twice_and_a_reupload_send_the_invoice_once(stack):
    setup(stack)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    event = intake_event(stack)
    assert stack.invoke("IntakeFunction", event) == {"batchItemFailures": []}
    assert stack.invoke("IntakeFunction", event) == {"batchItemFailures": []}  # redelivered
    stack.drain()
    assert stack.invoke("IntakeFunction", event) == {"batchItemFailures": []}  # and once more, later
    stack.drain()
    stack.upload("inbox/acme/invoices/rechnungen-nochmal.csv", CSV)  # a re-upload: a new event
    stack.drain()
    assert len(stack.sent_emails()) == 1
    assert sent(stack)["RE-1"].status == "sent"


def test_an_intake_that_failed_after_creating_the_invoices_still_sends_them_on_retry(stack, monkeypatch):
    setup(stack)
    from mahnwerk.adapters import aws

    real = aws.Queue.send_all
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:  # the invoices are written, the queue is unreachable: the event fails
            raise ConnectionError("SQS unreachable")
        return real(self, messages)

    monkeypatch.setattr(aws.Queue, "send_all", flaky)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    stack.drain()  # the failed event is redelivered: it finds "its" invoices and asks again
    assert calls["n"] >= 2
    assert len(stack.sent_emails()) == 1
    assert stack.queue_depth("IntakeDeadLetterQueue") == 0


def test_a_duplicated_invoice_request_sends_once(stack):
    setup(stack)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    while stack.pump("IntakeFunction"):  # the intake only (S3's TestEvent, then the file)
        pass
    fn = stack.functions["NoticeFunction"]
    messages = stack.client("sqs").receive_message(QueueUrl=fn.queue_url, MaxNumberOfMessages=10,
                                                   VisibilityTimeout=0)["Messages"]
    assert sorted(json.loads(m["Body"])["number"] for m in messages) == ["RE-1", "RE-2", "RE-3"]
    event = sqs_event(messages, fn.queue_arn, stack.region)
    assert stack.invoke("NoticeFunction", event) == {"batchItemFailures": []}
    assert stack.invoke("NoticeFunction", event) == {"batchItemFailures": []}
    assert len(stack.sent_emails()) == 1
    assert keys(stack, "outbox/post/") == ["outbox/post/2026-10-20/acme/invoice-RE-2.pdf"]


def test_a_tenant_that_did_not_opt_in_gets_no_invoice_sent(stack):
    setup(stack, send=False)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    stack.drain()
    assert stack.sent_emails() == []
    assert keys(stack, "archive/") == [] and keys(stack, "outbox/") == []
    assert set(sent(stack).values()) == {None}
    assert stack.queue_depth("NoticeQueue") == 0


def test_an_uploaded_e_invoice_is_the_tenants_own_document_and_is_not_sent_again(stack):
    setup(stack)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    stack.drain()
    ours = s3_body(stack, "archive/acme/invoices/RE-1.pdf")
    setup(stack, tenant="beta")
    stack.upload("inbox/beta/invoices/RE-1.pdf", ours)  # a Factur-X PDF arrives as a file
    stack.drain()
    assert len(stack.sent_emails()) == 1  # only acme's own, nothing for beta
    with stack.service_context() as ctx:
        [invoice] = ctx.invoices.invoices("beta")
        assert (invoice.number, str(invoice.amount)) == ("RE-1", "119.00")
        assert ctx.invoice_sends.get_invoice_send("beta", "RE-1") is None
