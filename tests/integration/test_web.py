"""The dashboard through API Gateway's path on the local stack (``LocalStack.api``): the template's
DashboardApi routes, its REQUEST authorizer on the session cookie, the gateway's redirect to the
sign-in page, then the API function's dashboard resolver."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

import pytest

from mahnwerk.service.keys import create_key, revoke_key
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import berlin
from .test_api import INVOICES, SETTINGS, TODAY

PAGES = ["/app/", "/app/review", "/app/invoices", "/app/invoices/R-1", "/app/customers", "/app/customers/K-1",
         "/app/payments", "/app/upload", "/app/settings", "/app/settings/preview?level=2"]


class Browser:
    """A cookie jar in front of ``LocalStack.api``: what a browser sends and keeps."""

    def __init__(self, stack, key: str | None = None) -> None:
        self.stack = stack
        self.jar: dict[str, str] = {}
        if key is not None:
            self.sign_in(key)

    def _keep(self, response) -> None:
        raw = response.headers.get("Set-Cookie") or []
        for line in [raw] if isinstance(raw, str) else raw:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        target, _, query = path.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        sent = dict(headers or {})
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        response = self.stack.api(method, target, body=body, query=params, headers=sent)
        self._keep(response)
        return response

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str] | list[tuple[str, str]], csrf: bool = True):
        fields = list(form.items()) if isinstance(form, dict) else list(form)
        if csrf:
            fields.append(("csrf", self.csrf))
        body = "&".join(f"{k}={quote(v)}" for k, v in fields)
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, document: dict):
        return self.request("POST", path, json.dumps(document), {"Content-Type": "application/json"})

    def sign_in(self, key: str):
        form = self.get("/app/login")
        assert form.status == 200, form.body
        nonce = re.search(r'name="nonce" value="([^"]+)"', form.body).group(1)
        return self.post("/app/login", {"key": key, "nonce": nonce}, csrf=False)

    @property
    def csrf(self) -> str:
        page = self.get("/app/upload")
        assert page.status == 200, page.status
        return re.search(r'name="csrf" value="([^"]+)"', page.body).group(1)


def quote(value: str) -> str:
    from urllib.parse import quote as q

    return q(value, safe="")


def german(amount: str) -> str:
    return f"{Decimal(amount):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + " €"


def text(response) -> str:
    """The visible words of a page (tags dropped, entities decoded)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(response.body))))


@pytest.fixture
def web(stack):
    """Tenants acme (the API tests' invoices) and beta, each with a key; the clock on 23.11.2026."""
    stack.verify_sender(SETTINGS["sender_email"])
    keys = {}
    with stack.service_context() as ctx:
        for tenant in ("acme", "beta"):
            ctx.tenants.put_document(tenant, SETTINGS_KEY, SETTINGS, berlin(2026, 8, 1))
            keys[tenant], _ = create_key(ctx, tenant, "tests", datetime(2026, 8, 1, tzinfo=UTC))
    stack.now = TODAY
    assert stack.api("POST", "/v1/invoices", key=keys["acme"], body={"invoices": INVOICES}).status == 200
    beta = [{**i, "number": "B" + i["number"], "customer": {**i["customer"], "id": "BK-1"}}
            for i in INVOICES[:2]]
    assert stack.api("POST", "/v1/invoices", key=keys["beta"], body={"invoices": beta}).status == 200
    stack.keys = keys
    return stack


def send_letters(stack):
    """The day's dunning run: letters (PDFs) for the overdue invoices of both tenants."""
    stack.fire_schedule("DunningFunction", TODAY)
    stack.drain()


def api_get(stack, path, tenant="acme"):
    target, _, query = path.partition("?")
    response = stack.api("GET", target, key=stack.keys[tenant], query=dict(parse_qsl(query)))
    assert response.status == 200, response.body
    return response.body


# --- signing in ---------------------------------------------------------------------------------

