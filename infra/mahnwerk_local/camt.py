"""Write small camt.053.001.02 statements (for the demo, simulations and tests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Credit:
    booked: date
    amount: Decimal
    remittance: str
    debtor: str
    iban: str = ""
    reference: str = ""
    currency: str = "EUR"


def camt053(account_iban: str, credits: Sequence[Credit], statement_id: str = "STMT-1") -> bytes:
    entries = []
    for n, c in enumerate(credits, 1):
        iban = f"<DbtrAcct><Id><IBAN>{escape(c.iban)}</IBAN></Id></DbtrAcct>" if c.iban else ""
        ref = (f"<Strd><CdtrRefInf><Ref>{escape(c.reference)}</Ref></CdtrRefInf></Strd>"
               if c.reference else "")
        entries.append(f"""
      <Ntry>
        <NtryRef>{n}</NtryRef>
        <Amt Ccy="{escape(c.currency)}">{c.amount:.2f}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{c.booked.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{c.booked.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{statement_id}-{n}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>NTRF+166</Cd><Issr>DK</Issr></Prtry></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{statement_id}-{n}</AcctSvcrRef></Refs>
          <RltdPties><Dbtr><Nm>{escape(c.debtor)}</Nm></Dbtr>{iban}</RltdPties>
          <RmtInf><Ustrd>{escape(c.remittance)}</Ustrd>{ref}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>""")
    day = max((c.booked for c in credits), default=date(2026, 1, 1)).isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{day}T18:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <CreDtTm>{day}T18:00:00+01:00</CreDtTm>
      <Acct><Id><IBAN>{account_iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
