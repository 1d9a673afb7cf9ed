"""Random and mutated bytes into the bank parsers: they report, they never raise."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahnwerk.intake.bank import BankParseResult, parse_bank_file

MT940 = (
    b":20:STMT1\n:25:DE89370400440532013000\n:28C:00001/001\n:60F:C231229EUR1000,00\n"
    b":61:2312310102CR100,00NTRFNONREF//B1\n"
    b":86:166?00GUTSCHRIFT?20EREF+RE-1?21SVWZ+Rechnung RE-2024-08\n15?32Muster GmbH"
    b"?31DE02120300000000202051\n"
    b":61:2401020102RD5,00NMSCKREF+X//B2\nsupplementary\n:86:Freitext\nzweite Zeile\n"
    b":62F:C240102EUR1105,00\n-\n"
)
CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt><Stmt><Id>S1</Id>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<Dt><Dt>2024-01-01</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-01-02</Dt>
</BookgDt><NtryDtls><TxDtls><Amt Ccy="EUR">1.00</Amt><RltdPties><Dbtr><Nm>A</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>RE 1</Ustrd></RmtInf></TxDtls><TxDtls><Amt Ccy="EUR">2.00</Amt><RmtInf>
<Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
CSV = (
    "Konto;DE89 3704 0044 0532 0130 00\n\n"
    "Buchungstag;Valutadatum;Auftraggeber;Verwendungszweck;IBAN;Betrag;S/H;Währung\n"
    '02.01.2024;02.01.2024;"Kunde; A";RE 1;DE02120300000000202051;1.100,00;H;EUR\n'
    "03.01.2024;;Vermieter;Miete;;800,00;S;EUR\n"
).encode("cp1252")
SEEDS = [MT940, CAMT, CSV]


def check(result: BankParseResult) -> None:
    assert isinstance(result, BankParseResult)
    assert not [r for r in result.rejects if "internal error" in r.reason], result.rejects
    assert all(r.reason for r in result.rejects + result.warnings)
    for entry in result.entries:
        assert entry.amount >= Decimal("0")
        assert len(entry.currency) == 3
        assert len(entry.entry_key) == 64


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "duplicate"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "replace" and data:
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            chunk = draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\n", b":61:", b":86:", b"?2", b"<",
                                          b"</Ntry>", b";", b'"', b"\r", b"\xc3", b"-\n", b"&x;"]))
            data[position:position] = chunk
        elif action == "delete":
            del data[position:position + draw(st.integers(1, 20))]
        elif action == "truncate":
            del data[position:]
        else:
            data[position:position] = data[position:position + draw(st.integers(1, 80))]
    return bytes(data)


FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def test_seeds_parse_cleanly():
    for seed, count in ((MT940, 2), (CAMT, 2), (CSV, 2)):
        result = parse_bank_file(seed, "seed")
        check(result)
        assert len(result.entries) == count and result.rejects == [] and result.warnings == []


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    check(parse_bank_file(data, "random.bin"))


@FUZZ
@given(mutated())
def test_mutated_statements_never_raise(data: bytes) -> None:
    check(parse_bank_file(data, "mutated"))


@FUZZ
@given(st.sampled_from([":20:", "<Document>", "Buchungstag;Betrag\n", ":61:"]), st.text(max_size=600))
def test_random_text_behind_each_format_never_raises(prefix: str, text: str) -> None:
    check(parse_bank_file((prefix + text).encode("utf-8", "surrogatepass"), "text"))