def test_without_a_session_every_page_redirects_to_the_sign_in_page(web):
    anonymous = Browser(web)
    for path in PAGES:
        response = anonymous.get(path)
        assert (response.status, response.headers.get("Location")) == (302, "/app/login"), path
    forged = Browser(web)
    forged.jar["mw_session"] = "mws_0123456789abcdef_" + "A" * 43
    assert forged.get("/app/").status == 302
    # an API key is no session: the integration key does not open pages
    assert web.api("GET", "/app/", key=web.keys["acme"]).status == 302
    assert anonymous.get("/app/login").status == 200
    css = anonymous.get("/app/static/app.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert anonymous.get("/app/static/secrets.txt").status == 404


def test_sign_in_sets_a_strict_http_only_secure_cookie_and_sign_out_ends_it(web):
    browser = Browser(web)
    form = browser.get("/app/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.body).group(1)
    response = browser.post("/app/login", {"key": web.keys["acme"], "nonce": nonce}, csrf=False)
    assert response.status == 303 and response.headers["Location"] == "/app/"
    [session] = [c for c in response.headers["Set-Cookie"] if c.startswith("mw_session=")]
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=43200"):
        assert attribute in session
    assert web.keys["acme"] not in session  # the cookie is a session token, never the key
    assert browser.get("/app/").status == 200
    stolen = dict(browser.jar)
    out = browser.post("/app/logout", {})
    assert out.status == 303 and out.headers["Location"] == "/app/login?out=1"
    assert "mw_session" not in browser.jar
    replay = Browser(web)
    replay.jar.update(stolen)
    assert replay.get("/app/").status == 302  # the session is gone, not only the cookie
    assert "abgemeldet" in text(Browser(web).get("/app/login?out=1"))


def test_a_wrong_or_revoked_key_or_a_stale_form_signs_nobody_in(web):
    browser = Browser(web)
    wrong = browser.sign_in("mwk_0123456789abcdef_" + "x" * 43)
    assert wrong.status == 401 and "ungültig" in text(wrong) and "mw_session" not in browser.jar
    assert browser.sign_in("not a key").status == 401
    no_nonce = Browser(web).post("/app/login", {"key": web.keys["acme"]}, csrf=False)
    assert no_nonce.status == 400 and "mw_session" not in str(no_nonce.headers)
    signed_in = Browser(web, web.keys["acme"])
    assert signed_in.get("/app/").status == 200
    key_id = web.keys["acme"].split("_")[1]
    with web.service_context() as ctx:
        assert revoke_key(ctx, "acme", key_id, TODAY)
    assert signed_in.get("/app/").status == 302  # revoking the key ends its sessions
    assert Browser(web).sign_in(web.keys["acme"]).status == 401


# --- pages --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("de", ["Offene Forderungen", "Rechnungen nach Phase", "Altersstruktur", "Hinweise"]),
    ("en", ["Open receivables", "Invoices by phase", "Aging of open items", "Alerts"]),
])
def test_every_page_renders_for_a_signed_in_tenant_in_german_and_english(web, lang, words):
    browser = Browser(web, web.keys["acme"])
    first = browser.get(f"/app/?lang={lang}")
    assert first.status == 200
    assert all(w in text(first) for w in words), text(first)[:500]
    assert browser.jar.get("mw_lang") == lang  # the choice is remembered
    for path in PAGES:
        response = browser.get(path)
        assert response.status == 200, (path, text(response)[:300])
        assert response.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert f'<html lang="{lang}">' in response.body or path.startswith("/app/settings/preview")
    for phase in ("open", "reminded", "dunning1", "dunning2", "handed_over", "paid", "disputed", "closed"):
        assert browser.get(f"/app/invoices?phase={phase}").status == 200


