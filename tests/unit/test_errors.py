"""Every error a caller can be told about has a code of its own, an HTTP status, an English message
and a German text for the dashboard (``web/error_texts.py``)."""

from __future__ import annotations

import importlib
import pkgutil

import mahnwerk
from mahnwerk.domain.errors import MahnwerkError
from mahnwerk.web.error_texts import ERRORS, error_text


def every_error_class() -> list[type[MahnwerkError]]:
    for module in pkgutil.walk_packages(mahnwerk.__path__, "mahnwerk."):
        importlib.import_module(module.name)
    found, pending = [], [MahnwerkError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_class_names_its_own_code_status_and_message():
    classes = every_error_class()
    assert len(classes) > 20
    for cls in classes:
        assert "code" in vars(cls), f"{cls.__qualname__} inherits its code"
        assert 400 <= cls.status < 600 and cls.message, cls.__qualname__
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)


def test_every_code_has_a_german_text_and_no_text_lacks_a_code():
    codes = {cls.code for cls in every_error_class()}
    assert not codes - ERRORS.keys(), f"no German text for {sorted(codes - ERRORS.keys())}"
    assert not ERRORS.keys() - codes, f"texts for no error: {sorted(ERRORS.keys() - codes)}"
    assert all(text.strip() for text in ERRORS.values())


def test_people_read_german_by_code_and_english_by_message():
    from mahnwerk.service.ports import Conflict

    conflict = Conflict("acme#R-1")  # the key is internal: never shown
    assert error_text("de", conflict) == ERRORS["conflict"]
    assert error_text("en", conflict) == Conflict.message
    assert error_text("en", MahnwerkError("the detail")) == "the detail"
