"""GDPR export and erasure through the API (``/v1/customers/{id}/export`` and ``/erase``): what is
exported, what erasure removes everywhere, what it retains (tagged with the legal period), that a
second erasure changes nothing, tenant isolation, and that no letter goes out afterwards."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import jsonschema
import pytest

from mahnwerk.domain.events import SCHEMAS, EventType
from mahnwerk.domain.redaction import REDACTED
from mahnwerk.service.privacy import purge_expired
from mahnwerk_local.camt import Credit, camt053

from ..conftest import berlin
from .test_api import SETTINGS, api, call, get, post  # noqa: F401 - the fixture

ZOE = {"id": "K-7", "name": "Zoë Quintana-Żak", "email": "zoe.q@example.org",
       "street": "Lindenallee 77", "postal_code": "04109", "city": "Leipzig", "consumer": True}
#: how her data may be spelled anywhere (banks drop diacritics)
TRACES = ("Quintana", "QUINTANA", "zoe.q@example.org", "Lindenallee", "04109", "Leipzig")
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Kundentyp;Rechnungsdatum;"
       "Fällig am;Betrag\n"
       "R-72;K-7;Zoë Quintana-Żak;zoe.q@example.org;Lindenallee 77;04109;Leipzig;privat;"
       "01.10.2026;15.10.2026;80,00 €\n"
       "R-80;K-8;Bodo Berg;bodo@example.org;Bergweg 2;20095;Hamburg;privat;01.10.2026;"
       "15.10.2026;60,00 €\n").encode()


def erase(local, customer_id="K-7", tenant="acme", reason="data_subject_request"):
    return post(local, f"/v1/customers/{customer_id}/erase",
                {"reason": reason, "confirm": customer_id}, tenant=tenant)


def table_dump(local) -> str:
    items = local.client("dynamodb").scan(TableName=local.resolver.values["Table"])["Items"]
    return json.dumps(sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"])), ensure_ascii=False)


def tags(local, key, version_id=None) -> dict[str, str]:
    kwargs = {"Bucket": local.bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
    return {t["Key"]: t["Value"] for t in local.client("s3").get_object_tagging(**kwargs)["TagSet"]}


def versions(local, key) -> list[dict]:
    found = local.client("s3").list_object_versions(Bucket=local.bucket, Prefix=key)
    return [v for v in found.get("Versions", []) + found.get("DeleteMarkers", []) if v["Key"] == key]


@pytest.fixture
def zoe(api):  # noqa: F811 - the fixture of test_api
    """Zoë: two invoices by API (one paused with a reason naming her), one from a CSV export that
    also holds someone else, a part payment from her bank statement, a letter on 24.11. by email
    and post."""
    settings = json.loads(json.dumps(SETTINGS))
    settings["policy"]["levels"][0]["channels"] = ["email", "post"]
    assert call(api, api.keys["acme"], "PUT", "/v1/settings/", settings).status == 200
    rows = [{"number": "R-70", "customer": ZOE, "issue_date": "2026-09-15", "due_date": "2026-10-01",
             "amount": "120.00"},
            {"number": "R-71", "customer": ZOE, "issue_date": "2026-11-01", "due_date": "2026-11-30",
             "amount": "30.00"}]
    assert post(api, "/v1/invoices", {"invoices": rows}).body["created"] == ["R-70", "R-71"]
    assert post(api, "/v1/invoices/R-71/pause",
                {"until": "2026-12-20", "reason": "Frau Quintana-Żak ruft zurück"}).status == 200
    api.upload("inbox/acme/invoices/export-oktober.csv", CSV)
    api.upload("inbox/acme/bank/2026-11-20.xml", camt053("DE02120300000000202051", [
        Credit(date(2026, 11, 20), Decimal("20.00"), "R-70 Zoe Quintana-Zak Teilzahlung",
               "QUINTANA-ZAK, ZOE")]))
    api.drain()
    api.now = berlin(2026, 11, 24, 6)
    api.fire_schedule("DunningFunction", api.now)
    api.drain()
    api.now = berlin(2026, 11, 24, 10)
    return api


def test_the_export_holds_everything_about_the_person_and_only_for_its_tenant(zoe):
    assert get(zoe, "/v1/customers/K-7/export", tenant="beta").status == 404
    assert erase(zoe, tenant="beta").status == 404
    assert get(zoe, "/v1/customers/K-404/export").status == 404
    assert post(zoe, "/v1/customers/K-7/erase", {"reason": "because", "confirm": "K-7"}).status == 422
    assert post(zoe, "/v1/customers/K-7/erase", {"reason": "objection", "confirm": "K-1"}).status == 400
    response = get(zoe, "/v1/customers/K-7/export")
    assert response.status == 200
    export = response.body
    customer = export["customer"]
    assert (customer["name"], customer["email"]) == ("Zoë Quintana-Żak", "zoe.q@example.org")
    assert customer["address"]["street"] == "Lindenallee 77" and customer["is_consumer"] is True
    assert [i["number"] for i in export["invoices"]] == ["R-70", "R-72", "R-71"]
    paused = next(i for i in export["invoices"] if i["number"] == "R-71")
    assert paused["pause_reason"] == "Frau Quintana-Żak ruft zurück"
    assert [e["kind"] for e in paused["events"]] == ["paused"]
    [notice] = export["notices"]
    assert notice["status"] == "sent" and set(notice["channels"]) == {"email", "post"}
    assert notice["letter"] == f"/v1/notices/{notice['notice_id']}/letter"
    assert get(zoe, notice["letter"]).status == 200
    [payment] = export["payments"]
    assert payment["debtor_name"] == "QUINTANA-ZAK, ZOE" and payment["refers_to_customer"]
    assert payment["customer_id"] == "K-7" and payment["amount"] == "20.00"
    kinds = {d["kind"]: d for d in export["documents"]}
    assert set(kinds) == {"letter", "post_copy", "import_file", "bank_statement", "import_report"}
    assert kinds["letter"]["key"].startswith("notices/acme/K-7/")
    assert kinds["letter"]["retention"] == {"rule": "handelsbrief-6y", "until": "2032-12-31"}
    assert kinds["bank_statement"]["retention"] == {"rule": "buchungsbeleg-8y", "until": "2034-12-31"}
    assert kinds["import_file"]["about"] == "several"
    assert export["erasure"] is None
    assert {r["id"] for r in export["retention_rules"]} >= {"handelsbrief-6y", "buchungsbeleg-8y"}


def test_erasure_removes_the_data_retains_the_letters_and_is_idempotent(zoe):
    export = get(zoe, "/v1/customers/K-7/export").body
    letter = next(d["key"] for d in export["documents"] if d["kind"] == "letter")
    post_copy = next(d["key"] for d in export["documents"] if d["kind"] == "post_copy")
    statement = next(d["key"] for d in export["documents"] if d["kind"] == "bank_statement")
    # a change of her address: her timeline holds the old and the new street until the erasure
    moved = call(zoe, zoe.keys["acme"], "PATCH", "/v1/customers/K-7",
                 {"address": {"street": "Lindenallee 79"}})
    assert moved.status == 200, moved.body
    assert get(zoe, "/v1/customers/K-7/export").body["customer"]["timeline"][0]["changes"] == {
        "street": ["Lindenallee 77", "Lindenallee 79"]}

    response = erase(zoe)
    assert response.status == 200, response.body
    report = response.body
    assert report["status"] == "erased" and report["reason"] == "data_subject_request"
    assert report["changes"]["master_data"] == 1 and report["changes"]["payments"] == 1
    # the pause reason naming her, and the change of her street
    assert report["changes"]["events"] == 2 and report["changes"]["pause_reasons"] == 1
    assert report["changes"]["documents_deleted"] == 1
    assert {(r["kind"], r["rule"], r["until"]) for r in report["retained"]} == {
        ("letter", "handelsbrief-6y", "2032-12-31"),
        ("bank_statement", "buchungsbeleg-8y", "2034-12-31"),
        ("import_file", "unterlage-6y", "2032-12-31")}
    assert any("still open" in w for w in report["warnings"])
    # integrators are told (Art. 19), with ids only
    [told] = [e["detail"] for e in zoe.published_events("CustomerErased")]
    jsonschema.validate(told, SCHEMAS[EventType.CUSTOMER_ERASED])
    assert (told["customer_id"], told["reference"], told["invoice_numbers"]) == (
        "K-7", report["reference"], ["R-70", "R-71", "R-72"])
    assert not [t for t in TRACES if t in json.dumps(told, ensure_ascii=False)]

    customer = get(zoe, "/v1/customers/K-7").body
    assert customer["name"] == report["pseudonym"] and customer["name"].startswith("gelöscht/erased ")
    assert customer["email"] is None and customer["email_status"] is None
    assert customer["address"] == {"street": "", "postal_code": "", "city": "", "country": "DE"}
    assert customer["overrides"]["excluded"] is True
    [moved_entry] = customer["timeline"]  # who changed which field when stays, the values do not
    assert moved_entry["changes"] == {"street": [REDACTED, REDACTED]} and moved_entry["by"] == "api"
    assert get(zoe, "/v1/invoices/R-71").body["pause_reason"] is None
    [payment] = get(zoe, "/v1/customers/K-7/export").body["payments"]
    assert payment["debtor_name"] == REDACTED
    assert payment["remittance"] == f"R-70 {REDACTED} Teilzahlung"
    assert payment["amount"] == "20.00" and payment["invoices"][0]["number"] == "R-70"

    # nothing in the table names her any more; amounts, dates and numbers are all still there
    dump = table_dump(zoe)
    assert not [t for t in TRACES if t in dump]
    assert "Bodo Berg" in dump and '"R-70"' in dump
    record = zoe.client("dynamodb").get_item(TableName=zoe.resolver.values["Table"], Key={
        "pk": {"S": "T#acme"}, "sk": {"S": "ERASURE#K-7"}})["Item"]
    document = json.loads(record["document"]["S"])
    assert document["reason"] == "data_subject_request" and document["erased_at"]
    assert "export-oktober" not in record["document"]["S"]  # an upload's name is only hashed

    # the letter is kept (every version), tagged with its rule and date; the post copy is gone
    assert versions(zoe, letter)
    for version in versions(zoe, letter):
        assert tags(zoe, letter, version["VersionId"])["mahnwerk-retain-until"] == "2032-12-31"
    assert tags(zoe, statement)["mahnwerk-retention"] == "buchungsbeleg-8y"
    assert tags(zoe, statement)["mahnwerk-erasure"] == report["reference"]
    assert versions(zoe, post_copy) == []
    # and the link to the letter still works for the owner
    [notice] = get(zoe, "/v1/customers/K-7/export").body["notices"]
    assert get(zoe, notice["letter"]).status == 200


    # a second erasure changes nothing, and says so
    before = table_dump(zoe)
    objects = zoe.client("s3").list_object_versions(Bucket=zoe.bucket).get("Versions")
    zoe.now = berlin(2026, 11, 25, 10)
    again = erase(zoe, reason="objection")
    assert again.status == 200 and again.body["status"] == "already_erased"
    assert not any(again.body["changes"].values())
    assert (again.body["reference"], again.body["erased_at"], again.body["reason"]) == (
        report["reference"], report["erased_at"], "data_subject_request")
    assert table_dump(zoe) == before
    assert zoe.client("s3").list_object_versions(Bucket=zoe.bucket).get("Versions") == objects
    first, second = [e["detail"] for e in zoe.published_events("CustomerErased")]
    assert first == second  # told again, in case the first call died before telling: same event_id

    # once the period ended, the daily retention run deletes them: letters after 6 years, …
    run = zoe.fire_schedule("RetentionFunction", berlin(2032, 12, 31, 3))
    assert (run["day"], run["versions_deleted"]) == ("2032-12-31", 0)
    assert versions(zoe, letter)
    run = zoe.fire_schedule("RetentionFunction", berlin(2033, 1, 1, 3))
    assert run["versions_deleted"] >= 2  # the letter, the CSV export
    assert versions(zoe, letter) == [] and versions(zoe, statement)
    # … statements after 8 (the same purge, called directly)
    with zoe.service_context() as ctx:
        purge_expired(ctx, "acme", date(2035, 1, 1))
        assert versions(zoe, statement) == []
        assert purge_expired(ctx, "acme", date(2036, 1, 1)) == {"deleted": 0}


def test_no_letter_goes_to_an_erased_customer_and_a_later_file_does_not_bring_them_back(zoe):
    mails_before = [m for m in zoe.sent_emails() if b"zoe.q@example.org" in m]
    assert len(mails_before) == 1
    erase(zoe)
    zoe.upload("inbox/acme/invoices/export-november.csv", CSV.replace(b"R-72", b"R-73"))
    zoe.drain()
    # the tenant's export still has the row: its invoice is taken, the person is not restored
    assert get(zoe, "/v1/customers/K-7").body["name"].startswith("gelöscht/erased ")
    assert get(zoe, "/v1/invoices/R-73").status == 200
    assert get(zoe, "/v1/customers/K-7").body["overrides"]["excluded"] is True  # still no letters
    zoe.now = berlin(2026, 12, 10, 6)  # level 2 is due for everyone still dunned
    zoe.fire_schedule("DunningFunction", zoe.now)
    zoe.drain()
    notices = get(zoe, "/v1/notices").body["items"]
    assert [n["run_date"] for n in notices if n["customer_id"] == "K-7"] == ["2026-11-24"]
    assert any(n["run_date"] == "2026-12-10" for n in notices)  # the others got theirs
    assert len([m for m in zoe.sent_emails() if b"zoe.q@example.org" in m]) == 1
    post_box = zoe.client("s3").list_objects_v2(Bucket=zoe.bucket, Prefix="outbox/post/2026-12-10/")
    assert not [o["Key"] for o in post_box.get("Contents", []) if "K-7" in o["Key"]]
    again = erase(zoe).body  # only the new export file is left to mark for its retention
    assert {k: v for k, v in again["changes"].items() if v} == {"document_versions_tagged": 1}
    assert not [t for t in TRACES if t in table_dump(zoe)]


def test_an_erasure_before_any_letter_and_one_by_another_tenant(api):  # noqa: F811
    row = {"number": "R-90", "customer": {**ZOE, "id": "K-9"}, "issue_date": "2026-09-01",
           "due_date": "2026-09-15", "amount": "50.00"}
    assert post(api, "/v1/invoices", {"invoices": [row]}).status == 200
    assert erase(api, "K-9").body["status"] == "erased"
    # beta has a K-1 of its own: erasing it leaves acme's K-1 alone
    assert erase(api, "K-1", tenant="beta").body["status"] == "erased"
    assert get(api, "/v1/customers/K-1").body["name"] == "Anna Schmidt"
    api.now = berlin(2026, 11, 24, 6)
    api.fire_schedule("DunningFunction", api.now)
    api.drain()
    customers = {n["customer_id"] for n in get(api, "/v1/notices").body["items"]}
    assert "K-9" not in customers and "K-1" in customers
    assert not [n for n in get(api, "/v1/notices", tenant="beta").body["items"]
                if n["customer_id"] == "K-1"]
    assert not [m for m in api.sent_emails() if b"zoe.q@example.org" in m]
