"""A year of the real pipeline (settings document → intake → daily dunning run → stored notice →
letter): no payment deadline falls on a weekend or a public holiday of the tenant's Land, and no
hand-over comes before the deadline of the letter that announced it (§193 BGB)."""

import email
import json
from datetime import date, timedelta
from email.policy import default as email_policy

import holidays
import pytest

from mahnwerk_local.book import book_csv
from mahnwerk_local.simulation import SimulationInput, simulate

from ..conftest import ROOT

pytestmark = pytest.mark.slow

LAND = "BY"
START, END = date(2026, 1, 1), date(2026, 12, 31)
# Level 1 of this invoice falls due on 25 May 2026: its deadline, 4 June, is Fronleichnam, a
# holiday in Bavaria but not nationwide, so only the tenant's Land moves it (to Friday 5 June).
FRONLEICHNAM = ("RE-F-1;K-9001;Fronleichnam GmbH;fron@example.org;Domplatz 1;80331;München;"
                "gewerblich;04.05.2026;18.05.2026;100,00;100,00\r\n")


def test_a_simulated_year_has_no_deadline_on_a_weekend_or_holiday_of_the_land(tmp_path):
    settings = json.loads((ROOT / "infra/mahnwerk_local/demo/settings.json").read_text("utf-8"))
    settings["policy"]["holiday_region"] = LAND
    invoices = tmp_path / "book.csv"
    invoices.write_bytes(book_csv(customers=15, invoices=45, start=date(2025, 12, 1), days=330,
                                  seed=3) + FRONLEICHNAM.encode())
    result = simulate(SimulationInput("year", settings, [invoices], START, END, tmp_path / "out"))
    notices = result.summary["notices"]
    assert not any(result.summary["dead_letters"].values())

    letters = [n for n in notices if n["status"] == "sent"]
    assert len(letters) >= 60
    assert {date.fromisoformat(n["date"]).weekday() for n in letters} == set(range(7))
    closed = set(holidays.country_holidays("DE", subdiv=LAND, years=[2026, 2027]))
    deadline_days = settings["policy"]["deadline_days"]
    moved = 0
    for n in notices:
        run, deadline = date.fromisoformat(n["date"]), date.fromisoformat(n["deadline"])
        assert deadline.weekday() < 5 and deadline not in closed, n
        plain = run + timedelta(days=deadline_days)
        assert plain <= deadline
        assert all(d.weekday() >= 5 or d in closed
                   for d in (plain + timedelta(days=i) for i in range((deadline - plain).days))), n
        moved += deadline != plain
    assert moved >= 15  # the rule was needed, not just lucky

    [fron] = [n for n in notices if n["customer"] == "K-9001" and n["level"] == 1]
    assert (fron["date"], fron["deadline"]) == ("2026-05-25", "2026-06-05")
    mail = email.message_from_bytes((result.out / fron["eml"]).read_bytes(), policy=email_policy)
    assert "05.06.2026" in mail.get_body(("plain",)).get_content()  # the letter prints it

    # a hand-over comes only after the deadline of the last letter announcing it has passed
    handed_over = [n for n in notices if n["status"] == "handed_over"]
    assert handed_over
    for n in handed_over:
        announced = [m for m in letters if m["customer"] == n["customer"] and m["date"] < n["date"]
                     and m["level"] == n["level"] - 1 and set(m["invoices"]) & set(n["invoices"])]
        assert announced and n["date"] > max(announced, key=lambda m: m["date"])["deadline"], n
