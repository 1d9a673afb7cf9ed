"""The integration API through API Gateway's path on the local stack: the template's key
authorizer, then the API function with REST proxy events (``LocalStack.api``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mahnwerk.service.keys import create_key, revoke_key
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
TODAY = berlin(2026, 11, 23, 10)


def customer(cid, name, consumer=False, email=None):
    return {"id": cid, "name": name, "email": email, "street": "Weg 1", "postal_code": "10115",
            "city": "Berlin", "consumer": consumer}


#: the fixed data set of the report tests (figures below are computed by hand from it)
INVOICES = [
    {"number": "R-1", "customer": customer("K-1", "Anna Schmidt", True, "anna@example.org"),
     "issue_date": "2026-10-01", "due_date": "2026-10-15", "amount": "100.00"},
    {"number": "R-2", "customer": customer("K-1", "Anna Schmidt", True, "anna@example.org"),
     "issue_date": "2026-11-01", "due_date": "2026-11-23", "amount": "200.00"},
    {"number": "R-3", "customer": customer("K-2", "Ørsted A/S"),
     "issue_date": "2026-08-01", "due_date": "2026-08-15", "amount": "300.00"},
    {"number": "R-4", "customer": customer("K-2", "Ørsted A/S"),
     "issue_date": "2026-09-20", "due_date": "2026-10-24", "amount": "50.00"},
    {"number": "R-5", "customer": customer("K-3", "Łukasz Şahin"),
     "issue_date": "2026-09-01", "due_date": "2026-09-24", "amount": "400.00"},
    {"number": "R-6", "customer": customer("K-3", "Łukasz Şahin"),
     "issue_date": "2026-10-01", "due_date": "2026-10-31", "amount": "25.00", "open_amount": "0"},
]


@pytest.fixture
def api(stack):
    """Two tenants with their own keys and data; the clock stands on 23.11.2026."""
    stack.verify_sender(SETTINGS["sender_email"])
    keys = {}
    with stack.service_context() as ctx:
        for tenant in ("acme", "beta"):
            ctx.tenants.put_document(tenant, SETTINGS_KEY, SETTINGS, berlin(2026, 8, 1))
            keys[tenant], _ = create_key(ctx, tenant, "tests", datetime(2026, 8, 1, tzinfo=UTC))
    stack.now = TODAY
    assert call(stack, keys["acme"], "POST", "/v1/invoices", {"invoices": INVOICES}).status == 200
    beta = [{**i, "number": "B" + i["number"]} for i in INVOICES[:2]]
    assert call(stack, keys["beta"], "POST", "/v1/invoices", {"invoices": beta}).status == 200
    stack.keys = keys
    return stack


def call(stack, key, method, path, body=None, query=None, headers=None):
    return stack.api(method, path, key=key, body=body, query=query, headers=headers)


def get(api, path, tenant="acme", **query):
    return call(api, api.keys[tenant], "GET", path, query={k: str(v) for k, v in query.items()})


def post(api, path, body, tenant="acme", headers=None):
    return call(api, api.keys[tenant], "POST", path, body, headers=headers)


# --- auth ---------------------------------------------------------------------------------------

def test_no_key_unknown_key_and_revoked_key(api):
    assert api.api("GET", "/v1/invoices").status == 401
    assert call(api, "mwk_0123456789abcdef_" + "x" * 43, "GET", "/v1/invoices").status == 401
    assert call(api, "not-a-key", "GET", "/v1/invoices").status == 401
    forged = api.keys["acme"][:-1] + ("A" if api.keys["acme"][-1] != "A" else "B")
    assert call(api, forged, "GET", "/v1/invoices").status == 401
    key_id = api.keys["acme"].split("_")[1]
    with api.service_context() as ctx:
        assert not revoke_key(ctx, "beta", key_id, TODAY)  # only the owner revokes
        assert revoke_key(ctx, "acme", key_id, TODAY)
    assert get(api, "/v1/invoices").status == 403
    assert get(api, "/v1/invoices", tenant="beta").status == 200


def test_a_second_key_works_alongside_and_keys_are_stored_only_as_hashes(api):
    with api.service_context() as ctx:
        second, record = create_key(ctx, "acme", "rotation", TODAY)
    assert record["active"] and second != api.keys["acme"]
    assert call(api, second, "GET", "/v1/invoices").status == 200
    items = api.client("dynamodb").scan(TableName=api.resolver.values["Table"])["Items"]
    dump = json.dumps(items)
    for key in (second, api.keys["acme"]):
        assert key.split("_", 2)[2] not in dump  # the secret part is never stored


def test_health_and_unknown_routes(api):
    health = get(api, "/v1/health")
    assert health.status == 200
    assert health.body["version"] and set(health.body["base_rates"]) == {"known_through", "stale"}
    assert all(depth == 0 for depth in health.body["dead_letter_queues"].values())
    assert len(health.body["dead_letter_queues"]) == 4
    assert get(api, "/v1/nothing-here").status == 404


# --- invoices -----------------------------------------------------------------------------------

def test_create_reports_rejects_with_their_line_and_keeps_the_good_rows(api):
    rows = [
        {"number": "N-1", "customer": customer("K-9", "Neu GmbH"), "issue_date": "01.11.2026",
         "terms_days": 14, "amount": "1.234,56"},
        {"number": "N-2", "customer": customer("K-9", "Neu GmbH"), "issue_date": "2026-11-01",
         "amount": "zwölf"},
        {"number": "N-3", "customer": {"name": '=HYPERLINK("x")'}, "issue_date": "2026-11-01",
         "amount": "5.00"},
        {"number": "N-4", "customer": customer("K-9", "Neu GmbH"), "issue_date": "2026-11-01",
         "due_date": "2026-10-15", "amount": "7.00"},
    ]
    response = post(api, "/v1/invoices", {"invoices": rows})
    assert response.status == 200
    assert response.body["created"] == ["N-1", "N-4"]
    assert [(r["line"], r["reason"][:24]) for r in response.body["rejected"]] == [
        (2, "amount is not a number: "), (3, "name looks like a spread")]
    # a due date before the invoice date is taken as sent, with a warning
    # (and K-9, without e-mail address, is flagged once, on its first new invoice's line)
    warning, undeliverable = response.body["warnings"]
    assert undeliverable["line"] == 1 and undeliverable["reason"].endswith("[no_email]")
    assert warning["line"] == 4 and warning["message"].startswith(  # the API speaks English
        "invoice N-4: the due date 2026-10-15 is before the invoice date 2026-11-01")
    assert (warning["code"], warning["params"]) == ("due_before_issue", {
        "number": "N-4", "due_date": "2026-10-15", "issue_date": "2026-11-01"})
    assert response.body["rejected"][0]["code"] == "not_an_amount"  # code + English + params
    assert get(api, "/v1/invoices/N-4").body["due_date"] == "2026-10-15"
    n1 = get(api, "/v1/invoices/N-1").body
    assert (n1["amount"], n1["due_date"], n1["due_date_source"]) == ("1234.56", "2026-11-15", "terms")


def test_request_validation_is_a_422_and_the_batch_is_capped(api):
    assert post(api, "/v1/invoices", {"invoices": [{"number": "X"}]}).status == 422
    assert post(api, "/v1/invoices", {"invoices": []}).status == 422
    too_many = [{**INVOICES[0], "number": f"M-{i}"} for i in range(1001)]
    assert post(api, "/v1/invoices", {"invoices": too_many}).status == 422
    assert post(api, "/v1/invoices", "not json").status in {400, 422}


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(api):
    body = {"invoices": [{**INVOICES[0], "number": "I-1"}]}
    first = post(api, "/v1/invoices", body, headers={"Idempotency-Key": "k-1"})
    again = post(api, "/v1/invoices", body, headers={"Idempotency-Key": "k-1"})
    assert first.status == again.status == 200
    assert first.body == again.body == {"created": ["I-1"], "updated": [], "unchanged": [],
                                        "rejected": [], "warnings": []}
    other = {"invoices": [{**INVOICES[0], "number": "I-2"}]}
    assert post(api, "/v1/invoices", other, headers={"Idempotency-Key": "k-1"}).status == 422
    # without the header the same body is still idempotent by invoice number
    assert post(api, "/v1/invoices", body).body["unchanged"] == ["I-1"]
    # the same key of another tenant is another request
    beta = post(api, "/v1/invoices", other, tenant="beta", headers={"Idempotency-Key": "k-1"})
    assert beta.status == 200 and beta.body["created"] == ["I-2"]


def test_list_filters_and_cursor_pagination(api):
    numbers = [i["number"] for i in get(api, "/v1/invoices").body["items"]]
    assert numbers == ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6"]
    assert [i["number"] for i in get(api, "/v1/invoices", customer="K-2").body["items"]] == ["R-3", "R-4"]
    assert [i["number"] for i in get(api, "/v1/invoices", status="paid").body["items"]] == ["R-6"]
    due = get(api, "/v1/invoices", due_from="2026-10-15", due_to="2026-10-31").body["items"]
    assert [i["number"] for i in due] == ["R-1", "R-4", "R-6"]
    assert [i["number"] for i in get(api, "/v1/invoices", level=1).body["items"]] == []
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = get(api, "/v1/invoices", **query).body
        assert len(page["items"]) <= 2
        seen += [i["number"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == numbers
    assert get(api, "/v1/invoices", limit=201).status == 422
    assert get(api, "/v1/invoices", cursor="garbage!").status == 400
    assert get(api, "/v1/invoices", status="nonsense").status == 422


def test_a_selective_filter_reads_a_bounded_number_of_items_per_call(api, monkeypatch):
    """One paid invoice among 46: the list answers in short pages with a cursor (here at most 2
    requests of `limit` items read each per call), never by walking the whole partition."""
    import botocore.client

    from mahnwerk.adapters import api_store

    many = [{**INVOICES[0], "number": f"M-{i:03d}"} for i in range(40)]
    assert post(api, "/v1/invoices", {"invoices": many}).status == 200
    monkeypatch.setattr(api_store, "FILTER_PAGE", 5)
    monkeypatch.setattr(api_store, "FILTER_REQUESTS", 2)
    queries: list[int] = []
    original = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        response = original(client, operation, params)
        if operation == "Query" and params.get("FilterExpression"):
            queries.append(response["ScannedCount"])
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    found, calls, cursor = [], 0, None
    while True:
        queries.clear()
        page = get(api, "/v1/invoices", status="paid", limit=10,
                   **({"cursor": cursor} if cursor else {})).body
        calls += 1
        assert len(queries) <= 2 and sum(queries) <= 20, queries
        found += [i["number"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert found == ["R-6"]
    assert calls >= 3  # 46 invoices, at most 20 read per call


def test_a_cursor_of_another_tenant_is_refused(api):
    cursor = get(api, "/v1/invoices", tenant="beta", limit=1).body["next_cursor"]
    assert cursor
    assert get(api, "/v1/invoices", cursor=cursor).status == 400


def test_one_invoice_with_its_timeline_after_a_letter(api):
    api.now = berlin(2026, 11, 24, 6)
    api.fire_schedule("DunningFunction", api.now)
    api.drain()
    invoice = get(api, "/v1/invoices/R-5").body
    assert invoice["level"] == 1 and invoice["status"] == "open"
    kinds = [e["kind"] for e in invoice["timeline"]]
    assert kinds == ["received", "notice_sent"]
    sent = invoice["timeline"][1]
    assert sent["level"] == 1 and sent["letter_url"].startswith("/v1/notices/")
    letter = get(api, sent["letter_url"])
    assert letter.status == 200 and letter.body["expires_in"] == 300
    assert "/notices/acme/K-3/" in letter.body["url"]
    notices = get(api, "/v1/notices").body["items"]
    assert {n["customer_id"] for n in notices} == {"K-1", "K-2", "K-3"}
    assert all(n["status"] in {"sent", "held"} for n in notices)


def test_actions_change_the_invoice_and_write_its_timeline(api):
    paused = post(api, "/v1/invoices/R-1/pause", {"until": "2026-12-31", "reason": "Ratenzahlung"})
    assert paused.status == 200
    assert (paused.body["paused_until"], paused.body["next_action_on"]) == ("2026-12-31", "2027-01-01")
    assert post(api, "/v1/invoices/R-1/pause", {"until": "2026-11-23"}).status == 400
    assert post(api, "/v1/invoices/R-3/dispute", {"reason": "Ware mangelhaft"}).body["status"] == "disputed"
    assert post(api, "/v1/invoices/R-3/dispute", {}).status == 409
    api.now = TODAY.replace(hour=11)
    resolved = post(api, "/v1/invoices/R-3/resolve", {})
    assert (resolved.body["status"], resolved.body["next_action_on"]) == ("open", "2026-11-23")
    assert post(api, "/v1/invoices/R-4/write-off", {"reason": "Insolvenz"}).body["status"] == "written_off"
    assert post(api, "/v1/invoices/R-4/cancel", {}).status == 409
    assert post(api, "/v1/invoices/R-2/cancel", {}).body["status"] == "cancelled"
    assert post(api, "/v1/invoices/R-5/hand-over", {}).status == 422
    handed = post(api, "/v1/invoices/R-5/hand-over", {"to": "Inkasso Nord GmbH"})
    assert handed.body["status"] == "handed_over" and handed.body["next_action_on"] is None
    assert post(api, "/v1/invoices/R-6/dispute", {}).status == 409  # paid
    assert post(api, "/v1/invoices/NOPE/dispute", {}).status == 404
    timeline = get(api, "/v1/invoices/R-3").body["timeline"]
    assert [e["kind"] for e in timeline] == ["received", "disputed", "dispute_resolved"]
    assert timeline[1]["reason"] == "Ware mangelhaft"


def test_resolving_a_dispute_continues_the_schedule_with_the_grace_left(api):
    """R-9 is due 20.11., its reminder on 27.11. (due + 7); disputed on 23.11. with 4 days left,
    resolved on 1.12.: no letter that day (the run fired after the resolution sends none), the
    reminder on 5.12., four days after the resolution."""
    new = {"number": "R-9", "customer": customer("K-9", "Jörg Weiß", email="joerg@example.org"),
           "issue_date": "2026-11-06", "due_date": "2026-11-20", "amount": "80.00"}
    assert post(api, "/v1/invoices", {"invoices": [new]}).status == 200
    assert get(api, "/v1/invoices/R-9").body["next_action_on"] == "2026-11-27"
    assert post(api, "/v1/invoices/R-9/dispute", {"reason": "Lieferung fehlt"}).status == 200

    def k9_notices():
        return sorted(n["notice_id"] for n in get(api, "/v1/notices").body["items"]
                      if n["customer_id"] == "K-9")

    api.now = berlin(2026, 11, 27, 6)
    api.fire_schedule("DunningFunction", api.now)
    api.drain()
    assert k9_notices() == []  # disputed: nothing goes out

    api.now = berlin(2026, 12, 1, 10)
    resolved = post(api, "/v1/invoices/R-9/resolve", {})
    assert (resolved.body["status"], resolved.body["next_action_on"]) == ("open", "2026-12-05")
    for day in (berlin(2026, 12, 1, 11), berlin(2026, 12, 4, 6)):
        api.now = day
        api.fire_schedule("DunningFunction", day)
        api.drain()
        assert k9_notices() == []
    api.now = berlin(2026, 12, 5, 6)
    api.fire_schedule("DunningFunction", api.now)
    api.drain()
    assert k9_notices() == ["K-9:2026-12-05:L1"]
    assert get(api, "/v1/invoices/R-9").body["level"] == 1


def test_a_dispute_stored_without_its_schedule_resumes_from_the_policy(api):
    """An item disputed before ``disputed_on`` was kept loads, and resolving it follows the level's
    schedule: R-2 (due 23.11.) gets its reminder on 30.11., not on the day of resolution."""
    from mahnwerk.domain.model import InvoiceStatus

    with api.service_context() as ctx:
        r2 = ctx.invoices.get_invoice("acme", "R-2")
        ctx.invoices.replace_invoice(r2.with_changes(status=InvoiceStatus.DISPUTED, next_action_on=None),
                                 r2.version, source="legacy")
        item = api.client("dynamodb").get_item(
            TableName=api.resolver.values["Table"],
            Key={"pk": {"S": "T#acme"}, "sk": {"S": "INV#R-2"}})["Item"]
    assert item["status"] == {"S": "disputed"} and "disputed_on" not in item
    resolved = post(api, "/v1/invoices/R-2/resolve", {})
    assert (resolved.body["status"], resolved.body["next_action_on"]) == ("open", "2026-11-30")


# --- customers ----------------------------------------------------------------------------------

def test_customers_statement_behaviour_and_overrides(api):
    listed = get(api, "/v1/customers").body["items"]
    assert [c["customer_id"] for c in listed] == ["K-1", "K-2", "K-3"]
    k3 = get(api, "/v1/customers/K-3").body
    assert k3["name"] == "Łukasz Şahin"
    assert k3["statement"]["balance"] == "400.00"
    assert [i["number"] for i in k3["statement"]["open_items"]] == ["R-5"]
    assert [i["number"] for i in k3["statement"]["invoices"]] == ["R-5", "R-6"]
    assert k3["behaviour"]["paid_count"] == 0 and k3["behaviour"]["badge"] == "new"
    changed = call(api, api.keys["acme"], "PUT", "/v1/customers/K-3/overrides",
                   {"channels": ["post"], "payment_terms_days": 30, "excluded": False})
    assert changed.status == 200
    assert changed.body["overrides"]["channels"] == ["post"]
    assert get(api, "/v1/customers/K-3").body["overrides"]["payment_terms_days"] == 30
    bad = call(api, api.keys["acme"], "PUT", "/v1/customers/K-3/overrides", {"channels": ["fax"]})
    assert bad.status == 422
    assert get(api, "/v1/customers/K-404").status == 404


# --- payments -----------------------------------------------------------------------------------

def test_record_a_payment_list_it_and_assign_an_unmatched_one(api):
    paid = post(api, "/v1/payments", {"amount": "200.00", "booking_date": "2026-11-23",
                                      "reference": "Rechnung R-2"},
                headers={"Idempotency-Key": "cash-1"})
    assert paid.status == 200
    assert (paid.body["status"], [i["number"] for i in paid.body["invoices"]]) == ("matched", ["R-2"])
    again = post(api, "/v1/payments", {"amount": "200.00", "booking_date": "2026-11-23",
                                       "reference": "Rechnung R-2"}, headers={"Idempotency-Key": "cash-1"})
    assert again.body["payment_id"] == paid.body["payment_id"]
    assert get(api, "/v1/invoices/R-2").body["status"] == "paid"
    mystery = post(api, "/v1/payments", {"amount": "77.77", "booking_date": "2026-11-23",
                                         "reference": "Danke"})
    assert mystery.body["status"] == "unmatched"
    review = get(api, "/v1/payments/unmatched").body["items"]
    assert [p["payment_id"] for p in review] == [mystery.body["payment_id"]]
    assert len(get(api, "/v1/payments").body["items"]) == 2
    pid = mystery.body["payment_id"]
    assigned = post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-4"]})
    assert assigned.status == 200 and assigned.body["status"] == "matched"
    r4 = get(api, "/v1/invoices/R-4").body
    assert r4["status"] == "paid"  # 50.00 plus interest, the rest a credit of the customer
    assert post(api, f"/v1/payments/{pid}/assign", {"invoices": ["R-3"]}).status == 409
    assert post(api, "/v1/payments/nope/assign", {"invoices": ["R-3"]}).status == 404
    assert post(api, "/v1/payments", {"amount": "-5", "booking_date": "2026-11-23"}).status == 422


def test_a_payment_dated_in_the_future_is_refused(api):
    tomorrow = post(api, "/v1/payments", {"amount": "200.00", "booking_date": "2026-11-24",
                                          "reference": "Rechnung R-2"})
    assert tomorrow.status == 400 and "future" in tomorrow.body["message"]
    assert get(api, "/v1/invoices/R-2").body["status"] != "paid"
    assert get(api, "/v1/payments").body["items"] == []


def test_the_same_payment_posted_twice_without_a_key_is_a_probable_duplicate(api):
    cash = {"amount": "40.00", "booking_date": "2026-11-20", "reference": "Rechnung R-2",
            "debtor_name": "Anna Schmidt"}
    first = post(api, "/v1/payments", cash)
    assert first.status == 200
    again = post(api, "/v1/payments", cash)
    assert again.status == 409 and again.body["payment_id"] == first.body["payment_id"]
    assert "duplicate" in again.body["message"]
    assert len(get(api, "/v1/payments").body["items"]) == 1
    assert get(api, "/v1/invoices/R-2").body["open_amount"] == "160.00"
    # another payer, another day or an Idempotency-Key of its own: a payment of its own
    assert post(api, "/v1/payments", {**cash, "debtor_name": "Max Schmidt"}).status == 200
    assert post(api, "/v1/payments", {**cash, "booking_date": "2026-11-21"}).status == 200
    assert post(api, "/v1/payments", cash, headers={"Idempotency-Key": "second"}).status == 200
    assert len(get(api, "/v1/payments").body["items"]) == 4


def test_a_negative_amount_is_refused_unless_the_invoice_is_a_credit_note(api):
    row = {"number": "G-1", "customer": customer("K-1", "Anna Schmidt", True),
           "issue_date": "2026-11-20", "amount": "-50.00"}
    refused = post(api, "/v1/invoices", {"invoices": [row]}).body
    assert refused["created"] == [] and "credit_note" in refused["rejected"][0]["reason"]
    positive = post(api, "/v1/invoices", {"invoices": [{**row, "amount": "50.00",
                                                        "credit_note": True}]}).body
    assert positive["created"] == [] and "negative amount" in positive["rejected"][0]["reason"]
    taken = post(api, "/v1/invoices", {"invoices": [{**row, "credit_note": True}]}).body
    assert taken["rejected"] == [] and len(taken["created"]) == 1


# --- uploads, settings --------------------------------------------------------------------------

def test_upload_url_lands_in_the_tenants_inbox_and_unsafe_names_are_refused(api):
    ok = post(api, "/v1/uploads", {"file_name": "rechnungen.csv"})
    assert ok.status == 200 and ok.body["key"] == "inbox/acme/invoices/rechnungen.csv"
    assert "inbox/acme/invoices/rechnungen.csv" in ok.body["url"]
    assert post(api, "/v1/uploads", {"file_name": "../beta/x.csv"}).status == 400
    assert post(api, "/v1/uploads", {"file_name": "x.csv", "kind": "letters"}).status == 422


def test_settings_are_validated_before_they_are_stored(api):
    assert get(api, "/v1/settings").body["settings"]["company"]["name"] == SETTINGS["company"]["name"]
    bad = call(api, api.keys["acme"], "PUT", "/v1/settings", {**SETTINGS, "colour": "red"})
    assert bad.status == 400 and "colour" in bad.body["message"]
    unknown_land = {**SETTINGS, "policy": {**SETTINGS["policy"], "holiday_region": "XX"}}
    bad = call(api, api.keys["acme"], "PUT", "/v1/settings", unknown_land)
    assert bad.status == 400 and bad.body["message"].startswith("policy.holiday_region: unknown Land 'XX'")
    changed = {**SETTINGS, "company": {**SETTINGS["company"], "name": "Acme Neu GmbH"}}
    assert call(api, api.keys["acme"], "PUT", "/v1/settings", changed).status == 200
    assert get(api, "/v1/settings").body["settings"]["company"]["name"] == "Acme Neu GmbH"
    assert get(api, "/v1/settings", tenant="beta").body["settings"]["company"]["name"] == \
        SETTINGS["company"]["name"]


def test_put_takes_the_document_get_returns(api):
    document = get(api, "/v1/settings").body
    assert set(document) == {"settings"}
    saved = call(api, api.keys["acme"], "PUT", "/v1/settings", document)
    assert saved.status == 200 and saved.body == {**document, "warnings": []}
    assert get(api, "/v1/settings").body == document


@pytest.mark.parametrize("path, value, field, reason", [
    (("bank", "iban"), "DE02120300000000202052", "bank.iban", "check digits"),
    (("bank", "iban"), "DE12 3456 7890", "bank.iban", "length"),
    (("policy", "levels", 1, "fee"), "250.00", "policy.levels[1].fee", "BGH VIII ZR 95/18"),
    (("company", "vat_id"), "DE123456789", "company.vat_id", "check digit"),
])
def test_a_refused_setting_is_named_with_its_reason_and_nothing_is_saved(api, path, value, field,
                                                                        reason):
    document = json.loads(json.dumps(SETTINGS))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    for body in (document, {"settings": document}):
        bad = call(api, api.keys["acme"], "PUT", "/v1/settings", body)
        assert bad.status == 400, bad.body
        assert [e["field"] for e in bad.body["errors"]] == [field]
        assert reason in bad.body["errors"][0]["message"] and bad.body["message"].startswith(field)
    assert get(api, "/v1/settings").body["settings"] == SETTINGS


def test_a_fee_above_two_fifty_is_saved_with_a_warning(api):
    document = json.loads(json.dumps(SETTINGS))
    document["policy"]["levels"][2]["fee"] = "5.00"
    saved = call(api, api.keys["acme"], "PUT", "/v1/settings", {"settings": document})
    assert saved.status == 200
    assert [(w["field"], w["code"]) for w in saved.body["warnings"]] == [
        ("policy.levels[2].fee", "fee_high")]
    assert get(api, "/v1/settings").body["settings"]["policy"]["levels"][2]["fee"] == "5.00"


# --- reports (figures computed by hand from INVOICES, on 23.11.2026) -----------------------------

def test_aging_by_hand(api):
    aging = get(api, "/v1/reports/aging").body
    buckets = {b["label"]: (b["count"], b["open_amount"]) for b in aging["buckets"]}
    # R-2 due today; R-4 30 days; R-1 39 and R-5 60 days; R-3 100 days; R-6 paid
    assert buckets == {"current": (1, "200.00"), "1-30": (1, "50.00"), "31-60": (2, "500.00"),
                       "61-90": (0, "0.00"), "90+": (1, "300.00")}
    assert (aging["total"], aging["overdue"]) == ("1050.00", "850.00")


def test_dso_by_hand(api):
    dso = get(api, "/v1/reports/dso").body
    # sales issued 25.08.–23.11.: R-1 100 + R-2 200 + R-4 50 + R-5 400 + R-6 25 = 775
    # receivables 1050; 1050 / 775 × 90 = 121.93…
    assert (dso["receivables"], dso["sales"], dso["dso"]) == ("1050.00", "775.00", "121.9")
    assert get(api, "/v1/reports/dso", period_days=3).status == 422


def test_behaviour_reliability_and_effectiveness_by_hand(api):
    post(api, "/v1/payments", {"amount": "200.00", "booking_date": "2026-11-23", "reference": "R-2"})
    k1 = get(api, "/v1/customers/K-1").body["behaviour"]
    # R-2: issued 01.11., paid 23.11. on its due day, no letter: 22 days, on time
    assert (k1["paid_count"], k1["average_days_to_pay"], k1["on_time_share"], k1["score"],
            k1["badge"]) == (1, "22.0", "1.000", 100, "new")
    ranking = get(api, "/v1/reports/reliability").body
    assert [c["customer_id"] for c in ranking["customers"]] == ["K-1", "K-2", "K-3"]
    effect = get(api, "/v1/reports/effectiveness").body
    assert effect["paid_count"] == 1 and effect["after_letters"] == 0
    assert effect["paid_after"][0]["share"] == "1.000"


def test_forecast_lists_the_letters_of_the_next_days(api):
    forecast = get(api, "/v1/forecast", days=14).body
    assert forecast["from"] == "2026-11-23"
    first = [(e["date"], e["customer_id"], e["level"]) for e in forecast["entries"]][:3]
    # every customer with an invoice overdue for more than 7 days gets the reminder today
    assert first == [("2026-11-23", "K-1", 1), ("2026-11-23", "K-2", 1), ("2026-11-23", "K-3", 1)]
    assert get(api, "/v1/forecast", days=91).status == 422


# --- tenant isolation ---------------------------------------------------------------------------

ISOLATION = [
    ("GET", "/v1/invoices/BR-1", None),
    ("GET", "/v1/customers/K-1", None),  # exists in both tenants: must show acme's, not beta's
    ("POST", "/v1/invoices/BR-1/pause", {"until": "2026-12-31"}),
    ("POST", "/v1/invoices/BR-1/dispute", {}),
    ("POST", "/v1/invoices/BR-1/write-off", {}),
    ("POST", "/v1/invoices/BR-1/cancel", {}),
    ("POST", "/v1/invoices/BR-1/hand-over", {"to": "X"}),
    ("GET", "/v1/notices/K-1:2026-11-24:L1/letter", None),
]


def test_tenant_a_never_sees_or_touches_tenant_b(api):
    for method, path, body in ISOLATION:
        response = call(api, api.keys["acme"], method, path, body)
        if path == "/v1/customers/K-1":
            assert [i["number"] for i in response.body["statement"]["invoices"]] == ["R-1", "R-2"]
        else:
            assert response.status == 404, (method, path, response.status)
    listed = get(api, "/v1/invoices", customer="K-1").body["items"]
    assert [i["number"] for i in listed] == ["R-1", "R-2"]
    assert not any(i["number"].startswith("B") for i in get(api, "/v1/invoices").body["items"])
    # beta's data is unchanged by every call above
    assert [i["status"] for i in get(api, "/v1/invoices", tenant="beta").body["items"]] == ["open", "open"]
    beta_payment = post(api, "/v1/payments", {"amount": "9.99", "booking_date": "2026-11-23"},
                        tenant="beta").body["payment_id"]
    assert post(api, f"/v1/payments/{beta_payment}/assign", {"invoices": ["R-1"]}).status == 404
    assert get(api, "/v1/payments/unmatched").body["items"] == []
    assert get(api, "/v1/notices").body["items"] == []


def test_the_tenant_comes_only_from_the_authorizer(api):
    spoof = {"X-Tenant-Id": "beta", "tenant_id": "beta"}
    listed = call(api, api.keys["acme"], "GET", "/v1/invoices", headers=spoof,
                  query={"tenant": "beta", "tenant_id": "beta"}).body["items"]
    assert {i["number"] for i in listed} == {"R-1", "R-2", "R-3", "R-4", "R-5", "R-6"}


def test_numbers_with_slashes_spaces_and_umlauts_are_addressed_percent_encoded(api):
    """REST APIs hand the path over still encoded: "RE 2026/7 Ä" arrives as RE%202026%2F7%20%C3%84."""
    from urllib.parse import quote

    row = {**INVOICES[0], "number": "RE 2026/7 Ä", "customer": customer("K 1/2", "Jörg Weiß")}
    assert post(api, "/v1/invoices", {"invoices": [row]}).body["created"] == ["RE 2026/7 Ä"]
    path = "/v1/invoices/" + quote("RE 2026/7 Ä", safe="")
    assert get(api, path).body["number"] == "RE 2026/7 Ä"
    assert post(api, path + "/dispute", {}).body["status"] == "disputed"
    assert get(api, "/v1/customers/" + quote("K 1/2", safe="")).body["name"] == "Jörg Weiß"
