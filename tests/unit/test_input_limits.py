"""Limits found by the hostile-input campaign (docs/hostile-input.md): oversized settings, the EICAR
signature in a bank statement's texts, and an MT940 file without any statement."""

import json

import pytest

from mahnwerk.domain.model import DomainError
from mahnwerk.domain.settings_doc import MAX_DOCUMENT_BYTES, settings_from_dict
from mahnwerk.intake.bank import SIGNATURE_REMOVED, parse_bank_file
from mahnwerk.intake.guard import EICAR
from mahnwerk_local.camt import Credit, camt053

from ..conftest import ROOT

DEMO = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))


def test_a_settings_document_too_large_for_one_item_is_refused():
    doc = {**DEMO, "company": {**DEMO["company"], "website": "w" * MAX_DOCUMENT_BYTES}}
    with pytest.raises(DomainError, match="at most 300,000"):
        settings_from_dict("t", doc)
    assert settings_from_dict("t", DEMO).company.name


def test_the_eicar_signature_in_a_payment_text_is_removed_and_the_booking_kept():
    from datetime import date
    from decimal import Decimal

    data = camt053("DE02120300000000202051", [
        Credit(date(2026, 3, 20), Decimal("10.00"), "RE-1 " + EICAR.decode(), "Max Muster"),
        Credit(date(2026, 3, 20), Decimal("20.00"), "RE-2", "Eva Muster")])
    result = parse_bank_file(data, "s.xml")
    assert [p.amount for p in result.payments] == [Decimal("10.00"), Decimal("20.00")]
    assert result.payments[0].remittance == f"RE-1 {SIGNATURE_REMOVED}"
    assert EICAR.decode() not in repr(result.entries)
    assert [w.reason for w in result.warnings if "EICAR" in w.reason]
    assert not result.rejects


def test_an_mt940_header_followed_by_junk_is_refused_with_a_reason():
    result = parse_bank_file(b":20:STARTUMS\r\n" + bytes(range(256)) * 32, "x.sta")
    assert not result.entries
    assert [r.reason for r in result.rejects] == [
        "no MT940 statement found (no account :25:, balance :60F:/:62F: or booking :61:)"]
    # a statement without bookings (a day without movements) is still fine
    quiet = parse_bank_file(b":20:S1\r\n:25:DE02120300000000202051\r\n:28C:1/1\r\n"
                            b":60F:C260301EUR100,00\r\n:62F:C260301EUR100,00\r\n-\r\n", "q.sta")
    assert not quiet.rejects and not quiet.entries
