"""How well plain invoice PDFs are read by their layout, printed (never asserted).

Every PDF of ``../shared/corpus`` that carries an e-invoice is a test case when its printed page
shows the XML's invoice number, issue date and amount (some samples print another invoice than
their XML; those are left out, and counted). The XML is read on the original file by the e-invoice
parser and taken as the truth; then the XML is removed (the EmbeddedFiles name tree and /AF, here
only) and the PDF is read as a plain PDF. Each file ends as one of:

- read right: number, issue date, due date, open amount and customer name all as in the XML;
- sent to review: refused with a reason (nothing imported);
- read WRONG: imported with any of those fields different from the XML (must be 0).

Credit notes and corrections are compared like invoices, signs included: the XML's values as the
e-invoice path books them (a 381 credit note negated, a 384 correction or a 380 with negative totals
as printed) against what the page reading books. Where the XML contradicts itself the standard
decides, and the script says how often it did (``--verbose`` names the files):

- amount due: EN 16931 BR-CO-16 defines it as total − paid + rounding (BT-115 = BT-112 − BT-113 +
  BT-114; ZUGFeRD 1.0 likewise). An XML whose DuePayableAmount breaks that (a correction with total
  −8.79, nothing paid, and "0.00" due) is compared by total − paid, which is what its page prints;
- customer: an XML buyer name that packs several printed lines into one field ("GLN …", "Kunden-Nr.
  : …", "MUSTER-KUNDE GMBH") is matched by one of those lines, as a person reading the page names the
  customer. No file is left out for this; any other difference stays WRONG.

Run: .venv/bin/python benchmarks/pdf_layout.py [--verbose]
"""

from __future__ import annotations

import io
import re
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/mahnwerk"), str(ROOT / "infra")]
CORPUS = ROOT.parent / "shared" / "corpus"

from pypdf import PdfReader, PdfWriter  # noqa: E402
from pypdf.generic import NameObject  # noqa: E402

from mahnwerk.domain.model import InvoiceRecord  # noqa: E402
from mahnwerk.intake.pdf_invoice import parse_invoice_pdf  # noqa: E402

TERMS_DAYS = 14


def without_xml(data: bytes) -> bytes:
    """The same PDF with its embedded files gone: no EmbeddedFiles name tree, no /AF."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    root = writer._root_object
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        if "/EmbeddedFiles" in names:
            del names[NameObject("/EmbeddedFiles")]
    if "/AF" in root:
        del root[NameObject("/AF")]
    for page in writer.pages:
        if "/AF" in page:
            del page[NameObject("/AF")]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages[:30])


def date_forms(value: date) -> list[str]:
    return [f"{value:%d.%m.%Y}", f"{value:%Y-%m-%d}", f"{value.day}.{value.month}.{value:%Y}",
            f"{value:%d.%m.%y}", f"{value:%d/%m/%Y}", f"{value:%B} {value.day}, {value:%Y}",
            f"{value.day}. {value:%B %Y}"]


def amount_forms(value: Decimal) -> list[str]:
    plain = f"{value:.2f}"
    english = f"{value:,.2f}"
    german = english.replace(",", "§").replace(".", ",").replace("§", ".")
    return [plain, english, german, plain.replace(".", ",")]


def printed(truth: InvoiceRecord, text: str) -> bool:
    """The page shows the XML's number, issue date and amount (or open amount)."""
    flat = re.sub(r"\s+", " ", text)
    return (truth.number in flat
            and any(form in flat for form in date_forms(truth.issue_date))
            and any(form in flat for form in amount_forms(truth.amount) + amount_forms(truth.open_amount)))


def embedded_xml(data: bytes) -> bytes:
    for attachment in PdfReader(io.BytesIO(data)).attachment_list:
        if str(attachment.name or "").lower().endswith(".xml"):
            return attachment.content
    return b""


def states_prepaid_without_rounding(data: bytes) -> bool:
    """The XML states the amount paid in advance (BT-113) and no rounding amount (BT-114), so that
    BR-CO-16 can be checked on the record (a MINIMUM profile has no BT-113: its due amount stands)."""
    xml = embedded_xml(data)
    return b"PrepaidAmount" in xml and b"RoundingAmount" not in xml


