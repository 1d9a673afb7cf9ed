"""Bank statement parsers: MT940, camt.053 and bank CSV edge cases, entry keys, sniffing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.intake.bank import (
    BankEntry,
    parse_bank_csv,
    parse_bank_file,
    parse_camt053,
    parse_mt940,
    sniff_bank_format,
)

# --- MT940 -----------------------------------------------------------------------------------

HEADER = ":20:STMT1\n:25:DE89370400440532013000\n:28C:00001/001\n:60F:C231229EUR1000,00\n"


def mt940(bookings: str, closing: str = "", header: str = HEADER) -> bytes:
    return (header + bookings + (closing or "") + "-\n").encode("utf-8")


def test_mt940_year_turn_january_booking_for_december_value_date():
    result = parse_mt940(mt940(":61:2312310102C100,00NTRFNONREF//B1\n:86:166?20SVWZ+RE 1\n"), "a.sta")
    [entry] = result.entries
    assert entry.value_date == date(2023, 12, 31)
    assert entry.booking_date == date(2024, 1, 2)


def test_mt940_year_turn_december_booking_for_january_value_date():
    result = parse_mt940(mt940(":61:2401021231C100,00NTRFNONREF\n"), "a.sta")
    [entry] = result.entries
    assert entry.value_date == date(2024, 1, 2)
    assert entry.booking_date == date(2023, 12, 31)


def test_mt940_without_entry_date_books_on_the_value_date():
    [entry] = parse_mt940(mt940(":61:240315C5,00NTRFNONREF\n"), "a.sta").entries
    assert entry.booking_date == entry.value_date == date(2024, 3, 15)


@pytest.mark.parametrize("mark, credit, reversal", [
    ("C", True, False),
    ("D", False, False),
    ("CR", True, False),  # C with funds code R (third letter of EUR), not a reversal
    ("DR", False, False),
    ("RC", False, True),  # reversal of a credit: money goes out
    ("RD", True, True),  # reversal of a debit: money comes back, but it is no customer payment
    ("RCR", False, True),
])
def test_mt940_debit_credit_and_reversal_marks(mark, credit, reversal):
    result = parse_mt940(mt940(f":61:2401020102{mark}12,50NTRFNONREF//X\n"), "a.sta")
    [entry] = result.entries
    assert (entry.credit, entry.reversal, entry.amount) == (credit, reversal, Decimal("12.50"))
    assert entry.is_payment is (credit and not reversal)


def test_mt940_multiline_86_with_svwz_split_over_subfields_and_lines():
    details = (
        ":86:166?00GUTSCHRIFT SEPA?109310?20EREF+RE-2024-0815?21SVWZ+Rechnung RE-2024-08\n"
        "15 Kunde 4711?22 vielen Dank?30COBADEFFXXX?31DE02120300000000202051\n"
        "?32Muster GmbH?33 Buchhaltung?34000\n"
    )
    result = parse_mt940(mt940(":61:2401020102CR119,00NTRFNONREF//BANKREF1\n" + details), "a.sta")
    [entry] = result.entries
    assert entry.remittance == "Rechnung RE-2024-0815 Kunde 4711 vielen Dank"
    assert entry.structured_reference == "RE-2024-0815"
    assert entry.debtor_name == "Muster GmbH Buchhaltung"
    assert entry.debtor_iban == "DE02120300000000202051"
    assert entry.bank_reference == "BANKREF1"
    assert entry.account_iban == "DE89370400440532013000"
    assert entry.currency == "EUR"
    assert entry.line == 5


def test_mt940_purpose_without_svwz_is_the_whole_text_without_markers():
    details = ":86:166?20EREF+NOTPROVIDED?21KREF+ABC 123?22MREF+M-1?32Name\n"
    [entry] = parse_mt940(mt940(":61:2401020102C1,00NTRFNONREF\n" + details), "a.sta").entries
    assert entry.remittance == "NOTPROVIDED ABC 123 M-1"
    assert entry.structured_reference == "ABC 123"  # EREF is NOTPROVIDED → KREF


def test_mt940_iban_and_name_from_keywords_when_subfields_are_missing():
    details = ":86:166?20SVWZ+RE 42?21IBAN+DE02 1203 0000 0000 2020 51?22ABWA+Max Muster\n"
    [entry] = parse_mt940(mt940(":61:2401020102C1,00NTRFNONREF\n" + details), "a.sta").entries
    assert entry.remittance == "RE 42"
    assert entry.debtor_iban == "DE02120300000000202051"
    assert entry.debtor_name == "Max Muster"


def test_mt940_non_sepa_structured_and_free_text_details():
    bookings = (
        ":61:2401020102C1,00NTRFNONREF\n:86:051?00UEBERWEISUNG?20Rechnung 1?21234 Danke?32ALT\n"
        ":61:2401020102C2,00NTRFNONREF\n:86:Rechnung 77\nvom Januar\n"
    )
    first, second = parse_mt940(mt940(bookings), "a.sta").entries
    assert (first.remittance, first.debtor_name) == ("Rechnung 1234 Danke", "ALT")
    assert second.remittance == "Rechnung 77 vom Januar"


def test_mt940_binary_character_is_cleaned():
    data = mt940(":61:2401020102C1,00NTRFNONREF\n:86:166?20SVWZ+RE\x00 1\x1a7?32Kund\x07e\n")
    [entry] = parse_mt940(data, "a.sta").entries
    assert entry.remittance == "RE 17"
    assert entry.debtor_name == "Kunde"


def test_mt940_cp1252_is_read():
    data = mt940(":61:2401020102C1,00NTRFNONREF\n:86:166?20SVWZ+Grüße für Überweisung?32Jörg Weiß\n")
    [entry] = parse_mt940(data.decode().encode("cp1252"), "a.sta").entries
    assert entry.remittance == "Grüße für Überweisung"
    assert entry.debtor_name == "Jörg Weiß"


@pytest.mark.parametrize("code_page, purpose, name", [
    # DOS code pages older German banking programs write: ü is 0x81, ß 0xE1 (not Windows-1252)
    ("cp850", "Grüße für Überweisung RE-7", "Jörg Weiß"),
    ("cp437", "Grüße für Überweisung RE-7", "Jörg Weiß"),
    ("cp850", "Facture réglée à Genève", "François Müller"),
    # Central European (852): Polish and Czech letters beside the German ones
    ("cp852", "Zapłata faktura RE-7 Łódź", "Dvořák Müller"),
])
def test_mt940_in_a_dos_code_page_keeps_its_letters(code_page, purpose, name):
    data = mt940(f":61:2401020102C1,00NTRFNONREF\n:86:166?20SVWZ+{purpose}?32{name}\n")
    [entry] = parse_mt940(data.decode().encode(code_page), "a.sta").entries
    assert (entry.remittance, entry.debtor_name) == (purpose, name)


def test_mt942_interim_report_takes_its_currency_from_the_floor_limit():
    data = (b":20:INTRADAY1\n:25:DE89370400440532013000\n:28C:00001/001\n:34F:EURD0,\n"
            b":13D:2401021200+0100\n:61:2401020102C150,00NTRFNONREF\n:86:166?20SVWZ+RE-17?32Anna Schmidt\n"
            b":90C:1EUR150,00\n-\n")
    assert sniff_bank_format(data) == "mt940"
    result = parse_bank_file(data, "intraday.sta")
    assert result.rejects == []
    [entry] = result.entries
    assert (entry.amount, entry.currency, entry.remittance, entry.booking_date) == (
        Decimal("150.00"), "EUR", "RE-17", date(2024, 1, 2))


def test_mt940_booking_without_balance_or_floor_limit_is_rejected_for_its_unknown_currency():
    data = (b":20:X\n:25:DE89370400440532013000\n:61:2401020102C150,00NTRFNONREF\n:86:166?20SVWZ+RE-17\n"
            b"-\n")
    result = parse_mt940(data, "x.sta")
    assert result.entries == [] and "currency of this booking is unknown" in result.rejects[0].reason


def test_mt940_bad_booking_line_is_rejected_and_the_others_are_kept():
    bookings = (
        ":61:2401020102C10,00NTRFNONREF\n:86:166?20SVWZ+ok\n"
        ":61:24XX020102C10,00NTRFNONREF\n:86:166?20SVWZ+broken\n"
        ":61:2401020102C1,2,3NTRFNONREF\n"
        ":61:2402300230C10,00NTRFNONREF\n"
        ":61:2401020102C20,00NTRFNONREF\n:86:166?20SVWZ+also ok\n"
    )
    result = parse_mt940(mt940(bookings), "a.sta")
    assert [e.remittance for e in result.entries] == ["ok", "also ok"]
    assert [r.line for r in result.rejects] == [7, 9, 10]
    assert all(":61:" in r.reason for r in result.rejects)


def test_mt940_statement_that_does_not_add_up_is_taken_with_a_warning():
    good = parse_mt940(mt940(":61:2401020102C10,00NTRFNONREF\n", ":62F:C240102EUR1010,00\n"), "a")
    assert good.warnings == [] and good.rejects == []
    assert good.opening_balance is not None and good.opening_balance.amount == Decimal("1000.00")
    assert good.closing_balance is not None and good.closing_balance.amount == Decimal("1010.00")
    assert good.statement_ids == ["STMT1"] and good.account_iban == "DE89370400440532013000"
    bad = parse_mt940(mt940(":61:2401020102C10,00NTRFNONREF\n", ":62F:C240102EUR1020,00\n"), "b")
    assert len(bad.entries) == 1 and bad.rejects == []
    assert "does not add up" in bad.warnings[0].reason


def test_mt940_without_any_balance_rejects_bookings_because_the_currency_is_unknown():
    data = b":20:X\n:25:DE89370400440532013000\n:61:2401020102C10,00NTRFNONREF\n-\n"
    result = parse_mt940(data, "a.sta")
    assert result.entries == []
    assert "currency" in result.rejects[0].reason


def test_mt940_swift_envelope_and_crlf():
    body = HEADER + ":61:2401020102C10,00NTRFNONREF\n:62F:C240102EUR1010,00\n"
    data = ("{1:F01BANKDEFFAXXX0000000000}{2:O940BANKDEFFXXXXN}{4:\n" + body + "-}").encode()
    result = parse_bank_file(data.replace(b"\n", b"\r\n"), "a.sta")
    assert result.format == "mt940"
    assert len(result.entries) == 1 and result.rejects == [] and result.warnings == []


def test_mt940_statement_over_two_pages():
    data = mt940(
        ":61:2401020102C10,00NTRFNONREF\n:62M:C240102EUR1010,00\n"
        ":60M:C240102EUR1010,00\n:61:2401030103D5,00NTRFNONREF\n",
        ":62F:C240103EUR1005,00\n")
    result = parse_mt940(data, "pages.sta")
    assert [e.signed_amount for e in result.entries] == [Decimal("10.00"), Decimal("-5.00")]
    assert result.rejects == [] and result.warnings == []
    assert [s.statement_id for s in result.statements] == ["STMT1", "STMT1"]
    assert result.closing_balance is not None and result.closing_balance.amount == Decimal("1005.00")


def test_mt940_text_outside_fields_is_reported():
    result = parse_mt940(b"garbage line\n" + mt940(":61:2401020102C10,00NTRFNONREF\n"), "a")
    assert len(result.entries) == 1
    assert result.rejects[0].line == 1


# --- camt.053 --------------------------------------------------------------------------------


def camt(entries: str, version: str = "02", extra_stmt: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-01-03T06:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S1</Id>
      <Acct><Id><IBAN>DE89 3704 0044 0532 0130 00</IBAN></Id></Acct>
      <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>
      {entries}
    </Stmt>{extra_stmt}
  </BkToCstmrStmt>
</Document>""".encode()


