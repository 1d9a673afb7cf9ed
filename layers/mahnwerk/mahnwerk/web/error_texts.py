"""The errors' texts for people: German by code (``domain.errors``), English by the error's own
message. The dashboard's error page shows them; the API answers in English."""

from __future__ import annotations

from ..domain.errors import MahnwerkError
from ..domain.reasons import Reason

#: the German text of every error code (``domain.errors``); English is the error's own message
ERRORS: dict[str, str] = {
    "error": "Das konnte nicht ausgeführt werden.",
    "invalid_input": "Die Angaben sind nicht gültig.",
    "invalid_field": "Ein Feld enthält einen ungültigen Wert.",
    "invalid_amount": "Das ist kein gültiger Betrag.",
    "invalid_date": "Das ist kein gültiges Datum.",
    "unsupported_currency": "Diese Währung wird nicht unterstützt (kein ISO-4217-Code oder mehr "
    "als zwei Nachkommastellen).",
    "invalid_cursor": "Der Verweis auf die nächste Seite ist ungültig. Bitte beginnen Sie von vorn.",
    "settings_invalid": "Die Einstellungen enthalten ungültige Werte.",
    "letter_template_invalid": "Die Briefvorlage ist fehlerhaft oder nutzt nicht erlaubte Befehle.",
    "email_invalid": "Die E-Mail kann nicht erstellt werden: eine Adresse fehlt oder ist ungültig.",
    "einvoice_data_missing": "Für die E-Rechnung fehlen Angaben in den Einstellungen oder der Rechnung.",
    "einvoice_invalid": "Die E-Rechnung kann nicht gelesen werden.",
    "pdf_refused": "Die PDF-Datei kann nicht gelesen werden.",
    "file_refused": "Die Datei wurde abgelehnt.",
    "file_too_large": "Die Datei ist zu groß.",
    "not_found": "Das gibt es nicht, oder es gehört nicht zu Ihrem Konto.",
    "page_not_found": "Diese Seite gibt es nicht, oder sie gehört nicht zu Ihrem Konto.",
    "datev_not_configured": ("Für den DATEV-Export fehlen Beraternummer und Mandantennummer in den "
                             "Einstellungen."),
    "invalid_period": "Der Zeitraum für den Export ist nicht gültig.",
    "invalid_year": "Bitte geben Sie ein Jahr zwischen 2000 und 2100 an.",
    "review_decided": "Über diese Datei wurde schon entschieden (übernommen oder verworfen).",
    "invalid_fields": "Einige Felder enthalten ungültige Werte; die Gründe stehen bei den Feldern.",
    "review_not_found": "Diese Datei liegt nicht (mehr) zur Prüfung vor, oder sie gehört nicht zu "
                        "Ihrem Konto.",
    "not_allowed_in_state": "Das ist beim jetzigen Stand der Rechnung nicht möglich.",
    "not_erasable": "Die Daten dieses Kunden können jetzt noch nicht gelöscht werden.",
    "recurring_invalid": "Die Serienrechnung wurde nicht angelegt: bitte prüfen Sie die markierten Felder.",
    "conflict": "Die Daten wurden inzwischen an anderer Stelle geändert. Bitte laden Sie die Seite neu.",
    "approval_not_found": "Dieses Schreiben wartet nicht auf Freigabe, oder es gehört nicht zu Ihrem Konto.",
    "approval_done": ("Dieses Schreiben wartet nicht mehr auf Freigabe (freigegeben, übersprungen "
                      "oder neu geplant)."),
    "payment_already_assigned": "Diese Zahlung ist schon zugeordnet.",
    "probable_duplicate": "Diese Zahlung wurde schon einmal erfasst.",
    "sign_in_required": "Bitte melden Sie sich an.",
    "csrf_failed": "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und versuchen Sie es "
                   "noch einmal.",
    "validation_failed": "Die Anfrage passt nicht zum beschriebenen Format.",
    "request_in_progress": "Dieselbe Anfrage läuft noch. Bitte warten Sie einen Moment.",
    "idempotency_key_reused": "Dieser Idempotency-Key wurde schon für eine andere Anfrage verwendet.",
    "unsupported_media_type": "Bitte senden Sie die Daten als JSON.",
    "inbox_sender_invalid": "Ein erlaubter Absender ist weder eine E-Mail-Adresse noch eine "
                            "Domain (z. B. buchhaltung@firma.de oder firma.de).",
    "inbox_not_configured": "Für diese Installation ist keine Posteingangs-Domain eingerichtet "
                            "(Vorlagen-Parameter InboxDomain); eine E-Mail-Adresse für Rechnungen "
                            "kann daher nicht vergeben werden.",
    "body_too_deep": "Die Anfrage ist zu tief verschachtelt.",
    # the debtor's page (web/portal.py words its own field errors; these are the codes' texts)
    "portal_not_found": "Dieser Link ist nicht (mehr) gültig.",
    "portal_input_invalid": "Die Antwort wurde nicht übernommen.",
    "portal_answer_limit": "Für heute sind genug Antworten eingegangen; bitte morgen wieder.",
    "portal_rate_limited": "Zu viele Anfragen. Bitte versuchen Sie es später noch einmal.",
}


def error_text(lang: str, exc: MahnwerkError) -> str:
    """An error for people: its Reason in ``lang`` where it carries one (the detail: "Kein
    gültiges Datum: „31.11.2026“ …"), else German by its code, English by its own message."""
    if exc.public_detail and exc.args and isinstance(exc.args[0], Reason):
        return exc.args[0].text(lang)
    return exc.public_message if lang == "en" else ERRORS[exc.code]
