# ruff: noqa: F811 - the tests take the imported fixture ``api`` as their argument
"""The debtor's page (issue 17) on the embedded stack: the signed link (API, letters, revoking),
the page (white label, statement, PDFs, isolation across customers and tenants, erased customers),
and each answer's effect on the dunning schedule through the daily run: a promise kept, a promise
broken (the next level the next morning, saying so), a dispute (no letters), "already paid" (waits,
then asks the owner)."""

from __future__ import annotations

import email
import re
from email import policy as email_policy
from urllib.parse import urlencode, urlsplit

from mahnwerk.domain.model import InvoiceStatus
from mahnwerk.domain.portal import PAID_CLAIM_ASK
from mahnwerk.service import portal as portal_service

from ..conftest import berlin
from .test_api import SETTINGS, api, get, post  # noqa: F401

OWNER = SETTINGS["company"]["email"]


def link(stack, customer="K-1", tenant="acme"):
    answer = get(stack, f"/v1/customers/{customer}/portal-link", tenant=tenant)
    assert answer.status == 200, answer.body
    return urlsplit(answer.body["url"]).path


def page(stack, path, **query):
    return stack.api("GET", path, query=query, headers={"Content-Type": "text/html"})


def token(html):
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def answer(stack, path, kind, fields, tok=None):
    tok = tok or token(page(stack, path).body)
    body = urlencode([("token", tok), *fields])
    return stack.api("POST", f"{path}/{kind}", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})


def run(stack, day):
    stack.now = day
    stack.fire_schedule("DunningFunction", day)
    stack.drain()


def invoice(stack, number, tenant="acme"):
    with stack.service_context() as ctx:
        return ctx.invoices.get_invoice(tenant, number)


def notices(stack, customer="K-1", tenant="acme"):
    with stack.service_context() as ctx:
        return {n.notice_id: n for n in ctx.notices.notices_of_customer(tenant, customer)}


def letters_to(stack, to):
    found = []
    for raw in stack.sent_emails():
        message = email.message_from_bytes(raw, policy=email_policy.default)
        if to in str(message["To"]):
            found.append(message)
    return found


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


# --- the link and the page ---------------------------------------------------------------------

def test_the_link_opens_the_customers_page_in_the_tenants_name_only(api):
    path = link(api)
    assert re.fullmatch(r"/portal/acme/K-1/[A-Za-z0-9_-]{16}", path)
    assert link(api) == path  # the same link until revoked
    shown = page(api, path)
    assert shown.status == 200
    html = shown.body
    assert "Anna Schmidt" in html and "R-1" in html and "R-2" in html
    assert SETTINGS["company"]["name"] in html
    assert "mahnwerk" not in html.lower()  # white label
    assert "script" not in html.lower()
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]
    # another customer's invoices never show
    assert "R-3" not in html and "Ørsted" not in html
    english = page(api, path, lang="en").body
    assert "Open invoices" in english


def test_tampered_foreign_revoked_and_erased_links_are_one_404(api):
    path = link(api)
    other = link(api, "K-2")
    beta = link(api, "K-1", tenant="beta")
    sig = path.rsplit("/", 1)[1]
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    refused = [
        path.rsplit("/", 1)[0] + "/" + flipped,          # tampered
        "/portal/acme/K-2/" + sig,                        # K-1's signature on K-2
        "/portal/beta/K-1/" + sig,                        # acme's signature on beta's K-1
        "/portal/nobody/K-1/" + sig,                      # no such tenant
        path + "x",                                       # too long
        "/portal/acme/K-1",                               # no signature
    ]
    bodies = set()
    for bad in refused:
        shown = page(api, bad)
        assert shown.status == 404, bad
        bodies.add(shown.body)
    assert len(bodies) == 1  # no oracle: the same page for every refusal
    assert page(api, other).status == 200 and page(api, beta).status == 200
    assert "BR-1" in page(api, beta).body and "R-1<" not in page(api, beta).body.replace("BR-1", "")
    # revoked: the old link is gone, a new one works
    assert post(api, "/v1/customers/K-1/portal-link/revoke", {}).status == 200
    assert page(api, path).status == 404
    fresh = link(api)
    assert fresh != path and page(api, fresh).status == 200
    # erased (GDPR): no page
    assert post(api, "/v1/customers/K-2/erase",
                {"reason": "data_subject_request", "confirm": "K-2"}).status == 200
    assert page(api, other).status == 404
    assert get(api, "/v1/customers/K-2/portal-link").status == 404


