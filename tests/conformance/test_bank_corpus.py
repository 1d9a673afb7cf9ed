"""The bank parsers against real sample files and the expected results their upstreams publish.

camt (``../shared/corpus/camt``, upstream genkgo/camt, PHP). The ``.json`` beside each ``.xml``
is upstream's ``Message`` object dumped getter by getter (``__CLASS__`` names the PHP class,
objects already dumped higher up are replaced by ``"__RECURSIVITY__"``). Mapping:

  getEntries[]                               one expected entry; matched to ours by statement id
                                             (getRecord.getId), booking date and signed amount
  getAmount.getAmount (minor units, signed)  our amount × 100, negative for debits
  getAmount.getCurrency.getCode              currency
  getCreditDebitIndicator CRDT / DBIT        credit True / False
  getReversalIndicator                       reversal
  getBookingDate / getValueDate ("0")[:10]   booking_date / value_date
  getAccountServicerReference (if set)       bank_reference
  getRecord.getAccount.getIdentification     account_iban (IBAN or Othr/Id)
  getRecord.getBalances opening / closing    statement opening / closing balance (signed, currency)
  getTransactionDetail(s)[]:                 ("__RECURSIVITY__" at index 0 = getTransactionDetail)
    getRemittanceInformation
      .getUnstructuredBlock(s).getMessage    remittance ("" when there is none; upstream's
                                             getMessage falls back to the creditor reference,
                                             which we keep apart in structured_reference)
      .getCreditorReferenceInformation.getRef structured_reference; when absent,
                                             getReference.getEndToEndId (unless NOTPROVIDED)
    getRelatedParties[] of class Debtor      debtor_name / debtor_iban for a credit;
      (Creditor for a debit)                 for a debit we report the payee (the counterparty)
      .getName / .getAccount.getIban.getIban

  Upstream's dump of ``camt053.v2.multi.statement`` lists only the entry of the *last* statement
  (its entry iterator restarts its keys per statement, so the dump keeps one entry per key); we
  check that one against upstream and the count against the Ntry elements of the XML.
  ``camt053.v2.wrong.xml`` (a document without any Stmt) must be rejected with a reason.

MT940 (``../shared/corpus/mt940``, upstream WoLpH/mt940, Python). A ``.yml`` beside a ``.sta`` is
upstream's ``Transactions`` object dumped with PyYAML's python tags; we read it with SafeLoader
plus a multi-constructor that turns every python tag into plain data (Decimal, date from the
pickled ``mt940.models.Date`` bytes, mappings). Mapping, transaction by transaction in file order:

  amount.amount (signed)                     our amount, negative for debits
  amount.currency                            currency
  status C / D / RC / RD                     credit (C, RD) / debit (D, RC); reversal for R*
  date                                       value_date
  entry_date (else date)                     booking_date
  purpose (if set)                           remittance (SVWZ+ or the whole purpose text)
  transaction_details (if no purpose)        remittance (free-text :86:)
  applicant_name (if set)                    debtor_name
  applicant_iban (if set)                    debtor_iban: equal, or our IBAN ends with upstream's
                                             national account number (we prefer the IBAN in ?38)
  end_to_end_reference (if set)              structured_reference (EREF+)
  bank_reference (if set)                    bank_reference (upstream leaves it empty when its
                                             16-character customer-reference match swallowed it)
  data.account_identification, final_opening_balance, final_closing_balance
                                             our last statement (upstream keeps only the last)

  Texts are compared with runs of whitespace collapsed (upstream keeps "KARL        KAUFMANN").
  Files without a .yml must parse without exception; the expectations below are by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from mahnwerk.intake.bank import BankEntry, BankParseResult, parse_bank_file

from ..conftest import CORPUS

pytestmark = pytest.mark.corpus


def _files(pattern: str) -> list[str]:
    if not CORPUS.is_dir():
        return ["corpus-missing"]
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob(pattern))


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _parse(corpus: Path, name: str) -> BankParseResult:
    path = corpus / name
    return parse_bank_file(path.read_bytes(), path.name)


# --- camt ------------------------------------------------------------------------------------

_MINOR_UNITS = {"JPY": 0}


def _money(money: dict[str, Any]) -> tuple[Decimal, str]:
    currency = money["getCurrency"]["getCode"]
    digits = _MINOR_UNITS.get(currency, 2)
    return Decimal(money["getAmount"]).scaleb(-digits), currency


def _day(value: dict[str, Any] | None) -> date | None:
    return date.fromisoformat(value["0"][:10]) if value else None


def _tx_details(entry: dict[str, Any]) -> list[dict[str, Any]]:
    details = []
    for index, detail in enumerate(entry["getTransactionDetails"]):
        if detail == "__RECURSIVITY__":
            assert index == 0, "only the first detail is dumped as getTransactionDetail"
            detail = entry["getTransactionDetail"]
        details.append(detail)
    return details


def _expected_remittance(detail: dict[str, Any]) -> tuple[str, str]:
    info = detail.get("getRemittanceInformation") or {}
    blocks = info.get("getUnstructuredBlocks") or []
    texts = [
        (info["getUnstructuredBlock"] if b == "__RECURSIVITY__" else b)["getMessage"] for b in blocks
    ]
    creditor_ref = info.get("getCreditorReferenceInformation") or {}
    reference = creditor_ref.get("getRef") or ""
    if not reference:
        end_to_end = (detail.get("getReference") or {}).get("getEndToEndId") or ""
        reference = "" if end_to_end.upper() == "NOTPROVIDED" else end_to_end
    return _norm(" ".join(texts)), reference


def _expected_party(detail: dict[str, Any], credit: bool) -> tuple[str, str]:
    role = "\\Debtor" if credit else "\\Creditor"
    for party in detail.get("getRelatedParties") or []:
        if party["getRelatedPartyType"]["__CLASS__"].endswith(role):
            account = party.get("getAccount") or {}
            iban = (account.get("getIban") or {}).get("getIban") or account.get("getIdentification") or ""
            return party["getRelatedPartyType"].get("getName") or "", iban
    return "", ""


@pytest.mark.parametrize("name", _files("camt/*.xml"), ids=lambda n: Path(n).name)
def test_camt_file_matches_upstream(corpus: Path, name: str) -> None:
    result = _parse(corpus, name)
    expected_path = (corpus / name).with_suffix(".json")
    if not expected_path.exists():
        assert name.endswith("wrong.xml"), f"{name} has no expected results"
        assert result.entries == []
        assert result.rejects, "the malformed file must be rejected"
        assert all(r.reason for r in result.rejects)
        assert "no statement" in result.rejects[0].reason
        return

    assert result.rejects == [], result.rejects
    assert result.format.startswith("camt.053.001.")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    xml = (corpus / name).read_text(encoding="utf-8")
    assert len(result.entries) == xml.count("<Ntry>")  # no batches in this corpus
    assert len(result.statements) == len(expected["getRecords"]) == xml.count("<Stmt>")
    assert len(expected["getEntries"]) >= 1

    for exp in expected["getEntries"]:
        record = exp["getRecord"]
        amount, currency = _money(exp["getAmount"])
        credit = exp["getCreditDebitIndicator"] == "CRDT"
        booking = _day(exp["getBookingDate"])
        candidates = [
            e for e in result.entries
            if e.statement_id == record["getId"] and e.booking_date == booking
            and e.signed_amount == amount
        ]
        assert len(candidates) == 1, f"no unique match for upstream entry {amount} {booking}"
        ours = candidates[0]
        assert ours.currency == currency
        assert ours.credit is credit
        assert ours.reversal is bool(exp["getReversalIndicator"])
        assert ours.value_date == _day(exp["getValueDate"])
        assert ours.account_iban == record["getAccount"]["getIdentification"]
        if exp["getAccountServicerReference"]:
            assert ours.bank_reference == exp["getAccountServicerReference"]
        details = _tx_details(exp)
        assert len(details) == 1
        remittance, reference = _expected_remittance(details[0])
        assert ours.remittance == remittance
        assert ours.structured_reference == reference
        party_name, party_iban = _expected_party(details[0], credit)
        assert ours.debtor_name == _norm(party_name)
        assert ours.debtor_iban == party_iban

        statement = next(s for s in result.statements if s.statement_id == record["getId"])
        for balance in record["getBalances"]:
            if balance["getType"] not in {"opening", "closing"}:
                continue
            ours_balance = statement.opening if balance["getType"] == "opening" else statement.closing
            assert ours_balance is not None
            assert (ours_balance.amount, ours_balance.currency) == _money(balance["getAmount"])
            assert ours_balance.date == _day(balance["getDate"])


# --- MT940 -----------------------------------------------------------------------------------

class _UpstreamLoader(yaml.SafeLoader):
    """SafeLoader that reads upstream's python-tagged dump as plain data, executing nothing."""


