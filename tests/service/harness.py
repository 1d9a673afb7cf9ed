"""What the service tests drive the service layer with, on fakes or on moto alike.

The Lambda handlers are thin (a few lines each, ``functions/``): the harness calls the same
service functions they call — intake of an uploaded file, the daily run, the notice worker — and
drains the notice queue the way SQS redelivers a failed message. ``fake()`` builds it on the
in-memory fakes; ``benchmarks/fakes_vs_moto.py`` builds it on the moto stack to time both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mahnwerk.domain.dates import business_date
from mahnwerk.service import dunning, intake, invoicing, recurring
from mahnwerk.service.bootstrap import Context
from mahnwerk.service.tenants import SETTINGS_KEY

from ..conftest import ROOT, berlin
from ..fakes import FakeMailer, FakeQueue, fake_context

SETTINGS = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))


@dataclass
class Harness:
    ctx: Context
    #: the raw emails handed to the mail service so far
    emails: Callable[[], list[bytes]]
    #: the notice queue's waiting messages, taken off the queue
    take: Callable[[], list[dict[str, Any]]]

    def settings(self, tenant: str = "acme", document: dict[str, Any] | None = None) -> None:
        self.ctx.tenants.put_document(tenant, SETTINGS_KEY, document or SETTINGS,
                                      berlin(2026, 10, 1))

    def upload(self, key: str, data: bytes, at: datetime) -> intake.ImportReport:
        """A file arrives in the inbox (the S3 notification → the intake function)."""
        self.ctx.store.put(key, data, "application/octet-stream")
        return intake.ingest_object(self.ctx, key, None, at)

    def fire_schedule(self, scheduled: datetime) -> dict[str, int]:
        return dunning.plan_run(self.ctx, business_date(scheduled), scheduled)

    def run_day(self, scheduled: datetime) -> dict[str, int]:
        result = self.fire_schedule(scheduled)
        self.drain()
        return result

    def handle(self, message: dict[str, Any]) -> Any:
        """The notice function's record handler."""
        if message.get("kind") == invoicing.KIND:
            return invoicing.process_request(self.ctx, message)
        if message.get("kind") == recurring.KIND:
            return recurring.process_request(self.ctx, message)
        return dunning.process_request(self.ctx, message)

    def pump(self) -> list[dict[str, Any]]:
        """One round: every waiting message handled once; the failed ones (returned) go back on
        the queue, as SQS makes them visible again."""
        failed = []
        for message in self.take():
            try:
                self.handle(message)
            except Exception:
                failed.append(message)
        if failed:
            self.ctx.notice_queue.send_all(failed)
        return failed

    def refuse_sends(self, *codes: str) -> None:
        """The mail service answers the next sends with these errors (nothing goes out)."""
        from mahnwerk.adapters.aws import SendRefused

        mailer, pending = self.ctx.mailer, list(codes)
        send = mailer.send_raw

        def refusing(*args: Any, **kwargs: Any) -> str:
            if pending:
                raise SendRefused(pending.pop(0))
            return send(*args, **kwargs)

        mailer.send_raw = refusing  # type: ignore[method-assign]

    def drain(self, max_rounds: int = 10) -> None:
        for _ in range(max_rounds):
            if not self.pump():
                return
        raise AssertionError("messages still failing after retries (the dead-letter queue)")


def fake() -> Harness:
    ctx = fake_context()
    mailer, queue = ctx.mailer, ctx.notice_queue
    assert isinstance(mailer, FakeMailer) and isinstance(queue, FakeQueue)
    return Harness(ctx, lambda: [m.raw for m in mailer.sent], queue.take)
