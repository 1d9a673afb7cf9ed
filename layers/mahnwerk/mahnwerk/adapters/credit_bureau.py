"""Credit bureaus (Auskunfteien) behind ``service.ports.CreditBureau``.

This repository makes no network calls to a bureau. ``NoBureau`` (wired by default in
``service.bootstrap.build``) knows nobody, so no customer is ever looked up until a real adapter
is wired in its place.

**Where a real provider goes** (Creditreform, SCHUFA B2B, CRIF Bürgel, …): a class in this module
with ``look_up(subject) -> BureauResult | None`` that

- sends only the ``BureauSubject`` (name and address; never invoices or payments),
- normalises the provider's score to 0-100 (higher is better; Creditreform's Bonitätsindex
  100-600 runs the other way: ``score = round((600 - index) / 5)``), its limit suggestion to
  euros, and sets ``on`` to the day of the provider's answer and ``provider`` to its name,
- returns None when the provider has no match, and raises nothing for a provider outage (log it
  and return None: the next recomputation asks again),
- reads its credentials from AWS Secrets Manager at first use (never from settings or code),

and is chosen in ``service.bootstrap.build`` by configuration. The service
(``service/credit.py``) decides *whether* to ask: only when the owner switched on
``credit.bureau_check``, the answer is older than ``credit.bureau_max_age_days``, and — GDPR Art.
6(1)(f) — the customer is a business, or a consumer for whom the owner recorded a legitimate
interest (``credit_legitimate_interest``).
"""

from __future__ import annotations

from ..domain.credit import BureauResult, BureauSubject


class NoBureau:
    """Implements ``service.ports.CreditBureau``: asks nobody, finds nobody."""

    def look_up(self, subject: BureauSubject) -> BureauResult | None:
        return None
