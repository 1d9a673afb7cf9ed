"""Tenant letter templates: the sandbox refuses resource bombs before they compile, bounds what it
renders, and still takes ordinary letter texts (mahnwerk.letters.sandbox)."""

import time

import pytest
from jinja2.exceptions import SecurityError, TemplateSyntaxError

from mahnwerk.letters import LetterTemplateError
from mahnwerk.letters.sandbox import MAX_OUTPUT, TenantSandbox, check_source
from mahnwerk.letters.texts import check_template, compose

from .test_letters import make_customer, make_plan, make_settings

BOMBS = {
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}": "loop over",
    "{{ 'x' * 1000000000 }}": "* operator",
    "{{ 10 ** 10 ** 8 }}": "** operator",
    "{{ '%999999999s' % 'a' }}": "% operator",
    "{{ '{:>999999999}'.format(customer_name) }}": "calling",
    "{{ lipsum(1000000) }}": "calling",
    "{{ 'x' | center(1000000000) }}": "filter 'center'",
    "{{ customer_name" + "|replace('a','aa')" * 40 + " }}": "filter 'replace'",
    "{{ customer_name" + "|tojson" * 40 + " }}": "filter 'tojson'",
    "{% set s = customer_name %}" + "{% set s = s ~ s %}" * 40: "set",
    "{% with s = customer_name ~ customer_name %}{{ s }}{% endwith %}": "with",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}": "macro",
    "{% include 'de/friendly.txt' %}": "include",
    "{% for c in customer_name %}{% for d in customer_name %}x{% endfor %}{% endfor %}": "loop over",
    "{% for a in invoice_numbers %}{% for b in invoice_numbers %}{% for c in invoice_numbers %}"
    "{% endfor %}{% endfor %}{% endfor %}": "more than 2 deep",
    "{% for n in invoice_numbers recursive %}{{ n }}{% endfor %}": "recursive loop",
    "{% autoescape false %}{{ customer_name }}{% endautoescape %}": "autoescaping",
    "{{ customer_name | safe }}": "filter 'safe'",
    "x" * 20_001: "longer than 20,000",
}


@pytest.mark.parametrize("source, what", BOMBS.items(), ids=range(len(BOMBS)))
def test_resource_bombs_are_refused_before_they_run(source, what):
    started = time.monotonic()
    with pytest.raises(LetterTemplateError) as info:
        check_template(source, make_plan(), make_customer(), make_settings())
    assert time.monotonic() - started < 1
    assert what in str(info.value) and "unsafe" in str(info.value)
    assert isinstance(info.value.__cause__, SecurityError)


def test_ordinary_letter_texts_pass():
    source = ("{% if is_consumer %}Guten Tag {{ customer_name | title }},{% endif %}\n\n"
              "bitte zahlen Sie {{ total }} bis {{ deadline }} für "
              "{% for n in invoice_numbers %}{{ n }}{% if not loop.last %}, {% endif %}{% endfor %}."
              "{% if invoice_count > 1 and has_fees %} Gebühren: {{ fees }}.{% endif %}")
    letter = compose(make_plan(2), make_customer(), make_settings(),
                     overrides={"de/level2.txt": source})
    assert "bitte zahlen Sie" in letter.as_plain_text()


def test_what_a_template_renders_is_bounded():
    env = TenantSandbox()
    template = env.from_string("{% for a in rows %}{% for b in rows %}" + "x" * 100
                               + "{% endfor %}{% endfor %}")
    with pytest.raises(SecurityError, match="longer than"):
        env.render_bounded(template, {"rows": list(range(100))})
    assert len(env.render_bounded(template, {"rows": list(range(10))})) == 10_000 < MAX_OUTPUT


def test_the_tenant_sandbox_has_no_globals_and_syntax_errors_stay_syntax_errors():
    env = TenantSandbox()
    assert not env.globals
    with pytest.raises(TemplateSyntaxError):
        check_source("{% if %}", env)
