"""invoicing.number_format in the settings: checked with the field and a German text; the
template input checks of recurring invoices (pure)."""

from datetime import date

import pytest

from mahnwerk.domain.model import DomainError
from mahnwerk.domain.recurring import LAST, Interval
from mahnwerk.domain.recurring_templates import check_input
from mahnwerk.domain.settings_checks import problems_of
from mahnwerk.domain.settings_doc import settings_from_dict
from mahnwerk.web.i18n import TEXTS

from .test_settings_invoicing import with_invoicing


def test_the_default_number_format_and_a_custom_one():
    assert settings_from_dict("t", with_invoicing({})).invoicing.number_format == "RE-{yyyy}-{seq:05}"
    custom = settings_from_dict("t", with_invoicing({"number_format": "{yy}{mm}-{seq}"}))
    assert custom.invoicing.number_format == "{yy}{mm}-{seq}"


@pytest.mark.parametrize("fmt", ["RE-{yyyy}", "RE-{jahr}-{seq}", "X" * 40 + "{seq}"])
def test_a_bad_number_format_is_refused_at_its_field_with_a_german_text(fmt):
    with pytest.raises(DomainError) as refused:
        settings_from_dict("t", with_invoicing({"number_format": fmt}))
    [problem] = problems_of(refused.value)
    assert (problem.field, problem.code) == ("invoicing.number_format", "number_format_invalid")
    assert TEXTS[f"problem_{problem.code}"][0].startswith("Das Nummernformat braucht {seq}")


def test_input_in_german_notation_is_read():
    values, problems = check_input(
        {"customer_id": "K-1", "line_text": "  Wartung   Heizung ", "amount": "1.190,00 €",
         "vat": "§19", "interval": "Vierteljährlich", "day": "Letzter", "start": "01.02.2026",
         "count": "4"}, date(2026, 1, 20))
    assert problems == []
    assert (values["line_text"], str(values["amount"]), values["vat"], values["interval"],
            values["day"], values["start"], values["count"]) == (
        "Wartung Heizung", "1190.00", "small_business", Interval.QUARTERLY, LAST,
        date(2026, 2, 1), 4)


def test_the_start_may_lie_one_period_back_not_more():
    base = {"customer_id": "K-1", "line_text": "x", "amount": "1", "interval": "monthly", "day": 1}
    assert check_input({**base, "start": "2025-12-01"}, date(2026, 1, 20))[1] == []
    [problem] = check_input({**base, "start": "2025-11-30"}, date(2026, 1, 20))[1]
    assert (problem.field, problem.kind) == ("start", "start_too_early")
    # a yearly template may start up to a year back
    assert check_input({**base, "interval": "yearly", "start": "2025-01-01"}, date(2026, 1, 20))[1] == []