def test_the_overview_shows_the_apis_report_figures(web):
    browser = Browser(web, web.keys["acme"])
    page = browser.get("/app/")
    aging = api_get(web, "/v1/reports/aging")
    dso = api_get(web, "/v1/reports/dso")
    assert re.search(r'data-kpi="total".*?data-value="([^"]*)"', page.body, re.S).group(1) == aging["total"]
    assert re.search(r'data-kpi="overdue".*?data-value="([^"]*)"', page.body, re.S).group(1) == aging["overdue"]
    assert re.search(r'data-kpi="dso".*?data-value="([^"]*)"', page.body, re.S).group(1) == dso["dso"]
    words = text(page)
    assert german(aging["total"]) in words
    for bucket in aging["buckets"]:
        if Decimal(bucket["open_amount"]):
            assert german(bucket["open_amount"]) in words  # every bar is labelled with its amount
    calendar = api_get(web, "/v1/forecast?days=14")["entries"]
    assert calendar, "the fixture has letters due within 14 days"
    for entry in calendar:
        for number in entry["invoices"]:
            assert f"/app/invoices/{number}" in page.body


def test_an_invoice_shows_its_timeline_and_its_letters_as_pdf(web):
    send_letters(web)
    browser = Browser(web, web.keys["acme"])
    page = browser.get("/app/invoices/R-5")
    assert page.status == 200
    words = text(page)
    assert "Rechnung übernommen" in words and "Zahlungserinnerung verschickt" in words
    letter = re.search(r'href="(/app/letters/[^"]+)"', page.body).group(1)
    pdf = browser.get(unescape(letter))
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert base64.b64decode(pdf.body).startswith(b"%PDF-")


def test_invoice_list_filters_by_phase_and_searches_number_and_customer(web):
    send_letters(web)
    browser = Browser(web, web.keys["acme"])
    listed = lambda path: sorted(set(re.findall(r'href="/app/invoices/(R-\d+)"', browser.get(path).body)))  # noqa: E731
    assert listed("/app/invoices") == ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6"]
    reminded = api_get(web, "/v1/invoices?level=1&status=open")["items"]
    assert reminded
    assert listed("/app/invoices?phase=reminded") == sorted(i["number"] for i in reminded)
    assert listed("/app/invoices?phase=paid") == ["R-6"]
    assert listed("/app/invoices?q=R-3") == ["R-3"]
    assert listed("/app/invoices?q=sahin") == []  # names are matched as written …
    assert listed("/app/invoices?q=%C5%81ukasz") == ["R-5", "R-6"]  # … case-insensitively
    assert listed("/app/invoices?q=ørsted") == ["R-3", "R-4"]


# --- actions ------------------------------------------------------------------------------------

def test_pause_dispute_resolve_write_off_and_record_a_payment(web):
    browser = Browser(web, web.keys["acme"])
    paused = browser.post("/app/invoices/R-1/pause", {"until": "2026-12-31", "reason": "Ratenzahlung"})
    assert paused.status == 303 and paused.headers["Location"] == "/app/invoices/R-1?done=paused"
    assert "Die Rechnung ist pausiert." in text(browser.get(paused.headers["Location"]))
    assert api_get(web, "/v1/invoices/R-1")["paused_until"] == "2026-12-31"
    assert browser.post("/app/invoices/R-3/dispute", {"reason": "Mangel"}).status == 303
    assert api_get(web, "/v1/invoices/R-3")["status"] == "disputed"
    assert browser.post("/app/invoices/R-3/resolve", {}).status == 303
    assert api_get(web, "/v1/invoices/R-3")["status"] == "open"
    assert browser.post("/app/invoices/R-4/write-off", {"reason": "Kulanz"}).status == 303
    assert api_get(web, "/v1/invoices/R-4")["status"] == "written_off"
    form = {"amount": "200,00", "booking_date": "2026-11-23", "reference": "bar", "token": "t-1"}
    assert browser.post("/app/invoices/R-2/payment", form).status == 303
    assert browser.post("/app/invoices/R-2/payment", form).status == 303  # a double click books once
    assert api_get(web, "/v1/invoices/R-2")["status"] == "paid"
    assert len(api_get(web, "/v1/payments")["items"]) == 1
    timeline = text(browser.get("/app/invoices/R-2"))
    assert "Zahlung 200,00 € gebucht" in timeline
    # refused actions explain themselves on the page instead of failing
    again = browser.post("/app/invoices/R-4/dispute", {})
    assert again.status == 409 and "Nicht möglich" in text(again)
    past = browser.post("/app/invoices/R-5/pause", {"until": "2026-01-01"})
    assert past.status == 400 and "Die Eingabe wurde nicht übernommen" in text(past)


