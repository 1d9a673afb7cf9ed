"""What a notice claims, checked where the debtor and the owner read it: summary.json's figures add
up, and the letter (PDF) and the e-mail print the same total and each part of it."""

from __future__ import annotations

import email
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from mahnwerk.letters.formatting import format_money

PARTS = ("principal", "interest", "fees", "flat_fee")
LABELS = {"interest": "Verzugszinsen", "flat_fee": "Verzugspauschale (§ 288 Abs. 5 BGB)"}


def check_notices(summary: dict[str, Any], out: Path) -> int:
    """Every notice of a run: principal + interest + fees + flat fee == total, and its letter and
    e-mail show that total and the non-zero interest and flat fee. Returns how many were read."""
    read = 0
    for row in summary["notices"]:
        parts = {k: Decimal(row[k]) for k in PARTS}
        assert sum(parts.values()) == Decimal(row["total"]), row
        assert all(v >= 0 for v in parts.values()), row
        if row["status"] != "sent":
            continue
        total = format_money(Decimal(row["total"]), "de")
        texts = []
        if row.get("pdf"):
            reader = PdfReader(out / row["pdf"])
            texts.append(" ".join(" ".join((page.extract_text() or "").split())
                                  for page in reader.pages))
        if row.get("eml"):
            texts.append(plain_text((out / row["eml"]).read_bytes()))
        for text in texts:
            assert total in text, (row, total)
            for key, label in LABELS.items():
                if parts[key] > 0:
                    assert f"{label}" in text and format_money(parts[key], "de") in text, (row, key)
            read += 1
    return read


def plain_text(raw: bytes) -> str:
    message = email.message_from_bytes(raw)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return " ".join(payload.decode("utf-8").split())
    raise AssertionError("no text/plain part")
