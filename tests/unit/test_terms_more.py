"""Payment terms added for PDFs read by layout: weeks, French days, "zahlen … bis zum", the date
a SEPA direct debit announces."""

from datetime import date

import pytest

from mahnwerk.intake.terms import debit_date, due_date_from_terms

ISSUE = date(2026, 3, 12)


@pytest.mark.parametrize("text, due", [
    ("Zahlbar innerhalb von 2 Wochen.", date(2026, 3, 26)),
    ("Payment within 3 weeks.", date(2026, 4, 2)),
    ("Paiement à 30 jours.", date(2026, 4, 11)),
    ("Bitte zahlen Sie bis zum 31.03.2026.", date(2026, 3, 31)),
    ("Paiement comptant à réception.", ISSUE),
    ("Zahlbar innerhalb 30 Tagen netto, 2 % Skonto innerhalb 10 Tagen.", date(2026, 4, 11)),
])
def test_terms(text, due):
    assert due_date_from_terms(text, ISSUE, require_payment_words=True) == due


def test_delivery_in_weeks_is_no_payment_term():
    assert due_date_from_terms("Lieferung innerhalb von 2 Wochen.", ISSUE, require_payment_words=True) is None


@pytest.mark.parametrize("text, due", [
    ("Der Betrag wird am 20.03.2026 von Ihrem Konto per SEPA-Lastschrift eingezogen.", date(2026, 3, 20)),
    ("Wir buchen den Betrag am 20.03.2026 ab (Lastschrift).", date(2026, 3, 20)),
    ("Die Lastschrift erfolgt am 20.03.2026 oder am 27.03.2026.", None),  # two dates: not one due date
    ("Lastschrift vom 01.03.2026", None),  # before the invoice date
    ("Überweisung bis 20.03.2026", None),  # no debit
])
def test_debit_date(text, due):
    assert debit_date(text, ISSUE) == due


def test_french_dates_in_words():
    from mahnwerk.intake.terms import parse_text_date

    assert parse_text_date("le 3 décembre 2026") == date(2026, 12, 3)
    assert parse_text_date("1er mars 2026") == date(2026, 3, 1)
    assert parse_text_date("12 août 2026") == date(2026, 8, 12)
