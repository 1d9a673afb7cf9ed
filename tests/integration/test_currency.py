"""An invoice in Swiss francs through the embedded stack: imported from an e-invoice of the corpus
(its currency changed to CHF), dunned by the daily run in CHF with no GiroCode, settled only by a
payment in CHF; the dashboard shows euro and franc receivables on lines of their own."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from mahnwerk.service.keys import create_key
from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk_local.camt import Credit, camt053

from ..conftest import ROOT, berlin
from .test_web import Browser, text

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
CORPUS_CII = "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml"
EURO_CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
            "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;01.10.2026;15.10.2026;119,00\n"
            ).encode()
RUN_DAY = berlin(2026, 10, 22)


def in_francs(xml: bytes) -> bytes:
    """The e-invoice with every currency code and currencyID changed from EUR to CHF, and its
    dates moved into 2026 (the stack's base-rate table starts in 2023)."""
    changed = re.sub(rb"(<ram:InvoiceCurrencyCode>)EUR(<)", rb"\1CHF\2", xml)
    changed = re.sub(rb'(format="102">)20\d\d(\d{4}<)', rb"\g<1>2026\2", changed)
    return re.sub(rb'currencyID="EUR"', b'currencyID="CHF"', changed)


@pytest.fixture
def chf_stack(stack, corpus: Path):
    xml = (corpus / CORPUS_CII).read_bytes()
    assert b"<ram:InvoiceCurrencyCode>EUR<" in xml
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload("inbox/acme/invoices/chf.xml", in_francs(xml))
    stack.upload("inbox/acme/invoices/euro.csv", EURO_CSV)
    stack.drain()
    with stack.service_context() as ctx:
        [chf] = [i for i in ctx.invoices.invoices("acme") if i.currency != "EUR"]
    assert (chf.currency, chf.open_amount) == ("CHF", Decimal("336.90"))
    stack.chf = chf
    return stack


def letters(stack):
    with stack.service_context() as ctx:
        return {n.notice_id: n for n in ctx.notices.notices("acme")}


def pdf_text(stack, key: str) -> str:
    data = stack.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_chf_invoice_is_dunned_in_chf_without_girocode_and_only_chf_pays_it(chf_stack):
    stack, chf = chf_stack, chf_stack.chf
    stack.now = RUN_DAY
    stack.fire_schedule("DunningFunction", RUN_DAY)
    stack.drain()
    [notice] = [n for n in letters(stack).values() if n.notice_id.startswith(chf.customer_id)]
    plan = json.loads(notice.plan)
    assert {line["currency"] for line in plan["lines"]} == {"CHF"}
    letter = pdf_text(stack, notice.pdf_key)
    assert "336,90 CHF" in letter and "Beträge in CHF" in letter
    assert "€" not in letter  # no euro fee or flat fee added into a franc total
    assert "Kein GiroCode" in letter and "nur für Überweisungen in Euro" in letter

    # a euro transfer of the same amount naming the invoice does not settle it
    stack.now = berlin(2026, 10, 25, 5)
    stack.upload("inbox/acme/bank/eur.xml", camt053("DE02120300000000202051", [
        Credit(date(2026, 10, 24), Decimal("336.90"), chf.number, "Buyer")], "EUR-1"))
    stack.drain()
    with stack.service_context() as ctx:
        assert ctx.invoices.get_invoice("acme", chf.number).open_amount == Decimal("336.90")
        [euro_payment] = ctx.payments.payments("acme")
    assert euro_payment.status == "unmatched"
    # the same amount in francs does
    stack.upload("inbox/acme/bank/chf.xml", camt053("CH9300762011623852957", [
        Credit(date(2026, 10, 24), Decimal("336.90"), chf.number, "Buyer", currency="CHF")],
        "CHF-1"))
    stack.drain()
    with stack.service_context() as ctx:
        assert ctx.invoices.get_invoice("acme", chf.number).open_amount == Decimal("0.00")


def test_the_dashboard_overview_shows_each_currency_on_its_own_line(chf_stack):
    stack = chf_stack
    with stack.service_context() as ctx:
        key, _ = create_key(ctx, "acme", "tests", datetime(2026, 10, 1, tzinfo=UTC))
    stack.now = RUN_DAY
    page = Browser(stack, key).get("/app/")
    assert page.status == 200
    body = str(page.body)
    assert re.search(r'data-kpi="total".*?data-value="119.00"', body, re.S)  # euro alone
    assert 'data-currency="CHF"' in body and 'data-value="336.90"' in body
    words = text(page)
    assert "Forderungen in anderen Währungen" in words and "336,90 CHF" in words
    assert "455,90" not in words  # 119.00 + 336.90 is never shown