def test_a_post_without_the_sessions_csrf_token_is_refused(web):
    browser = Browser(web, web.keys["acme"])
    forged = browser.post("/app/invoices/R-1/write-off", {"csrf": "0" * 40}, csrf=False)
    assert forged.status == 403
    missing = browser.post("/app/invoices/R-1/write-off", {}, csrf=False)
    assert missing.status == 403
    other = Browser(web, web.keys["acme"])  # a second session of the same tenant has its own token
    assert browser.post("/app/invoices/R-1/write-off", {"csrf": other.csrf}, csrf=False).status == 403
    assert api_get(web, "/v1/invoices/R-1")["status"] == "open"
    assert browser.post_json("/app/upload", {"file_name": "x.csv", "content": "eA=="}).status == 403


def test_assign_an_unmatched_payment_after_a_preview_and_a_confirmation(web):
    mystery = web.api("POST", "/v1/payments", key=web.keys["acme"],
                      body={"amount": "77.77", "booking_date": "2026-11-23", "reference": "Danke"}).body
    assert mystery["status"] == "unmatched"
    browser = Browser(web, web.keys["acme"])
    overview = text(browser.get("/app/"))
    assert "1 Zahlung(en) konnten keiner Rechnung zugeordnet werden." in overview
    page = browser.get("/app/payments")
    assert mystery["payment_id"] in page.body
    path = f"/app/payments/{quote(mystery['payment_id'])}/assign"
    # the first submit shows what would happen and changes nothing
    shown = browser.post(path, {"invoices": "R-3"})
    assert shown.status == 200 and 'id="assign-preview"' in shown.body
    # nothing was named and 77,77 € is not the open principal: costs and interest come first
    # (§366 Abs. 2, §367 Abs. 1 BGB), the flat fee is off in these settings
    assert "R-3: 71,86 € auf die Rechnung, 5,91 € Zinsen, 0,00 € Gebühren" in text(shown)
    assert "Danach noch offen: 228,14 €" in text(shown)
    assert 'name="confirm" value="1"' in shown.body
    assert api_get(web, "/v1/invoices/R-3")["status"] == "open"
    done = browser.post(path, {"invoices": "R-3", "confirm": "1"})
    assert done.status == 303 and done.headers["Location"] == "/app/payments?done=assigned"
    assert "Keine Zahlungen zu prüfen." in text(browser.get(done.headers["Location"]))
    r3 = api_get(web, "/v1/invoices/R-3")
    assert r3["status"] == "partially_paid" and Decimal(r3["paid_amount"]) > 0
    twice = browser.post(path, {"invoices": "R-5", "confirm": "1"})
    assert twice.status == 409
    assert browser.post(path, {"invoices": "R-5"}).status == 409


def test_the_assign_preview_says_a_hand_over_is_withdrawn(web):
    assert web.api("POST", "/v1/invoices/R-5/hand-over", key=web.keys["acme"],
                   body={"to": "Inkasso Nord"}).status == 200
    pid = web.api("POST", "/v1/payments", key=web.keys["acme"],
                  body={"amount": "400.00", "booking_date": "2026-11-23"}).body["payment_id"]
    browser = Browser(web, web.keys["acme"])
    shown = browser.post(f"/app/payments/{quote(pid)}/assign", {"invoices": "R-5"})
    assert shown.status == 200
    assert "Die Übergabe an Inkasso wird zurückgenommen." in text(shown)
    assert "Die Rechnung ist danach bezahlt." in text(shown)