def test_letters_print_the_link_and_the_page_serves_only_its_own_letters(api):
    run(api, berlin(2026, 11, 23, 6))
    sent = letters_to(api, "anna@example.org")
    assert sent
    url = link(api)
    # in acme's e-mail (and the PDF, same plan); beta's letter to the same address has beta's
    assert any(url in text_of(m) and "R-1" in text_of(m) for m in sent)
    assert not any(url in text_of(m) and "BR-1" in text_of(m) for m in sent)
    k1 = notices(api)
    assert k1
    notice_id = next(iter(k1))
    path = link(api)
    shown = page(api, f"{path}/letters/{notice_id}")
    assert shown.status == 200 and shown.headers["Content-Type"] == "application/pdf"
    k2_notice = next(iter(notices(api, "K-2")))
    assert page(api, f"{path}/letters/{k2_notice}").status == 404


# --- answers and the daily run ---------------------------------------------------------------------

def test_a_broken_promise_brings_the_next_level_the_next_morning_saying_so(api):
    run(api, berlin(2026, 11, 23, 6))  # K-1: L1 for R-1, next level due 7.12.
    assert invoice(api, "R-1").level == 1
    api.now = berlin(2026, 11, 24, 12)
    path = link(api)
    done = answer(api, path, "promise", [("invoice", "R-1"), ("until", "2026-11-28")])
    assert done.status == 303, done.body
    held = invoice(api, "R-1")
    assert str(held.paused_until) == "2026-11-28" and str(held.next_action_on) == "2026-11-29"
    assert api.published_events("PromiseMade")
    # a second promise for the same invoice is refused, in German, at the field
    again = answer(api, path, "promise", [("invoice", "R-1"), ("until", "2026-11-27")])
    assert again.status == 400 and "bereits eine Zahlung zugesagt" in again.body
    for day in (25, 26, 27, 28):
        run(api, berlin(2026, 11, day, 6))
    assert invoice(api, "R-1").level == 1  # held
    run(api, berlin(2026, 11, 29, 6))
    assert api.published_events("PromiseBroken")
    assert invoice(api, "R-1").level == 2  # the next level, within the cooldown
    letter = [m for m in letters_to(api, "anna@example.org") if "R-1" in text_of(m)
              and "BR-1" not in text_of(m)][-1]
    assert "Zahlungszusage wurde damit nicht eingehalten" in text_of(letter)
    assert "28.11.2026" in text_of(letter)
    run(api, berlin(2026, 11, 30, 6))
    assert invoice(api, "R-1").level == 2  # exactly one letter
    assert len([n for n in notices(api) if ":L2" in n]) == 1


def test_a_kept_promise_ends_without_a_letter(api):
    run(api, berlin(2026, 11, 23, 6))
    api.now = berlin(2026, 11, 24, 12)
    assert answer(api, link(api), "promise",
                  [("invoice", "R-1"), ("until", "2026-11-28")]).status == 303
    api.now = berlin(2026, 11, 26, 12)
    assert post(api, "/v1/payments", {"amount": "100.00", "booking_date": "2026-11-26",
                                      "invoices": ["R-1"]}).status == 200
    before = len(letters_to(api, "anna@example.org"))
    run(api, berlin(2026, 11, 29, 6))
    assert api.published_events("PromiseKept") and not api.published_events("PromiseBroken")
    assert invoice(api, "R-1").status is InvoiceStatus.PAID
    assert len(letters_to(api, "anna@example.org")) == before


