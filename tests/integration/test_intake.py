"""S3 upload → SQS → IntakeFunction → DynamoDB, on the embedded stack."""

import json

from mahnwerk.service.timeline import invoice_timeline
from mahnwerk_local.events import sqs_event

from ..conftest import berlin

CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Rechnungsdatum;Fällig am;Betrag\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;01.10.2026;15.10.2026;119,00\n"
       "RE-2;K-2;Łukasz Şahin;;02.10.2026;16.10.2026;1.190,00\n"
       "RE-3;K-2;Łukasz Şahin;;02.10.2026;16.10.2026;1,2,3\n").encode()


def invoices(stack, tenant="acme"):
    with stack.service_context() as ctx:
        return {inv.number: inv for inv in ctx.invoices.invoices(tenant)}


def events(stack, number, tenant="acme"):
    with stack.service_context() as ctx:
        return invoice_timeline(ctx, tenant, number)


def report(stack, key):
    body = stack.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read()
    return json.loads(body)


def test_upload_creates_invoices_customers_and_reports_rejects(stack):
    stack.now = berlin(2026, 10, 20, 9)
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    stack.drain()
    found = invoices(stack)
    assert sorted(found) == ["RE-1", "RE-2"]
    assert str(found["RE-2"].amount) == "1190.00"
    assert found["RE-1"].next_action_on.isoformat() == "2026-10-22"  # due + 7 days
    with stack.service_context() as ctx:
        assert ctx.customers.get_customer("acme", "K-2").name == "Łukasz Şahin"
    imports = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix="rejected/acme/")
    keys = sorted(o["Key"] for o in imports["Contents"])
    assert [k.rsplit(".", 1)[1] for k in keys] == ["json", "txt"]
    rejected = report(stack, keys[0])
    assert rejected == [{"file": "rechnungen.csv", "line": 4, "code": "not_an_amount",
                         "message": "amount is not a number: '1,2,3'", "params": {"text": "1,2,3"},
                         "reason": "amount is not a number: '1,2,3'"}]
    text = stack.client("s3").get_object(Bucket=stack.bucket, Key=keys[1])["Body"].read().decode()
    assert "rechnungen.csv, Zeile/line 4: Kein gültiger Betrag: „1,2,3“\n" in text
    assert "\n    amount is not a number: '1,2,3'\n" in text  # and in English below it
    # the original stays where it was uploaded
    assert stack.client("s3").head_object(Bucket=stack.bucket,
                                          Key="inbox/acme/invoices/rechnungen.csv")
    [received] = events(stack, "RE-1")
    assert received["kind"] == "received" and received["at"].startswith("2026-10-20T")
    assert stack.queue_depth("IntakeDeadLetterQueue") == 0


def test_the_same_s3_event_delivered_twice_creates_the_invoices_once(stack):
    stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
    sqs = stack.client("sqs")
    fn = stack.functions["IntakeFunction"]
    messages = sqs.receive_message(QueueUrl=fn.queue_url, MaxNumberOfMessages=10)["Messages"]
    [message] = [m for m in messages if '"Records"' in m["Body"]]  # not S3's TestEvent
    event = sqs_event([message], fn.queue_arn, stack.region)
    first = stack.invoke("IntakeFunction", event)
    second = stack.invoke("IntakeFunction", event)  # at-least-once delivery: the same event again
    assert first == second == {"batchItemFailures": []}
    assert sorted(invoices(stack)) == ["RE-1", "RE-2"]
    assert [e["kind"] for e in events(stack, "RE-1")] == ["received"]


def test_reupload_updates_an_invoice_with_an_audit_entry_until_dunning_starts(stack):
    stack.upload("inbox/acme/invoices/a.csv", CSV)
    stack.drain()
    changed = CSV.replace(b"119,00", b"129,00")
    stack.upload("inbox/acme/invoices/b.csv", changed)
    stack.drain()
    assert str(invoices(stack)["RE-1"].amount) == "129.00"
    kinds = [e["kind"] for e in events(stack, "RE-1")]
    assert kinds == ["received", "changed"]
    assert events(stack, "RE-1")[1]["changes"]["amount"] == ["119.00", "129.00"]