def test_resume_reopen_and_unassign_on_the_invoice_page(web):
    browser = Browser(web, web.keys["acme"])
    assert 'id="resume-form"' not in browser.get("/app/invoices/R-1").body  # not paused
    assert browser.post("/app/invoices/R-1/pause", {"until": "2026-12-31"}).status == 303
    page = browser.get("/app/invoices/R-1")
    assert 'id="resume-form"' in page.body and "Pause beenden" in text(page)
    resumed = browser.post("/app/invoices/R-1/resume", {})
    assert resumed.status == 303 and resumed.headers["Location"] == "/app/invoices/R-1?done=resumed"
    assert api_get(web, "/v1/invoices/R-1")["paused_until"] is None
    assert "Pause beendet" in text(browser.get("/app/invoices/R-1"))
    # a written-off invoice can be taken back into dunning
    assert browser.post("/app/invoices/R-4/write-off", {}).status == 303
    assert 'id="reopen-form"' in browser.get("/app/invoices/R-4").body
    assert browser.post("/app/invoices/R-4/reopen", {"reason": "doch"}).status == 303
    assert api_get(web, "/v1/invoices/R-4")["status"] == "open"
    # a payment booked on the invoice is undone from its timeline
    form = {"amount": "100,00", "booking_date": "2026-11-23", "token": "t-undo"}
    assert browser.post("/app/invoices/R-1/payment", form).status == 303
    page = browser.get("/app/invoices/R-1")
    pid = re.search(r'data-unassign="([^"]+)"', page.body).group(1)
    undone = browser.post(f"/app/payments/{quote(pid)}/unassign", {"invoice": "R-1"})
    assert undone.status == 303 and undone.headers["Location"] == "/app/invoices/R-1?done=unassigned"
    assert api_get(web, "/v1/invoices/R-1")["status"] == "open"
    assert "Zuordnung der Zahlung über 100,00 € aufgehoben" in text(browser.get("/app/invoices/R-1"))
    again = browser.post(f"/app/payments/{quote(pid)}/unassign", {"invoice": "R-1"})
    assert again.status == 409 and "Nicht möglich" in text(again)


def test_dismiss_a_payment_that_is_no_customer_payment_and_restore_it(web):
    pid = web.api("POST", "/v1/payments", key=web.keys["acme"],
                  body={"amount": "512.00", "booking_date": "2026-11-20",
                        "reference": "Finanzamt Erstattung"}).body["payment_id"]
    browser = Browser(web, web.keys["acme"])
    assert "1 Zahlung(en) konnten keiner" in text(browser.get("/app/"))
    dismissed = browser.post(f"/app/payments/{quote(pid)}/dismiss", {"reason": "Steuererstattung"})
    assert dismissed.status == 303 and dismissed.headers["Location"] == "/app/payments?done=dismissed"
    page = browser.get("/app/payments")
    assert "Keine Zahlungen zu prüfen." in text(page)
    assert f'data-restore="{pid}"' in page.body and "Steuererstattung" in text(page)
    assert "konnten keiner Rechnung zugeordnet werden" not in text(browser.get("/app/"))
    assert browser.post(f"/app/payments/{quote(pid)}/dismiss", {"reason": "x"}).status == 409
    assert browser.post(f"/app/payments/{quote(pid)}/restore", {}).status == 303
    assert pid in [p["payment_id"] for p in api_get(web, "/v1/payments/unmatched")["items"]]
    assert browser.post(f"/app/payments/{quote(pid)}/dismiss", {"reason": " "}).status == 400