def _plain_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    data: dict[Any, Any] = {}
    yield data  # yielded first, so recursive references (&id003 … *id003) resolve
    data.update(loader.construct_mapping(node, deep=True))


def _python_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return _plain_mapping(loader, node)
    if isinstance(node, yaml.SequenceNode):
        args = loader.construct_sequence(node, deep=True)
        if suffix.endswith("decimal.Decimal"):
            return Decimal(args[0])
        if suffix.endswith("mt940.models.Date"):  # pickled datetime.date: year (2 bytes), month, day
            raw = args[0]
            return date(raw[0] * 256 + raw[1], raw[2], raw[3])
        return args
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_UpstreamLoader.add_multi_constructor("tag:yaml.org,2002:python/", _python_tag)


def _mt940_expected(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_UpstreamLoader)


def _compare_transaction(index: int, ours: BankEntry, exp: dict[str, Any]) -> None:
    where = f"transaction {index} (line {ours.line})"
    assert ours.signed_amount == exp["amount"]["amount"], where
    assert ours.currency == exp["amount"]["currency"], where
    status = exp["status"]
    assert ours.credit is (status in {"C", "RD"}), where
    assert ours.reversal is status.startswith("R"), where
    assert ours.value_date == exp["date"], where
    assert ours.booking_date == (exp.get("entry_date") or exp["date"]), where
    if exp.get("purpose") is not None:
        assert ours.remittance == _norm(exp["purpose"]), where
    elif exp.get("transaction_details") is not None:
        assert ours.remittance == _norm(exp["transaction_details"]), where
    if exp.get("applicant_name") is not None:
        assert ours.debtor_name == _norm(exp["applicant_name"]), where
    if exp.get("applicant_iban") is not None:
        assert ours.debtor_iban == exp["applicant_iban"] or \
            ours.debtor_iban.endswith(exp["applicant_iban"]), where
    if exp.get("end_to_end_reference") is not None:
        assert ours.structured_reference == _norm(exp["end_to_end_reference"]), where
    if exp.get("bank_reference") is not None:
        assert ours.bank_reference == exp["bank_reference"], where