def xml_name_lines(data: bytes) -> list[str]:
    """The printed lines of the buyer's name in the embedded XML (more than one where an XML packs
    several lines into the name field)."""
    import xml.etree.ElementTree as ET

    xml = embedded_xml(data)
    if xml:
        root = ET.fromstring(xml)
        for party in root.iter():
            if party.tag.endswith(("}BuyerTradeParty", "}AccountingCustomerParty")):
                for element in party.iter():
                    if element.tag.endswith(("}Name", "}RegistrationName")) and element.text:
                        return [line.strip() for line in element.text.splitlines() if line.strip()]
    return []


#: files judged by the standard where their XML contradicts itself (see the docstring)
by_standard: list[str] = []


def compare(truth: InvoiceRecord, read: InvoiceRecord, data: bytes, name: str) -> list[str]:
    wrong = []
    open_truth = truth.open_amount
    if truth.amount - truth.prepaid_amount != truth.open_amount and states_prepaid_without_rounding(data):
        open_truth = truth.amount - truth.prepaid_amount
        if read.open_amount == open_truth:
            by_standard.append(f"{name}: amount due {open_truth} = total − paid (the XML says "
                               f"{truth.open_amount})")
    name_truth = truth.customer.name
    lines = xml_name_lines(data) if read.customer.name != name_truth else []
    if len(lines) > 1 and read.customer.name in lines:
        name_truth = read.customer.name
        by_standard.append(f"{name}: customer {read.customer.name!r}, one line of the XML's name {lines!r}")
    for field, want, got in (
        ("number", truth.number, read.number),
        ("issue date", truth.issue_date, read.issue_date),
        # the XML's due date where it states one (else the parser's default terms stand in for it)
        ("due date", truth.due_date if truth.due_date_source != "default_terms" else read.due_date,
         read.due_date),
        ("open amount", open_truth, read.open_amount),
        ("customer", name_truth, read.customer.name),
    ):
        if want != got:
            wrong.append(f"{field}: {got!r}, XML {want!r}")
    return wrong


def main() -> None:
    verbose = "--verbose" in sys.argv
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    files = sorted(CORPUS.rglob("*.pdf"))
    considered = right = review = 0
    wrong: list[str] = []
    other_print = no_xml = 0
    reasons: list[str] = []
    seconds: list[float] = []
    for path in files:
        data = path.read_bytes()
        original = parse_invoice_pdf(data, path.name, "t1", TERMS_DAYS)
        if not original.records or original.records[0].source_format == "pdf-text":
            no_xml += 1
            continue
        truth = original.records[0]
        if not printed(truth, page_text(data)):
            other_print += 1
            if verbose:
                print(f"  (left out, the page prints another invoice) {path.name}")
            continue
        considered += 1
        plain = without_xml(data)
        started = time.perf_counter()
        result = parse_invoice_pdf(plain, path.name, "t1", TERMS_DAYS)
        seconds.append(time.perf_counter() - started)
        if result.rejects or not result.records:
            review += 1
            reason = result.rejects[0].reason if result.rejects else "nothing read"
            shown = reason.split("Zur Prüfung: ", 1)[-1]
            reasons.append(f"  review  {path.name}: {shown if verbose else shown[:110]}")
            continue
        [read] = result.records
        if read.source_format != "pdf-text":
            sys.exit(f"{path.name}: the XML was not removed")
        problems = compare(truth, read, data, path.name)
        if problems:
            wrong.append(f"  WRONG   {path.name}: {'; '.join(problems)}")
        else:
            right += 1
            if verbose:
                print(f"  right   {path.name}")
    print("\n".join(reasons))
    print("\n".join(wrong))
    share = right / considered if considered else 0.0
    print(f"PDF layout reading on {CORPUS.name}/ (hybrid PDFs, embedded XML removed, XML as the truth)")
    print(f"  PDFs in the corpus: {len(files)}; left out: {no_xml} without an e-invoice, {other_print} whose "
          "page prints another invoice than the XML")
    print(f"  files considered: {considered}")
    print(f"  read right (number, issue date, due date, open amount, customer): {right} of {considered} "
          f"= {share * 100:.1f} % (target ≥ 90 %)")
    print(f"  of them judged by the standard where the XML contradicts itself: {len(by_standard)} (strictly "
          f"by the XML's own values: {right - len(by_standard)} of {considered})")
    if verbose:
        print("\n".join("    " + line for line in by_standard))
    print(f"  sent to review: {review}")
    print(f"  read WRONG: {len(wrong)} (target ≤ 0)")
    if seconds:
        print(f"  time per PDF: median {sorted(seconds)[len(seconds) // 2] * 1000:.0f} ms, "
              f"max {max(seconds) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
