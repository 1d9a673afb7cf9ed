"""Letter texts, the HTML/plain email bodies and the MIME email of a notice."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from mahnwerk.domain.dunning import NoticeLine, NoticePlan
from mahnwerk.domain.iban import format_iban
from mahnwerk.domain.model import Address, Channel, Customer
from mahnwerk.domain.policy import Action, Tone
from mahnwerk.domain.settings import Bank, Company, TenantSettings
from mahnwerk.letters import LetterTemplateError, build_email, compose, render_html, render_plain
from mahnwerk.letters.email import attachment_name, message_id
from mahnwerk.letters.formatting import ascii_slug, format_date, resolve_locale
from mahnwerk.letters.payment_block import epc_name, join_numbers

from .test_core_purity import PACKAGE, violations

RUN = date(2026, 10, 15)
TONES = {
    Tone.FRIENDLY: (1, "Zahlungserinnerung", Decimal("0.00")),
    Tone.NEUTRAL: (2, "1. Mahnung", Decimal("1.50")),
    Tone.FIRM: (3, "Letzte Mahnung", Decimal("2.50")),
}


# -- test data, built from the dataclasses directly ------------------------------------------


def make_settings(locale: str = "de", **company: str) -> TenantSettings:
    fields = {
        "name": "Bäckerei Schmidt & Söhne GmbH",
        "address": Address("Hauptstraße 12", "10115", "Berlin"),
        "email": "buchhaltung@baeckerei-schmidt.de",
        "phone": "030 1234567",
        "vat_id": "DE123456789",
        "register": "Amtsgericht Charlottenburg HRB 123456 B",
        "managing_director": "Anna Schmidt",
        "website": "www.baeckerei-schmidt.de",
    } | company
    return TenantSettings(
        tenant_id="baeckerei-schmidt",
        company=Company(**fields),  # type: ignore[arg-type]
        bank=Bank(iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX", bank_name="Commerzbank"),
        locale=locale,
        sender_email="mahnung@baeckerei-schmidt.de",
    )


def make_customer(
    name: str = "Zoë Müller-Groß", locale: str = "de", consumer: bool = True, country: str = "DE"
) -> Customer:
    return Customer(
        tenant_id="baeckerei-schmidt",
        customer_id="K-10042",
        name=name,
        email="zoe@example.org",
        address=Address("Lindenallee 7a", "50667", "Köln", country),
        is_consumer=consumer,
        locale=locale,
    )


def make_plan(n: int = 3, tone: Tone = Tone.NEUTRAL, interest: bool = True) -> NoticePlan:
    level, name, fee = TONES[tone]
    lines = []
    for i in range(n):
        due = date(2026, 8, 1) + timedelta(days=i)
        amount = Decimal("119.45") + 37 * i
        paid = Decimal("50.00") if i == 1 else Decimal("0.00")
        lines.append(
            NoticeLine(
                number=f"RE-{1001 + i}",
                issue_date=due - timedelta(days=14),
                due_date=due,
                amount=amount,
                paid=paid,
                open_amount=amount - paid,
                level=level,
                days_overdue=(RUN - due).days,
                interest=Decimal("1.23") + i if interest and tone is not Tone.FRIENDLY
                else Decimal("0.00"),
            )
        )
    return NoticePlan(
        tenant_id="baeckerei-schmidt",
        customer_id="K-10042",
        run_date=RUN,
        level=level,
        level_name=name,
        tone=tone,
        channels=(Channel.EMAIL,),
        action=Action.LETTER,
        lines=tuple(lines),
        fee=fee,
        deadline=RUN + timedelta(days=10),
        advances=(),
    )


# -- formatting ----------------------------------------------------------------------------


def test_dates_are_formatted_for_the_locale_not_the_process():
    assert format_date(date(2026, 12, 31), "de") == "31.12.2026"
    assert format_date(date(2026, 12, 31), "en") == "31 Dec 2026"
    assert format_date(date(2026, 3, 5), "de") == "05.03.2026"
    assert format_date(date(2026, 3, 5), "en") == "5 Mar 2026"


@pytest.mark.parametrize(
    "customer_locale, tenant_locale, expected",
    [("de", "en", "de"), ("en", "de", "en"), ("en-GB", "de", "en"), ("de_AT", "en", "de"),
     ("fr", "en", "en"), ("", "en", "en"), ("fr", "xx", "de")],
)
def test_locale_is_the_customers_then_the_tenants(customer_locale, tenant_locale, expected):
    assert resolve_locale(make_customer(locale=customer_locale), make_settings(tenant_locale)) == (
        expected
    )


def test_remittance_text_keeps_as_many_invoice_numbers_as_fit():
    assert join_numbers(["RE-1001", "RE-1002"]) == "RE-1001 RE-1002"
    numbers = [f"RE-{1000 + i}" for i in range(60)]
    text = join_numbers(numbers)
    assert len(text) <= 140
    kept = text.split()[:-1]
    assert kept == numbers[: len(kept)]
    assert text.endswith(f" +{60 - len(kept)}")


def test_helpers_for_names_and_numbers():
    assert format_iban("de89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert ascii_slug("1. Mahnung") == "1-mahnung"
    assert ascii_slug("Übergabe an Inkasso") == "uebergabe-an-inkasso"
    assert len(epc_name("Ł" * 80).encode()) <= 70


# -- letter texts --------------------------------------------------------------------------


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_text_names_the_deadline_the_total_and_the_table(locale, tone):
    plan = make_plan(3, tone)
    letter = compose(plan, make_customer(locale=locale), make_settings())
    text = letter.as_plain_text()
    deadline = "25.10.2026" if locale == "de" else "25 Oct 2026"
    total = {"de": f"{plan.total:.2f}".replace(".", ",") + " €", "en": f"€{plan.total:.2f}"}
    assert letter.locale == locale
    assert deadline in text
    assert total[locale] in text
    assert ("unten aufgeführten" if locale == "de" else "listed below") in text
    assert "K-10042" in letter.subject
    assert letter.salutation in text and letter.closing in text
    assert letter.signature == "Bäckerei Schmidt & Söhne GmbH"
    assert "{{" not in text and "{%" not in text
    assert all("  " not in p and " ," not in p for p in letter.paragraphs)


def test_german_subjects_use_the_level_name():
    subjects = [compose(make_plan(1, t), make_customer(), make_settings()).subject for t in Tone]
    assert subjects == [
        "Zahlungserinnerung – Kundennummer K-10042",
        "1. Mahnung – Kundennummer K-10042",
        "Letzte Mahnung – Kundennummer K-10042",
    ]


def test_english_subjects_translate_the_default_level_names():
    letter = compose(make_plan(1, Tone.NEUTRAL), make_customer(locale="en"), make_settings())
    assert letter.subject == "First reminder – Customer no. K-10042"


def test_friendly_reminder_is_polite_and_free():
    de = compose(make_plan(2, Tone.FRIENDLY), make_customer(), make_settings()).as_plain_text()
    assert "Aufmerksamkeit entgangen" in de
    assert "betrachten Sie dieses Schreiben bitte als gegenstandslos" in de
    assert "Gebühr" not in de and "Mahngebühr" not in de and "Inkasso" not in de
    en = compose(make_plan(2, Tone.FRIENDLY), make_customer(locale="en"), make_settings())
    assert "slipped your attention" in en.as_plain_text()
    assert "please disregard this letter" in en.as_plain_text()


def test_firm_letter_announces_the_next_step():
    de = compose(make_plan(2, Tone.FIRM), make_customer(), make_settings()).as_plain_text()
    assert "Inkassounternehmen" in de and "gerichtliche Mahnverfahren" in de
    assert "letztmalig" in de
    en = compose(make_plan(2, Tone.FIRM), make_customer(locale="en"), make_settings())
    assert "collection agency" in en.as_plain_text()
    assert "court dunning proceedings" in en.as_plain_text()


def test_salutation_by_name_for_consumers_generic_for_businesses():
    consumer = compose(make_plan(), make_customer(consumer=True), make_settings())
    business = compose(make_plan(), make_customer("Ørsted A/S", consumer=False), make_settings())
    assert consumer.salutation == "Guten Tag Zoë Müller-Groß,"
    assert business.salutation == "Sehr geehrte Damen und Herren,"
    english = compose(make_plan(), make_customer(locale="en", consumer=False), make_settings())
    assert english.salutation == "Dear Sir or Madam,"


def test_single_invoice_is_named_in_the_text():
    text = compose(make_plan(1, Tone.NEUTRAL), make_customer(), make_settings()).as_plain_text()
    assert "die unten aufgeführte Rechnung RE-1001" in text


def test_interest_and_fees_are_mentioned_only_when_charged():
    with_both = compose(make_plan(2, Tone.NEUTRAL), make_customer(), make_settings())
    assert "einschließlich Verzugszinsen und Mahngebühren" in with_both.as_plain_text()
    plan = make_plan(2, Tone.NEUTRAL, interest=False)
    fees_only = compose(plan, make_customer(), make_settings()).as_plain_text()
    assert "einschließlich Mahngebühren" in fees_only and "Verzugszinsen" not in fees_only
    en = compose(plan, make_customer(locale="en"), make_settings()).as_plain_text()
    assert "outstanding, including reminder fees, is" in en


def test_contact_sentence_is_left_out_without_contact_details():
    settings = make_settings(email="", phone="")
    text = compose(make_plan(), make_customer(), settings).as_plain_text()
    assert "erreichen Sie uns" not in text and "Sie erreichen uns" not in text


# -- tenant templates and the sandbox --------------------------------------------------------


def test_a_tenant_template_overrides_one_level():
    overrides = {"de/level2.txt": "bitte zahlen Sie {{ total }} bis {{ deadline }}.\n\nDanke."}
    plan = make_plan(2, Tone.NEUTRAL)
    letter = compose(plan, make_customer(), make_settings(), overrides=overrides)
    # the legal basis of the interest is added by code: a tenant's text cannot drop it
    assert letter.paragraphs == [
        f"bitte zahlen Sie {letter_total(plan)} bis 25.10.2026. Der Gesamtbetrag enthält "
        "Verzugszinsen in Höhe von 5 Prozentpunkten über dem Basiszinssatz (§ 288 Abs. 1 BGB).",
        "Danke."]
    other = compose(make_plan(2, Tone.FIRM), make_customer(), make_settings(), overrides=overrides)
    assert "letztmalig" in other.as_plain_text()


def letter_total(plan: NoticePlan) -> str:
    return f"{plan.total:.2f}".replace(".", ",") + " €"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ invoice_numbers.__class__.__base__ }}",
        "{{ customer_name.format.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_dunder_access(source):
    with pytest.raises(LetterTemplateError) as info:
        compose(make_plan(), make_customer(), make_settings(), overrides={"de/level2.txt": source})
    assert isinstance(info.value.__cause__, SecurityError | UndefinedError)
    assert "unsafe" in str(info.value) or "undefined" in str(info.value)


def test_the_sandbox_refuses_mutation():
    source = "{{ invoice_numbers.append('x') }}"
    with pytest.raises(LetterTemplateError) as info:
        compose(make_plan(), make_customer(), make_settings(), overrides={"de/level2.txt": source})
    assert isinstance(info.value.__cause__, SecurityError)


def test_unknown_variables_are_errors_not_blanks():
    with pytest.raises(LetterTemplateError, match="iban"):
        compose(
            make_plan(), make_customer(), make_settings(), overrides={"de/level2.txt": "{{ iban }}"}
        )


# -- email bodies ----------------------------------------------------------------------------


def test_html_body_lists_the_items_the_total_and_the_bank():
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    letter = compose(plan, customer, settings)
    html = render_html(letter, plan, customer, settings)
    assert html.lstrip().startswith("<!DOCTYPE html>")
    for number in plan.invoice_numbers:
        assert number in html
    assert letter_total(plan) in html
    assert "DE89 3704 0044 0532 0130 00" in html
    assert "Bäckerei Schmidt &amp; Söhne GmbH" in html
    assert "25.10.2026" in html
    assert "Mahnwerk" not in html


def test_html_escapes_what_customers_and_tenants_typed():
    customer = make_customer(name="<script>alert('x')</script>")
    settings = make_settings(name="Evil <b>GmbH</b>")
    plan = make_plan(1)
    html = render_html(compose(plan, customer, settings), plan, customer, settings)
    assert "<script>" not in html and "<b>GmbH" not in html
    assert "&lt;script&gt;" in html and "Evil &lt;b&gt;GmbH&lt;/b&gt;" in html


def test_plain_body_has_the_same_content():
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    text = render_plain(compose(plan, customer, settings), plan, customer, settings)
    for number in plan.invoice_numbers:
        assert f"- {number}:" in text
    assert f"Zu zahlender Gesamtbetrag: {letter_total(plan)}" in text
    assert "Mahngebühr für dieses Schreiben: 1,50 €" in text
    assert "Verwendungszweck: RE-1001 RE-1002 RE-1003" in text
    assert "USt-IdNr. DE123456789" in text
    assert "&amp;" not in text


# -- the MIME email --------------------------------------------------------------------------

SENT = datetime(2026, 10, 15, 6, 30, tzinfo=UTC)
PDF = b"%PDF-1.4 fake letter\n%%EOF\n"


def parse(message: email.message.EmailMessage) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_email_parses_back_with_text_html_and_the_pdf():
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    parsed = parse(build_email(plan, customer, settings, PDF, SENT))
    assert parsed.get_content_type() == "multipart/mixed"
    [alternative, attachment] = parsed.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in alternative.iter_parts()]
    assert types == ["text/plain", "text/html"]
    for part in alternative.iter_parts():
        assert part.get_content_charset() == "utf-8"
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and "Guten Tag Zoë Müller-Groß," in plain.get_content()
    assert html is not None and "RE-1002" in html.get_content()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "1-mahnung-K-10042-2026-10-15.pdf"
    assert attachment.get_payload(decode=True) == PDF


def test_email_headers():
    plan, customer, settings = make_plan(3), make_customer(), make_settings()
    message = build_email(plan, customer, settings, PDF, SENT, configuration_set="letters")
    raw = message.as_bytes()
    raw.decode("ascii")  # every header is encoded, nothing 8-bit leaks into the headers
    parsed = parse(message)
    assert parsed["From"].addresses[0].display_name == "Bäckerei Schmidt & Söhne GmbH"
    assert parsed["From"].addresses[0].addr_spec == "mahnung@baeckerei-schmidt.de"
    assert parsed["To"].addresses[0].addr_spec == "zoe@example.org"
    assert parsed["Reply-To"].addresses[0].addr_spec == "buchhaltung@baeckerei-schmidt.de"
    assert parsed["Subject"] == "1. Mahnung – Kundennummer K-10042"
    assert parsed["Date"].datetime == SENT
    assert parsed["X-Mahnwerk-Notice"] == plan.notice_id
    assert parsed["X-SES-CONFIGURATION-SET"] == "letters"
    assert parsed["Message-ID"].endswith("@baeckerei-schmidt.de>")
    assert "List-Unsubscribe" not in parsed


def test_message_id_is_deterministic_per_notice():
    plan = make_plan(3)
    first = message_id(plan, "mahnung@baeckerei-schmidt.de")
    assert first == message_id(plan, "mahnung@baeckerei-schmidt.de")
    assert first != message_id(make_plan(3, Tone.FIRM), "mahnung@baeckerei-schmidt.de")
    assert ":" not in first.split("@")[0]
    a = build_email(plan, make_customer(), make_settings(), PDF, SENT)
    b = build_email(plan, make_customer(), make_settings(), PDF, SENT + timedelta(hours=1))
    assert a["Message-ID"] == b["Message-ID"]


def test_email_without_reply_to_or_configuration_set():
    settings = make_settings(email="")
    parsed = parse(build_email(make_plan(1), make_customer(), settings, PDF, SENT))
    assert "Reply-To" not in parsed and "X-SES-CONFIGURATION-SET" not in parsed


def test_attachment_name_is_ascii():
    plan = make_plan(1, Tone.FIRM)
    assert attachment_name(plan) == "letzte-mahnung-K-10042-2026-10-15.pdf"


@pytest.mark.parametrize("field", ["sender", "customer"])
def test_email_refuses_missing_addresses(field):
    settings = make_settings()
    customer = make_customer()
    if field == "sender":
        settings = TenantSettings(
            tenant_id=settings.tenant_id, company=settings.company, bank=settings.bank
        )
    else:
        customer = Customer(tenant_id="baeckerei-schmidt", customer_id="K-1", name="Ohne Mail")
    with pytest.raises(ValueError, match="email"):
        build_email(make_plan(1), customer, settings, PDF, SENT)


def test_email_refuses_a_naive_timestamp():
    with pytest.raises(ValueError, match="timezone"):
        build_email(make_plan(1), make_customer(), make_settings(), PDF, datetime(2026, 10, 15))


def test_check_template_accepts_good_and_rejects_bad_tenant_templates():
    from mahnwerk.letters.texts import check_template

    plan, customer, settings = make_plan(), make_customer(), make_settings()
    check_template("bitte zahlen Sie {{ total }} bis {{ deadline }}.", plan, customer, settings)
    with pytest.raises(LetterTemplateError):
        check_template("{{ total.__class__ }}", plan, customer, settings)
    with pytest.raises(LetterTemplateError):
        check_template("{% if %}", plan, customer, settings)


def test_email_bodies_mention_the_attachment():
    plan, customer, settings = make_plan(1), make_customer(locale="en"), make_settings()
    letter = compose(plan, customer, settings)
    assert "attached as a PDF" in render_plain(letter, plan, customer, settings)
    assert "attached as a PDF" in render_html(letter, plan, customer, settings)


# -- purity: letters run in the core layer, so the same rules apply ----------------------------


def letter_modules() -> list[Path]:
    return sorted((PACKAGE / "letters").rglob("*.py"))


@pytest.mark.parametrize("path", letter_modules(), ids=lambda p: p.name)
def test_letter_module_is_pure(path):
    assert violations(path.read_text(encoding="utf-8")) == []
