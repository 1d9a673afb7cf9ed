"""End to end through the installed ``mahnwerk`` console script, as the README runs it."""

import email
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from ..conftest import ROOT
from .breakdown import check_notices, plain_text

pytestmark = pytest.mark.slow


def mahnwerk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("mahnwerk", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed: pip install -e ."
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = mahnwerk("demo", "--out", str(out), cwd=out)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stdout


def test_demo_writes_summary_letters_and_mails(demo):
    out, stdout = demo
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {"invoices", "notices", "payments", "rejected"} <= set(summary)
    assert summary["notices"], "the demo must produce at least one notice"
    first = summary["notices"][0]
    assert {"date", "customer", "level", "channels", "invoices", "principal", "fees", "interest",
            "flat_fee", "total", "pdf"} <= set(first)
    assert first["level"] == 1 and first["pdf"].startswith("letters/")
    assert summary["rejected"] == [{"file": "invoices.csv", "line": 9, "code": "not_an_amount",
                                    "message": "amount is not a number: '1,2,3'",
                                    "params": {"text": "1,2,3"},
                                    "reason": "amount is not a number: '1,2,3'"}]
    assert all(depth == 0 for depth in summary["dead_letters"].values())
    assert "Zahlungserinnerung" in stdout


def test_every_demo_notice_adds_up_in_summary_letter_and_mail(demo):
    out, _ = demo
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert check_notices(summary, out) >= 10
    # the §288 Abs. 5 flat fee is its own figure, never hidden in the total
    assert all(n["flat_fee"] == "0.00" for n in summary["notices"])  # the demo waives it
    # the first letter after a part payment says so instead of "no payment received"
    acknowledged = 0
    for payment in summary["payments"]:
        if payment["status"] != "matched":
            continue
        later = [n for n in summary["notices"] if n["customer"] == payment["customer"]
                 and n["date"] > payment["date"] and n.get("eml")
                 and set(n["invoices"]) & set(payment["matched"])]
        if later:
            text = plain_text((out / later[0]["eml"]).read_bytes())
            assert "haben wir berücksichtigt" in text and "keinen Zahlungseingang" not in text
            acknowledged += 1
    assert acknowledged >= 1


def test_demo_letter_is_a_readable_pdf_in_the_tenants_name(demo):
    out, _ = demo
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    notice = summary["notices"][0]
    text = PdfReader(out / notice["pdf"]).pages[0].extract_text()
    assert "Sanitär Müller GmbH" in text
    assert "Zahlungserinnerung" in text
    for number in notice["invoices"]:
        assert number in text
    assert "Mahnwerk" not in text  # white label


def test_demo_email_carries_the_same_pdf(demo):
    out, _ = demo
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    emailed = [n for n in summary["notices"] if "email" in n["channels"]]
    assert emailed
    notice = emailed[0]
    message = email.message_from_bytes((out / notice["eml"]).read_bytes())
    assert "Sanitär Müller GmbH" in str(email.header.make_header(
        email.header.decode_header(message["From"])))
    [pdf] = [p.get_payload(decode=True) for p in message.walk()
             if p.get_content_type() == "application/pdf"]
    assert pdf == (out / notice["pdf"]).read_bytes()
    kinds = {p.get_content_type() for p in message.walk()}
    assert {"text/plain", "text/html"} <= kinds


def test_simulate_with_yaml_settings_and_a_csv(tmp_path):
    settings = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    import yaml

    (tmp_path / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")
    (tmp_path / "inv.csv").write_text(
        "Invoice number,Customer,E-mail,Invoice date,Due date,Total\n"
        "INV-1,Acme Ltd,ap@acme.example,2026-10-01,2026-10-15,\"1,000.00\"\n", "utf-8")
    result = mahnwerk("simulate", "--settings", "settings.yaml", "--invoices", "inv.csv",
                      "--from", "2026-10-16", "--to", "2026-10-23", "--out", "out",
                      "--tenant", "acme", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out/summary.json").read_text("utf-8"))
    [notice] = summary["notices"]
    assert (notice["date"], notice["total"], notice["channels"]) == ("2026-10-22", "1000.00", ["email"])
    assert len(list((tmp_path / "out/mail").glob("*.eml"))) == 1


@pytest.mark.parametrize("args, message", [
    (["--settings", "missing.json", "--invoices", "x.csv"], "no such file"),
    (["--settings", "bad.json", "--invoices", "bad.json"], "company.name"),
])
def test_simulate_refuses_bad_input_with_a_clear_message(tmp_path, args, message):
    (tmp_path / "bad.json").write_text('{"company": {}}', "utf-8")
    result = mahnwerk("simulate", *args, "--from", "2026-10-01", "--to", "2026-10-02",
                      "--out", "o", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_simulate_with_a_bank_statement_stops_letters_for_payers(tmp_path):
    from datetime import date
    from decimal import Decimal

    from mahnwerk_local.camt import Credit, camt053

    (tmp_path / "inv.csv").write_text(
        "Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Kundentyp;Rechnungsdatum;"
        "Fällig am;Betrag\n"
        "RE-1;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;gewerblich;01.10.2026;15.10.2026;100,00\n"
        "RE-2;K-1;Anna Schmidt;anna@example.org;Weg 1;10115;Berlin;gewerblich;01.10.2026;15.10.2026;50,00\n"
        "RE-3;K-2;Bau Krause GmbH;bau@krause.example;Weg 2;10115;Berlin;gewerblich;01.10.2026;15.10.2026;1.000,00\n"
        "RE-5;K-4;Hans Meier;hans@example.org;Weg 4;10115;Berlin;gewerblich;01.10.2026;15.10.2026;250,00\n",
        "utf-8")
    (tmp_path / "kontoauszug.xml").write_bytes(camt053("DE02120300000000202051", [
        Credit(date(2026, 10, 23), Decimal("150.00"), "RE-1 RE-2", "Anna Schmidt"),
        Credit(date(2026, 10, 23), Decimal("400.00"), "Abschlag RE-3", "Bau Krause GmbH"),
        Credit(date(2026, 10, 23), Decimal("250.00"), "Rechnung RE-6", "Meier Hans"),
        Credit(date(2026, 10, 23), Decimal("12.34"), "???", "Niemand"),
    ]))
    result = mahnwerk("simulate", "--settings", str(ROOT / "infra/mahnwerk_local/demo/settings.json"),
                      "--invoices", "inv.csv", "--payments", "kontoauszug.xml",
                      "--from", "2026-10-16", "--to", "2026-11-20", "--out", "out",
                      "--tenant", "acme", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out/summary.json").read_text("utf-8"))
    first = {n["customer"] for n in summary["notices"] if n["date"] == "2026-10-22"}
    assert first == {"K-1", "K-2", "K-4"}  # reminders before the money arrived (24.10.)
    later = [n for n in summary["notices"] if n["date"] > "2026-10-22"]
    assert {n["customer"] for n in later} == {"K-2"}  # nothing more to those who paid
    # the part payment names its invoice (§367 Abs. 2): it pays principal, exactly 600 remain
    assert later[0]["principal"] == "600.00" and later[0]["level"] == 2
    methods = {p["amount"]: (p["method"], p["matched"]) for p in summary["payments"]}
    assert methods["150.00"] == ("reference", ["RE-1", "RE-2"])
    assert methods["250.00"] == ("amount+name", ["RE-5"])
    [review] = [p for p in summary["payments"] if p["status"] == "unmatched"]
    assert review["amount"] == "12.34" and review["unmatched"] == "12.34"
    # both named invoices are paid; their cents of interest are a residual charge, waived
    assert summary["customers"]["K-1"]["paid_count"] == 2
    # issued 01.10., paid 23.10. after the reminder of 22.10.: 22 days, 60 points each, too few to judge
    k1 = summary["customers"]["K-1"]
    assert (k1["average_days_to_pay"], k1["on_time_share"], k1["score"], k1["badge"]) == \
        ("22.0", "0.000", 60, "new")
    # a customer who has paid nothing in full is listed too, without figures to judge by
    assert summary["customers"]["K-2"]["paid_count"] == 0 and summary["customers"]["K-2"]["score"] is None
    waived = {i["number"]: i for i in summary["invoices"] if i["charges_state"] == "waived"}
    assert {"RE-1", "RE-2", "RE-5"} <= set(waived)


def test_simulate_delivers_mail_to_the_inbox_through_the_same_intake(tmp_path):
    """--mail (repeatable): raw e-mails reach the tenant's inbox on the first morning; the
    settings file's inbox.senders decides who may send; a stranger's mail imports nothing."""
    from email.message import EmailMessage

    settings = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    settings["inbox"] = {"senders": ["lieferant.example"]}
    (tmp_path / "settings.json").write_text(json.dumps(settings), "utf-8")
    for name, sender, number in (("ok.eml", "ap@lieferant.example", "MAIL-1"),
                                 ("stranger.eml", "x@elsewhere.example", "MAIL-2")):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = sender, "rechnungen@example.org", "Rechnung"
        m["Message-ID"] = f"<{number}@lieferant.example>"
        m.set_content("Anbei.")
        m.add_attachment((f"Invoice number,Customer,E-mail,Invoice date,Due date,Total\n"
                          f"{number},Acme Ltd,ap@acme.example,2026-10-01,2026-10-15,100.00\n")
                         .encode(), maintype="text", subtype="csv", filename="r.csv")
        (tmp_path / name).write_bytes(m.as_bytes())
    result = mahnwerk("simulate", "--settings", "settings.json", "--mail", "ok.eml",
                      "--mail", "stranger.eml", "--from", "2026-10-16", "--to", "2026-10-16",
                      "--out", "out", "--tenant", "acme", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out/summary.json").read_text("utf-8"))
    assert [i["number"] for i in summary["invoices"]] == ["MAIL-1"]


def test_demo_debtors_answer_on_their_pages(demo):
    """Issue 17: one customer promises (and breaks it: the next level the next morning, saying
    so), one disputes (no letter after it); summary.json lists the answers."""
    out, stdout = demo
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    answers = {a["customer"]: a for a in summary["portal_answers"]}
    assert {a["kind"] for a in answers.values()} == {"promise", "dispute"}
    assert all(a["result"] == "recorded" for a in answers.values())
    assert "answers on the debtors' pages: 2" in stdout
    promised = answers["K-1002"]
    assert promised["owner_told"] == ["promise", "promise_broken"]
    broken = [n for n in summary["notices"] if n["promise_broken"]]
    assert [n["customer"] for n in broken] == ["K-1002"]
    assert broken[0]["date"] > promised["fields"]["until"]
    text = plain_text((out / broken[0]["eml"]).read_bytes())
    assert "Zahlungszusage wurde damit nicht eingehalten" in text and "/portal/" in text
    disputed = answers["K-1005"]
    assert not [n for n in summary["notices"] if n["customer"] == "K-1005"
                and n["date"] > disputed["date"]]
