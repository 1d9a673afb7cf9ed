"""The review list port: fake and DynamoDB adapter behave alike."""

from __future__ import annotations

from mahnwerk.domain.review import ReviewItem, ReviewStatus
from mahnwerk.service.bootstrap import Context


def item(tenant: str, review_id: str, **changes: object) -> ReviewItem:
    base = ReviewItem(tenant_id=tenant, review_id=review_id, document_key=f"inbox/{tenant}/invoices/a.pdf",
                      file_name="a.pdf", source="upload", created_at="2026-12-01T10:00:00+00:00",
                      reason_en="could not find invoice number", reason_de="nicht gefunden: Rechnungsnummer",
                      found={"amount": "119.00", "name": "Müller Bau GmbH"})
    return base.with_changes(**changes)


def rid(n: int) -> str:
    return f"{n:032x}"


def test_created_once_and_read_back(ctx: Context, tenant: str) -> None:
    assert ctx.reviews.add_review(item(tenant, rid(1)))
    assert not ctx.reviews.add_review(item(tenant, rid(1), file_name="again.pdf"))
    got = ctx.reviews.get_review(tenant, rid(1))
    assert got == item(tenant, rid(1))
    assert ctx.reviews.get_review(tenant, rid(2)) is None


def test_tenant_isolation(ctx: Context, tenant: str) -> None:
    ctx.reviews.add_review(item(tenant, rid(1)))
    other = tenant + "x"
    assert ctx.reviews.get_review(other, rid(1)) is None
    assert ctx.reviews.reviews(other, 10) == ([], "")
    assert ctx.reviews.count_open(other) == 0
    assert not ctx.reviews.decide_review(other, rid(1), ReviewStatus.DISCARDED, "2026-12-02")
    assert ctx.reviews.get_review(tenant, rid(1)).status == ReviewStatus.OPEN  # type: ignore[union-attr]


def test_pages_in_id_order_and_status_filter(ctx: Context, tenant: str) -> None:
    for n in range(5):
        ctx.reviews.add_review(item(tenant, rid(n)))
    first, cursor = ctx.reviews.reviews(tenant, 2)
    assert [i.review_id for i in first] == [rid(0), rid(1)] and cursor == rid(1)
    second, cursor = ctx.reviews.reviews(tenant, 2, cursor)
    assert [i.review_id for i in second] == [rid(2), rid(3)]
    last, cursor = ctx.reviews.reviews(tenant, 2, cursor)
    assert [i.review_id for i in last] == [rid(4)] and cursor == ""
    assert ctx.reviews.count_open(tenant) == 5
    assert ctx.reviews.decide_review(tenant, rid(1), ReviewStatus.IMPORTED, "2026-12-02T09:00:00", "RE-1")
    assert ctx.reviews.count_open(tenant) == 4
    opened, _ = ctx.reviews.reviews(tenant, 10, status=ReviewStatus.OPEN)
    assert rid(1) not in [i.review_id for i in opened] and len(opened) == 4
    done, _ = ctx.reviews.reviews(tenant, 10, status=ReviewStatus.IMPORTED)
    assert [(i.review_id, i.invoice_number) for i in done] == [(rid(1), "RE-1")]


def test_decided_once(ctx: Context, tenant: str) -> None:
    ctx.reviews.add_review(item(tenant, rid(7)))
    assert ctx.reviews.decide_review(tenant, rid(7), ReviewStatus.DISCARDED, "2026-12-02T09:00:00")
    assert not ctx.reviews.decide_review(tenant, rid(7), ReviewStatus.IMPORTED, "2026-12-02T09:01:00", "X")
    got = ctx.reviews.get_review(tenant, rid(7))
    assert got is not None and got.status == ReviewStatus.DISCARDED and got.invoice_number == ""


def test_one_number_holds_the_claim(ctx: Context, tenant: str) -> None:
    ctx.reviews.add_review(item(tenant, rid(9)))
    assert ctx.reviews.claim_review(tenant, rid(9), "RE-1") == "RE-1"
    assert ctx.reviews.claim_review(tenant, rid(9), "RE-1") == "RE-1"  # the same again: still held
    assert ctx.reviews.claim_review(tenant, rid(9), "RE-2") == "RE-1"  # another number: refused
    ctx.reviews.release_review(tenant, rid(9), "RE-2")  # not its claim: nothing changes
    assert ctx.reviews.claim_review(tenant, rid(9), "RE-2") == "RE-1"
    ctx.reviews.release_review(tenant, rid(9), "RE-1")
    assert ctx.reviews.claim_review(tenant, rid(9), "RE-2") == "RE-2"
    assert ctx.reviews.decide_review(tenant, rid(9), ReviewStatus.IMPORTED, "2026-12-02T09:00:00", "RE-2")
    assert ctx.reviews.claim_review(tenant, rid(9), "RE-3") == "RE-2"  # decided: held by its invoice
    assert ctx.reviews.claim_review(tenant, rid(10), "RE-1") == ""  # no such item
    assert ctx.reviews.claim_review(tenant + "x", rid(9), "RE-1") == ""  # another tenant's