def test_upload_puts_the_file_into_the_inbox_and_shows_the_import_result(web):
    browser = Browser(web, web.keys["acme"])
    csrf = browser.csrf
    csv = ("Rechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fällig am;Betrag\n"
           "U-1;K-9;Neu GmbH;01.11.2026;15.11.2026;100,00\n"
           "U-2;K-9;Neu GmbH;01.11.2026;15.11.2026;zwölf\n"
           "U-3;K-9;Neu GmbH;20.11.2026;15.11.2026;50,00\n"
           "U-4;K-9;Neu GmbH;31.11.2026;15.12.2026;10,00\n").encode()
    sent = browser.post_json("/app/upload", {"file_name": "neu.csv", "kind": "invoices", "csrf": csrf,
                                             "content": base64.b64encode(csv).decode()})
    assert sent.status == 200, sent.body
    assert web.client("s3").get_object(Bucket=web.bucket, Key="inbox/acme/invoices/neu.csv")["Body"].read() == csv
    result_url = sent.body["result"]
    assert browser.get(result_url).body == {"status": "pending"}
    web.drain()  # S3 → SQS → IntakeFunction, as after a presigned PUT
    result = browser.get(result_url).body
    assert result["status"] == "done"
    shown = unescape(re.sub(r"<[^>]+>", " ", result["html"]))
    assert "2 neu" in shown and "2 abgelehnt" in shown and "U-1" in shown and "Zeile" in shown
    # every reason in the owner's language (issue 15, point 9), none of the API's English
    assert "Kein gültiger Betrag: „zwölf“" in shown
    assert "Kein gültiges Datum: „31.11.2026“ (erwartet z. B. 31.12.2026 oder 2026-12-31)" in shown
    assert not re.search(r"not a date|not a number|amount is|expected e\.g\.", shown)
    # the report for clients: code, English message and params
    rejected = json.loads(web.client("s3").get_object(
        Bucket=web.bucket, Key="rejected/acme/neu.csv.json")["Body"].read())
    assert [(r["line"], r["code"], r["params"]) for r in rejected] == [
        (3, "not_an_amount", {"text": "zwölf"}), (5, "not_a_date", {"text": "31.11.2026"})]
    assert rejected[1]["message"] == rejected[1]["reason"] == (
        "not a date: '31.11.2026' (expected e.g. 31.12.2026 or 2026-12-31)")
    # a due date before the invoice date: imported as printed, and the result says so
    # (and one more: K-9 has neither e-mail nor address, its letters cannot go out — issue 15, 8)
    assert "Übernommen mit Hinweis (2)" in shown
    assert "Kunde K-9 hat weder E-Mail-Adresse noch Postanschrift" in shown
    assert "Rechnung U-3: das Fälligkeitsdatum 15.11.2026 liegt vor dem Rechnungsdatum 20.11.2026" in shown
    assert "/app/invoices/U-1" in result["html"]
    assert api_get(web, "/v1/invoices/U-1")["amount"] == "100.00"
    bad = browser.post_json("/app/upload", {"file_name": "../evil.csv", "csrf": csrf, "content": "eA=="})
    assert bad.status == 400
    big = base64.b64encode(b"x" * (4 * 1024 * 1024 + 1)).decode()
    assert browser.post_json("/app/upload", {"file_name": "big.csv", "csrf": csrf, "content": big}).status == 413


def test_customer_page_statement_behaviour_and_overrides(web):
    browser = Browser(web, web.keys["acme"])
    page = browser.get("/app/customers/K-1")
    detail = api_get(web, "/v1/customers/K-1")
    assert re.search(r'data-balance="([^"]+)"', page.body).group(1) == detail["statement"]["balance"]
    saved = browser.post("/app/customers/K-1/overrides", [
        ("payment_terms_days", "30"), ("channels_set", "custom"), ("channels", "post"),
        ("paused_until", "2026-12-24"), ("pause_reason", "Urlaub"), ("due_dates_agreed", "no")])
    assert saved.status == 303
    overrides = api_get(web, "/v1/customers/K-1")["overrides"]
    assert overrides == {"payment_terms_days": 30, "channels": ["post"], "paused_until": "2026-12-24",
                         "pause_reason": "Urlaub", "excluded": False, "due_dates_agreed": False}
    assert browser.post("/app/customers/K-1/overrides", {"payment_terms_days": "999"}).status == 400
    rows = text(browser.get("/app/customers"))
    assert "Anna Schmidt" in rows and "Ørsted A/S" in rows


