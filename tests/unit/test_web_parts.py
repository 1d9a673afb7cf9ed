"""Pure parts of the dashboard: cookie parsing, CSRF tokens, the SVG chart's escaping, phases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mahnwerk.domain.model import Invoice, InvoiceStatus
from mahnwerk.service.dashboard import phase_of, phase_of_json
from mahnwerk.service.sessions import cookies, csrf_ok, csrf_token, parse_token, session_id_of
from mahnwerk.web.charts import Bar, bar_chart
from mahnwerk.web.i18n import TEXTS, translate

TOKEN = "mws_0123456789abcdef_" + "A" * 43
OTHER = "mws_0123456789abcdef_" + "B" * 43


def test_cookie_header_parsing_tolerates_junk_and_keeps_the_first_value():
    jar = cookies('a=1; mw_session="x"; broken; =nameless; mw_session=second; mw_lang=en')
    assert jar == {"a": "1", "mw_session": "x", "mw_lang": "en"}
    assert cookies("") == {}


def test_session_tokens_are_strict_and_csrf_tokens_belong_to_one_session():
    assert parse_token(TOKEN) == ("0123456789abcdef", "A" * 43)
    for bad in ("", "mwk_0123456789abcdef_" + "A" * 43, TOKEN + "A", TOKEN[:-1], "mws_XYZ_abc"):
        assert parse_token(bad) is None and session_id_of(bad) is None and csrf_token(bad) == ""
    token = csrf_token(TOKEN)
    assert len(token) == 40 and token == csrf_token(TOKEN) and token != csrf_token(OTHER)
    assert csrf_ok(TOKEN, token) and not csrf_ok(OTHER, token) and not csrf_ok(TOKEN, "")
    assert not csrf_ok("", "")  # no session, no token that could match


def test_chart_bars_are_proportional_and_every_text_is_escaped():
    svg = str(bar_chart([Bar("<b>", Decimal(10), "10 €"), Bar("x", Decimal(5), "5 & more"),
                         Bar("zero", Decimal(0), "0 €")], "A & B"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "5 &amp; more" in svg
    heights = [float(h.split('"')[0]) for h in svg.split('height="')[1:]]
    assert heights[0] == 2 * heights[1] and heights[2] == 2.0  # a zero stays a hairline …
    assert '">0 €</text>' not in svg  # … without a figure (its <title> still says 0 €)
    assert str(bar_chart([], "empty")) == ""


def test_phases_from_the_domain_object_and_the_api_json_agree():
    base = Invoice(tenant_id="t", number="R-1", customer_id="K", issue_date=date(2026, 1, 1),
                   due_date=date(2026, 1, 15), amount=Decimal(1), open_amount=Decimal(1))
    cases = [(InvoiceStatus.OPEN, 0, "open"), (InvoiceStatus.PARTIALLY_PAID, 1, "reminded"),
             (InvoiceStatus.OPEN, 2, "dunning1"), (InvoiceStatus.OPEN, 3, "dunning2"),
             (InvoiceStatus.OPEN, 5, "dunning2"), (InvoiceStatus.HANDED_OVER, 4, "handed_over"),
             (InvoiceStatus.PAID, 1, "paid"), (InvoiceStatus.DISPUTED, 2, "disputed"),
             (InvoiceStatus.WRITTEN_OFF, 2, "closed"), (InvoiceStatus.CANCELLED, 0, "closed")]
    for status, level, phase in cases:
        inv = base.with_changes(status=status, level=level)
        assert phase_of(inv) == phase == phase_of_json({"status": status.value, "level": level})


def test_every_text_has_both_languages_with_the_same_placeholders():
    import string

    for key, (de, en) in TEXTS.items():
        assert de and en, key
        names = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (de, en)]
        assert names[0] == names[1], key
    assert translate("en", "n_invoices", n=3) == "3 invoices"
    assert translate("de", "n_invoices", n=3) == "3 Rechnungen"
