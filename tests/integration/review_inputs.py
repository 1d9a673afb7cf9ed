"""Shared inputs of the review-list tests: a PDF without an invoice number and the fields that
complete it."""

from mahnwerk_local.hostile.payloads import text_pdf

from ..unit.test_pdf_invoice import GERMAN

NO_NUMBER = text_pdf([line for line in GERMAN if not line.startswith("Rechnungsnummer")])
FIELDS = {"number": "RV-1", "issue_date": "02.11.2026", "due_date": "09.11.2026", "amount": "1.190,00",
          "currency": "EUR",
          "customer": {"id": "RV-K1", "name": "Müller Bau GmbH", "email": "buchhaltung@mueller.example",
                       "street": "Baustraße 7", "postal_code": "12345", "city": "Musterstadt",
                       "country": "DE"}}