def test_settings_are_validated_saved_and_previewed(web):
    browser = Browser(web, web.keys["acme"])
    page = browser.get("/app/settings")
    fields = dict(re.findall(r'name="((?:company|bank|level\d)_[a-z_]+|sender_email|payment_terms_days|'
                             r'deadline_days|minimum_amount|level_count)"[^>]*value="([^"]*)"', page.body))
    fields = {k: unescape(v) for k, v in fields.items() if not k.endswith("_channels")}
    fields.update({"company_name": "Acme Sanitär GmbH", "locale": "de", "consolidate": "on",
                   "level2_tone": "firm", "level1_tone": "friendly", "level3_tone": "firm",
                   "level4_tone": "firm", "level4_action": "hand_over"})
    form = [*fields.items(), ("level1_channels", "email"), ("level2_channels", "email"),
            ("level3_channels", "email"), ("level3_channels", "post"), ("holiday_region", "BY")]
    saved = browser.post("/app/settings", form)
    assert saved.status == 303, text(saved)[:400]
    stored = api_get(web, "/v1/settings")["settings"]
    assert stored["company"]["name"] == "Acme Sanitär GmbH"
    assert stored["policy"]["holiday_region"] == "BY"
    assert re.search(r'<option value="BY" selected>Bayern</option>', browser.get("/app/settings").body)
    unknown = browser.post("/app/settings", [*form[:-1], ("holiday_region", "XX")])
    assert unknown.status == 400 and "unknown Land 'XX'" in text(unknown)
    assert api_get(web, "/v1/settings")["settings"]["policy"]["holiday_region"] == "BY"
    assert stored["policy"]["levels"][1]["tone"] == "firm"
    assert stored["policy"]["levels"][2]["channels"] == ["email", "post"]
    assert stored["bank"]["iban"] == SETTINGS["bank"]["iban"]
    refused = browser.post("/app/settings", [*[(k, v) for k, v in form if k != "level1_fee"],
                                             ("level1_fee", "5,00")])
    assert refused.status == 400 and "Die erste Erinnerung ist kostenlos (§ 286 Abs. 1 BGB)" in text(refused)
    assert api_get(web, "/v1/settings")["settings"]["policy"]["levels"][0]["fee"] in {"0.00", "0", None}
    preview = browser.get("/app/settings/preview?level=2&tone=friendly&fee=3,00&name=Zweite%20Mahnung")
    words = text(preview)
    assert "Zweite Mahnung – Kundennummer K-0000" in words and "Acme Sanitär GmbH" in words
    pdf = browser.get("/app/settings/preview?level=3&format=pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert base64.b64decode(pdf.body).startswith(b"%PDF-")


def settings_form(browser):
    """The settings form as the browser would post it unchanged."""
    page = browser.get("/app/settings")
    fields = dict(re.findall(r'name="((?:company|bank|level\d)_[a-z_]+|sender_email|payment_terms_days|'
                             r'deadline_days|minimum_amount|level_count)"[^>]*value="([^"]*)"', page.body))
    fields = {k: unescape(v) for k, v in fields.items() if not k.endswith("_channels")}
    fields.update({"locale": "de", "consolidate": "on", "level1_tone": "friendly",
                   "level2_tone": "neutral", "level3_tone": "firm", "level4_tone": "firm",
                   "level4_action": "hand_over"})
    return [*fields.items(), ("level1_channels", "email"), ("level2_channels", "email"),
            ("level3_channels", "email"), ("level3_channels", "post")]


def field_value(page, name):
    return unescape(re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.body).group(1))


def test_refused_settings_are_named_in_german_at_their_fields_and_the_input_is_kept(web):
    browser = Browser(web, web.keys["acme"])
    before = api_get(web, "/v1/settings")["settings"]
    edits = {"company_name": "Acme Neu GmbH", "company_city": "Potsdam", "bank_iban": "DE12 3456 7890",
             "company_vat_id": "DE123456789", "level2_fee": "250,00", "deadline_days": "0"}
    form = [(k, edits.get(k, v)) for k, v in settings_form(browser)]
    refused = browser.post("/app/settings", form)
    assert refused.status == 400
    words = text(refused)
    assert "Die Einstellungen sind nicht gespeichert" in words
    for german in ("Diese IBAN hat nicht die Länge ihres Landes",
                   "Die Prüfziffer dieser USt-IdNr. stimmt nicht",
                   "Höchstens 10,00 €: berechnet werden dürfen nur die Sachkosten eines Schreibens "
                   "(BGH VIII ZR 95/18)", "Bitte eine ganze Zahl ab 1 eingeben."):
        assert german in words, german
    # each reason beside its field, and every input as the owner typed it
    for name in ("bank_iban", "company_vat_id", "level2_fee", "deadline_days"):
        assert f'id="err-{name}"' in refused.body and f'aria-describedby="err-{name}"' in refused.body
    for name, typed in edits.items():
        assert field_value(refused, name) == typed, name
    assert api_get(web, "/v1/settings")["settings"] == before  # nothing saved


