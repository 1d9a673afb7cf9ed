"""Payment terms as people write them → the due date, on the boundaries of what we believe."""

from datetime import date, timedelta

from mahnwerk.intake.terms import due_date_from_terms

ISSUE = date(2026, 3, 1)


def test_payable_within_zero_days_is_due_on_the_invoice_date():
    assert due_date_from_terms("Zahlbar innerhalb 0 Tagen netto", ISSUE) == ISSUE


def test_a_term_of_365_days_is_believed_366_is_not():
    assert due_date_from_terms("Zahlbar innerhalb 365 Tagen", ISSUE) == ISSUE + timedelta(days=365)
    assert due_date_from_terms("Zahlbar innerhalb 366 Tagen", ISSUE) is None


def test_a_date_on_the_invoice_date_or_up_to_three_years_later_is_believed():
    assert due_date_from_terms("Fällig am 01.03.2026", ISSUE) == ISSUE
    three_years = ISSUE + timedelta(days=3 * 365)
    assert due_date_from_terms(f"Fällig am {three_years:%d.%m.%Y}", ISSUE) == three_years
    assert due_date_from_terms(f"Fällig am {three_years + timedelta(days=1):%d.%m.%Y}", ISSUE) is None
    assert due_date_from_terms("Fällig am 28.02.2026", ISSUE) is None  # before the invoice


def test_a_cash_discount_clause_never_sets_the_due_date_even_when_it_comes_first():
    text = "3 % Skonto bei Zahlung innerhalb 60 Tagen, zahlbar innerhalb 30 Tagen netto"
    assert due_date_from_terms(text, ISSUE) == ISSUE + timedelta(days=30)


def test_in_a_free_note_only_the_clause_about_paying_counts():
    text = "Lieferung innerhalb 14 Tagen; zahlbar innerhalb 30 Tagen"
    assert due_date_from_terms(text, ISSUE, require_payment_words=True) == ISSUE + timedelta(days=30)
    assert due_date_from_terms("Lieferung innerhalb 14 Tagen", ISSUE, require_payment_words=True) is None


def test_terms_past_the_first_5000_characters_are_not_read():
    text = "x" * 4994 + " sofort"  # "sofort" would end on character 5001
    assert due_date_from_terms(text, ISSUE) is None
    assert due_date_from_terms("x" * 4993 + " sofort", ISSUE) == ISSUE  # ends on character 5000


def test_of_several_dates_the_latest_is_the_due_date_so_no_reminder_goes_out_early():
    text = "Zahlbar bis 15.03.2026; Restzahlung bis 15.04.2026"
    assert due_date_from_terms(text, ISSUE) == date(2026, 4, 15)
