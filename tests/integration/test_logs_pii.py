"""No personal data in logs: run intake, dunning, payments and feedback, scan what was logged."""

import json
import logging
import re
from datetime import date
from decimal import Decimal

from mahnwerk.service.tenants import SETTINGS_KEY
from mahnwerk_local.camt import Credit, camt053

from ..conftest import ROOT, berlin

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
PEOPLE = ["Łukasz Şahin", "Zoë Müller-Groß"]
EMAILS = ["lukasz@example.org", "zoe@example.org"]
IBAN = "DE89370400440532013000"
CSV = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Straße;PLZ;Ort;Rechnungsdatum;Fällig am;Betrag\n"
       f"RE-1;K-1;{PEOPLE[0]};{EMAILS[0]};Hauptstraße 1;10115;Berlin;01.10.2026;15.10.2026;100,00\n"
       f"RE-2;K-2;{PEOPLE[1]};{EMAILS[1]};Gartenweg 2;10115;Berlin;01.10.2026;15.10.2026;50,00\n"
       f"RE-3;K-3;{PEOPLE[1]};kaputt;;;;01.10.2026;15.10.2026;1,2,3\n").encode()


class Everything(logging.Handler):
    """Keeps every record whole — message, arguments, extra fields, exception text — so the scan
    sees all a log line could carry, whichever stream the Lambda logger writes to."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        self.lines.append(json.dumps(record.__dict__, default=str, ensure_ascii=False))


def test_logs_carry_no_names_addresses_emails_or_ibans(stack):
    for name in stack.functions:  # load the handlers first: Powertools sets up its own handler
        stack.handler(name)
    handler = Everything()
    loggers = [logging.getLogger(), logging.getLogger("mahnwerk")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        run_everything(stack)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    logged = "\n".join(handler.lines)
    assert "notice request processed" in logged  # the logs were captured at all
    for secret in [*PEOPLE, *EMAILS, IBAN, "Hauptstraße", "Unbekannt Person"]:
        assert secret not in logged, f"personal data in the logs: {secret!r}"
    assert not re.search(r"[\w.+-]+@example\.org", logged)


def run_everything(stack):
    stack.verify_sender(SETTINGS["sender_email"])
    with stack.service_context() as ctx:
        ctx.tenants.put_document("acme", SETTINGS_KEY, SETTINGS, berlin(2026, 10, 1))
    stack.now = berlin(2026, 10, 20, 5)
    stack.upload("inbox/acme/invoices/r.csv", CSV)
    stack.drain()
    for day in (22, 23):
        stack.now = berlin(2026, 10, day)
        stack.fire_schedule("DunningFunction", stack.now)
        stack.drain()
    stack.upload("inbox/acme/bank/s.xml", camt053("DE02120300000000202051", [
        Credit(date(2026, 10, 24), Decimal("100.00"), "RE-1", PEOPLE[0], iban=IBAN),
        Credit(date(2026, 10, 24), Decimal("9.99"), "?", "Unbekannt Person", iban=IBAN)]))
    stack.upload("inbox/acme/invoices/../../x.csv", b"x")  # a hostile key: fails and is logged
    stack.drain()
