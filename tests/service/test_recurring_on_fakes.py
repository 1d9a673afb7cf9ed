"""Recurring invoices on the fakes: templates refused with field and reason, the daily run issues
each period once with gap-free numbers, catches up missed periods, honours pause and end, queues
the sends again after a crash, and the CSV import of templates."""

from __future__ import annotations

import copy
import email
import email.policy
from datetime import date, timedelta

import pytest

from mahnwerk.domain.model import ERASED_NAME_PREFIX, Customer
from mahnwerk.domain.recurring_templates import TemplateInvalid
from mahnwerk.service import recurring
from mahnwerk.service.runs import plan_tenant

from ..conftest import berlin
from .harness import SETTINGS, Harness, fake


def setup(fmt: str | None = None) -> Harness:
    h = fake()
    settings = copy.deepcopy(SETTINGS)
    if fmt:
        settings["invoicing"] = {"number_format": fmt}
    h.settings(document=settings)
    h.ctx.customers.put_customer(Customer("acme", "K-1", "Anna Schmidt", email="anna@example.org"))
    return h


def template(h: Harness, **fields: object):  # type: ignore[no-untyped-def]
    raw = {"customer_id": "K-1", "line_text": "Wartung Heizungsanlage", "amount": "119,00",
           "interval": "monthly", "day": "5", "start": "2026-01-05", **fields}
    return recurring.create_template(h.ctx, "acme", raw, berlin(2026, 1, 2, 9))


def run(h: Harness, day: date) -> None:
    """The daily run of ``day`` and the notice worker until the queue is empty."""
    at = berlin(day.year, day.month, day.day)
    plan_tenant(h.ctx, "acme", day, at)
    for _ in range(10):
        messages = h.take()
        if not messages:
            return
        for message in messages:
            h.handle(message)


def numbers(h: Harness) -> list[str]:
    return sorted(i.number for i in h.ctx.invoices.invoices("acme"))


@pytest.mark.parametrize("fields, field, code", [
    ({"amount": "0"}, "amount", "not_positive"),
    ({"amount": "-5"}, "amount", "not_positive"),
    ({"interval": "weekly"}, "interval", "invalid_interval"),
    ({"day": "29"}, "day", "invalid_day"),
    ({"day": "0"}, "day", "invalid_day"),
    ({"start": "2025-10-01"}, "start", "start_too_early"),
    ({"end": "2025-12-31"}, "end", "end_before_start"),
    ({"count": "0"}, "count", "count_too_small"),
    ({"vat": "16"}, "vat", "invalid_vat"),
    ({"customer_id": "K-404"}, "customer_id", "unknown_customer"),
])
def test_bad_input_is_refused_with_the_field_and_reason(fields, field, code):
    h = setup()
    with pytest.raises(TemplateInvalid) as refused:
        template(h, **fields)
    assert [(p.field, p.kind) for p in refused.value.problems] == [(field, code)]
    assert h.ctx.recurring.templates("acme") == []


def test_a_template_for_an_erased_customer_is_refused():
    h = setup()
    h.ctx.customers.put_customer(Customer("acme", "K-9", f"{ERASED_NAME_PREFIX}K-9"))
    with pytest.raises(TemplateInvalid) as refused:
        template(h, customer_id="K-9")
    assert refused.value.details()["errors"] == [
        {"field": "customer_id", "code": "erased_customer",
         "message": "the customer's data was erased (GDPR)"}]


def test_every_refused_field_is_named_at_once():
    h = setup()
    with pytest.raises(TemplateInvalid) as refused:
        recurring.create_template(h.ctx, "acme", {"amount": "x", "interval": "daily", "day": "32"},
                                  berlin(2026, 1, 2))
    assert {p.field for p in refused.value.problems} == {
        "customer_id", "line_text", "amount", "interval", "day", "start"}


