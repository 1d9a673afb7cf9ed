"""The review list on the embedded stack (issue 16, section 2): a PDF that cannot be read safely is
uploaded → one review item via the API → completed with the fields → the invoice exists and is
dunned like any other; another tenant's id is not found; refused fields answer 422 with codes."""

from __future__ import annotations

from . import test_web
from .review_inputs import FIELDS, NO_NUMBER
from .test_web import api_get, send_letters

web = test_web.web


def _review(web, tenant="acme"):
    [item] = api_get(web, "/v1/review", tenant)["items"]
    return item


def test_an_unreadable_pdf_is_completed_by_api_and_dunned(web):
    web.upload("inbox/acme/invoices/ohne-nummer.pdf", NO_NUMBER)
    web.drain()
    item = _review(web)
    assert (item["status"], item["source"], item["file"]) == ("open", "upload", "ohne-nummer.pdf")
    assert item["found"]["amount"] == "1190.00" and item["found"]["name"] == "Müller Bau GmbH"
    assert "invoice number" in item["reasons"]["en"] and "Rechnungsnummer" in item["reasons"]["de"]
    assert api_get(web, f"/v1/review/{item['id']}")["id"] == item["id"]
    key = web.keys["acme"]
    path = f"/v1/review/{item['id']}"
    refused = web.api("POST", path, key=key, body={**FIELDS, "amount": "-10", "issue_date": "31.02.2026"})
    assert refused.status == 422 and refused.body["code"] == "invalid_fields"
    assert {e["field"] for e in refused.body["errors"]} == {"amount", "issue_date"}
    done = web.api("POST", path, key=key, body=FIELDS)
    assert done.status == 200, done.body
    assert (done.body["status"], done.body["invoice_number"], done.body["created"]) == (
        "imported", "RV-1", True)
    again = web.api("POST", path, key=key, body=FIELDS)  # the same again: the same answer
    assert again.status == 200 and not again.body["created"]
    other = web.api("POST", path, key=key, body={**FIELDS, "number": "RV-2"})
    assert other.status == 409 and other.body["code"] == "review_decided"
    assert web.api("POST", path + "/discard", key=key).status == 409
    assert web.api("GET", "/v1/invoices/RV-2", key=key).status == 404
    invoice = api_get(web, "/v1/invoices/RV-1")
    assert (invoice["amount"], invoice["customer_id"]) == ("1190.00", "RV-K1")
    send_letters(web)  # the day's run: the completed invoice is dunned like the others
    letters = [e for e in api_get(web, "/v1/invoices/RV-1")["timeline"] if e.get("notice")]
    assert letters and letters[0]["notice"].startswith("RV-K1:")


def test_another_tenants_item_is_not_found_and_an_existing_number_is_named(web):
    web.upload("inbox/acme/invoices/ohne-nummer.pdf", NO_NUMBER)
    web.drain()
    rid = _review(web)["id"]
    beta = web.keys["beta"]
    assert web.api("GET", f"/v1/review/{rid}", key=beta).status == 404
    assert web.api("POST", f"/v1/review/{rid}", key=beta, body=FIELDS).status == 404
    assert web.api("POST", f"/v1/review/{rid}/discard", key=beta).status == 404
    assert api_get(web, "/v1/review", "beta")["items"] == []
    assert web.api("GET", "/v1/review/..%2F..%2Fx", key=beta).status == 404
    taken = web.api("POST", f"/v1/review/{rid}", key=web.keys["acme"], body={**FIELDS, "number": "R-1"})
    assert taken.status == 422 and [(e["field"], e["code"]) for e in taken.body["errors"]] == [
        ("number", "exists")]
    assert web.api("POST", f"/v1/review/{rid}/discard", key=web.keys["acme"]).body["status"] == "discarded"
    assert api_get(web, "/v1/review?status=open")["items"] == []


def _form_value(body: str, name: str) -> str:
    import re
    from html import unescape

    found = re.search(rf'<input[^>]* name="{name}"[^>]*value="([^"]*)"', body)
    return unescape(found.group(1)) if found else ""


def test_the_dashboard_shows_the_pdf_beside_a_prefilled_form_and_imports_it(web):
    from .test_web import Browser, text

    web.upload("inbox/acme/invoices/ohne-nummer.pdf", NO_NUMBER)
    web.drain()
    rid = _review(web)["id"]
    browser = Browser(web, web.keys["acme"])
    listed = browser.get("/app/review")
    assert listed.status == 200 and "ohne-nummer.pdf" in listed.body
    assert 'data-review-open="1"' in listed.body  # the count beside "Zu prüfen"
    detail = browser.get(f"/app/review/{rid}")
    assert detail.status == 200
    assert "frame-src 'self'" in detail.headers["Content-Security-Policy"]
    assert f'src="/app/review/{rid}/pdf"' in detail.body and "PDF öffnen" in detail.body
    assert "nicht gefunden: Rechnungsnummer" in text(detail)
    assert (_form_value(detail.body, "number"), _form_value(detail.body, "amount"),
            _form_value(detail.body, "issue_date"), _form_value(detail.body, "name")) == (
        "", "1.190,00", "02.03.2026", "Müller Bau GmbH")
    pdf = browser.get(f"/app/review/{rid}/pdf")
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    # elsewhere the dashboard frames nothing
    assert "frame-src" not in browser.get("/app/invoices").headers["Content-Security-Policy"]
    form = {"number": "RV-9", "issue_date": "02.03.2026", "due_date": "", "amount": "zwölf",
            "open_amount": "", "currency": "EUR", "customer_id": "", "name": "Müller Bau GmbH",
            "email": "", "street": "Baustraße 7", "postal_code": "12345", "city": "Musterstadt",
            "country": "DE"}
    refused = browser.post(f"/app/review/{rid}", form)
    assert refused.status == 400
    assert 'id="err-amount">Kein gültiger Betrag – z. B. 1.234,56.<' in refused.body
    assert _form_value(refused.body, "number") == "RV-9" and _form_value(refused.body, "amount") == "zwölf"
    saved = browser.post(f"/app/review/{rid}", {**form, "amount": "1.190,00"})
    assert saved.status == 303 and "/app/invoices/RV-9" in saved.headers["Location"]
    assert "aus der Prüfliste übernommen" in text(browser.get(saved.headers["Location"]))
    assert api_get(web, "/v1/invoices/RV-9")["amount"] == "1190.00"
    other = Browser(web, web.keys["beta"])
    assert other.get(f"/app/review/{rid}").status == 404
    assert other.get(f"/app/review/{rid}/pdf").status == 404
