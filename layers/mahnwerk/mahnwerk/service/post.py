"""Use case: the day's post letters of a tenant → one manifest and one merged print PDF.

The print-and-mail service picks up ``outbox/post/{date}/{tenant}/_print.pdf`` (every letter
starts on a new sheet) and ``_manifest.json`` (what is inside, in order). Built by the next
morning's run for the day before, when every letter of that day is done; deterministic keys make
a re-run rewrite the same files.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from .bootstrap import Context


def bundle_day(ctx: Context, tenant_id: str, day: date) -> dict[str, Any] | None:
    from pypdf import PdfReader, PdfWriter

    prefix = f"outbox/post/{day.isoformat()}/{tenant_id}/"
    keys = sorted(k for k in ctx.store.keys(prefix)
                  if k.endswith(".pdf") and not k.rsplit("/", 1)[1].startswith("_"))
    if not keys:
        return None
    writer = PdfWriter()
    letters = []
    for key in keys:
        reader = PdfReader(io.BytesIO(ctx.store.get(key)))
        first_page = len(writer.pages) + 1
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:  # duplex printing: the next letter starts on a new sheet
            writer.add_blank_page()
        letters.append({"key": key, "pages": len(reader.pages), "first_page": first_page})
    merged = io.BytesIO()
    writer.write(merged)
    manifest = {"tenant": tenant_id, "date": day.isoformat(), "letters": letters,
                "sheets": len(writer.pages) // 2, "print_file": f"{prefix}_print.pdf"}
    ctx.store.put(f"{prefix}_print.pdf", merged.getvalue(), "application/pdf")
    ctx.store.put_json(f"{prefix}_manifest.json", manifest)
    return manifest