def test_the_run_issues_each_period_once_with_gap_free_numbers_and_sends_them():
    h = setup()
    t = template(h)
    run(h, date(2026, 1, 5))
    run(h, date(2026, 1, 5))  # retried: nothing twice
    run(h, date(2026, 1, 6))
    assert numbers(h) == ["RE-2026-00001"]
    # an outage of three months: March and April are caught up once each on 10.04.
    run(h, date(2026, 2, 5))
    run(h, date(2026, 4, 10))
    run(h, date(2026, 4, 10))
    assert numbers(h) == ["RE-2026-00001", "RE-2026-00002", "RE-2026-00003", "RE-2026-00004"]
    stored = h.ctx.recurring.get_template("acme", t.template_id)
    assert stored is not None and stored.created == {0, 1, 2, 3} and stored.pending == ()
    invoice = h.ctx.invoices.get_invoice("acme", "RE-2026-00004")
    assert invoice is not None and invoice.issue_date == date(2026, 4, 10)
    assert invoice.due_date == date(2026, 4, 10) + timedelta(days=14)
    assert invoice.amount == invoice.open_amount == 119 and invoice.next_action_on is not None
    # each one went out by email once, with the template's text and its billing period
    mails = [email.message_from_bytes(raw, policy=email.policy.default) for raw in h.emails()]
    assert sorted(m["Subject"] for m in mails if m["Subject"].startswith("Rechnung")) == [
        f"Rechnung RE-2026-0000{i}" for i in range(1, 5)]
    # and they are dunned like any invoice (the first ones are overdue by April)
    assert any(m["Subject"].startswith("1. Mahnung") for m in mails)
    sends = {n: h.ctx.invoice_sends.get_invoice_send("acme", n) for n in numbers(h)}
    assert all(s is not None and s.status == "sent" for s in sends.values())
    events = h.ctx.invoices.events("acme", "RE-2026-00003")
    assert [e["period_label"] for e in events if e["kind"] == "recurring_issued"] == ["03/2026"]


def test_the_invoice_carries_the_templates_text_period_and_vat():
    from mahnwerk.letters.einvoice_out import outgoing_invoice
    from mahnwerk.service.tenants import load_settings

    h = setup()
    t = template(h, vat="7", interval="quarterly", line_text="Wartungsvertrag")
    run(h, date(2026, 1, 5))
    invoice = h.ctx.invoices.get_invoice("acme", "RE-2026-00001")
    customer = h.ctx.customers.get_customer("acme", "K-1")
    assert invoice is not None and customer is not None
    settings = recurring.document_settings(h.ctx, load_settings(h.ctx, "acme"), t.template_id, 0)
    doc = outgoing_invoice(invoice, customer, settings)
    assert doc.line_text == "Wartungsvertrag (01/2026–03/2026)"
    assert (doc.totals.rate, doc.totals.category, str(doc.totals.net)) == (7, "S", "111.21")


def test_a_paused_template_issues_nothing_and_resuming_skips_the_paused_periods():
    h = setup()
    t = template(h)
    run(h, date(2026, 1, 5))
    recurring.set_status(h.ctx, "acme", t.template_id, "paused", berlin(2026, 1, 20))
    run(h, date(2026, 2, 5))
    run(h, date(2026, 3, 5))
    assert numbers(h) == ["RE-2026-00001"]
    recurring.set_status(h.ctx, "acme", t.template_id, "active", berlin(2026, 3, 10))
    run(h, date(2026, 3, 10))
    assert numbers(h) == ["RE-2026-00001"]  # February and March fell into the pause
    run(h, date(2026, 4, 5))
    assert numbers(h) == ["RE-2026-00001", "RE-2026-00002"]
    timeline = h.ctx.recurring.template_events("acme", t.template_id)
    assert [e["kind"] for e in timeline] == ["template_created", "template_paused",
                                             "template_resumed"]
    assert timeline[2]["skipped"] == [1, 2]


def test_an_ended_template_issues_nothing_more_and_cannot_be_changed():
    h = setup()
    t = template(h)
    run(h, date(2026, 1, 5))
    recurring.set_status(h.ctx, "acme", t.template_id, "ended", berlin(2026, 1, 6))
    run(h, date(2026, 6, 5))
    assert numbers(h) == ["RE-2026-00001"]
    with pytest.raises(TemplateInvalid):
        recurring.change_template(h.ctx, "acme", t.template_id, {"status": "active"},
                                  berlin(2026, 1, 7))
    assert [e["kind"] for e in h.ctx.recurring.template_events("acme", t.template_id)][-1] == \
        "template_ended"


def test_count_and_end_stop_issuing():
    h = setup()
    template(h, count="2")
    template(h, end="2026-02-28", day="last", start="2026-01-01")
    run(h, date(2026, 5, 31))
    # the first: 05.01. and 05.02.; the second: 31.01. and 28.02.
    assert len(numbers(h)) == 4


