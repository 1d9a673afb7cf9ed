"""A debtor answering on their page, locally: opens the link printed on their latest letter,
reads the form token and posts the answer through the dashboard API's route, as a browser does
(the demo's customers who promise or dispute, ``mahnwerk demo``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from .stack import LocalStack

TOKEN = re.compile(r'name="token" value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    """On ``day`` (after that day's run), ``customer`` answers ``kind`` (promise, paid, dispute)
    with these form fields."""

    day: date
    customer: str
    kind: str
    fields: tuple[tuple[str, str], ...]


#: the demo: Łukasz promises and does not pay (the next level comes the morning after, saying
#: so); the bakery disputes its invoice (no more letters for it)
DEMO_ANSWERS = (
    Answer(date(2026, 10, 9), "K-1002", "promise",
           (("invoice", "RE-2026-102"), ("until", "2026-10-16"))),
    Answer(date(2026, 10, 2), "K-1005", "dispute",
           (("invoice", "RE-2026-106"), ("reason", "defective"),
            ("text", "Die Brötchenlieferung vom 10.09. war unvollständig."))),
)


def letter_link(stack: LocalStack, tenant: str, customer: str) -> str:
    """The path of the link printed on the customer's latest letter (without host and stage)."""
    from mahnwerk.domain.notices import plan_from_json

    with stack.service_context() as ctx:
        notices = ctx.notices.notices_of_customer(tenant, customer)
    for item in sorted(notices, key=lambda n: n.notice_id, reverse=True):
        url = plan_from_json(item.plan).portal_url if item.plan else ""
        if url:
            path = urlsplit(url).path
            return path[path.index("/portal/"):]
    return ""


def answer(stack: LocalStack, tenant: str, item: Answer) -> dict[str, Any]:
    path = letter_link(stack, tenant, item.customer)
    row: dict[str, Any] = {"date": item.day.isoformat(), "customer": item.customer,
                           "kind": item.kind, "fields": dict(item.fields), "link": path}
    if not path:
        return {**row, "status": None, "result": "no letter with a link yet"}
    page = stack.api("GET", path, headers={"Content-Type": "text/html"})
    found = TOKEN.search(str(page.body)) if page.status == 200 else None
    if found is None:
        return {**row, "status": page.status, "result": "page not shown"}
    body = urlencode([("token", found.group(1)), *item.fields])
    sent = stack.api("POST", f"{path}/{item.kind}", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    return {**row, "status": sent.status, "result": "recorded" if sent.status == 303 else "refused"}
