"""Bank statements → booked entries, for matching customer payments. Pure: bytes in, data out.

Formats: ISO 20022 camt.053 (001.02–001.08), SWIFT MT940 (German banks, SEPA :86:) and the CSV
exports of German online banking. ``parse_bank_file`` recognises the format by content.

Debits: every parser keeps debit entries (``credit=False``) in ``entries`` so a statement can be
checked against its balances. Only ``BankEntry.is_payment`` entries (credit, not a reversal, amount
above zero) are customer payments, and ``BankParseResult.payments`` lists exactly those:
**callers book ``result.payments``, never ``result.entries``.**

Nothing raises: a file or an entry that cannot be taken becomes a ``Reject`` (file, line, reason)
in ``result.rejects``; a statement whose balances do not add up is taken but reported in
``result.warnings``. ``BankEntry.entry_key`` is the idempotency key for booking.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..domain.reasons import Reason
from .bank_camt import SUPPORTED_VERSIONS, parse_camt053
from .bank_csv import parse_bank_csv
from .bank_model import MAX_BYTES, UTF16_BOMS, Balance, BankEntry, BankParseResult, BankStatement
from .bank_mt940 import parse_mt940
from .guard import EICAR

__all__ = [
    "MAX_BYTES",
    "SUPPORTED_VERSIONS",
    "Balance",
    "BankEntry",
    "BankParseResult",
    "BankStatement",
    "parse_bank_csv",
    "parse_bank_file",
    "parse_camt053",
    "parse_mt940",
    "sniff_bank_format",
]

_MT940_START = re.compile(r"^(?::20:|\{1:|:94[02]:)")
_MT940_BOOKING = re.compile(r"(?:^|[\r\n]):61:\d{6}")
_SNIFF_BYTES = 1024 * 1024


def sniff_bank_format(data: bytes) -> str:
    """``"camt"`` (XML), ``"mt940"`` or ``"csv"``: by content, never by file name."""
    if data[:2] in UTF16_BOMS:
        text = data[:_SNIFF_BYTES].decode("utf-16", errors="ignore")
    else:
        text = data[:_SNIFF_BYTES].decode("latin-1")
    head = text[:4096].lstrip("\ufeff\xef\xbb\xbf \t\r\n\x00")
    if head.startswith("<"):
        return "camt"
    if _MT940_START.match(head) or _MT940_BOOKING.search(text):
        return "mt940"
    return "csv"


def parse_bank_file(data: bytes, file_name: str, max_bytes: int = MAX_BYTES) -> BankParseResult:
    """Any supported bank statement → entries, rejects, warnings and statement metadata.

    XML goes to the camt.053 reader (which refuses other XML documents with the reason); text
    that starts like MT940 (``:20:``, ``{1:``) or holds ``:61:`` booking lines goes to the MT940
    reader; everything else is read as a bank CSV export.
    """
    if not data or not data.strip():
        result = BankParseResult(file_name)
        result.reject(0, Reason("file_empty"))
        return result
    kind = sniff_bank_format(data)
    if kind == "camt":
        result = parse_camt053(data, file_name, max_bytes)
    elif kind == "mt940":
        result = parse_mt940(data, file_name, max_bytes)
    else:
        result = parse_bank_csv(data, file_name, max_bytes)
    return _without_malware_text(result)


#: what replaces the EICAR test signature in an entry's texts
SIGNATURE_REMOVED = "[malware test signature removed]"
_EICAR_TEXT = EICAR.decode("ascii")


def _without_malware_text(result: BankParseResult) -> BankParseResult:
    """The EICAR test signature in an entry's texts is removed, and the booking kept, with a
    warning. Unlike an invoice file (the tenant's own document, refused whole), a statement's
    texts come from every payer: refusing the file would let any payer block the tenant's whole
    reconciliation with 68 characters in a transfer's remittance."""
    fields = ("remittance", "debtor_name", "structured_reference", "bank_reference")
    for index, entry in enumerate(result.entries):
        dirty = {f: getattr(entry, f) for f in fields if _EICAR_TEXT in getattr(entry, f)}
        if dirty:
            result.entries[index] = replace(entry, **{
                f: text.replace(_EICAR_TEXT, SIGNATURE_REMOVED) for f, text in dirty.items()})
            result.warn(entry.line, Reason("malware_in_booking", fields=", ".join(dirty)))
    return result