def test_a_fee_above_two_fifty_is_saved_and_warned_about_on_the_settings_page(web):
    browser = Browser(web, web.keys["acme"])
    form = [(k, "5,00" if k == "level3_fee" else v) for k, v in settings_form(browser)]
    saved = browser.post("/app/settings", form)
    assert saved.status == 303, text(saved)[:400]
    assert api_get(web, "/v1/settings")["settings"]["policy"]["levels"][2]["fee"] == "5.00"
    page = browser.get("/app/settings")
    assert "Hinweise zu Ihren Einstellungen" in text(page)
    assert 'id="warn-level3_fee"' in page.body
    assert "Mehr, als ein Schreiben kostet (2,50 €)" in text(page)


# --- isolation ----------------------------------------------------------------------------------

def test_tenant_a_signed_in_never_sees_or_touches_tenant_b(web):
    send_letters(web)
    acme = Browser(web, web.keys["acme"])
    for path in ["/app/invoices/BR-1", "/app/customers/BK-1"]:
        response = acme.get(path)
        assert response.status == 404 and "gehört nicht zu Ihrem Konto" in text(response), path
    assert acme.post("/app/invoices/BR-1/write-off", {}).status == 404
    assert acme.post("/app/invoices/BR-1/pause", {"until": "2026-12-31"}).status == 404
    assert api_get(web, "/v1/invoices/BR-1", tenant="beta")["status"] == "open"
    beta_notices = api_get(web, "/v1/notices", tenant="beta")["items"]
    assert beta_notices
    assert acme.get(f"/app/letters/{quote(beta_notices[0]['notice_id'])}").status == 404
    assert "BR-1" not in acme.get("/app/invoices?q=BR").body
    assert "BR-1" not in acme.get("/app/").body
    # a tenant id smuggled into the request changes nothing: it comes from the authorizer only
    sneaky = acme.request("GET", "/app/invoices/BR-1", headers={"X-Tenant": "beta"})
    assert sneaky.status == 404


def test_the_settings_page_shows_rotates_and_guards_the_invoice_inbox(web):
    browser = Browser(web, web.keys["acme"])
    page = browser.get("/app/settings")
    assert "Rechnungen per E-Mail" in text(page) and "Noch keine Adresse vergeben" in text(page)
    csrf = re.search(r'name="csrf" value="([^"]*)"', page.body).group(1)
    made = browser.post("/app/settings/inbox", [("csrf", csrf)])
    assert made.status == 303
    page = browser.get("/app/settings")
    first = re.search(r'<code id="inbox-address">([^<]+)</code>', page.body).group(1)
    assert re.fullmatch(r"rechnungen\+[0-9a-f]{32}@inbox\.mahnwerk\.test", first)
    assert browser.post("/app/settings/inbox", [("csrf", "forged")]).status in {400, 403}
    browser.post("/app/settings/inbox", [("csrf", csrf)])
    second = re.search(r'<code id="inbox-address">([^<]+)</code>',
                       browser.get("/app/settings").body).group(1)
    assert second != first
    # the allow-list: saved from the form, one per line; a bad entry refused in German at its field
    form = [*settings_form(browser), ("inbox_senders", "buchhaltung@acme.example\nlieferant.example")]
    assert browser.post("/app/settings", form).status == 303
    assert api_get(web, "/v1/settings/inbox")["senders"] == ["buchhaltung@acme.example",
                                                             "lieferant.example"]
    refused = browser.post("/app/settings", [*settings_form(browser), ("inbox_senders", "kein Absender")])
    assert refused.status == 400 and 'id="err-inbox_senders"' in refused.body
    assert "„kein“ ist weder eine E-Mail-Adresse noch eine Domain" in text(refused)
    assert api_get(web, "/v1/settings/inbox")["address"] == second
