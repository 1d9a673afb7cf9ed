"""Letters: the words, the PDF and the email of a dunning notice, in the tenant's name.

- ``texts.compose`` -> ``LetterText`` (subject, salutation, paragraphs, closing), DE or EN
- ``texts.render_html`` / ``texts.render_plain``: the email bodies
- ``pdf.render_notice_pdf``: the DIN 5008 letter with an EPC payment QR code, on the page of
  ``page`` (measures, footer, text), with ``payment_block`` (EPC QR code and bank box, also on
  our invoices: ``invoice_pdf``) and the tenant's logo (``logo``)
- ``email.build_email``: the MIME message with the PDF attached

Pure: no AWS, no environment, no clock.
"""

from .email import build_email
from .pdf import render_notice_pdf
from .texts import LetterTemplateError, LetterText, compose, render_html, render_plain

__all__ = [
    "LetterTemplateError",
    "LetterText",
    "build_email",
    "compose",
    "render_html",
    "render_notice_pdf",
    "render_plain",
]