def test_a_dispute_stops_dunning_and_tells_the_owner(api):
    api.now = berlin(2026, 11, 22, 12)
    path = link(api)
    done = answer(api, path, "dispute", [("invoice", "R-1"), ("reason", "amount_wrong"),
                                         ("text", "Die Menge stimmt nicht.")])
    assert done.status == 303, done.body
    assert invoice(api, "R-1").status is InvoiceStatus.DISPUTED
    events = api.published_events("DisputeOpened")
    assert events and "Menge" not in str(events)  # no free text (personal data) in events
    run(api, berlin(2026, 11, 23, 6))
    assert not notices(api)  # R-2 not overdue yet, R-1 disputed: no letter
    with api.service_context() as ctx:
        timeline = ctx.invoices.events("acme", "R-1")
        assert any(e.get("kind") == "disputed" for e in timeline)
        assert portal_service.inbox(ctx, "acme")[0]["kind"] == "dispute"
    assert any("Einwand" in str(m["Subject"]) for m in letters_to(api, OWNER))
    # erased (GDPR): the answer leaves the owner's list, its free text the timeline
    assert post(api, "/v1/customers/K-1/erase",
                {"reason": "data_subject_request", "confirm": "K-1"}).status == 200
    with api.service_context() as ctx:
        assert portal_service.inbox(ctx, "acme") == []
        assert "Menge" not in str(ctx.invoices.events("acme", "R-1"))


def test_already_paid_waits_for_the_bank_then_asks_the_owner(api):
    api.now = berlin(2026, 11, 22, 12)
    path = link(api)
    bad = answer(api, path, "paid", [("invoice", "R-1"), ("paid_on", "2026-11-21"),
                                     ("amount", "zwölf")])
    assert bad.status == 400 and "Betrag wie 119,00" in bad.body
    done = answer(api, path, "paid", [("invoice", "R-1"), ("paid_on", "2026-11-21"),
                                      ("amount", "100,00")])
    assert done.status == 303, done.body
    assert api.published_events("PaymentClaimed")
    for day in range(23, 28):  # paid_claim_days 5: until 27.11.
        run(api, berlin(2026, 11, day, 6))
    assert not notices(api)
    run(api, berlin(2026, 11, 28, 6))
    held = invoice(api, "R-1")
    assert held.pause_reason == PAID_CLAIM_ASK and held.level == 0  # the owner decides
    assert not notices(api)
    assert any("nicht gefunden" in str(m["Subject"]) for m in letters_to(api, OWNER))


def test_answers_need_the_links_form_token(api):
    path = link(api)
    beta_token = token(page(api, link(api, "K-1", tenant="beta")).body)
    refused = answer(api, path, "promise", [("invoice", "R-1"), ("until", "2026-11-28")],
                     tok=beta_token)
    assert refused.status == 403
    assert invoice(api, "R-1").paused_until is None
    foreign = answer(api, path, "promise", [("invoice", "R-3"), ("until", "2026-11-28")])
    assert foreign.status == 400  # another customer's invoice cannot be named
    assert invoice(api, "R-3").paused_until is None


# --- the owner's side in the dashboard ---------------------------------------------------------------

def test_the_owner_sees_the_answers_and_revokes_the_link_in_the_dashboard(api):
    from .test_web import Browser, text

    api.now = berlin(2026, 11, 22, 12)
    path = link(api)
    assert answer(api, path, "promise", [("invoice", "R-1"), ("until", "2026-11-30")]).status == 303
    browser = Browser(api, api.keys["acme"])
    overview = browser.get("/app/")
    assert 'data-portal-answers="1"' in overview.body
    answers = text(browser.get("/app/portal-answers"))
    assert "K-1" in answers and "sagt Zahlung zu bis 30.11.2026" in answers and "R-1" in answers
    customer = browser.get("/app/customers/K-1")
    assert path in customer.body
    revoked = browser.post("/app/customers/K-1/portal-link/revoke", {})
    assert revoked.status == 303
    assert page(api, path).status == 404
    assert link(api) in browser.get("/app/customers/K-1").body
    assert browser.post("/app/portal-answers/clear", {}).status == 303
    assert "Keine neuen Antworten" in text(browser.get("/app/portal-answers"))
    # beta's owner sees none of acme's answers
    other = Browser(api, api.keys["beta"])
    assert "K-1" not in text(other.get("/app/portal-answers")).replace("Keine", "")
