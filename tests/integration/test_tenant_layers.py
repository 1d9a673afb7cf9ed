"""Tenant isolation below the API: S3 keys, presigned URLs, queue messages and table keys.

Two tenants hold the same customer and invoice numbers; every layer is tried with the other
tenant's names and must only ever touch its own data.
"""

import json

from mahnwerk.service.intake import parse_inbox_key
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
       "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.10.2026;15.10.2026;119,00\n").encode()


def two_tenants(stack):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        for tenant in ("acme", "beta"):
            ctx.tenants.put_document(tenant, SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload("inbox/acme/invoices/a.csv", CSV)
    stack.upload("inbox/beta/invoices/b.csv", CSV.replace(b"119,00", b"7,00"))
    stack.drain()


def test_every_table_item_of_an_import_lies_in_its_tenants_partition(stack):
    two_tenants(stack)
    items = stack.client("dynamodb").scan(TableName=stack.resolver.values["Table"])["Items"]
    for item in items:
        pk = item["pk"]["S"]
        if pk.startswith("T#"):
            tenant = pk.split("#")[1]
            for key in ("cust_pk", "due_pk"):
                if key in item:
                    assert item[key]["S"].startswith(f"T#{tenant}"), item
    with stack.service_context() as ctx:
        assert str(ctx.invoices.get_invoice("acme", "RE-1").amount) == "119.00"
        assert str(ctx.invoices.get_invoice("beta", "RE-1").amount) == "7.00"


def test_s3_keys_name_their_tenant_and_nothing_else_is_taken(stack):
    two_tenants(stack)
    keys = [o["Key"] for o in stack.client("s3").list_objects_v2(Bucket=stack.bucket)["Contents"]]
    for key in keys:
        parts = key.split("/")
        assert parts[1] in {"acme", "beta"} or key.startswith("outbox/post/"), key
    # a key that tries to reach another tenant's folder is refused before anything is read
    for bad in ("inbox/acme/../beta/invoices/x.csv", "inbox/acme/invoices/../../beta/x.csv",
                "inbox/ACME/invoices/x.csv", "inbox/acme/letters/x.csv", "inbox//invoices/x.csv"):
        try:
            parse_inbox_key(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_a_notice_request_only_ever_acts_on_the_tenant_it_names(stack):
    two_tenants(stack)
    stack.now = berlin(2026, 10, 22, 6)
    # a request for beta's K-1 (same customer id as acme's) runs on beta's data only
    message = {"tenant_id": "beta", "customer_id": "K-1", "run_date": "2026-10-22",
               "scheduled_time": stack.now.isoformat()}
    stack.client("sqs").send_message(QueueUrl=stack.resolver.values["NoticeQueue"],
                                     MessageBody=json.dumps(message))
    stack.drain()
    with stack.service_context() as ctx:
        assert [n.notice_id for n in ctx.notices.notices("beta")] == ["K-1:2026-10-22:L1"]
        assert ctx.notices.notices("acme") == []
        assert ctx.invoices.get_invoice("acme", "RE-1").level == 0
        beta_notice = ctx.notices.notices("beta")[0]
    assert beta_notice.pdf_key.startswith("notices/beta/")
    assert "7,00" in json.dumps(json.loads(beta_notice.plan)) or "7.00" in beta_notice.plan


def test_presigned_urls_are_signed_for_the_callers_own_keys_only(stack):
    from datetime import UTC, datetime

    from mahnwerk.service.keys import create_key

    two_tenants(stack)
    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "t", datetime(2026, 10, 1, tzinfo=UTC))
    upload = stack.api("POST", "/v1/uploads", key=key, body={"file_name": "x.csv", "kind": "bank"})
    assert upload.status == 200 and upload.body["key"] == "inbox/acme/bank/x.csv"
    assert "/inbox/acme/bank/x.csv" in upload.body["url"]
    stack.now = berlin(2026, 10, 22, 6)
    stack.fire_schedule("DunningFunction", stack.now)
    stack.drain()
    # both tenants have a notice with this id: acme's key gets acme's letter, never beta's
    own = stack.api("GET", "/v1/notices/K-1:2026-10-22:L1/letter", key=key)
    assert own.status == 200 and "/notices/acme/" in own.body["url"]
    with stack.service_context() as ctx:
        ctx.notices.update_notice("acme", "K-1:2026-10-22:L1", pdf_key="notices/beta/K-1/forged.pdf")
    forged = stack.api("GET", "/v1/notices/K-1:2026-10-22:L1/letter", key=key)
    assert forged.status == 404  # a key outside the tenant's folder is never signed
