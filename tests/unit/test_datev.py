"""DATEV EXTF export: worked examples per booking kind (accounts and amounts by hand), the
format rules, and the period checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from mahnwerk.domain import datev
from mahnwerk.domain.datev import DatevSettings, Fact, LetterFacts, PaymentFacts

SKR03 = DatevSettings(advisor_number=29098, client_number=55003, chart="SKR03")
SKR04 = DatevSettings(advisor_number=29098, client_number=55003, chart="SKR04")
DAY = date(2026, 3, 5)


def lines(facts, settings=SKR03):
    return [(b.amount, b.side, b.konto, b.gegenkonto) for b in datev.bookings(facts, settings)]


def test_payment_received_bank_to_debtor():
    fact = Fact("payment", DAY, "RE-1", "c1", D("119.00"), "p1")
    assert lines([fact]) == [(D("119.00"), "S", 1200, 1400)]          # SKR03 Bank an Forderungen
    assert lines([fact], SKR04) == [(D("119.00"), "S", 1800, 1200)]   # SKR04 Bank an Forderungen


def test_payment_to_personal_debtor_account():
    s = DatevSettings(advisor_number=1, client_number=1, debtor_accounts={"c1": 12345})
    assert lines([Fact("payment", DAY, "RE-1", "c1", D("10.00"), "p1")], s) == [
        (D("10.00"), "S", 1200, 12345)]


def test_fee_interest_flat_fee_charged_from_letters():
    letters = [
        LetterFacts(date(2026, 2, 1), "n1", "c1", D("2.50"), (("RE-1", D("3.21"), D("0")),)),
        LetterFacts(date(2026, 2, 15), "n2", "c1", D("2.50"), (("RE-1", D("5.00"), D("40.00")),)),
    ]
    facts = datev.facts_of(letters, [])
    assert lines(facts) == [
        (D("2.50"), "S", 1400, 2700),   # fee of letter 1: Forderungen an sonstige Erträge
        (D("3.21"), "S", 1400, 2650),   # interest stated by letter 1: an Zinserträge
        (D("2.50"), "S", 1400, 2700),   # fee of letter 2
        (D("1.79"), "S", 1400, 2650),   # 5.00 stated − 3.21 already charged
        (D("40.00"), "S", 1400, 2700),  # §288 Abs. 5 flat fee, first stated by letter 2
    ]
    assert lines(facts, SKR04)[1] == (D("3.21"), "S", 1200, 7100)
    assert lines(facts, SKR04)[4] == (D("40.00"), "S", 1200, 4830)


def test_interest_paid_beyond_charged_is_charged_on_payment_day():
    letters = [LetterFacts(date(2026, 2, 1), "n1", "c1", D("0"), (("RE-1", D("3.00"), D("0")),))]
    pay = PaymentFacts(date(2026, 3, 1), "p1", "c1", D("103.50"),
                       (("RE-1", D("0"), D("3.50"), D("0")),))
    facts = datev.facts_of(letters, [pay])
    assert lines(facts) == [(D("3.00"), "S", 1400, 2650),
                            (D("103.50"), "S", 1200, 1400),
                            (D("0.50"), "S", 1400, 2650)]


@pytest.mark.parametrize("rate,gross,net,vat,vat03,vat04", [
    (D("19"), D("119.00"), D("100.00"), D("19.00"), 1776, 3806),
    (D("7"), D("107.00"), D("100.00"), D("7.00"), 1771, 3801),
    (D("19"), D("50.00"), D("42.02"), D("7.98"), 1776, 3806),  # 50 × 19/119 = 7.983 → 7.98
])
def test_write_off_soll_corrects_vat(rate, gross, net, vat, vat03, vat04):
    fact = Fact("write_off", DAY, "RE-9", "c1", gross, "RE-9", rate)
    assert lines([fact]) == [(net, "S", 2400, 1400), (vat, "S", vat03, 1400)]
    assert lines([fact], SKR04) == [(net, "S", 6930, 1200), (vat, "S", vat04, 1200)]


@pytest.mark.parametrize("rate,gross", [(D("19"), D("119.00")), (D("7"), D("107.00"))])
def test_write_off_ist_has_no_vat_correction(rate, gross):
    ist = DatevSettings(advisor_number=1, client_number=1, taxation="ist")
    fact = Fact("write_off", DAY, "RE-9", "c1", gross, "RE-9", rate)
    assert lines([fact], ist) == [(gross, "S", 2400, 1400)]


def test_waived_charges_and_credit_note():
    facts = [Fact("waived", DAY, "RE-1", "c1", D("4.20"), "RE-1"),
             Fact("credit_note", DAY, "RE-2-GS", "c1", D("59.50"), "RE-2-GS")]
    assert lines(facts) == [(D("4.20"), "S", 2400, 1400), (D("59.50"), "S", 8400, 1400)]


def test_account_length_scales_accounts():
    s = DatevSettings(advisor_number=1, client_number=1, account_length=5)
    assert lines([Fact("payment", DAY, "R", "c1", D("1.00"), "p")], s) == [
        (D("1.00"), "S", 12000, 14000)]


def _file(facts, settings=SKR03, start=date(2026, 3, 1), end=date(2026, 3, 31)):
    return datev.export_file(facts, settings, start, end)


def test_format_header_columns_numbers_dates_lengths_encoding():
    long_number = "RE/2026 ü#" + "9" * 40
    facts = [Fact("payment", DAY, long_number, "c1", D("1234.5"), "p1"),
             Fact("fee", date(2026, 3, 9), "X", "c1", D("2.50"), "n1")]
    data = _file(facts)
    text = data.decode("cp1252")
    assert "\r\n" in text and text.endswith("\r\n")
    head, cols, *rows = text.rstrip("\r\n").split("\r\n")
    h = head.split(";")
    assert len(h) == 31
    assert h[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"]
    assert h[5] == "20260401000000000"            # Erzeugt am: first moment after the period
    assert h[10:16] == ["29098", "55003", "20260101", "4", "20260301", "20260331"]
    assert h[21] == '"EUR"' and h[26] == '"03"'
    assert cols.split(";") == list(datev.COLUMNS) and len(datev.COLUMNS) == 125
    r = rows[0].split(";")
    assert len(r) == 125
    assert r[:4] == ["1234,50", '"S"', '"EUR"', ""]
    assert r[6:10] == ["1200", "1400", "", "0503"]
    assert r[10].strip('"') == ("RE/2026---" + "9" * 40)[:36]
    assert "Mahngebühr X" in rows[1]                       # ü survives in Windows-1252
    assert "Mahngeb\xfchr".encode("cp1252") in data


def test_same_period_same_bytes_and_each_booking_in_one_period():
    facts = [Fact("payment", date(2026, 3, 31), "A", "c", D("1"), "p1"),
             Fact("payment", date(2026, 4, 1), "B", "c", D("2"), "p2")]
    assert _file(facts) == _file(list(reversed(facts)))
    march = _file(facts).decode("cp1252")
    april = _file(facts, start=date(2026, 4, 1), end=date(2026, 4, 30)).decode("cp1252")
    assert '"A"' in march and '"B"' not in march
    assert '"B"' in april and '"A"' not in april


@pytest.mark.parametrize("start,end,field_name,reason", [
    (date(2026, 3, 2), date(2026, 3, 1), "from", "after_to"),
    (date(2025, 1, 1), date(2026, 1, 1), "to", "too_long"),
    (date(2025, 12, 1), date(2026, 1, 31), "to", "two_fiscal_years"),
    (None, date(2026, 1, 31), "from", "missing"),
])
def test_bad_periods_refused_with_field_and_reason(start, end, field_name, reason):
    with pytest.raises(datev.PeriodInvalid) as err:
        datev.check_period(start, end)
    assert err.value.field == field_name and err.value.reason_code == reason


def test_twelve_months_allowed_with_shifted_fiscal_year():
    datev.check_period(date(2025, 7, 1), date(2026, 6, 30), fiscal_year_start=7)


# --- the datev settings -------------------------------------------------------------------------

from mahnwerk.domain.settings_checks import SettingsInvalid  # noqa: E402
from mahnwerk.domain.settings_doc import settings_from_dict  # noqa: E402
from mahnwerk.web.i18n import TEXTS  # noqa: E402


def test_datev_settings_parsed():
    s = settings_from_dict("t", {"company": {"name": "X"}, "datev": {
        "advisor_number": 29098, "client_number": "55003", "chart": "skr04", "taxation": "IST",
        "account_length": 5, "debtor_accounts": {"c1": 100001}, "email": "stb@kanzlei.de"}})
    assert s.datev == DatevSettings(29098, 55003, 1, 5, "SKR04", "ist", {"c1": 100001},
                                    "stb@kanzlei.de")


@pytest.mark.parametrize("datev_doc,field_name,code", [
    ({"chart": "SKR49"}, "datev.chart", "datev_chart"),
    ({"taxation": "both"}, "datev.taxation", "datev_taxation"),
    ({"advisor_number": 99}, "datev.advisor_number", "datev_range"),
    ({"client_number": 100000}, "datev.client_number", "datev_range"),
    ({"account_length": 9}, "datev.account_length", "datev_range"),
    ({"fiscal_year_start": 13}, "datev.fiscal_year_start", "datev_range"),
    ({"debtor_accounts": {"c1": 70000}}, "datev.debtor_accounts.c1", "datev_debtor"),
    ({"email": "nope"}, "datev.email", "email_invalid"),
])
def test_datev_settings_refused_with_field_and_german_text(datev_doc, field_name, code):
    with pytest.raises(SettingsInvalid) as err:
        settings_from_dict("t", {"company": {"name": "X"}, "datev": datev_doc})
    problem = err.value.problems[0]
    assert (problem.field, problem.code) == (field_name, code)
    assert f"problem_{code}" in TEXTS


def test_waiver_books_off_only_charged_open_charges():
    letters = [LetterFacts(date(2026, 2, 1), "n1", "c1", D("2.50"), (("RE-1", D("3.00"), D("0")),))]
    waived = [Fact("waived", date(2026, 3, 1), "RE-1", "c1", D("9.00"), "w1"),
              Fact("waived", date(2026, 3, 1), "RE-2", "c1", D("0.34"), "w2")]  # never charged
    facts = datev.facts_of(letters, [], waived)
    assert [(b.amount, b.konto, b.gegenkonto) for b in datev.bookings(facts, SKR03)] == [
        (D("2.50"), 1400, 2700), (D("3.00"), 1400, 2650), (D("5.50"), 2400, 1400)]
