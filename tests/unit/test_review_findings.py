"""A PDF that goes to review carries what was read from it (to prefill the review form)."""

from mahnwerk.domain.review import split_reason
from mahnwerk.intake.pdf_invoice import parse_invoice_pdf
from mahnwerk_local.hostile.payloads import text_pdf

from .test_pdf_invoice import GERMAN


def test_a_pdf_without_a_number_goes_to_review_with_what_was_found():
    lines = [line for line in GERMAN if not line.startswith("Rechnungsnummer")]
    result = parse_invoice_pdf(text_pdf(lines), "ohne-nummer.pdf", "t1", 14)
    assert not result.records and len(result.rejects) == 1
    [review] = result.reviews
    assert review.file == "ohne-nummer.pdf" and review.reason == result.rejects[0].reason
    assert "number" not in review.found
    assert review.found["issue_date"] == "2026-03-02"
    assert review.found["due_date"] == "2026-03-16"
    assert review.found["amount"] == "1190.00"
    assert review.found["name"] == "Müller Bau GmbH"
    assert review.found["customer_id"] == "K-4711"
    assert review.found["currency"] == "EUR"


def test_a_scan_goes_to_review_with_nothing_found():
    result = parse_invoice_pdf(text_pdf([]), "scan.pdf", "t1", 14)
    [review] = result.reviews
    assert review.found == {} and "Scan" in split_reason(review.reason)[1]


def test_a_hostile_pdf_is_refused_not_reviewed():
    data = text_pdf(GERMAN).replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (x) >>")
    result = parse_invoice_pdf(data, "js.pdf", "t1", 14)
    assert result.rejects and not result.reviews
