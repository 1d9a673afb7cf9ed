"""A realistic book over 90 days through the real pipeline: reproducible run to run."""

import json
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from mahnwerk_local.book import book_csv

from ..conftest import ROOT
from .breakdown import check_notices

pytestmark = pytest.mark.slow


def statement_for(book: bytes) -> bytes:
    """Pay every 8th invoice on 10.09.2026: alternately in full and half (partial payments)."""
    import csv
    import io
    from datetime import date
    from decimal import Decimal

    from mahnwerk_local.camt import Credit, camt053

    rows = list(csv.DictReader(io.StringIO(book.decode()), delimiter=";"))
    credits = []
    for n, row in enumerate(rows[::8]):
        amount = Decimal(row["Offen"].replace(".", "").replace(",", "."))
        paid = amount if n % 2 == 0 else (amount / 2).quantize(Decimal("0.01"))
        credits.append(Credit(date(2026, 9, 10), paid, f"Rechnung {row['Rechnungsnummer']}",
                              row["Kunde"]))
    return camt053("DE02120300000000202051", credits, "BOOK-0910")


def letter_text(pdf: Path) -> str:
    """A letter's text with the signed part of its portal link masked."""
    import re

    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return re.sub(r"(/portal/)\S+", r"\1…", text)


def simulate(out: Path, invoices: Path, payments: Path) -> subprocess.Popen[str]:
    exe = shutil.which("mahnwerk", path=str(Path(sys.executable).parent))
    assert exe
    return subprocess.Popen(
        [exe, "simulate", "--settings", str(ROOT / "infra/mahnwerk_local/demo/settings.json"),
         "--invoices", str(invoices), "--payments", str(payments),
         "--from", "2026-08-01", "--to", "2026-10-29",
         "--out", str(out), "--tenant", "book"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ninety_days_of_a_realistic_book_are_reproducible_and_the_api_claims_what_letters_claim(tmp_path):
    """The 90-day book twice: by the CLI in a subprocess (a) and in this process (b), at the same
    time. Both runs agree to the byte; every notice the API lists (b) has the figures of
    summary.json, which add up and which its letter and e-mail print (``check_notices``)."""
    from datetime import UTC, date, datetime

    from mahnwerk.service.keys import create_key
    from mahnwerk_local.simulation import SimulationInput, _collect, run_book
    from mahnwerk_local.stack import LocalStack

    invoices = tmp_path / "book.csv"
    invoices.write_bytes(book_csv(customers=60, invoices=240, seed=7))
    payments = tmp_path / "kontoauszug.xml"
    payments.write_bytes(statement_for(invoices.read_bytes()))
    cli = simulate(tmp_path / "a", invoices, payments)  # runs beside the in-process book below

    settings = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    spec = SimulationInput("book", settings, [invoices], date(2026, 8, 1), date(2026, 10, 29),
                           tmp_path / "b", payment_files=[payments])
    with LocalStack() as stack:
        days = run_book(stack, "book", settings, [invoices], [payments], spec.start, spec.end)
        b = _collect(stack, spec, days).summary
        with stack.service_context() as ctx:
            key, _ = create_key(ctx, "book", "tests", datetime(2026, 8, 1, tzinfo=UTC))
        listed, cursor = [], None
        while True:
            page = stack.api("GET", "/v1/notices", key=key,
                             query={"limit": "200", **({"cursor": cursor} if cursor else {})})
            assert page.status == 200, page.body
            listed += page.body["items"]
            cursor = page.body["next_cursor"]
            if not cursor:
                break

    _, err = cli.communicate(timeout=900)
    assert cli.returncode == 0, err[-3000:]
    a = json.loads((tmp_path / "a" / "summary.json").read_text("utf-8"))

    # reproducible: another process, the same letters on the same days with the same sums
    assert a["notices"] == b["notices"]
    assert a["payments"] == b["payments"] and len(a["payments"]) == 30
    assert a["invoices"] == b["invoices"]
    for name in ("letters", "mail", "post"):
        files_a = sorted(p.name for p in (tmp_path / "a" / name).iterdir())
        assert files_a and files_a == sorted(p.name for p in (tmp_path / "b" / name).iterdir())
    for pdf in (tmp_path / "a/letters").iterdir():  # the same letters, but for the portal link
        # (each stack signs its debtors' links with its own random per-tenant secret)
        assert letter_text(pdf) == letter_text(tmp_path / "b/letters" / pdf.name)

    assert len({i["customer"] for i in a["invoices"]}) >= 50 and len(a["invoices"]) >= 200
    assert a["rejected"] == [] and not any(a["dead_letters"].values())
    # the book is mixed and the run exercises the whole policy
    levels = Counter(n["level"] for n in a["notices"])
    assert set(levels) == {1, 2, 3, 4}
    customers = {n["customer"] for n in a["notices"]}
    per_day = Counter((n["customer"], n["date"]) for n in a["notices"])
    assert max(per_day.values()) == 1  # never two notices to one customer on one day
    assert len(customers) >= 50
    assert any(n["interest"] != "0.00" for n in a["notices"])
    assert any("post" in n["channels"] for n in a["notices"])
    assert any(i["open_amount"] != i["amount"] for i in a["invoices"])  # partly paid ones
    matched = [p for p in a["payments"] if p["status"] == "matched"]
    assert len(matched) == 30 and all(p["method"] == "reference" for p in matched)
    touched = {n for p in matched for n in p["matched"]}
    reduced = [i for i in a["invoices"] if i["number"] in touched
               and Decimal(i["open_amount"]) < Decimal(i["amount"])]
    assert len(reduced) == 30  # every payment reduced its invoice (half of them only partly)
    assert Counter(i["status"] for i in a["invoices"])["paid"] >= 5

    # the API claims what the summary claims, and every notice's parts add up in letter and e-mail
    rows = {n["notice_id"]: n for n in b["notices"]}
    assert len(rows) >= 100 and {n["notice_id"] for n in listed} == set(rows)
    for notice in listed:
        row = rows[notice["notice_id"]]
        for key_ in ("principal", "paid", "interest", "fees", "flat_fee", "total", "deadline"):
            assert notice[key_] == row[key_], (notice["notice_id"], key_)
    assert check_notices(a, tmp_path / "a") >= 100
