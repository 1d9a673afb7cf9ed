"""The debtor's page on a letter: one short line below the payment block ("Ihr Kundenkonto
online: …"), and the sentence a letter after a broken promise to pay carries. The link itself is
made by service.portal and travels in the plan (``NoticePlan.portal_url``)."""

from __future__ import annotations

from ..domain.dunning import NoticePlan
from .formatting import format_date
from .page import FONT, GREY, LEFT, TEXT_W, DinPage

LABELS = {
    "de": {"portal": "Ihr Kundenkonto online – Kontoauszug, Zahlungszusage, Rückfragen:",
           "portal_short": "Ihr Kundenkonto online"},
    "en": {"portal": "Your account online – statement, promise to pay, questions:",
           "portal_short": "Your account online"},
}


def portal_labels(locale: str) -> dict[str, str]:
    return LABELS.get(locale, LABELS["de"])


def broken_promise_sentence(plan: NoticePlan, paused_until: str, locale: str) -> str:
    """Said by code (not by the tenant-editable templates) so that no custom text drops it."""
    numbers = ", ".join(plan.promise_broken)
    if not numbers:
        return ""
    if locale == "en":
        return (f"You promised to pay invoice(s) {numbers} by {paused_until}; the payment did not "
                "reach us in full by that day. Your promise to pay was not kept, so we are sending "
                "you this reminder.")
    return (f"Sie hatten uns zugesagt, die Rechnung(en) {numbers} bis zum {paused_until} zu "
            "bezahlen. Bis zu diesem Tag ist die Zahlung bei uns nicht vollständig eingegangen; "
            "Ihre Zahlungszusage wurde damit nicht eingehalten. Deshalb erhalten Sie dieses "
            "Schreiben.")


def draw_portal_line(pdf: DinPage, url: str, locale: str) -> None:
    """The line below the bank box: the label, then the link (short enough to type)."""
    if not url:
        return
    lab = portal_labels(locale)
    pdf.ln(2)
    pdf.ensure_space(9)
    y = pdf.get_y()
    pdf.set_text_color(*GREY)
    pdf.set_font(FONT, "", 7.5)
    pdf.put(LEFT, y, TEXT_W, 3.8, lab["portal"])
    pdf.set_text_color(0, 0, 0)
    size = 8.5  # a long address (the default execute-api host) is set smaller, never cut off
    pdf.set_font(FONT, "B", size)
    while pdf.get_string_width(url) > TEXT_W and size > 5:
        size -= 0.5
        pdf.set_font(FONT, "B", size)
    pdf.put(LEFT, y + 3.8, TEXT_W, 4.2, url)
    pdf.set_xy(LEFT, y + 8.2)


__all__ = ["broken_promise_sentence", "draw_portal_line", "format_date", "portal_labels"]
