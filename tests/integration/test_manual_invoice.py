"""One invoice by hand in the dashboard (issue 15, point 2): the checks of a CSV row with each
refused field in German at its input and everything else kept, imported exactly as
``POST /v1/invoices`` (timeline "Rechnung übernommen", one InvoiceReceived), a double submit
creates one invoice, and a picked customer keeps all its data."""

from __future__ import annotations

import re
from html import unescape

from . import test_web
from .test_customer_master import ANNA, master_of
from .test_web import Browser, text

web = test_web.web


def _token(body: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', body).group(1)


def _value(body: str, name: str) -> str:
    found = re.search(rf'<input[^>]* name="{name}"[^>]*value="([^"]*)"', body)
    return unescape(found.group(1)) if found else ""


def _error(body: str, name: str) -> str:
    found = re.search(rf'<span class="field-note err" id="err-{name}">([^<]*)</span>', body)
    return unescape(found.group(1)) if found else ""


def _api(web, path):
    return web.api("GET", path, key=web.keys["acme"]).body


def test_an_invoice_for_a_known_customer_is_imported_once_and_erases_nothing(web):
    browser = Browser(web, web.keys["acme"])
    page = browser.get("/app/new-invoice")
    assert page.status == 200 and 'value="K-1"' in page.body  # the known customers to pick
    form = {"token": _token(page.body), "customer_mode": "existing", "customer_id": "K-1",
            # typed under "new customer" before switching back: never written over K-1
            "name": "", "email": "", "street": "", "postal_code": "", "city": "", "country": "DE",
            "consumer": "nein",
            "number": "H-1", "issue_date": "20.11.2026", "due_date": "", "terms_days": "10",
            "amount": "1.190,00", "text": "Heizungswartung Nov."}
    saved = browser.post("/app/new-invoice", form)
    assert saved.status == 303, text(saved)[:600]
    shown = browser.get(saved.headers["Location"])
    assert "Die Rechnung ist übernommen." in text(shown)
    assert "Rechnung übernommen" in text(shown) and "Heizungswartung Nov." in text(shown)
    again = browser.post("/app/new-invoice", form)  # a double submit
    assert again.status == 303 and again.headers["Location"] == saved.headers["Location"]
    h1 = _api(web, "/v1/invoices/H-1")
    assert (h1["customer_id"], h1["amount"], h1["issue_date"], h1["due_date"],
            h1["due_date_source"]) == ("K-1", "1190.00", "2026-11-20", "2026-11-30", "terms")
    kinds = [e["kind"] for e in h1["timeline"]]
    assert kinds.count("received") == 1 and kinds.count("note") == 1
    k1 = _api(web, "/v1/customers/K-1")
    assert master_of(k1) == ANNA and k1["timeline"] == []


def test_a_refused_entry_names_each_field_in_german_and_keeps_the_rest(web):
    browser = Browser(web, web.keys["acme"])
    token = _token(browser.get("/app/new-invoice").body)
    typed = {"token": token, "customer_mode": "new", "new_customer_id": "", "name": "Neu GmbH",
             "email": "neu@example.org", "street": "Ring 2", "postal_code": "50667", "city": "Köln",
             "country": "DE", "consumer": "nein", "number": "H-2", "issue_date": "31.11.2026",
             "due_date": "", "terms_days": "", "amount": "zwölf", "text": "Montage"}
    refused = browser.post("/app/new-invoice", typed)
    assert refused.status == 400
    body = refused.body
    assert _error(body, "issue_date") == "Kein gültiges Datum – z. B. 31.12.2026."
    assert _error(body, "amount") == "Kein gültiger Betrag – z. B. 1.234,56."
    assert _error(body, "number") == ""  # only the refused fields are marked
    assert "not a date" not in body and "not a number" not in body  # no English in the page
    for name in ("name", "email", "street", "postal_code", "city", "number", "issue_date", "amount"):
        assert _value(body, name) == typed[name], name
    assert "Montage" in body and _token(body) == token
    assert web.api("GET", "/v1/invoices/H-2", key=web.keys["acme"]).status == 404  # nothing stored
    fixed = browser.post("/app/new-invoice", {**typed, "issue_date": "30.11.2026", "amount": "99,50"})
    assert fixed.status == 303, text(fixed)[:600]
    h2 = _api(web, "/v1/invoices/H-2")
    customer = _api(web, f"/v1/customers/{h2['customer_id']}")
    assert customer["name"] == "Neu GmbH" and customer["address"]["city"] == "Köln"
    assert h2["amount"] == "99.50" and h2["due_date_source"] == "default_terms"


def test_a_number_in_use_a_formula_and_a_missing_customer_are_refused(web):
    browser = Browser(web, web.keys["acme"])
    token = _token(browser.get("/app/new-invoice").body)
    base = {"token": token, "customer_mode": "existing", "customer_id": "K-1", "number": "R-1",
            "issue_date": "20.11.2026", "amount": "10,00"}
    taken = browser.post("/app/new-invoice", base)  # R-1 came by the API: not overwritten
    assert taken.status == 400 and _error(taken.body, "number") == "Diese Rechnungsnummer gibt es schon."
    formula = browser.post("/app/new-invoice", {**base, "customer_mode": "new", "number": "H-3",
                                                "name": "=HYPERLINK(\"x\")"})
    assert formula.status == 400 and "Tabellenformel" in _error(formula.body, "name")
    nobody = browser.post("/app/new-invoice", {**base, "number": "H-4", "customer_id": ""})
    assert nobody.status == 400
    assert _error(nobody.body, "customer_id") == "Bitte einen Kunden aus der Liste wählen."
    other = browser.post("/app/new-invoice", {**base, "number": "H-5", "customer_id": "BK-1"})
    assert other.status == 400  # another tenant's customer is no customer here
    negative = browser.post("/app/new-invoice", {**base, "number": "H-6", "amount": "-5,00"})
    assert negative.status == 400 and "positiv" in _error(negative.body, "amount")
    for n in ("H-3", "H-4", "H-5", "H-6"):
        assert web.api("GET", f"/v1/invoices/{n}", key=web.keys["acme"]).status == 404
