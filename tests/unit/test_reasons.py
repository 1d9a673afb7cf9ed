"""The reason catalogue (domain/reasons.py): every code a person can be shown has a German and
an English text with the same placeholders, every code the package uses is in the catalogue, and
no reject is built from free text."""

from __future__ import annotations

import ast
import pickle
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import mahnwerk
from mahnwerk.domain.model import Reject
from mahnwerk.domain.reasons import CATALOGUE, Reason, from_dict, reason_of, reason_text

PACKAGE = Path(mahnwerk.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
#: calls that take a reason as their argument (index of that argument)
_REASON_TAKERS = {"Reject": 2, "reject": 1, "warn": 1, "rejected": 1, "FieldError": 0,
                  "EInvoiceError": 0, "PdfRefused": 0, "Refused": 0, "_Skip": 0}


def _calls():
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else (
                    func.attr if isinstance(func, ast.Attribute) else "")
                yield path, node, name


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_code_has_a_german_and_an_english_text():
    assert len(CATALOGUE) > 50
    for code, (german, english) in CATALOGUE.items():
        assert german.strip() and english.strip(), code
        assert german != english or _placeholders(german) == {german.strip("{}")}, code


def test_german_and_english_texts_name_the_same_placeholders():
    """The same params in both texts; a German wording of a param is its ``*_de`` twin."""
    def names(text: str) -> set[str]:
        return {name.removesuffix("_de") for name in _placeholders(text)}

    for code, (german, english) in CATALOGUE.items():
        if code == "pdf_review":  # the PDF reader's own explanation in each language
            assert (_placeholders(german), _placeholders(english)) == ({"de"}, {"en"})
            continue
        assert names(german) == names(english), code


def test_every_code_the_package_uses_is_in_the_catalogue():
    used, dynamic = set(), []
    for path, node, name in _calls():
        if name != "Reason":
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            used.add(first.value)
        else:
            dynamic.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not used - CATALOGUE.keys(), f"no texts for {sorted(used - CATALOGUE.keys())}"
    # codes chosen at run time come from a table whose every value is a catalogue code
    from mahnwerk.service.intake import _UNDELIVERABLE
    assert set(_UNDELIVERABLE.values()) <= CATALOGUE.keys()
    assert sorted(dynamic) == ["domain/reasons.py:" + str(n) for n in _rebuild_lines()] + [
        f"service/intake.py:{n}" for n in _undeliverable_lines()]
    unused = CATALOGUE.keys() - used - set(_UNDELIVERABLE.values()) - {"pdf_review", "file_unreadable", "einvoice_refused",
                                         "pdf_refused"}  # reason_of's own codes
    assert not unused, f"texts no code uses: {sorted(unused)}"


def _rebuild_lines() -> list[int]:
    return [node.lineno for path, node, name in _calls()
            if name == "Reason" and path.name == "reasons.py" and not (
                node.args and isinstance(node.args[0], ast.Constant))]


def _undeliverable_lines() -> list[int]:
    return [node.lineno for path, node, name in _calls()
            if name == "Reason" and path.name == "intake.py" and path.parent.name == "service"
            and not (node.args and isinstance(node.args[0], ast.Constant))]


def test_no_reject_or_refusal_is_built_from_free_text():
    found = []
    for path, node, name in _calls():
        index = _REASON_TAKERS.get(name)
        if index is None or len(node.args) <= index or path.name.startswith("settings"):
            continue  # settings' FieldError(path, code, message): coded, texts in web/i18n.py
        arg = node.args[index]
        if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant)
                                              and isinstance(arg.value, str)) or (
                isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "str"):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert not found, f"free-text reasons (use a Reason of domain/reasons.py): {found}"


def test_a_reason_is_its_english_text_and_renders_german_with_german_dates_and_amounts():
    reason = Reason("due_before_issue", number="RE-1", due_date=date(2026, 2, 1),
                    issue_date=date(2026, 3, 1))
    assert reason.startswith("invoice RE-1: the due date 2026-02-01 is before")
    assert "Fälligkeitsdatum 01.02.2026 liegt vor dem Rechnungsdatum 01.03.2026" in reason.text("de")
    money = Reason("open_amount_range", open_amount=Decimal("1234.56"), amount=Decimal("1000"))
    assert money.text("de") == "Der offene Betrag 1.234,56 € liegt nicht zwischen 0 und 1.000,00 €."
    assert money.text("en") == str(money) == "open amount €1,234.56 is outside 0…€1,000.00"
    assert Reason("not_a_date", text="31.11.2026").text("de").startswith(
        "Kein gültiges Datum: „31.11.2026“")


def test_a_reason_survives_json_pickle_and_dynamodb_numbers():
    reason = Reason("invoice_in_dunning", number="RE-1", level=2, changes="amount")
    entry = Reject("a.csv", 3, reason).as_dict()
    assert entry == {"file": "a.csv", "line": 3, "code": "invoice_in_dunning",
                     "message": str(reason), "params": {"number": "RE-1", "level": 2,
                                                        "changes": "amount"},
                     "reason": str(reason)}
    assert from_dict(entry) == reason and from_dict(entry).text("de") == reason.text("de")
    stored = dict(entry, params=dict(entry["params"], level=Decimal(2)))  # as DynamoDB gives it
    assert "(Stufe 2)" in reason_text(stored, "de")
    assert pickle.loads(pickle.dumps(reason)).code == "invoice_in_dunning"
    with pytest.raises(AttributeError):
        reason.code = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown reason code"):
        Reason("no_such_code")


def test_old_reports_and_bilingual_texts_still_read():
    assert reason_text({"file": "a.csv", "line": 1, "reason": "not a date: 'x'"}, "de") == "not a date: 'x'"
    review = reason_of(ValueError("review: no amount found — Zur Prüfung: kein Betrag gefunden"))
    assert review.code == "pdf_review" and str(review) == "review: no amount found"
    assert review.text("de") == "Zur Prüfung: kein Betrag gefunden"


def test_the_inbox_reply_gives_each_refusal_in_the_readers_language():
    from mahnwerk.letters.inbox_reply import FileResult, _section

    refused = Reject("r.csv", 4, Reason("not_a_date", text="31.11.2026")).as_dict()
    result = FileResult("r.csv", ("RE-1",), (refused, "an old text without a code"))
    german = _section("de", [result], "", "Acme")
    english = _section("en", [result], "", "Acme")
    assert "nicht übernommen: Zeile 4: Kein gültiges Datum: „31.11.2026“" in german
    assert "not a date" not in german and "an old text without a code" in german
    assert "not imported: line 4: not a date: '31.11.2026'" in english
