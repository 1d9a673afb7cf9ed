"""The row checks name the refused field (issue 15, point 2): the dashboard's invoice form shows
each reason at its input, from the one validation a CSV row and the API go through."""

import pytest

from mahnwerk.intake.csv_invoices import FieldError, record_from_fields
from mahnwerk.service.invoice_ops import check_row, invoice_problems

GOOD = {"number": "H-1", "customer_id": "K-1", "issue_date": "20.11.2026", "amount": "10,00"}


@pytest.mark.parametrize(("change", "field", "kind", "message"), [
    ({"number": ""}, "number", "empty", "invoice number is empty"),
    ({"number": "=SUM(A1)"}, "number", "formula", "number looks like a spreadsheet formula"),
    ({"amount": "zwölf"}, "amount", "not_amount", "amount is not a number: 'zwölf'"),
    ({"amount": ""}, "amount", "empty", "amount is empty"),
    ({"issue_date": "31.11.2026"}, "issue_date", "not_date", "not a date: '31.11.2026'"),
    ({"due_date": "morgen"}, "due_date", "not_date", "not a date: 'morgen'"),
    ({"terms_days": "bald"}, "terms_days", "terms", "payment terms not understood"),
    ({"open_amount": "20,00"}, "open_amount", "open_range", "open amount €20.00 is outside"),
    ({"currency": "XYZ"}, "currency", "currency", "currency 'XYZ' is not an ISO 4217 currency code"),
    ({"consumer": "vielleicht"}, "consumer", "consumer", "consumer/business column not understood"),
    ({"customer_id": "", "name": ""}, "name", "customer_empty", "customer is empty"),
    ({"customer_id": "", "name": "@evil"}, "name", "formula", "name looks like a spreadsheet"),
])
def test_a_refused_value_names_its_field_with_the_import_reports_message(change, field, kind, message):
    with pytest.raises(FieldError) as caught:
        record_from_fields({**GOOD, **change}, "t1", 14, 1)
    assert (caught.value.field, caught.value.kind) == (field, kind)
    assert str(caught.value).startswith(message)


def test_a_negative_amount_is_refused_at_the_amount_unless_a_credit_note():
    with pytest.raises(FieldError) as caught:
        check_row({**GOOD, "amount": "-5"}, "t1", 14, 1)
    assert (caught.value.field, caught.value.kind) == ("amount", "negative")
    assert check_row({**GOOD, "amount": "-5", "credit_note": "true"}, "t1", 14, 1).amount < 0


def test_every_refused_field_is_named_at_once_and_a_good_row_has_none():
    problems = invoice_problems({**GOOD, "number": "", "amount": "zwölf", "issue_date": "31.11.2026",
                                 "terms_days": "bald"}, "t1", 14)
    assert [(p.field, p.kind) for p in problems] == [
        ("number", "empty"), ("amount", "not_amount"), ("issue_date", "not_date"),
        ("terms_days", "terms")]
    assert invoice_problems(GOOD, "t1", 14) == []
