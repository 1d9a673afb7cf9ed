"""Pure checks (the letter-template sandbox, S3 key rules), run in a worker process with a
memory limit that is killed when a check overruns."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ..cfn import project_root
from .model import TENANT, Verdict


def _plan(lines: int = 3) -> Any:
    from mahnwerk.domain.dunning import NoticeLine, NoticePlan
    from mahnwerk.domain.model import Channel
    from mahnwerk.domain.policy import Action, Tone

    items = tuple(NoticeLine(number=f"RE-{i}", issue_date=date(2026, 1, 1), due_date=date(2026, 1, 15),
                             amount=Decimal("100.00"), paid=Decimal("0"), open_amount=Decimal("100.00"),
                             level=1, days_overdue=30) for i in range(lines))
    return NoticePlan(tenant_id=TENANT, customer_id="K-1", run_date=date(2026, 2, 14), level=1,
                      level_name="Zahlungserinnerung", tone=Tone.FRIENDLY, channels=(Channel.EMAIL,),
                      action=Action.LETTER, lines=items, fee=Decimal("0"),
                      deadline=date(2026, 2, 28), advances=())


def _customer(name: str = "Anna Schmidt") -> Any:
    from mahnwerk.domain.model import Address, Customer

    return Customer(tenant_id=TENANT, customer_id="K-1", name=name, email="anna@example.org",
                    address=Address("Weg 1", "10115", "Berlin"), is_consumer=True)


def _settings(doc: dict[str, Any] | None = None) -> Any:
    from mahnwerk.domain.settings_doc import settings_from_dict

    return settings_from_dict(TENANT, doc or json.loads(
        (project_root() / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8")))


def pure_template(source: str, lines: int = 3) -> Verdict:
    """A tenant's letter template through ``check_template`` (the gate for tenant texts)."""
    from mahnwerk.letters.texts import LetterTemplateError, check_template

    try:
        check_template(source, _plan(lines), _customer(), _settings())
    except LetterTemplateError as exc:
        return Verdict("refused", str(exc)[:300])
    return Verdict("accepted", "the template rendered")


def pure_inbox_key(key: str) -> Verdict:
    from mahnwerk.domain.model import DomainError
    from mahnwerk.service.intake import parse_inbox_key

    try:
        parsed = parse_inbox_key(key)
    except DomainError as exc:
        return Verdict("refused", str(exc)[:300])
    return Verdict("accepted", f"taken as {parsed}")


def pure_literal_text(where: str, payload: str) -> Verdict:
    """Template syntax in a value the tenant sets (company name, level name): printed as it is,
    never evaluated."""
    from mahnwerk.letters.texts import compose

    doc = json.loads((project_root() / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    if where == "company.name":
        doc["company"]["name"] = payload
    else:
        doc["policy"]["levels"][0]["name"] = payload
    settings = _settings(doc)
    plan = _plan()
    if where != "company.name":
        plan = type(plan)(**{**plan.__dict__, "level_name": payload})
    letter = compose(plan, _customer(payload if where == "customer.name" else "Anna Schmidt"),
                     settings)
    text = letter.subject + "\n" + letter.as_plain_text()
    if payload in text:
        return Verdict("defused", f"the {where} is data to the templates: printed verbatim in the "
                                  "letter, never evaluated")
    return Verdict("accepted", "the value was evaluated as a template, or lost")


PURE: dict[str, Callable[..., Verdict]] = {
    "template": pure_template, "inbox_key": pure_inbox_key, "literal_text": pure_literal_text}

#: the worker's address-space limit: a bomb that escapes the checks hits MemoryError here
WORKER_MEMORY = 2 * 1024 ** 3


def _worker(conn: Any) -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))
    logging.disable(logging.CRITICAL)
    while True:
        message = conn.recv()
        if message is None:
            return
        name, args = message
        try:
            verdict = PURE[name](*args)
            conn.send((verdict.outcome, verdict.reason))
        except BaseException as exc:  # every escape is the finding
            conn.send(("crashed", f"{type(exc).__name__}: {str(exc)[:300]}"))


class Worker:
    """One spawned process for the pure checks; killed and replaced when a check overruns."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        self._conn, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child,), daemon=True)
        self._proc.start()
        child.close()

    def run(self, name: str, args: tuple[Any, ...], timeout: float) -> Verdict:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        self._conn.send((name, args))
        if not self._conn.poll(timeout):
            self.stop(kill=True)
            return Verdict("hung", f"no answer within {timeout:.0f} s; the worker was killed")
        try:
            outcome, reason = self._conn.recv()
        except EOFError:
            self.stop(kill=True)
            return Verdict("crashed", "the worker process died")
        return Verdict(outcome, reason)

    def stop(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        if kill:
            self._proc.kill()
        else:
            with contextlib.suppress(OSError, BrokenPipeError):
                self._conn.send(None)
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        self._proc = None