#: files without upstream results: (entries, payments, reject lines, warnings) checked by hand
_BY_HAND: dict[str, tuple[int, int, list[int], int]] = {
    # a :25: where the :86: of the booking on line 5 belongs: that line is rejected, the booking
    # is kept (without details), and the statement no longer adds up (a warning)
    "sepa_snippet_broken.sta": (1, 1, [6], 1),
    # UTF-8 umlauts in :20: and :86:, parsed and kept
    "with_binary_character.sta": (4, 3, [], 0),
    "generic.sta": (2, 0, [], 0),
    # purpose continued in ?60–?63; upstream's sample balances do not add up (a warning)
    "details_60-63.sta": (1, 0, [], 1),
}


@pytest.mark.parametrize("name", _files("mt940/*/*.sta"), ids=lambda n: Path(n).name)
def test_mt940_file_matches_upstream(corpus: Path, name: str) -> None:
    result = _parse(corpus, name)
    assert result.format == "mt940"
    assert not [r for r in result.rejects if "internal error" in r.reason]
    assert all(r.reason and r.file == Path(name).name for r in result.rejects + result.warnings)
    expected_path = (corpus / name).with_suffix(".yml")
    if not expected_path.exists():
        entries, payments, reject_lines, warnings = _BY_HAND[Path(name).name]
        assert len(result.entries) == entries
        assert len(result.payments) == payments
        assert [r.line for r in result.rejects] == reject_lines, result.rejects
        assert len(result.warnings) == warnings, result.warnings
        return

    expected = _mt940_expected(expected_path)
    transactions = [t["data"] for t in expected["transactions"]]
    assert result.rejects == [], result.rejects
    assert len(result.entries) == len(transactions)
    for index, (ours, exp) in enumerate(zip(result.entries, transactions, strict=True)):
        _compare_transaction(index, ours, exp)
    last = result.statements[-1]
    data = expected["data"]
    assert last.account_iban == data["account_identification"].replace(" ", "")
    assert last.statement_id == data["transaction_reference"].strip()
    for ours_balance, key in ((last.opening, "final_opening_balance"),
                              (last.closing, "final_closing_balance")):
        exp_balance = data[key]
        assert ours_balance is not None
        assert ours_balance.amount == exp_balance["amount"]["amount"]
        assert ours_balance.currency == exp_balance["amount"]["currency"]
        assert ours_balance.date == exp_balance["date"]


def test_every_corpus_file_is_covered(corpus: Path) -> None:
    stas = {p.name for p in (corpus / "mt940").glob("*/*.sta")}
    with_yml = {p.with_suffix(".sta").name for p in (corpus / "mt940").glob("*/*.yml")}
    assert stas - with_yml == set(_BY_HAND)
