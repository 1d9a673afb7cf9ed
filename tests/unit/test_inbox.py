"""The inbox's pure rules: addresses and tokens, the allow-list, SES's verdicts, and reading a
raw e-mail into invoice files (bounded; names without paths; images and signatures ignored)."""

from __future__ import annotations

import io
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from mahnwerk.domain.inbox import (
    check_senders,
    inbox_address,
    recipient_tokens,
    sender_allowed,
    token_of,
    verdicts,
)
from mahnwerk.domain.model import DomainError
from mahnwerk.intake.mail import MAX_ZIP_DEPTH, message_key, parse_mail, safe_name

TOKEN = "0123456789abcdef0123456789abcdef"
CSV = b"Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\nRE-1;Anna;01.10.2026;10,00\n"


def test_addresses_carry_the_token_and_only_ours_count():
    address = inbox_address(TOKEN, "in.example")
    assert address == f"rechnungen+{TOKEN}@in.example"
    assert token_of(address.upper(), "in.example") == TOKEN
    assert token_of(address, "other.example") is None
    assert token_of(f"rechnungen+{TOKEN[:-1]}@in.example", "in.example") is None
    with pytest.raises(DomainError):
        inbox_address("guessable", "in.example")
    m = message_from_bytes(f"To: a@b.example, <{address}>\nCc: {address}\n\nx".encode(),
                           policy=policy.default)
    assert recipient_tokens(m, "in.example") == [TOKEN]


@pytest.mark.parametrize("sender, allowed", [
    ("anna@acme.example", True), ("ANNA@Acme.Example", True), ("bob@lieferant.example", True),
    ("bob@evil-lieferant.example", False), ("bob@mail.lieferant.example", False),
    ("eve@acme.example", False), ("", False), ("anna@acme.example@evil", False),
])
def test_the_allow_list_matches_addresses_and_whole_domains_exactly(sender, allowed):
    senders = check_senders(["anna@acme.example", "@lieferant.example"])
    assert sender_allowed(sender, senders) is allowed


@pytest.mark.parametrize("bad", [["kein absender"], "anna@acme.example", [1], ["@"],
                                 ["a@b@c.example"], ["x"] * 51])
def test_a_bad_allow_list_is_refused(bad):
    with pytest.raises(DomainError):
        check_senders(bad)


def headers(text: str):
    return message_from_bytes(text.encode() + b"\n\nbody", policy=policy.default)


def test_every_ses_verdict_must_pass_and_only_ses_own_header_counts():
    passed = ("X-SES-Spam-Verdict: PASS\nX-SES-Virus-Verdict: PASS\n"
              "Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@a; dmarc=pass")
    assert verdicts(headers(passed)).failed() == []
    assert verdicts(headers(passed.replace("dmarc=pass", "dmarc=none"))).failed() == ["dmarc"]
    assert verdicts(headers(passed.replace("Spam-Verdict: PASS", "Spam-Verdict: FAIL"))
                    ).failed() == ["spam"]
    assert verdicts(headers("From: x@y.example")).failed() == ["spf", "dkim", "dmarc", "spam",
                                                                "virus"]
    # a sender's own header below SES's: never turns a failure into a pass
    forged = passed.replace("spf=pass", "spf=fail") + (
        "\nAuthentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass")
    assert verdicts(headers(forged)).failed() == ["spf"]
    # someone else's Authentication-Results is not SES's verdict
    other = passed.replace("amazonses.com;", "mx.evil.example;")
    assert verdicts(headers(other)).failed() == ["spf", "dkim", "dmarc"]


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd.csv", "passwd.csv"), ("C:\\Windows\\x.pdf", "x.pdf"),
    ("/abs/.hidden.csv", "hidden.csv"), ("..", "anhang"), ("", "anhang"),
    ("Rechnung\x00\x1b[31m.pdf", "Rechnung_31m.pdf"), ("Rëchnung Nr. 1.pdf", "Rëchnung Nr. 1.pdf"),
    ("a" * 300 + ".pdf", "a" * 110 + ".pdf"), ("x;rm -rf|.csv", "x_rm -rf_.csv"),
])
def test_attachment_names_lose_paths_and_odd_characters(raw, safe):
    assert safe_name(raw) == safe


def mail(*parts: tuple[str, bytes, str], inline_image: bool = True) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@b.example", "c@d.example", "x"
    m["Message-ID"] = "<abc/../1@b.example>"
    m.set_content("Hallo")
    m.add_alternative("<p>Hallo <img src='cid:logo'></p>", subtype="html")
    if inline_image:
        m.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image", "png",
                                       cid="<logo>")
    for name, data, ctype in parts:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m.as_bytes()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_invoice_files_are_taken_images_and_signatures_ignored_others_refused():
    parsed = parse_mail(mail(("r.csv", CSV, "text/csv"),
                             ("sig.p7s", b"0\x82", "application/pkcs7-signature"),
                             ("foto.jpg", b"\xff\xd8\xff" + b"0" * 10, "image/jpeg"),
                             ("brief.docx", b"PK\x03\x04[Content_Types].xml", "application/zip"),
                             ("a.zip", zipped({"dir/b.csv": CSV, "c.csv": CSV}), "application/zip")),
                        20_000_000)
    assert parsed.error == ""
    assert [f.name for f in parsed.files] == ["r.csv", "a_b.csv", "a_c.csv"]
    assert [name for name, _ in parsed.refused] == ["brief.docx"]
    assert parsed.sender == "a@b.example"
    assert message_key(parsed.message_id, b"") == "abc_.._1@b.example"


def test_the_same_name_twice_is_kept_apart():
    parsed = parse_mail(mail(("r.csv", CSV, "text/csv"), ("r.csv", CSV + b"\n", "text/csv")), 10**7)
    assert [f.name for f in parsed.files] == ["r.csv", "r-2.csv"]


def test_zip_bombs_deep_zips_and_oversized_files_are_refused_not_unpacked():
    bomb = zipped({"r.csv": CSV + b"0" * 20_000_000})
    deep = CSV
    for i in range(MAX_ZIP_DEPTH + 1):
        deep = zipped({f"l{i}.zip" if i else "r.csv": deep})
    parsed = parse_mail(mail(("bomb.zip", bomb, "application/zip"),
                             ("deep.zip", deep, "application/zip"),
                             ("big.csv", CSV + b"0" * 200_000, "text/csv")), 100_000)
    assert parsed.files == []
    reasons = dict(parsed.refused)
    assert "ZIP bomb" in reasons["bomb.zip"]
    assert "nested deeper" in " ".join(r for _, r in parsed.refused)
    assert "file is too large" in reasons["big.csv"]


def test_a_message_that_is_too_big_or_broken_is_refused_whole():
    assert "headers too large" in parse_mail(b"X-A: " + b"a" * 70_000 + b"\n\nx", 10).error
    assert "MIME parts" in parse_mail(
        b"Content-Type: multipart/mixed; boundary=b\n\n"
        + b"".join(b"--b\nContent-Type: text/plain\n\nx\n" for _ in range(300)) + b"--b--\n",
        10).error
    assert parse_mail(b"\xff\xfe garbage without headers", 10).files == []
