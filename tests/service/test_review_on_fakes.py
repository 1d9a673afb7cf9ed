"""The review list on the fakes: a PDF that cannot be read safely becomes one review item (with
what was found), the owner completes it through the typed invoice's checks, or discards it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from mahnwerk.domain.review import ReviewStatus
from mahnwerk.service.intake import ingest_object
from mahnwerk.service.invoice_ops import NotFound
from mahnwerk.service.mail import receive_raw, rotate_inbox
from mahnwerk.service.review import (
    ReviewDecided,
    complete_review,
    discard_review,
    get_review,
    open_count,
    review_document,
    review_page,
)
from mahnwerk.service.tenants import save_settings
from mahnwerk_local.hostile.payloads import text_pdf

from ..fakes import CONFIG, fake_context
from ..unit.test_pdf_invoice import GERMAN

AT = datetime(2026, 10, 20, 8, tzinfo=UTC)
NO_NUMBER = text_pdf([line for line in GERMAN if not line.startswith("Rechnungsnummer")])
FIELDS = {"number": "RE-2026-0042", "issue_date": "02.03.2026", "due_date": "16.03.2026",
          "amount": "1.190,00", "currency": "EUR", "customer_id": "K-4711", "name": "Müller Bau GmbH",
          "street": "Baustraße 7", "postal_code": "12345", "city": "Musterstadt",
          "email": "buchhaltung@mueller.example"}


def upload(ctx, tenant: str, name: str, data: bytes, version: str | None = None):
    key = f"inbox/{tenant}/invoices/{name}"
    ctx.store.put(key, data, "application/pdf")
    return ingest_object(ctx, key, version, AT)


def the_item(ctx, tenant: str):
    [item], cursor = review_page(ctx, tenant, None, None)
    assert cursor is None
    return item


def test_an_unreadable_pdf_becomes_one_review_item_with_what_was_found():
    ctx = fake_context()
    report = upload(ctx, "acme", "ohne-nummer.pdf", NO_NUMBER)
    assert report.rejected and not report.created
    item = the_item(ctx, "acme")
    assert report.review == [{"file": "ohne-nummer.pdf", "id": item.review_id}]
    assert (item.source, item.status, item.file_name) == ("upload", ReviewStatus.OPEN, "ohne-nummer.pdf")
    assert item.document_key == "inbox/acme/invoices/ohne-nummer.pdf"  # the original, kept
    assert item.found["amount"] == "1190.00" and item.found["name"] == "Müller Bau GmbH"
    assert "invoice number" in item.reason_en and "Rechnungsnummer" in item.reason_de
    assert review_document(ctx, "acme", item.review_id) == NO_NUMBER
    # the same file again (another name, another upload): still one item
    upload(ctx, "acme", "nochmal.pdf", NO_NUMBER)
    assert the_item(ctx, "acme").review_id == item.review_id and open_count(ctx, "acme") == 1


def test_a_scan_goes_to_review_too():
    ctx = fake_context()
    upload(ctx, "acme", "scan.pdf", text_pdf([]))
    item = the_item(ctx, "acme")
    assert item.found == {} and "Scan" in item.reason_de


def test_completing_imports_once_through_the_typed_invoice_checks():
    ctx = fake_context()
    upload(ctx, "acme", "ohne-nummer.pdf", NO_NUMBER)
    rid = the_item(ctx, "acme").review_id
    bad = complete_review(ctx, "acme", rid, {**FIELDS, "amount": "-5", "issue_date": "31.02.2026"}, AT)
    assert {p.field for p in bad.problems} == {"amount", "issue_date"}
    assert get_review(ctx, "acme", rid).status == ReviewStatus.OPEN and not ctx.invoices.invoices("acme")
    done = complete_review(ctx, "acme", rid, FIELDS, AT)
    assert done.created and not done.problems
    assert (done.item.status, done.item.invoice_number) == (ReviewStatus.IMPORTED, "RE-2026-0042")
    [invoice] = ctx.invoices.invoices("acme")
    assert invoice.number == "RE-2026-0042" and str(invoice.amount) == "1190.00"
    assert invoice.next_action_on is not None  # dunned like any other invoice
    again = complete_review(ctx, "acme", rid, FIELDS, AT)  # a double submit: same answer, nothing new
    assert not again.created and len(ctx.invoices.invoices("acme")) == 1
    with pytest.raises(ReviewDecided):
        complete_review(ctx, "acme", rid, {**FIELDS, "number": "RE-OTHER"}, AT)
    with pytest.raises(ReviewDecided):
        discard_review(ctx, "acme", rid, AT)
    assert len(ctx.invoices.invoices("acme")) == 1 and open_count(ctx, "acme") == 0


def test_an_existing_number_is_a_clear_field_error():
    ctx = fake_context()
    from mahnwerk.service.invoice_ops import import_invoices

    import_invoices(ctx, "acme", [{**FIELDS, "customer_id": "K-1"}], AT, "req-1")
    upload(ctx, "acme", "ohne-nummer.pdf", NO_NUMBER)
    rid = the_item(ctx, "acme").review_id
    result = complete_review(ctx, "acme", rid, FIELDS, AT)
    assert [(p.field, p.kind) for p in result.problems] == [("number", "exists")]
    assert get_review(ctx, "acme", rid).status == ReviewStatus.OPEN
    # the refused number holds nothing: another number imports
    assert complete_review(ctx, "acme", rid, {**FIELDS, "number": "RE-2026-0043"}, AT).created


def test_discard_and_tenant_isolation():
    ctx = fake_context()
    upload(ctx, "acme", "ohne-nummer.pdf", NO_NUMBER)
    rid = the_item(ctx, "acme").review_id
    for call in (lambda: get_review(ctx, "beta", rid),
                 lambda: complete_review(ctx, "beta", rid, FIELDS, AT),
                 lambda: discard_review(ctx, "beta", rid, AT),
                 lambda: review_document(ctx, "beta", rid),
                 lambda: get_review(ctx, "acme", "../" + rid)):
        with pytest.raises(NotFound):
            call()
    assert review_page(ctx, "beta", None, None) == ([], None)
    assert discard_review(ctx, "acme", rid, AT).status == ReviewStatus.DISCARDED
    assert discard_review(ctx, "acme", rid, AT).status == ReviewStatus.DISCARDED  # again: the same
    with pytest.raises(ReviewDecided):
        complete_review(ctx, "acme", rid, FIELDS, AT)
    assert not ctx.invoices.invoices("acme")


def test_a_mailed_pdf_goes_to_review_and_the_reply_links_the_review_list():
    ctx = fake_context(replace(CONFIG, inbox_domain="in.example", dashboard_url="https://d/app"))
    save_settings(ctx, "acme", {"company": {"name": "Acme", "email": "owner@acme.example"},
                                "sender_email": "mahnung@acme.example"}, AT)
    to = rotate_inbox(ctx, "acme", AT)
    m = EmailMessage()
    m["X-SES-Spam-Verdict"], m["X-SES-Virus-Verdict"] = "PASS", "PASS"
    m["Authentication-Results"] = "amazonses.com; spf=pass; dkim=pass; dmarc=pass"
    m["From"], m["To"], m["Subject"], m["Message-ID"] = "owner@acme.example", to, "Rechnung", "<r@x>"
    m.set_content("Anbei.")
    m.add_attachment(NO_NUMBER, maintype="application", subtype="pdf", filename="rechnung.pdf")
    receive_raw(ctx, m.as_bytes(), "mail/1", AT)
    item = the_item(ctx, "acme")
    assert item.source == "mail" and item.document_key.startswith("review/acme/")
    assert review_document(ctx, "acme", item.review_id) == NO_NUMBER
    [reply] = ctx.mailer.sent
    body = message_from_bytes(reply.raw, policy=policy.default).get_body().get_content()
    assert "https://d/app/review" in body and "Zu prüfen" in body


def test_two_completions_at_once_make_one_invoice():
    """Two tabs: the second completion (another number) finds the item claimed by the first,
    still in progress, and is refused; a refused import releases the claim."""
    ctx = fake_context()
    upload(ctx, "acme", "ohne-nummer.pdf", NO_NUMBER)
    rid = the_item(ctx, "acme").review_id
    assert ctx.reviews.claim_review("acme", rid, "RE-FIRST") == "RE-FIRST"  # the first, mid-way
    with pytest.raises(ReviewDecided):
        complete_review(ctx, "acme", rid, FIELDS, AT)
    assert not ctx.invoices.invoices("acme")
    ctx.reviews.release_review("acme", rid, "RE-FIRST")  # the first was refused meanwhile
    assert complete_review(ctx, "acme", rid, FIELDS, AT).created
    assert [i.number for i in ctx.invoices.invoices("acme")] == ["RE-2026-0042"]



def test_the_reject_report_names_the_review_list():
    ctx = fake_context()
    upload(ctx, "acme", "ohne-nummer.pdf", NO_NUMBER)
    text = ctx.store.get("rejected/acme/ohne-nummer.pdf.txt").decode()
    assert "zur Prüfung (Dashboard „Zu prüfen“) / on the review list: 1" in text
