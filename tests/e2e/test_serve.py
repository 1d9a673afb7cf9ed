"""``mahnwerk serve --demo`` over real HTTP: the authorizer and API handler behind a local port."""

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ._serve import start

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start(tmp_path_factory.mktemp("serve"), "--demo")
    yield server
    server.stop()


def test_banner_prints_the_key_once_and_examples(served):
    assert served.banner.count(served.key) == 2  # the key line and the export line
    assert "tenant: sanitaer-mueller (7 invoices, 15 notices, 4 payments of which 1 unmatched)" in served.banner
    assert f'curl -s -H "Authorization: Bearer $MAHNWERK_KEY" "{served.base}/v1/reports/aging"' in served.banner


def test_the_api_notices_claim_what_the_demo_summary_and_letters_claim(served, tmp_path):
    """The same demo book through ``mahnwerk demo``: every notice the API lists has the figures
    of summary.json (which the letters print, tests/e2e/test_cli.py), and they add up."""
    exe = shutil.which("mahnwerk", path=str(Path(sys.executable).parent))
    assert exe
    done = subprocess.run([exe, "demo", "--out", str(tmp_path)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = {n["notice_id"]: n for n in
               json.loads((tmp_path / "summary.json").read_text("utf-8"))["notices"]}
    listed, cursor = [], ""
    while True:
        status, _, page = served.call("GET", f"/v1/notices?limit=200{cursor}")
        assert status == 200, page
        listed += page["items"]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert {n["notice_id"] for n in listed} == set(summary)
    for notice in listed:
        row = summary[notice["notice_id"]]
        for key in ("principal", "paid", "interest", "fees", "flat_fee", "total", "deadline"):
            assert notice[key] == row[key], (notice["notice_id"], key)
        parts = sum(Decimal(notice[k]) for k in ("principal", "interest", "fees", "flat_fee"))
        assert parts == Decimal(notice["total"])


def test_health(served):
    status, headers, body = served.call("GET", "/v1/health")
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    assert body["version"] and set(body["dead_letter_queues"].values()) == {0}


def test_no_key_or_an_unknown_key_is_401_from_the_gateway(served):
    assert served.call("GET", "/v1/invoices", key=None)[::2] == (401, {"message": "Unauthorized"})
    unknown = "mwk_0123456789abcdef_" + "A" * 43
    assert served.call("GET", "/v1/invoices", key=unknown)[::2] == (401, {"message": "Unauthorized"})


def test_invoice_list_pages_by_cursor(served):
    status, _, first = served.call("GET", "/v1/invoices?limit=3")
    assert status == 200, first
    assert len(first["items"]) == 3 and first["next_cursor"]
    numbers = [i["number"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        status, _, page = served.call("GET", f"/v1/invoices?limit=3&cursor={cursor}")
        assert status == 200, page
        numbers += [i["number"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert numbers == [f"RE-2026-{n}" for n in range(101, 108)]


def test_invoice_list_filtered_by_status(served):
    status, _, body = served.call("GET", "/v1/invoices?status=handed_over&limit=200")
    assert status == 200, body
    assert [i["number"] for i in body["items"]] == ["RE-2026-102", "RE-2026-103", "RE-2026-104",
                                                     "RE-2026-105"]
    assert served.call("GET", "/v1/invoices?status=nonsense")[0] == 422


def test_one_invoice_with_its_timeline(served):
    status, _, body = served.call("GET", "/v1/invoices/RE-2026-103")
    assert status == 200, body
    assert body["status"] == "handed_over" and body["level"] == 4
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[0] == "received"
    assert kinds.count("notice_sent") >= 3
    letters = [e["letter_url"] for e in body["timeline"] if "letter_url" in e]
    assert letters and letters[0].startswith("/v1/notices/K-1003:")
    status, _, letter = served.call("GET", letters[0])
    assert status == 200 and letter["expires_in"] == 300
    assert served.call("GET", "/v1/invoices/RE-1999-999")[0] == 404


def test_aging_report_on_the_demo_clock(served):
    status, _, body = served.call("GET", "/v1/reports/aging")
    assert status == 200, body
    assert body["on"] == "2026-11-30"
    # 7 invoices, of which two were paid by the amount their transfers named (§367 Abs. 2)
    assert body["count"] == 5 == sum(b["count"] for b in body["buckets"])


def test_customer_statement_and_unmatched_payment(served):
    status, _, customer = served.call("GET", "/v1/customers/K-1001")
    assert status == 200, customer
    assert {i["number"] for i in customer["statement"]["invoices"]} == {"RE-2026-101", "RE-2026-107"}
    status, _, unmatched = served.call("GET", "/v1/payments/unmatched")
    assert status == 200 and [p["amount"] for p in unmatched["items"]] == ["99.90"]


def test_a_body_over_1_mb_is_413_before_any_handler(served):
    body = b'{"invoices": [' + b" " * (1024 * 1024) + b"]}"
    status, _, answer = served.call("POST", "/v1/invoices", body)
    assert (status, answer) == (413, {"message": "Request Too Long"})
    # not even the authorizer runs: no key gets the same answer
    assert served.call("POST", "/v1/invoices", body, key=None)[0] == 413
    assert served.call("GET", "/v1/health")[0] == 200  # and the server serves on


def test_a_method_api_gateway_does_not_route_is_405(served):
    status, headers, body = served.call("TRACE", "/v1/health")
    assert (status, body) == (405, {"message": "Method Not Allowed"})
    assert "GET" in headers["Allow"]


def test_an_owner_action_over_http(served):
    status, _, body = served.call("POST", "/v1/invoices/RE-2026-107/pause",
                                  b'{"until": "2026-12-31", "reason": "Ratenzahlung"}')
    assert status == 200, body
    assert body["paused_until"] == "2026-12-31"
    _, _, invoice = served.call("GET", "/v1/invoices/RE-2026-107")
    assert invoice["timeline"][-1]["kind"] == "paused"


def test_without_dev_inbox_there_is_no_inbox_route(served):
    status, _, _ = served.call("POST", "/v1/inbox", b"From: a@b\r\n\r\nx", key=None,
                               headers={"Content-Type": "message/rfc822"})
    assert status != 202


def test_ctrl_c_stops_the_server_cleanly(served):
    assert served.stop() == 0
    assert served.lines[-1].strip() == "mahnwerk serve: stopped"


def test_dev_inbox_takes_a_raw_mail_over_http_only_when_asked(tmp_path):
    """`mahnwerk serve --dev-inbox`: the banner names the tenant's inbox address, POST /v1/inbox
    takes raw MIME through S3 mail/ → queue → intake; the demo server (no flag) has no such route."""
    import re
    from email.message import EmailMessage

    server = start(tmp_path, "--demo", "--dev-inbox")
    try:
        address = re.search(r"inbox: (rechnungen\+[0-9a-f]{32}@\S+)", server.banner).group(1)
        settings = json.loads((Path(__file__).parents[2] / "infra/mahnwerk_local/demo/settings.json")
                              .read_text("utf-8"))
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = settings["company"]["email"], address, "Rechnung"
        m["Message-ID"] = "<dev-1@example.org>"
        m.set_content("Anbei.")
        m.add_attachment(b"Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Betrag\n"
                         b"RE-DEV-1;K-9;Dev GmbH;01.11.2026;50,00\n",
                         maintype="text", subtype="csv", filename="dev.csv")
        status, _, body = server.call("POST", "/v1/inbox", m.as_bytes(), key=None,
                                      headers={"Content-Type": "message/rfc822"})
        assert status == 202, body
        status, _, invoice = server.call("GET", "/v1/invoices/RE-DEV-1")
        assert status == 200 and invoice["number"] == "RE-DEV-1"
    finally:
        server.stop()
