"""The words of the debtor's page, German and English. White label: the page speaks in the
tenant's name only; no product name appears here (tests/unit/test_portal.py checks it)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Ihr Kundenkonto bei {company}", "Your account with {company}"),
    "hello": ("Guten Tag, {name}", "Hello {name}"),
    "customer_no": ("Kundennummer {id}", "Customer no. {id}"),
    "lang_switch": ("English", "Deutsch"),
    "statement": ("Kontoauszug", "Account statement"),
    "open_items": ("Offene Rechnungen", "Open invoices"),
    "none_open": ("Es sind keine Rechnungen offen. Vielen Dank!", "Nothing is open. Thank you!"),
    "invoice": ("Rechnung", "Invoice"),
    "issued": ("Rechnungsdatum", "Invoice date"),
    "due": ("Fällig am", "Due on"),
    "level": ("Mahnstufe", "Reminder level"),
    "level_0": ("noch keine Mahnung", "no reminder yet"),
    "amount": ("Betrag", "Amount"),
    "open": ("Offen", "Open"),
    "charges": ("Zinsen und Gebühren", "Interest and fees"),
    "to_pay": ("Zu zahlen", "To pay"),
    "status_disputed": ("Einwand in Prüfung", "Objection under review"),
    "status_handed_over": ("zur Einziehung abgegeben", "handed over for collection"),
    "hold_portal:promise": ("Zahlungszusage bis {until}", "Promise to pay by {until}"),
    "hold_portal:paid_claim": ("Zahlung gemeldet – wir prüfen den Eingang",
                               "Payment reported – we are checking"),
    "hold_portal:paid_claim_ask": ("Zahlung gemeldet – wird geprüft",
                                   "Payment reported – under review"),
    "pdf": ("PDF", "PDF"),
    "invoice_pdf": ("Rechnung {n} als PDF", "Invoice {n} as PDF"),
    "total": ("Gesamtbetrag", "Total"),
    "total_note": ("Stand {day}; Einwände sind nicht enthalten.",
                   "As of {day}; disputed invoices are not included."),
    "pay_title": ("So bezahlen Sie", "How to pay"),
    "qr_alt": ("GiroCode für {amount} – mit der Banking-App scannen",
               "GiroCode for {amount} – scan with your banking app"),
    "qr_caption": ("Mit der Banking-App scannen: Betrag und Verwendungszweck sind ausgefüllt.",
                   "Scan with your banking app: amount and reference are filled in."),
    "account_holder": ("Kontoinhaber", "Account holder"),
    "iban": ("IBAN", "IBAN"),
    "bic": ("BIC", "BIC"),
    "reference": ("Verwendungszweck", "Reference"),
    "payments": ("Eingegangene Zahlungen", "Payments received"),
    "no_payments": ("Noch keine Zahlungen verbucht.", "No payments booked yet."),
    "paid_on": ("am {day}", "on {day}"),
    "for_invoice": ("für Rechnung {n}", "for invoice {n}"),
    "letters": ("Unsere Schreiben", "Our letters"),
    "letter_of": ("{name} vom {day}", "{name} of {day}"),
    "answers": ("Ihre Antwort", "Your answer"),
    "answers_intro": ("Teilen Sie uns hier mit, wie es weitergeht – wir melden uns bei Ihnen.",
                      "Tell us here how things stand – we will get back to you."),
    "choose_invoices": ("Rechnungen", "Invoices"),
    "paid_title": ("Ich habe bereits bezahlt", "I have already paid"),
    "paid_help": ("Wir warten mit weiteren Schreiben, bis die Zahlung bei uns verbucht ist.",
                  "We hold further letters until the payment is booked."),
    "paid_on_label": ("Bezahlt am", "Paid on"),
    "paid_amount_label": ("Betrag in Euro", "Amount in euros"),
    "note_label": ("Bemerkung (freiwillig)", "Note (optional)"),
    "paid_submit": ("Zahlung melden", "Report payment"),
    "promise_title": ("Zahlungszusage", "Promise to pay"),
    "promise_help": ("Bis zu diesem Tag erhalten Sie keine weiteren Schreiben (höchstens {days} "
                     "Tage).", "Until this day you receive no further letters (at most {days} "
                     "days)."),
    "promise_date": ("Ich bezahle bis zum", "I will pay by"),
    "promise_submit": ("Zahlung zusagen", "Promise payment"),
    "dispute_title": ("Einwand erheben", "Dispute an invoice"),
    "dispute_help": ("Bis wir Ihren Einwand geprüft haben, erhalten Sie zu dieser Rechnung keine "
                     "Schreiben.", "Until we have reviewed your objection you receive no letters "
                     "about this invoice."),
    "dispute_reason": ("Grund", "Reason"),
    "reason_amount_wrong": ("Der Betrag stimmt nicht", "The amount is wrong"),
    "reason_not_received": ("Leistung nicht erhalten", "Not received"),
    "reason_defective": ("Mangelhafte Leistung", "Defective goods or service"),
    "reason_already_credited": ("Bereits gutgeschrieben", "Already credited"),
    "reason_other": ("Anderer Grund", "Other reason"),
    "dispute_text": ("Ihre Erläuterung", "Your explanation"),
    "dispute_file": ("Beleg (PDF, JPEG oder PNG, höchstens 5 MB, freiwillig)",
                     "Document (PDF, JPEG or PNG, at most 5 MB, optional)"),
    "dispute_submit": ("Einwand senden", "Send objection"),
    "done_paid_claim": ("Danke! Wir prüfen den Zahlungseingang und halten weitere Schreiben so "
                        "lange zurück.", "Thank you! We are checking the payment and hold further "
                        "letters meanwhile."),
    "done_promise": ("Danke für Ihre Zusage! Bis zum genannten Tag erhalten Sie keine weiteren "
                     "Schreiben.", "Thank you for your promise! You receive no further letters "
                     "until that day."),
    "done_dispute": ("Ihr Einwand ist bei uns eingegangen. Wir prüfen ihn und melden uns.",
                     "We have received your objection. We will review it and get back to you."),
    "error_summary": ("Bitte prüfen Sie Ihre Eingaben:", "Please check your entries:"),
    "err_invoices_choose": ("Bitte wählen Sie mindestens eine offene Rechnung aus.",
                            "Please choose at least one open invoice."),
    "err_invoices_not_open": ("Diese Rechnung ist nicht mehr offen.",
                              "This invoice is no longer open."),
    "err_invoice_not_open": ("Diese Rechnung ist nicht mehr offen.",
                             "This invoice is no longer open."),
    "err_invoice_promise_limit": ("Für diese Rechnung haben Sie bereits eine Zahlung zugesagt.",
                                  "You have already promised to pay this invoice."),
    "err_date_past": ("Der Tag darf nicht in der Vergangenheit liegen.",
                      "The day must not lie in the past."),
    "err_date_too_far": ("Der Tag darf höchstens {detail} Tage in der Zukunft liegen.",
                         "The day may be at most {detail} days ahead."),
    "err_date_date_invalid": ("Bitte geben Sie ein Datum ein (TT.MM.JJJJ).",
                              "Please enter a date (DD.MM.YYYY)."),
    "err_paid_on_date_invalid": ("Bitte geben Sie ein Datum ein (TT.MM.JJJJ).",
                                 "Please enter a date (DD.MM.YYYY)."),
    "err_paid_on_date_range": ("Das Zahlungsdatum muss in den letzten 90 Tagen liegen.",
                               "The payment date must lie within the last 90 days."),
    "err_amount_amount_invalid": ("Bitte geben Sie einen Betrag wie 119,00 ein.",
                                  "Please enter an amount such as 119.00."),
    "err_note_too_long": ("Höchstens {detail} Zeichen.", "At most {detail} characters."),
    "err_text_too_long": ("Höchstens {detail} Zeichen.", "At most {detail} characters."),
    "err_text_required": ("Bitte beschreiben Sie kurz, was nicht stimmt.",
                          "Please describe briefly what is wrong."),
    "err_reason_choose": ("Bitte wählen Sie einen Grund.", "Please choose a reason."),
    "err_file": ("Die Datei wurde nicht angenommen: {detail}", "The file was not accepted: {detail}"),
    "err_form_invalid": ("Das Formular war nicht lesbar. Bitte laden Sie die Seite neu.",
                         "The form could not be read. Please reload the page."),
    "err_form": ("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.",
                 "The form has expired. Please reload the page."),
    "err_too_many": ("Zu viele Anfragen. Bitte versuchen Sie es später noch einmal.",
                     "Too many requests. Please try again later."),
    "not_found_title": ("Seite nicht gefunden", "Page not found"),
    "not_found_text": ("Dieser Link ist nicht (mehr) gültig. Den aktuellen Link finden Sie in "
                       "unserem letzten Schreiben.", "This link is not (or no longer) valid. "
                       "You find the current link in our latest letter."),
    "contact": ("Fragen? Schreiben Sie uns: {email}", "Questions? Write to us: {email}"),
}

#: the reasons the attachment guard gives (English) → words for the page
FILE_REASONS = {
    "only PDF, JPEG or PNG files are accepted": ("nur PDF, JPEG oder PNG",
                                                 "only PDF, JPEG or PNG"),
    "the file is empty": ("die Datei ist leer", "the file is empty"),
}


def translate(lang: str, key: str, **values: object) -> str:
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1 if lang == "en" else 0]
    return text.format(**values) if values else text


def file_reason(lang: str, reason: str) -> str:
    pair = FILE_REASONS.get(reason)
    if pair is not None:
        return pair[1 if lang == "en" else 0]
    if "too large" in reason:
        return "zu groß (höchstens 5 MB)" if lang != "en" else "too large (at most 5 MB)"
    if "malware" in reason:
        return "Schadsoftware-Signatur gefunden" if lang != "en" else "malware signature found"
    return "Dateityp passt nicht" if lang != "en" else "file type does not match"
