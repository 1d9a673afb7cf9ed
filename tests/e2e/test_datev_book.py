"""The DATEV file of a simulated month (the real pipeline in-process: 40 invoices, payments,
letters with fees and interest) checked against the format rules of DATEV's format description;
the monthly e-mail goes out once on the 1st."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk_local.book import book_csv

from ..conftest import ROOT

pytestmark = pytest.mark.slow

DATEV = {"advisor_number": 29098, "client_number": 55003, "chart": "SKR04",
         "email": "kanzlei@example.org"}


def statement(book: bytes) -> bytes:
    """Every 4th invoice paid on 20.08.2026, alternately in full and half."""
    from mahnwerk_local.camt import Credit, camt053

    rows = list(csv.DictReader(io.StringIO(book.decode()), delimiter=";"))
    credits = []
    for n, row in enumerate(rows[::4]):
        amount = Decimal(row["Offen"].replace(".", "").replace(",", "."))
        paid = amount if n % 2 == 0 else (amount / 2).quantize(Decimal("0.01"))
        credits.append(Credit(date(2026, 8, 20), paid, f"Rechnung {row['Rechnungsnummer']}",
                              row["Kunde"]))
    return camt053("DE02120300000000202051", credits, "DATEV-0820")


def test_datev_file_of_a_simulated_month_follows_the_format(tmp_path):
    from mahnwerk.domain import datev as rules
    from mahnwerk.service import datev
    from mahnwerk_local.simulation import run_book
    from mahnwerk_local.stack import LocalStack

    invoices = tmp_path / "book.csv"
    invoices.write_bytes(book_csv(customers=12, invoices=30, seed=11))
    payments = tmp_path / "auszug.xml"
    payments.write_bytes(statement(invoices.read_bytes()))
    settings = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    settings["datev"] = DATEV
    with LocalStack() as stack:
        run_book(stack, "book", settings, [invoices], [payments], date(2026, 8, 10),
                 date(2026, 9, 1))
        with stack.service_context() as ctx:
            data = datev.export(ctx, "book", date(2026, 8, 1), date(2026, 8, 31))
            again = datev.export(ctx, "book", date(2026, 8, 1), date(2026, 8, 31))
            mailed = ctx.tenants.get_document("book", "DATEV#MAIL#2026-08")
            # the key holds: a second run on the 1st sends nothing
            assert not datev.monthly_mail(ctx, "book", date(2026, 9, 1), stack.now)
    assert data == again
    assert mailed is not None and mailed["to"] == "kanzlei@example.org"

    text = data.decode("cp1252")                       # Windows-1252 throughout
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    head, columns, *lines = text[:-2].split("\r\n")
    h = head.split(";")
    assert len(h) == 31 and h[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"]
    assert h[10:16] == ["29098", "55003", "20260101", "4", "20260801", "20260831"]
    assert h[26] == '"04"'
    assert columns.split(";") == list(rules.COLUMNS)
    kinds = set()
    for line in lines:
        cells = line.split(";")
        assert len(cells) == 125
        assert re.fullmatch(r"[0-9]+,[0-9]{2}", cells[0]) and cells[0] != "0,00"
        assert cells[1] in ('"S"', '"H"') and cells[2] == '"EUR"'
        assert cells[6].isdigit() and cells[7].isdigit()
        day, month = int(cells[9][:2]), int(cells[9][2:])
        assert len(cells[9]) == 4 and month == 8 and 1 <= day <= 31
        beleg = cells[10][1:-1]
        assert cells[10][0] == cells[10][-1] == '"' and re.fullmatch(r"[A-Za-z0-9$&%*+\-/]{1,36}", beleg)
        assert cells[13][0] == cells[13][-1] == '"' and len(cells[13][1:-1]) <= 60
        kinds.add((cells[6], cells[7]))
    # SKR04: payments Bank 1800 an Forderungen 1200; fees charged Forderungen an 4830
    assert ("1800", "1200") in kinds and ("1200", "4830") in kinds