def test_the_number_range_follows_the_format_and_restarts_every_year():
    h = setup("INV-{yy}{mm}-{seq:03}")
    template(h, start="2026-11-05", interval="monthly")
    h.ctx.settings_cache.clear()
    run(h, date(2026, 11, 5))
    run(h, date(2026, 12, 5))
    run(h, date(2027, 1, 5))
    assert numbers(h) == ["INV-2611-001", "INV-2612-002", "INV-2701-001"]


def test_a_number_taken_by_an_imported_invoice_is_skipped_never_overwritten():
    from mahnwerk.domain.model import Invoice

    h = setup()
    h.ctx.invoices.create_invoice(Invoice("acme", "RE-2026-00001", "K-1", date(2026, 1, 1),
                                          date(2026, 1, 15), 50, 50), "import.csv")
    template(h)
    run(h, date(2026, 1, 5))
    assert numbers(h) == ["RE-2026-00001", "RE-2026-00002"]
    imported = h.ctx.invoices.get_invoice("acme", "RE-2026-00001")
    assert imported is not None and imported.amount == 50


def test_sends_lost_by_a_crash_after_the_transaction_are_queued_by_the_next_run(monkeypatch):
    h = setup()
    template(h)
    real = recurring._queue_sends

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the worker died after the transaction")

    monkeypatch.setattr(recurring, "_queue_sends", crash)
    with pytest.raises(RuntimeError):
        recurring.run_tenant(h.ctx, "acme", date(2026, 1, 5), berlin(2026, 1, 5))
    monkeypatch.setattr(recurring, "_queue_sends", real)
    assert numbers(h) == ["RE-2026-00001"] and h.emails() == []
    run(h, date(2026, 1, 5))  # SQS redelivers the message
    assert numbers(h) == ["RE-2026-00001"] and len(h.emails()) == 1


def test_patch_changes_only_the_fields_sent():
    h = setup()
    t = template(h, count="12", terms_days="30")
    changed = recurring.change_template(h.ctx, "acme", t.template_id, {"amount": "150"},
                                        berlin(2026, 1, 3))
    assert (str(changed.amount), changed.count, changed.terms_days, changed.line_text) == (
        "150.00", 12, 30, "Wartung Heizungsanlage")
    with pytest.raises(TemplateInvalid) as refused:
        recurring.change_template(h.ctx, "acme", t.template_id, {"interval": "daily"},
                                  berlin(2026, 1, 3))
    assert refused.value.problems[0].field == "interval"


def test_csv_import_creates_valid_rows_and_reports_each_refused_one():
    h = setup()
    data = ("Kundennummer;Leistung;Betrag;USt;Intervall;Tag;Beginn;Anzahl\n"
            "K-1;Wartung;119,00;19;monatlich;1;01.02.2026;12\n"
            "K-1;Hosting;20,00;§19;vierteljährlich;letzter;01.02.2026;\n"
            "K-2;Webseite;0;19;monatlich;1;01.02.2026;\n").encode()
    report = recurring.import_templates(h.ctx, "acme", data, berlin(2026, 1, 20))
    assert len(report["created"]) == 2
    [refused] = report["rejected"]
    assert refused["line"] == 4
    assert {e["field"] for e in refused["errors"]} == {"customer_id", "amount"}
    assert recurring.is_template_header(data.decode().splitlines()[0].split(";"))
    vats = sorted(t.vat for t in h.ctx.recurring.templates("acme"))
    assert vats == ["19", "small_business"]


def test_an_uploaded_csv_with_an_interval_column_is_a_file_of_templates_imported_once():
    h = setup()
    data = (b"customer_id,line_text,amount,vat,interval,day,start\n"
            b"K-1,Hosting,20.00,19,monthly,last,2026-02-01\n"
            b"K-1,Support,50.00,19,weekly,1,2026-02-01\n")
    first = h.upload("inbox/acme/invoices/serien.csv", data, berlin(2026, 1, 20, 9))
    again = h.upload("inbox/acme/invoices/serien.csv", data, berlin(2026, 1, 20, 9))  # redelivered
    assert len(first.created) == 1 and first.updated == []
    assert [(r.line, r.reason.code, r.reason.text("de")) for r in first.rejected] == [
        (3, "template_row_invalid", "Serienrechnung nicht angelegt: bitte prüfen Sie Intervall.")]
    assert again.created == [] and again.unchanged == first.created
    assert [t.line_text for t in h.ctx.recurring.templates("acme")] == ["Hosting"]
    assert h.ctx.invoices.invoices("acme") == []  # nothing was read as an invoice
