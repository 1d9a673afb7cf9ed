"""The dashboard's words for recurring invoices ("Serienrechnungen"), German and English; merged
into ``web.i18n.TEXTS`` (kept apart so that the page's texts stay in one place)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # short: on a phone the menu's three columns are narrower than "Serienrechnungen" in bold
    "nav_recurring": ("Serien", "Recurring"),
    "rec_title": ("Serienrechnungen", "Recurring invoices"),
    "rec_intro": ("Rechnungen, die Mahnwerk jeden Monat, jedes Quartal, halbjährlich oder jährlich "
                  "selbst schreibt und versendet – als E-Rechnung (Factur-X), mit der nächsten "
                  "Nummer Ihres Nummernkreises. Bezahlt der Kunde nicht, wird wie bei jeder "
                  "Rechnung gemahnt.",
                  "Invoices Mahnwerk writes and sends itself every month, quarter, half-year or "
                  "year – as e-invoices (Factur-X), with the next number of your number range. "
                  "Unpaid ones are dunned like any invoice."),
    "rec_none": ("Noch keine Serienrechnungen.", "No recurring invoices yet."),
    "rec_new": ("Neue Serienrechnung", "New recurring invoice"),
    "rec_line_text": ("Leistung (Rechnungstext)", "Service (invoice text)"),
    "rec_amount": ("Betrag", "Amount"),
    "rec_amount_gross": ("Betrag brutto (€)", "Gross amount (€)"),
    "rec_vat": ("Umsatzsteuer", "VAT"),
    "rec_vat_19": ("19 % USt.", "19 % VAT"),
    "rec_vat_7": ("7 % USt.", "7 % VAT"),
    "rec_vat_0": ("0 % USt.", "0 % VAT"),
    "rec_vat_small_business": ("keine (§ 19 UStG)", "none (§ 19 UStG)"),
    "rec_interval": ("Rhythmus", "Interval"),
    "rec_interval_monthly": ("monatlich", "monthly"),
    "rec_interval_quarterly": ("vierteljährlich", "quarterly"),
    "rec_interval_half_yearly": ("halbjährlich", "half-yearly"),
    "rec_interval_yearly": ("jährlich", "yearly"),
    "rec_day": ("Rechnungstag im Monat (1–28 oder „letzter“)",
                "Billing day of the month (1–28 or “last”)"),
    "rec_day_n": ("am {n}.", "on the {n}th"),
    "rec_day_last": ("am Monatsletzten", "on the last day"),
    "rec_start": ("Beginn", "Start"),
    "rec_end": ("Ende (optional)", "End (optional)"),
    "rec_count": ("Anzahl Rechnungen (optional)", "Number of invoices (optional)"),
    "rec_next": ("Nächste Rechnung", "Next invoice"),
    "rec_issued_n": ("{n} geschrieben", "{n} issued"),
    "rec_status": ("Status", "Status"),
    "rec_status_active": ("aktiv", "active"),
    "rec_status_paused": ("pausiert", "paused"),
    "rec_status_ended": ("beendet", "ended"),
    "rec_pause": ("Pausieren", "Pause"),
    "rec_resume": ("Fortsetzen", "Resume"),
    "rec_end_action": ("Beenden", "End"),
    "rec_save": ("Serienrechnung anlegen", "Create recurring invoice"),
    "rec_refused": ("Die Serienrechnung wurde nicht angelegt. Bitte prüfen Sie die markierten "
                    "Felder.", "The recurring invoice was not created. Please check the marked "
                    "fields."),
    "rec_import_hint": ("Viele auf einmal: Laden Sie eine CSV-Datei mit den Spalten Kundennummer, "
                        "Leistung, Betrag, USt, Intervall, Tag, Beginn (optional Ende, Anzahl, "
                        "Zahlungsziel) unter „Hochladen“ hoch – an der Spalte „Intervall“ erkennt "
                        "Mahnwerk die Serienrechnungen.",
                        "Many at once: upload a CSV file with the columns customer_id, line_text, "
                        "amount, vat, interval, day, start (optionally end, count, terms_days) "
                        "under “Upload” – the “interval” column marks a file of recurring "
                        "invoices."),
    "rec_done_created": ("Die Serienrechnung ist angelegt.", "The recurring invoice was created."),
    "rec_done_pause": ("Die Serienrechnung ist pausiert: bis zum Fortsetzen wird keine Rechnung "
                       "geschrieben.", "The recurring invoice is paused: no invoice is written "
                       "until it is resumed."),
    "rec_done_resume": ("Die Serienrechnung läuft wieder; Zeiträume während der Pause werden "
                        "nicht nachberechnet.", "The recurring invoice runs again; periods during "
                        "the pause are not billed."),
    "rec_done_end": ("Die Serienrechnung ist beendet.", "The recurring invoice has ended."),
    # refused fields (domain.recurring_templates: the kinds)
    "rec_err_required": ("Bitte ausfüllen.", "Please fill in."),
    "rec_err_unknown_customer": ("Diesen Kunden gibt es nicht. Bitte wählen Sie einen aus der "
                                 "Liste.", "There is no such customer. Please pick one from the "
                                 "list."),
    "rec_err_erased_customer": ("Die Daten dieses Kunden wurden gelöscht (DSGVO); an ihn kann "
                                "keine Rechnung mehr gehen.", "This customer's data was erased "
                                "(GDPR); no invoice can go to them."),
    "rec_err_too_long": ("Höchstens 300 Zeichen.", "At most 300 characters."),
    "rec_err_not_positive": ("Der Betrag muss größer als 0 sein.", "The amount must be more than 0."),
    "rec_err_invalid_amount": ("Das ist kein gültiger Betrag (z. B. 1.234,56).",
                               "That is not a valid amount (e.g. 1,234.56)."),
    "rec_err_invalid_vat": ("Bitte 19 %, 7 %, 0 % oder „keine (§ 19 UStG)“ wählen.",
                            "Please choose 19 %, 7 %, 0 % or “none (§ 19 UStG)”."),
    "rec_err_invalid_interval": ("Bitte monatlich, vierteljährlich, halbjährlich oder jährlich "
                                 "wählen.", "Please choose monthly, quarterly, half-yearly or "
                                 "yearly."),
    "rec_err_invalid_day": ("Bitte einen Tag von 1 bis 28 angeben oder „letzter“ für den "
                            "Monatsletzten.", "Please give a day from 1 to 28, or “last” for the "
                            "last day of the month."),
    "rec_err_invalid_date": ("Das ist kein gültiges Datum (TT.MM.JJJJ).",
                             "That is not a valid date (DD.MM.YYYY)."),
    "rec_err_start_too_early": ("Der Beginn darf höchstens einen Zeitraum zurückliegen.",
                                "The start may lie at most one period in the past."),
    "rec_err_end_before_start": ("Das Ende darf nicht vor dem Beginn liegen.",
                                 "The end must not be before the start."),
    "rec_err_count_too_small": ("Mindestens 1 Rechnung.", "At least 1 invoice."),
    "rec_err_invalid_number": ("Bitte eine ganze Zahl angeben.", "Please give a whole number."),
    "rec_err_invalid_terms": ("Bitte 0 bis 365 Tage angeben.", "Please give 0 to 365 days."),
    "problem_number_format_invalid": (
        "Das Nummernformat braucht {seq} (die laufende Nummer, z. B. RE-{yyyy}-{seq:05}) und "
        "darf nur {yyyy}, {yy}, {mm} enthalten; höchstens 36 Zeichen.",
        "The number format needs {seq} (the running number, e.g. RE-{yyyy}-{seq:05}) and may "
        "only use {yyyy}, {yy}, {mm}; at most 36 characters."),
}
