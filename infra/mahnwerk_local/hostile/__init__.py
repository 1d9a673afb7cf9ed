"""Hostile-input campaign (#9): every kind of attack on every input path, through the real entry
point, each bounded in time; writes docs/hostile-input.md.

Paths and entry points:

- files (invoice XML CII/UBL, e-invoice XML inside a PDF, invoice PDFs, CSV invoices, camt.053,
  bank CSV, MT940, the corpus's failing and EICAR files): uploaded to the local stack's S3 inbox,
  which notifies the intake queue; the intake function runs (``LocalStack.drain``) and the
  import report it writes says what became of the file;
- the REST API (settings with tenant texts, uploads, oversized and nested bodies, pagination and
  cursors): requests through ``LocalStack.api`` (authorizer, then the API function);
- pure checks (the letter-template sandbox, S3 key rules): the functions themselves, in a separate
  worker process with a memory limit, killed when it overruns (a bomb that escapes cannot take
  the campaign down with it).

Each attempt ends as one of: ``refused`` (the entry point said no, with its reason), ``defused``
(taken as inert data by design, and checked to be inert: e.g. a payment is never refused for its
remittance text), ``accepted`` (taken although it should not be), ``crashed`` (an exception
escaped, a 5xx, a message in a dead-letter queue that is not the designed path), ``hung`` (no
answer within the case's time limit) or ``skipped`` (the corpus is not there).

Run: ``.venv/bin/python -m mahnwerk_local.hostile [--corpus DIR] [--write docs/hostile-input.md]``
"""