def test_unsafe_keys_and_unknown_file_types_go_to_the_dlq_or_the_reject_report(stack):
    stack.upload("inbox/acme/invoices/rechnung.docx", b"PK\x03\x04")
    stack.upload("inbox/ACME!/invoices/x.csv", CSV)  # invalid tenant id: the record fails
    stack.drain()
    imports = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix="rejected/acme/")
    [key] = [o["Key"] for o in imports["Contents"] if o["Key"].endswith(".json")]
    assert "not" in report(stack, key)[0]["reason"]
    assert stack.queue_depth("IntakeDeadLetterQueue") == 1  # after maxReceiveCount retries


def test_e_invoices_and_pdfs_arrive_through_the_same_s3_path(stack, corpus):
    files = {
        "EN16931_Einfach_DueDate.pdf": corpus / "zugferd-corpus/XML-Rechnung/FX/EN16931_Einfach_DueDate.pdf",
        "01.01a-INVOICE_ubl.xml": corpus / "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml",
        "EN16931_Innergemeinschaftliche_Lieferungen.pdf":
            corpus / "zugferd-corpus/XML-Rechnung/FX/EN16931_Innergemeinschaftliche_Lieferungen.pdf",
        "EN16931_Gutschrift.cii.xml": corpus / "zugferd-corpus/XML-Rechnung/CII/EN16931_Gutschrift.cii.xml",
        "eicar.cii.xml": corpus / "zugferd-corpus/other/eicar.cii.xml",
    }
    for name, path in files.items():
        if not path.is_file():
            import pytest

            pytest.skip(f"corpus file missing: {path}")
        data = path.read_bytes()
        if name == "EN16931_Gutschrift.cii.xml":
            # the sample's amount is credited to the customer, but it is typed 389 (self-billed
            # invoice, a claim): sent as what it means, a credit note (381)
            assert data.count(b"<ram:TypeCode>389</ram:TypeCode>") == 1
            data = data.replace(b"<ram:TypeCode>389</ram:TypeCode>", b"<ram:TypeCode>381</ram:TypeCode>")
        stack.upload(f"inbox/acme/invoices/{name}", data)
    stack.drain()
    found = invoices(stack)
    # three invoices (one self-billed, 389) and a credit note that reuses its invoice's number;
    # the EICAR file is refused
    assert sorted(found) == ["123456XX", "471102", "471102-GS", "47110818"]
    credits = [inv for inv in found.values() if inv.amount < 0]
    assert len(credits) == 1 and credits[0].next_action_on is None  # a credit is never dunned
    assert found["471102"].amount + found["471102-GS"].amount == 0  # netted, not overwritten
    dunnable = [inv for inv in found.values() if inv.amount > 0]
    assert all(inv.next_action_on is not None for inv in dunnable)
    self_billed = found["47110818"]
    assert (str(self_billed.open_amount), self_billed.due_date.isoformat()) == ("2000.00", "2018-11-30")
    listing = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix="rejected/acme/")
    [key] = [o["Key"] for o in listing["Contents"] if o["Key"].endswith(".json")]
    assert "eicar" in key and "malware" in report(stack, key)[0]["reason"]
    assert stack.queue_depth("IntakeDeadLetterQueue") == 0


def test_a_tenants_column_mapping_and_upload_limit_apply(stack):
    from mahnwerk.service.tenants import SETTINGS_KEY

    settings = {"company": {"name": "Acme"}, "csv_columns": {"Beleg": "number",
                                                             "Summe brutto": "amount"}}
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, settings, berlin(2026, 10, 1))
    stack.upload("inbox/acme/invoices/eigen.csv",
                 "Beleg;Kunde;Datum;Summe brutto\nB-1;Zoë;01.10.2026;9,99\n".encode())
    stack.drain()
    assert str(invoices(stack)["B-1"].amount) == "9.99"
