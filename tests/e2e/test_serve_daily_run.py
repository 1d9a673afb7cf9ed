"""``mahnwerk serve`` runs the daily schedule by itself (issue 15, point 6): an invoice due for
its first reminder "today" is sent at the template's hour of the server's clock, with nobody
calling anything, and the run status names the next run."""

import json
import time

import pytest

from ._serve import start

pytestmark = pytest.mark.slow

INVOICE = {"invoices": [{
    "number": "RE-77", "issue_date": "2026-10-01", "due_date": "2026-10-15", "amount": "119.00",
    "customer": {"id": "K-77", "name": "Anna Schmidt", "email": "anna@example.org",
                 "street": "Weg 1", "postal_code": "10115", "city": "Berlin", "country": "DE"}}]}


def test_the_served_stack_sends_todays_letters_at_the_run_hour(tmp_path):
    # 22.10.2026 is the invoice's due day + 7: its first reminder is due at the 06:00 run
    server = start(tmp_path, "--tenant", "acme", "--clock", "2026-10-22T05:59:35+02:00")
    try:
        assert "daily dunning run at 06:00 Europe/Berlin" in server.banner
        status, _, body = server.call("POST", "/v1/invoices", json.dumps(INVOICE).encode())
        assert status == 200 and body["created"] == ["RE-77"], body
        status, _, runs = server.call("GET", "/v1/runs")
        assert status == 200 and runs["next_run"] == "2026-10-22T06:00:00+02:00", runs
        assert runs["last_run"] is None
        assert server.call("GET", "/v1/notices")[2]["items"] == []  # not before the hour

        deadline = time.monotonic() + 90
        items: list = []
        while time.monotonic() < deadline and not items:
            time.sleep(2)
            items = server.call("GET", "/v1/notices")[2]["items"]
        assert [(n["notice_id"], n["status"]) for n in items] == [("K-77:2026-10-22:L1", "sent")]
        runs = server.call("GET", "/v1/runs")[2]
        assert runs["last_run"]["trigger"] == "schedule" and runs["last_run"]["requests"] == 1
        assert runs["next_run"] == "2026-10-23T06:00:00+02:00"
        # "run now" the same day after the schedule: nothing twice
        status, _, again = server.call("POST", "/v1/runs")
        assert status == 200 and again["run"]["requests"] == 0
        assert len(server.call("GET", "/v1/notices")[2]["items"]) == 1
    finally:
        assert server.stop() == 0
