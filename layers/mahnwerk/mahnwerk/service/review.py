"""Use cases of the review list: a file that is safe but could not be read for sure becomes a
review item (once per file); the owner completes it (the invoice imported through the very checks
of a typed invoice, ``invoice_ops.enter_invoice``) or discards it.

Exactly once: an item's id is the file's digest (the same file twice is one item), its decision
is a conditional write (open → imported | discarded), and the invoice is written under the
item's own form token, so a second "import" of the same item finds the invoice it created and
creates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..domain.model import DomainError
from ..domain.review import ReviewItem, ReviewStatus, split_reason, valid_review_id
from ..intake.result import ReviewNeeded
from .bootstrap import Context
from .intake import ImportReport
from .invoice_ops import FieldProblem, NotFound, enter_invoice, invoice_problems
from .tenants import load_settings

#: the fields a review is completed with (the names of a typed invoice's fields)
FORM_FIELDS = ("number", "issue_date", "due_date", "amount", "open_amount", "currency",
               "customer_id", "name", "email", "street", "postal_code", "city", "country")
MAX_PAGE = 200
DEFAULT_PAGE = 50


class ReviewDecided(DomainError):
    """The item was imported or discarded already (another decision than this one)."""

    code, status, message = "review_decided", 409, "the review item was decided already"


class ReviewNotFound(NotFound):
    code, status, message = "review_not_found", 404, "review item not found"


def source_of(key: str) -> str:
    if key.startswith("mail/"):
        return "mail"
    if key.startswith("api/"):
        return "api"
    return "upload"


def record_reviews(ctx: Context, report: ImportReport, reviews: list[ReviewNeeded], key: str,
                   version_id: str | None, at: datetime, data: bytes | None = None) -> None:
    """A review item per file that went to review (none twice: the id is the file's digest). An
    upload's original stays where it is (``inbox/``, its version); a file that came otherwise (an
    e-mail attachment) is kept as a copy under ``review/``."""
    for needed in reviews:
        if not valid_review_id(needed.digest):
            continue
        document_key, version = key, version_id or ""
        if data is not None or not key.startswith("inbox/"):
            document_key, version = f"review/{report.tenant_id}/{needed.digest}.pdf", ""
            if data is not None and not ctx.store.exists(document_key):
                ctx.store.put(document_key, data, "application/pdf")
        english, german = split_reason(needed.reason)
        ctx.reviews.add_review(ReviewItem(
            tenant_id=report.tenant_id, review_id=needed.digest, document_key=document_key,
            document_version=version, file_name=needed.file[:200], source=source_of(key),
            created_at=at.isoformat(), reason_en=english[:2000], reason_de=german[:2000],
            found=dict(needed.found)))
        report.review.append({"file": needed.file, "id": needed.digest})


def review_page(ctx: Context, tenant: str, limit: int | None, cursor: str | None,
                status: str | None = None) -> tuple[list[ReviewItem], str | None]:
    size = DEFAULT_PAGE if limit is None else max(1, min(limit, MAX_PAGE))
    after = cursor or ""
    if after and not valid_review_id(after):
        raise DomainError("cursor is not valid")
    wanted = ReviewStatus(status) if status else None
    items, next_id = ctx.reviews.reviews(tenant, size, after, wanted)
    return items, next_id or None


def open_count(ctx: Context, tenant: str) -> int:
    return ctx.reviews.count_open(tenant)


def get_review(ctx: Context, tenant: str, review_id: str) -> ReviewItem:
    """The tenant's item, or ReviewNotFound (another tenant's id is not found either)."""
    item = ctx.reviews.get_review(tenant, review_id) if valid_review_id(review_id) else None
    if item is None:
        raise ReviewNotFound(f"review item {review_id[:40]} not found")
    return item


def review_document(ctx: Context, tenant: str, review_id: str) -> bytes:
    """The original PDF of the tenant's item."""
    item = get_review(ctx, tenant, review_id)
    return ctx.store.get(item.document_key, item.document_version or None,
                         max_bytes=ctx.config.max_upload_bytes)


@dataclass(frozen=True)
class Completion:
    item: ReviewItem
    problems: list[FieldProblem]
    #: the invoice was created by this call (False: found as imported before)
    created: bool = False


def complete_review(ctx: Context, tenant: str, review_id: str, fields: Mapping[str, str],
                    at: datetime) -> Completion:
    """The owner's fields → the invoice, through the checks of a typed invoice (every refused
    field named); the item then says imported with the invoice number. Completing an imported
    item again with the same number answers the same; another number, or a discarded item, is
    ReviewDecided. A number that exists already (from another source) is a field problem."""
    item = get_review(ctx, tenant, review_id)
    row = {name: str(fields.get(name) or "").strip() for name in FORM_FIELDS}
    if item.status == ReviewStatus.IMPORTED:
        if row["number"] == item.invoice_number:
            return Completion(item, [])
        raise ReviewDecided(f"review item {review_id} was imported as invoice {item.invoice_number}")
    if item.status == ReviewStatus.DISCARDED:
        raise ReviewDecided(f"review item {review_id} was discarded")
    terms = load_settings(ctx, tenant).policy.payment_terms_days
    problems = invoice_problems(row, tenant, terms)
    if problems:
        return Completion(item, problems)
    number = row["number"]
    # one number per item, even for two completions at once (two tabs): the first holds it
    held = ctx.reviews.claim_review(tenant, review_id, number)
    if held != number:
        item = get_review(ctx, tenant, review_id)
        if item.status == ReviewStatus.IMPORTED and item.invoice_number == number:
            return Completion(item, [])
        raise ReviewDecided(f"review item {review_id} is being imported as invoice {held}" if held
                            else f"review item {review_id} was decided meanwhile")
    report, problems = enter_invoice(ctx, tenant, row, at, f"review-{review_id}")
    if problems or report is None:
        ctx.reviews.release_review(tenant, review_id, number)
        return Completion(item, problems)
    if not ctx.reviews.decide_review(tenant, review_id, ReviewStatus.IMPORTED, at.isoformat(), number):
        item = get_review(ctx, tenant, review_id)  # decided meanwhile by another request
        if item.status == ReviewStatus.IMPORTED and item.invoice_number == number:
            return Completion(item, [])
        raise ReviewDecided(f"review item {review_id} was decided meanwhile")
    created = number in report.created
    if created:
        ctx.invoices.add_event(tenant, number, "note", at, {
            "reason": f"aus der Prüfliste übernommen / imported from the review list: {item.file_name}",
            "by": "review"})
    return Completion(get_review(ctx, tenant, review_id), [], created)


def discard_review(ctx: Context, tenant: str, review_id: str, at: datetime) -> ReviewItem:
    """Open → discarded (the original is kept); discarding again answers the same."""
    item = get_review(ctx, tenant, review_id)
    if item.status == ReviewStatus.DISCARDED:
        return item
    if item.status == ReviewStatus.IMPORTED or not ctx.reviews.decide_review(
            tenant, review_id, ReviewStatus.DISCARDED, at.isoformat()):
        item = get_review(ctx, tenant, review_id)
        if item.status != ReviewStatus.DISCARDED:
            raise ReviewDecided(f"review item {review_id} was imported as invoice {item.invoice_number}")
    return get_review(ctx, tenant, review_id)


def review_json(item: ReviewItem) -> dict[str, object]:
    return {
        "id": item.review_id, "file": item.file_name, "source": item.source,
        "status": item.status.value, "created_at": item.created_at,
        "reasons": {"en": item.reason_en, "de": item.reason_de}, "found": dict(item.found),
        "invoice_number": item.invoice_number or None, "decided_at": item.decided_at or None,
    }