def tx(amount: str | None, name: str, text: str, iban: str = "DE02120300000000202051") -> str:
    amt = f'<Amt Ccy="EUR">{amount}</Amt>' if amount else ""
    refs = f"<Refs><AcctSvcrRef>R-{name}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
    return f"""<TxDtls>{refs}{amt}
      <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>
      <RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"""


def ntry(amount: str, details: str, status: str = "<Sts>BOOK</Sts>", ind: str = "CRDT") -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{status}
      <BookgDt><Dt>2024-01-02</Dt></BookgDt><ValDt><DtTm>2024-01-03T10:00:00+01:00</DtTm></ValDt>
      <AcctSvcrRef>ENTRY-REF</AcctSvcrRef><NtryDtls>{details}</NtryDtls></Ntry>"""


def test_camt_batch_entry_becomes_one_entry_per_transaction():
    batch = ntry("60.00", tx("10.00", "Anna", "RE-1") + tx("20.00", "Bert", "RE-2")
                 + tx("30.00", "Cora", "RE-3", iban="DE75512108001245126199"))
    result = parse_camt053(camt(batch), "b.xml")
    assert result.rejects == []
    assert [(e.amount, e.debtor_name, e.remittance, e.bank_reference) for e in result.entries] == [
        (Decimal("10.00"), "Anna", "RE-1", "R-Anna"),
        (Decimal("20.00"), "Bert", "RE-2", "R-Bert"),
        (Decimal("30.00"), "Cora", "RE-3", "R-Cora"),
    ]
    first = result.entries[0]
    assert first.account_iban == "DE89370400440532013000"
    assert first.booking_date == date(2024, 1, 2) and first.value_date == date(2024, 1, 3)
    assert first.structured_reference == ""  # EndToEndId NOTPROVIDED is no reference
    assert result.entries[0].line < result.entries[1].line < result.entries[2].line
    assert len({e.entry_key for e in result.entries}) == 3


def test_camt_batch_without_own_amounts_stays_one_entry():
    batch = ntry("60.00", tx(None, "Anna", "RE-1") + tx(None, "Bert", "RE-2"))
    [entry] = parse_camt053(camt(batch), "b.xml").entries
    assert entry.amount == Decimal("60.00")
    assert entry.remittance == "RE-1 | RE-2"
    assert entry.debtor_name == ""  # the transactions disagree
    assert entry.debtor_iban == "DE02120300000000202051"  # they agree
    assert entry.bank_reference == "ENTRY-REF"


def test_camt_v08_status_code_party_and_structured_reference():
    details = """<TxDtls><RltdPties><Dbtr><Pty><Nm>Neue GmbH</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Strd><RfrdDocInf><Nb>RE-9</Nb></RfrdDocInf>
        <CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"""
    data = camt(ntry("5.00", details, status="<Sts><Cd>BOOK</Cd></Sts>"), version="08")
    result = parse_camt053(data, "v8.xml")
    [entry] = result.entries
    assert result.format == "camt.053.001.08"
    assert (entry.debtor_name, entry.structured_reference, entry.remittance) == (
        "Neue GmbH", "RF18539007547034", "RE-9")


def test_camt_pending_entry_is_rejected_and_debits_are_kept_but_not_payments():
    entries = ntry("5.00", tx(None, "A", "x"), status="<Sts>PDNG</Sts>") + ntry(
        "7.00", "", ind="DBIT")
    result = parse_camt053(camt(entries), "p.xml")
    assert "not booked" in result.rejects[0].reason
    [debit] = result.entries
    assert debit.credit is False and result.payments == [] and result.debit_count == 1


@pytest.mark.parametrize("namespace, reason", [
    ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.02", "camt.054.001.02"),
    ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.10", "camt.053.001.10"),
    ("urn:example:other", "urn:example:other"),
])
def test_camt_other_documents_are_refused_with_reason(namespace, reason):
    data = camt(ntry("1.00", "")).replace(
        b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", namespace.encode())
    result = parse_camt053(data, "x.xml")
    assert result.entries == []
    assert reason in result.rejects[0].reason


def test_camt_without_namespace_is_read_by_local_names():
    data = camt(ntry("1.00", "")).replace(
        b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b"")
    assert len(parse_camt053(data, "x.xml").entries) == 1


@pytest.mark.parametrize("data, reason", [
    (b"<Document><BkToCstmrStmt><Stmt>", "not well-formed"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>', "forbidden"),
    (b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://example.invalid/x.dtd"><Document/>',
     "forbidden"),
    (b"<html><body/></html>", "BkToCstmrStmt"),
])
def test_camt_malformed_or_hostile_xml_is_rejected(data, reason):
    result = parse_camt053(data, "evil.xml")
    assert result.entries == []
    assert reason in result.rejects[0].reason


def test_camt_utf16():
    data = camt(ntry("1.00", "")).replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    result = parse_bank_file(data.decode().encode("utf-16"), "u16.xml")
    assert result.format == "camt.053.001.02" and len(result.entries) == 1


def test_camt_size_limit():
    result = parse_camt053(camt(ntry("1.00", "")), "big.xml", max_bytes=100)
    assert result.entries == [] and "too large" in result.rejects[0].reason


def test_camt_multiple_statements():
    second = """<Stmt><Id>S2</Id><Acct><Id><Othr><Id>ACC-2</Id></Othr></Id></Acct>""" + ntry(
        "2.00", "") + "</Stmt>"
    result = parse_camt053(camt(ntry("1.00", ""), extra_stmt=second), "m.xml")
    assert [(e.statement_id, e.account_iban) for e in result.entries] == [
        ("S1", "DE89370400440532013000"), ("S2", "ACC-2")]
    assert result.statement_ids == ["S1", "S2"]


# --- CSV -------------------------------------------------------------------------------------

SPARKASSE = (
    '"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";'
    '"Glaeubiger ID";"Mandatsreferenz";"Kundenreferenz (End-to-End)";"Sammlerreferenz";'
    '"Lastschrift Ursprungsbetrag";"Auslagenersatz Ruecklastschrift";'
    '"Beguenstigter/Zahlungspflichtiger";"Kontonummer/IBAN";"BIC (SWIFT-Code)";"Betrag";'
    '"Waehrung";"Info"\n'
    '"DE89370400440532013000";"02.01.24";"02.01.24";"GUTSCHR. UEBERWEISUNG";"RE-2024-001 Danke";'
    '"";"";"NOTPROVIDED";"";"";"";"Müller & Söhne GmbH";"DE02120300000000202051";"BYLADEM1001";'
    '"1.190,00";"EUR";"Umsatz gebucht"\n'
    '"DE89370400440532013000";"03.01.24";"03.01.24";"FOLGELASTSCHRIFT";"Strom";"DE98ZZZ";'
    '"M-77";"E2E-1";"";"";"";"Stadtwerke";"DE75512108001245126199";"X";"-50,00";"EUR";'
    '"Umsatz gebucht"\n'
    '"DE89370400440532013000";"04.01.24";"04.01.24";"GUTSCHR";"RE-2";"";"";"";"";"";"";"Y";'
    '"";"";"10,00";"EUR";"Umsatz vorgemerkt"\n'
)


def test_csv_sparkasse_cp1252():
    result = parse_bank_csv(SPARKASSE.encode("cp1252"), "sk.csv")
    credit, debit = result.entries
    assert credit.debtor_name == "Müller & Söhne GmbH"
    assert (credit.amount, credit.credit, credit.booking_date) == (
        Decimal("1190.00"), True, date(2024, 1, 2))
    assert credit.remittance == "RE-2024-001 Danke" and credit.structured_reference == ""
    assert credit.account_iban == "DE89370400440532013000"
    assert credit.line == 2
    assert (debit.credit, debit.amount, debit.structured_reference) == (False, Decimal("50.00"), "E2E-1")
    assert [(r.line, "vorgemerkt" in r.reason.lower()) for r in result.rejects] == [(4, True)]
    assert result.payments == [credit]


def test_csv_with_preamble_and_soll_haben_column():
    data = (
        "Kontoumsätze\n"
        "Konto;DE89 3704 0044 0532 0130 00\n"
        "Zeitraum;01.01.2024 - 31.01.2024\n"
        "\n"
        "Buchungstag;Wertstellung;Auftraggeber;Verwendungszweck;IBAN;Betrag (EUR);S/H\n"
        "02.01.2024;02.01.2024;Kunde A;RE 1;DE02120300000000202051;100,00;H\n"
        "02.01.2024;03.01.2024;Vermieter;Miete;DE75512108001245126199;800,00;S\n"
        "kaputt;02.01.2024;X;Y;;1,00;H\n"
        "05.01.2024;05.01.2024;Kunde B;RE 2;;12,00;?\n"
        "05.01.2024;;Kunde C;RE 3;;3,00;H\n"
    ).encode("cp1252")
    result = parse_bank_file(data, "bank.csv")
    assert result.format == "csv"
    assert [(e.debtor_name, e.signed_amount, e.line) for e in result.entries] == [
        ("Kunde A", Decimal("100.00"), 6), ("", Decimal("-800.00"), 7), ("Kunde C", Decimal("3.00"), 10)]
    assert result.entries[0].account_iban == "DE89370400440532013000"
    assert result.entries[0].value_date == date(2024, 1, 2)
    assert result.entries[2].value_date is None
    assert [r.line for r in result.rejects] == [8, 9]
    assert "Soll/Haben" in result.rejects[1].reason


def test_csv_dkb_and_ing_layouts():
    dkb = (
        '"Girokonto";"DE89370400440532013000"\n"Zeitraum:";"01.01.2024 - 31.01.2024"\n""\n'
        '"Buchungsdatum";"Wertstellung";"Status";"Zahlungspflichtige*r";"Zahlungsempfänger*in";'
        '"Verwendungszweck";"Umsatztyp";"IBAN";"Betrag (€)";"Gläubiger-ID";"Mandatsreferenz";'
        '"Kundenreferenz"\n'
        '"02.01.24";"02.01.24";"Gebucht";"Kunde A";"Wir";"RE 5";"Eingang";"DE02120300000000202051";'
        '"1.000,50 €";"";"";"KR-1"\n'
    ).encode()
    [entry] = parse_bank_csv(dkb, "dkb.csv").entries
    assert (entry.debtor_name, entry.amount, entry.structured_reference, entry.debtor_iban) == (
        "Kunde A", Decimal("1000.50"), "KR-1", "DE02120300000000202051")
    ing = (
        "Umsatzanzeige;Datei erstellt am: 03.01.2024\n\nIBAN;DE89 3704 0044 0532 0130 00\n"
        "Kontoname;Girokonto\n\n"
        "Buchung;Valuta;Auftraggeber/Empfänger;Buchungstext;Verwendungszweck;Saldo;Währung;Betrag;Währung\n"
        "02.01.2024;02.01.2024;Kunde B;Gutschrift;RE 6;2.000,00;EUR;250,00;EUR\n"
    ).encode()
    [entry] = parse_bank_csv(ing, "ing.csv").entries
    assert (entry.debtor_name, entry.amount, entry.account_iban, entry.remittance) == (
        "Kunde B", Decimal("250.00"), "DE89370400440532013000", "RE 6")


def test_csv_soll_haben_mark_inside_the_amount_cell():
    data = "Buchungstag;Umsatz\n01.02.2024;1.200,00 H\n01.02.2024;12,00 S\n"
    credit, debit = parse_bank_csv(data.encode(), "x.csv").entries
    assert (credit.signed_amount, debit.signed_amount) == (Decimal("1200.00"), Decimal("-12.00"))


def test_csv_separate_soll_and_haben_columns():
    data = "Buchungstag;Verwendungszweck;Soll;Haben\n01.02.2024;A;12,00;\n01.02.2024;B;;7,50\n"
    debit, credit = parse_bank_csv(data.encode(), "x.csv").entries
    assert (debit.credit, debit.amount, credit.credit, credit.amount) == (
        False, Decimal("12.00"), True, Decimal("7.50"))


def test_csv_utf16_tab_separated_as_excel_saves_unicode_text():
    data = "Buchungstag\tVerwendungszweck\tBetrag\n02.01.2024\tRE 9 Grüße\t9,99\n"
    for encoded in (data.encode("utf-16"), data.encode("utf-16-be").join([b"\xfe\xff", b""])):
        result = parse_bank_file(encoded, "u16.csv")
        assert result.format == "csv"
        [entry] = result.entries
        assert (entry.remittance, entry.amount) == ("RE 9 Grüße", Decimal("9.99"))


def test_csv_without_header_is_rejected():
    result = parse_bank_csv(b"foo;bar\n1;2\n", "x.csv")
    assert result.entries == [] and "no header row" in result.rejects[0].reason


# --- entry keys ------------------------------------------------------------------------------


def test_the_same_file_twice_gives_identical_keys():
    data = SPARKASSE.encode()
    first = [e.entry_key for e in parse_bank_file(data, "a.csv").entries]
    second = [e.entry_key for e in parse_bank_file(data, "renamed.csv").entries]
    assert first == second and len(set(first)) == len(first)
    assert all(len(k) == 64 for k in first)


def test_same_amount_same_day_from_different_debtors_differ():
    base = BankEntry("DE89370400440532013000", date(2024, 1, 2), None, Decimal("100.00"), "EUR",
                     True, remittance="Rechnung 1", debtor_iban="DE02120300000000202051")
    other = replace(base, debtor_iban="DE75512108001245126199")
    assert base.entry_key != other.entry_key
    assert replace(base, line=99, debtor_name="x", value_date=date(2024, 1, 3)).entry_key == \
        base.entry_key  # line, name and value date are not part of the key


def test_identical_bookings_in_one_file_get_distinct_keys_stably():
    bookings = ":61:2401020102C10,00NTRFNONREF\n:86:166?20SVWZ+Spende\n" * 2
    data = mt940(bookings)
    one, two = parse_mt940(data, "a.sta").entries
    assert (one.occurrence, two.occurrence) == (0, 1)
    assert one.entry_key != two.entry_key
    assert [e.entry_key for e in parse_mt940(data, "a.sta").entries] == [one.entry_key, two.entry_key]


# --- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize("data, kind", [
    (b"\xef\xbb\xbf<?xml version='1.0'?><Document/>", "camt"),
    (b"  \n<Document/>", "camt"),
    (b":20:X\n", "mt940"),
    (b"{1:F01X}{2:O940}{4:\n:20:X", "mt940"),
    (b"\r\n\r\n:20:X\n", "mt940"),
    (b"header\n:61:2401020102C1,00NTRF\n", "mt940"),
    (b"Buchungstag;Betrag\n", "csv"),
])
def test_sniff(data, kind):
    assert sniff_bank_format(data) == kind


def test_empty_file_is_rejected():
    result = parse_bank_file(b"  \n", "e.csv")
    assert result.entries == [] and result.rejects[0].reason == "the file is empty"


def test_other_xml_is_refused_by_parse_bank_file():
    result = parse_bank_file(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "p.xml")
    assert "pain.001.001.03" in result.rejects[0].reason
