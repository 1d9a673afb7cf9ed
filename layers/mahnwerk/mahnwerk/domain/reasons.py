"""Why an input was refused or is worth a look, for people in their language: a stable ``code``
plus its parameters, rendered from one catalogue in German and English.

A :class:`Reason` is the English text itself (a ``str``), so logs, the API's ``message`` and every
place that reads the text keep working; besides it carries ``code`` and ``params``, from which
:meth:`Reason.text` renders the German (or English) text. Import rejects and warnings
(``domain.model.Reject``), the readers' exceptions and field errors all carry one; the dashboard,
the import reports and the e-mails to the owner render it in the owner's language, the API gives
code + English message + params.

Parameters are plain values: text, numbers, dates (``date``) and amounts (``Decimal``). Dates
and amounts are formatted per language (``31.12.2026`` / ``2026-12-31``, ``1.234,56 €`` /
``€1,234.56``). A parameter named ``detail`` is parser-internal English that is not translated.
In JSON (reports, the API) dates are ISO strings and amounts decimal strings; :func:`from_dict`
reads them back by their names (``date``/``*_date``, ``amount``/``*_amount``).

A unit test (tests/unit/test_reasons.py) checks every code has both texts with the same
placeholders and that every code the package uses is in the catalogue. Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

#: code → (German, English); ``{name}`` placeholders are the reason's params
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- values of a row or field
    "not_a_date": ("Kein gültiges Datum: „{text}“ (erwartet z. B. 31.12.2026 oder 2026-12-31)",
                   "not a date: '{text}' (expected e.g. 31.12.2026 or 2026-12-31)"),
    "not_an_amount": ("Kein gültiger Betrag: „{text}“", "amount is not a number: '{text}'"),
    "amount_invalid": ("Kein gültiger Betrag: „{text}“", "not an amount: '{text}'"),
    "amount_unhandled": ("Diesen Betrag können wir nicht verarbeiten: „{text}“",
                         "not an amount we can handle: '{text}'"),
    "field_formula": ("{field_de} sieht aus wie eine Tabellenformel (CSV-Injection) und wurde "
                      "abgelehnt: „{text}“",
                      "{field} looks like a spreadsheet formula (CSV injection), refused: '{text}'"),
    "number_empty": ("Die Rechnungsnummer fehlt.", "invoice number is empty"),
    "number_too_long": ("Die Rechnungsnummer ist länger als {max} Zeichen: „{text}…“",
                        "invoice number is longer than {max} characters: '{text}'…"),
    "amount_empty": ("Der Betrag fehlt.", "amount is empty"),
    "issue_date_empty": ("Das Rechnungsdatum fehlt.", "invoice date is empty"),
    "currency_unknown": ("„{currency}“ ist kein Währungscode nach ISO 4217.",
                         "currency '{currency}' is not an ISO 4217 currency code"),
    "currency_decimals": ("Die Währung {currency} hat mehr als zwei Nachkommastellen; Beträge werden "
                          "in Hundertsteln geführt, daher wird sie nicht unterstützt.",
                          "currency {currency} has more than two decimals; amounts are kept in "
                          "hundredths, so it is not supported"),
    "customer_empty": ("Der Kunde fehlt (weder Kundennummer noch Name).",
                       "customer is empty (neither customer number nor name)"),
    "consumer_unclear": ("Die Angabe Verbraucher/Unternehmen ist unverständlich: „{text}“",
                         "consumer/business column not understood: '{text}'"),
    "open_amount_range": ("Der offene Betrag {open_amount} liegt nicht zwischen 0 und {amount}.",
                          "open amount {open_amount} is outside 0…{amount}"),
    "terms_unclear": ("Das Zahlungsziel ist unverständlich: „{text}“",
                      "payment terms not understood: '{text}'"),
    # --- a CSV file as a whole
    "file_empty": ("Die Datei ist leer.", "the file is empty"),
    "csv_header_unreadable": ("Die Überschriftenzeile ist nicht lesbar ({detail}).",
                              "unreadable CSV header: {detail}"),
    "csv_row_unreadable": ("Die Zeile ist nicht lesbar ({detail}).", "unreadable CSV row: {detail}"),
    "csv_columns_missing": ("Es fehlen Spalten: {missing}; gefunden: {found}",
                            "missing column(s): {missing}; found: {found}"),
    "csv_too_many_rows": ("Mehr als {max} Zeilen; der Rest wurde nicht übernommen.",
                          "more than {max} rows; rest ignored"),
    "column_duplicate": ("Spalte „{header}“ wird nicht übernommen ({field_de} steht schon in "
                         "Spalte „{first}“)",
                         "column '{header}' is not taken ({field} is already in column "
                         "'{first}')"),
    "column_unknown": ("Spalte „{header}“ wird nicht übernommen (unbekannte Überschrift)",
                       "column '{header}' is not taken (unknown header)"),
    "columns_more": ("{n} weitere Spalten werden nicht übernommen", "{n} more columns are not taken"),
    "template_row_invalid": ("Serienrechnung nicht angelegt: bitte prüfen Sie {fields_de}.",
                             "recurring invoice not created, check {fields}"),
    "attachment_empty": ("Die Datei ist leer.", "the file is empty"),
    "attachment_kind": ("Nur PDF-, JPEG- oder PNG-Dateien werden angenommen.",
                        "only PDF, JPEG or PNG files are accepted"),
    "attachment_kind_mismatch": ("Die Datei ist vom Typ {kind}, nicht {declared}.",
                                 "the file is {kind}, not {declared}"),
    "attachment_image_too_large": ("Das Bild ist zu groß.", "the image is too large"),
    "invoice_twice": ("Rechnung {number} kommt zweimal mit verschiedenen Angaben vor (zuerst in "
                      "Zeile {first_line}).",
                      "invoice {number} appears twice with different data (first on line "
                      "{first_line})"),
    # --- warnings on records taken as they are
    "due_before_issue": ("Rechnung {number}: das Fälligkeitsdatum {due_date} liegt vor dem "
                         "Rechnungsdatum {issue_date}; übernommen wie angegeben, die Rechnung ist "
                         "damit sofort überfällig",
                         "invoice {number}: the due date {due_date} is before the invoice date "
                         "{issue_date}; taken as given, so the invoice is overdue at once"),
    "profile_variant": ("Rechnung {number}: die Profilkennung (BT-24) „{profile}“ ist eine "
                        "abweichende Schreibweise von „{canonical}“; gelesen nach diesem Profil",
                        "invoice {number}: the profile identifier (BT-24) '{profile}' is a variant "
                        "spelling of '{canonical}'; read as that profile"),
    # --- whole files (any reader)
    "file_too_large": ("Die Datei ist zu groß: {detail}", "file too large: {detail}"),
    "file_unreadable": ("Die Datei kann nicht gelesen werden: {detail}", "{detail}"),
    "malware": ("Schadsoftware-Testsignatur (EICAR) gefunden; die Datei wurde nicht importiert{where_de}",
                "malware test signature (EICAR) found; the file was not imported{where}"),
    "not_invoice_file": ("Die Datei ist {what_de}, keine Rechnungsdatei (CSV, XML-E-Rechnung oder PDF).",
                         "the file is {what}, not an invoice file (CSV, XML e-invoice or PDF)"),
    "named_pdf_not_pdf": ("Die Datei heißt .pdf, ist aber kein PDF (kein %PDF-Kopf).",
                          "the file is named .pdf but is not a PDF (no %PDF- header)"),
    "named_xml_not_xml": ("Die Datei heißt .xml, ist aber kein XML.",
                          "the file is named .xml but is not XML"),
    "file_binary": ("Die Datei ist binär, keine Rechnungsdatei (CSV, XML-E-Rechnung oder PDF).",
                    "the file is binary, not an invoice file (CSV, XML e-invoice or PDF)"),
    "file_too_large_stream": ("Die Datei ist zu groß (mehr als {max} Bytes werden nicht angenommen).",
                              "the file is too large (more than {max} bytes are not accepted)"),
    # --- attachments of the mail inbox
    "mail_too_deep": ("MIME-Verschachtelung tiefer als {max} Ebenen: ignoriert",
                      "MIME nesting deeper than {max} levels: ignored"),
    "attachment_unreadable": ("Anhang nicht lesbar", "attachment not readable"),
    "mail_too_many_files": ("Mehr als {max} Dateien in einer E-Mail: nicht importiert",
                            "more than {max} files in one e-mail: not imported"),
    "zip_too_deep": ("ZIP tiefer als {max} Ebenen verschachtelt: abgelehnt",
                     "ZIP nested deeper than {max} levels: refused"),
    "zip_unreadable": ("Kein lesbares ZIP-Archiv", "not a readable ZIP archive"),
    "zip_too_many_files": ("ZIP mit mehr als {max} Dateien: abgelehnt",
                           "ZIP with more than {max} files: refused"),
    "zip_bomb": ("Das ZIP entpackt sich weit größer als es ist (eine ZIP-Bombe?): abgelehnt",
                 "ZIP unpacks far larger than it is (a ZIP bomb?): refused"),
    "zip_encrypted": ("Verschlüsselter ZIP-Eintrag: nicht importiert",
                      "encrypted ZIP entry: not imported"),
    "zip_entry_unreadable": ("ZIP-Eintrag nicht lesbar", "ZIP entry not readable"),
    # --- e-invoices and PDFs
    "einvoice_unreadable": ("Die E-Rechnung kann nicht gelesen werden ({detail}).",
                            "the e-invoice could not be read ({detail})"),
    "einvoice_refused": ("Die E-Rechnung wurde nicht übernommen: {detail}", "{detail}"),
    "einvoice_not_einvoice": ("Keine E-Rechnung: das Wurzelelement ist {root}; erwartet wird CII "
                              "CrossIndustryInvoice, UBL Invoice/CreditNote oder ZUGFeRD 1.0",
                              "not an e-invoice: the XML root element is {root}; expected CII "
                              "CrossIndustryInvoice, UBL Invoice/CreditNote or ZUGFeRD 1.0"),
    "xml_doctype": ("Das XML deklariert eine DOCTYPE/DTD oder Entities ({detail}); E-Rechnungen tun "
                    "das nie, solche Dateien können XXE- oder Entity-Angriffe tragen, daher wurde sie "
                    "ungelesen abgelehnt",
                    "the XML declares a DOCTYPE/DTD or entities ({detail}); e-invoices never do, and "
                    "such files can carry XXE or entity-expansion attacks, so it was refused unread"),
    "einvoice_value_amount": ("{what_de} ist kein Betrag: „{text}“", "{what} is not an amount: '{text}'"),
    "einvoice_value_date": ("{what_de} ist kein gültiges Datum: „{text}“",
                            "{what} is not a valid date: '{text}'"),
    "einvoice_date_format": ("{what_de} nutzt das Datumsformat „{format}“; unterstützt wird nur 102 "
                             "(JJJJMMTT)",
                             "{what} uses date format '{format}'; only 102 (YYYYMMDD) is supported"),
    "xml_too_deep": ("Das XML ist tiefer als {max} Ebenen verschachtelt; abgelehnt",
                     "the XML is nested more than {max} levels deep; refused"),
    "xml_too_many_elements": ("Das XML hat mehr als {max} Elemente; abgelehnt",
                              "the XML has more than {max} elements; refused"),
    "einvoice_no_profile": ("Die Spezifikationskennung (Profil, BT-24) fehlt; keine E-Rechnung nach "
                            "EN 16931",
                            "the specification identifier (profile, BT-24) is missing; not an EN "
                            "16931 e-invoice"),
    "einvoice_unknown_profile": ("Unbekanntes E-Rechnungsprofil „{profile}“; die Datei folgt keiner "
                                 "bekannten ZUGFeRD-/Factur-X-/XRechnung-/EN-16931-Spezifikation",
                                 "unknown e-invoice profile '{profile}'; the file does not follow a "
                                 "known ZUGFeRD/Factur-X/XRechnung/EN 16931 specification"),
    "einvoice_no_number": ("Die Rechnungsnummer fehlt", "the invoice number is missing"),
    "einvoice_number_too_long": ("Die Rechnungsnummer ist länger als {max} Zeichen: „{text}…“",
                                 "the invoice number is longer than {max} characters: '{text}'…"),
    "einvoice_no_date": ("Rechnung {number}: das Rechnungsdatum fehlt",
                         "invoice {number}: the invoice date is missing"),
    "einvoice_currency": ("Rechnung {number}: {detail_de}", "invoice {number}: {detail}"),
    "einvoice_no_buyer": ("Rechnung {number}: der Name des Käufers fehlt",
                          "invoice {number}: the buyer's name is missing"),
    "einvoice_no_total": ("Rechnung {number}: weder Zahlbetrag noch Gesamtbetrag",
                          "invoice {number}: neither a payable amount nor a grand total"),
    "einvoice_currencies_differ": ("Rechnung {number}: die Rechnungswährung fehlt und die Beträge "
                                   "nennen verschiedene Währungen ({currencies})",
                                   "invoice {number}: the invoice currency is missing and the "
                                   "amounts state different currencies ({currencies})"),
    "einvoice_no_currency": ("Rechnung {number}: die Rechnungswährung fehlt (kein Währungscode und "
                             "keine currencyID an den Beträgen)",
                             "invoice {number}: the invoice currency is missing (no currency code "
                             "and no currencyID on the amounts)"),
    "einvoice_no_type": ("Rechnung {number}: der Dokumenttyp (BT-3) fehlt",
                         "invoice {number}: the document type code (BT-3) is missing"),
    "einvoice_unknown_type": ("Rechnung {number}: unbekannter Dokumenttyp „{type}“ (erwartet z. B. "
                              "380 Rechnung, 381 Gutschrift, 384 korrigierte Rechnung)",
                              "invoice {number}: unknown document type code '{type}' (expected "
                              "e.g. 380 invoice, 381 credit note, 384 corrected invoice)"),
    "pdf_no_catalog": ("Das PDF hat keinen Dokumentkatalog; es ist beschädigt.",
                       "the PDF has no document catalog; it is damaged"),
    "pdf_too_many_attachments": ("Das PDF hat mehr als {max} Anhänge; abgelehnt",
                                 "the PDF has more than {max} attachments; refused"),
    "pdf_attachment_too_large": ("Die eingebettete Datei „{name}“ ist größer als {max} Bytes",
                                 "embedded file '{name}' is larger than {max} bytes"),
    "pdf_resources_bomb": ("Schriften und Formulare des PDFs entpacken sich zu mehr als {max} Bytes; "
                           "als mögliche Dekompressionsbombe abgelehnt",
                           "the PDF's fonts and forms decode to more than {max} bytes; refused as "
                           "a possible decompression bomb"),
    "pdf_unreadable": ("Das PDF kann nicht gelesen werden ({detail}); es ist vielleicht beschädigt.",
                       "the PDF could not be read ({detail}); it may be damaged"),
    "pdf_bomb": ("Das PDF überschreitet eine Sicherheitsgrenze ({detail}); als mögliche "
                 "Dekompressionsbombe abgelehnt.",
                 "the PDF exceeds a safety limit ({detail}); refused as a possible decompression "
                 "bomb"),
    "pdf_refused": ("Das PDF wurde nicht übernommen: {detail}", "{detail}"),
    "not_a_pdf": ("Kein PDF (kein %PDF-Kopf).", "not a PDF (no %PDF- header)"),
    "pdf_encrypted": ("Das PDF ist verschlüsselt (Passwort oder Berechtigungen); bitte laden Sie "
                      "eine unverschlüsselte Kopie hoch.",
                      "the PDF is encrypted (password or permissions); please upload an "
                      "unencrypted copy"),
    "pdf_active": ("Das PDF enthält {what}; solche Dateien werden aus Sicherheitsgründen abgelehnt.",
                   "the PDF contains {what}; such files are refused for safety"),
    "pdf_too_many_pages": ("Das PDF hat {pages} Seiten (höchstens {max} werden angenommen).",
                           "the PDF has {pages} pages (at most {max} are accepted)"),
    "pdf_no_pages": ("Das PDF hat keine Seiten.", "the PDF has no pages"),
    "pdf_embedded_invalid": ("Eingebettete E-Rechnung „{name}“: {detail_de}",
                             "embedded e-invoice '{name}': {detail}"),
    # --- readers that explain in both languages themselves (PDF review)
    "pdf_review": ("{de}", "{en}"),
    # --- bank statements (CSV, MT940, camt.053)
    "balance_mismatch": ("{statement_de} geht nicht auf: Anfangssaldo {opening_amount} + Buchungen "
                         "{moved_amount} = {sum_amount}, der Endsaldo ist aber {closing_amount}; "
                         "Buchungen fehlen vielleicht oder die Datei ist beschädigt",
                         "{statement} does not add up: opening balance {opening_amount} + entries "
                         "{moved_amount} = {sum_amount}, but the closing balance is "
                         "{closing_amount}; bookings may be missing or the file is damaged"),
    "file_too_deep": ("Die Datei ({kind}) ist zu tief verschachtelt, um gelesen zu werden.",
                      "the {kind} file is nested too deeply to be read"),
    "file_internal_error": ("Die Datei ({kind}) konnte nicht gelesen werden (interner Fehler: "
                            "{detail}).",
                            "the {kind} file could not be read (internal error: {detail})"),
    "file_too_large_size": ("Die Datei ist zu groß ({size} Bytes; höchstens {max} werden "
                            "angenommen).",
                            "the file is too large ({size} bytes; at most {max} are accepted)"),
    "too_many_entries": ("Mehr als {max} Buchungen; der Rest wurde nicht übernommen.",
                         "more than {max} entries; rest ignored"),
    "bank_header_missing": ("In den ersten {n} Zeilen steht keine Überschrift mit Buchungstag und "
                            "Betrag (z. B. Buchungstag;…;Betrag); erste Zeile: „{first}“",
                            "no header row with a booking date and an amount column found in the "
                            "first {n} lines (e.g. Buchungstag;…;Betrag); first line: '{first}'"),
    "booking_pending": ("Noch nicht gebucht ({status}); die Buchung kommt mit einem späteren "
                        "Export.", "not booked yet ({status}); it will come with a later export"),
    "booking_date_empty": ("Das Buchungsdatum fehlt.", "booking date is empty"),
    "debit_and_credit": ("Soll und Haben sind beide ausgefüllt.",
                         "both Soll and Haben amounts are filled"),
    "debit_credit_unclear": ("Das Soll/Haben-Kennzeichen ist unverständlich: „{text}“",
                             "Soll/Haben mark not understood: '{text}'"),
    "amount_zero": ("Der Betrag ist null.", "amount is zero"),
    "currency_unclear": ("Die Währung ist unverständlich: „{text}“",
                         "currency not understood: '{text}'"),
    "amount_decimals": ("Der Betrag „{text}“ hat mehr als zwei Nachkommastellen.",
                        "amount {text} has more than two decimals"),
    "mt940_text_outside": ("Text außerhalb eines MT940-Felds wurde ignoriert: „{text}“",
                           "text outside any MT940 field ignored: '{text}'"),
    "mt940_not_statement": ("Kein MT940-Kontoauszug: kein Feld :20:, :25:, :60F: oder :61: "
                            "gefunden.",
                            "not an MT940 statement: no :20:, :25:, :60F: or :61: field found"),
    "mt940_account_late": ("Kontofeld :25: nach den Buchungen des Auszugs (erwartet :86: oder "
                           ":62F:); das Feld wird ignoriert, die Buchung davor hat keine Details.",
                           "account field :25: after the bookings of the statement (expected :86: "
                           "or :62F:); the field is ignored and the booking before it has no "
                           "details"),
    "mt940_second_account": ("Zweites Kontofeld :25: ({account}) in einem Auszug ignoriert.",
                             "second account field :25: ({account}) in one statement ignored"),
    "mt940_balance_unclear": ("{which_de} :{tag}: ist unverständlich: „{text}“",
                              "{which} :{tag}: not understood: '{text}'"),
    "mt940_booking_unclear": ("Buchungszeile :61: ist unverständlich ({detail_de}): „{text}“",
                              "booking line :61: not understood ({detail}): '{text}'"),
    "mt940_limit_unclear": ("Feld :34F: ist unverständlich: „{text}“",
                            "floor limit :34F: not understood: '{text}'"),
    "mt940_unknown_field": ("Unbekanntes Feld :{tag}: ignoriert.", "unknown field :{tag}: ignored"),
    "mt940_no_statement": ("Kein MT940-Auszug gefunden (kein Konto :25:, Saldo :60F:/:62F: oder "
                           "Buchung :61:).",
                           "no MT940 statement found (no account :25:, balance :60F:/:62F: or "
                           "booking :61:)"),
    "mt940_booking_parts": ("Erwartet werden Valuta, Soll/Haben-Kennzeichen und Betrag.",
                            "expected value date, debit/credit mark and amount"),
    "mt940_no_currency": ("Der Auszug hat weder Saldo (:60F:/:62F:) noch :34F:, daher ist die "
                          "Währung dieser Buchung unbekannt.",
                          "the statement has no balance line (:60F:/:62F:) and no floor limit "
                          "(:34F:), so the currency of this booking is unknown"),
    "xml_malformed": ("Kein gültiges XML: {detail}", "not well-formed XML: {detail}"),
    "xml_forbidden": ("Das XML nutzt ein verbotenes Konstrukt (DTD, Entity oder externer Verweis): "
                      "{detail}; die Datei wurde ungelesen abgelehnt.",
                      "the XML uses a forbidden construct (DTD, entity or external reference): "
                      "{detail}"),
    "xml_undecodable": ("Das XML kann nicht dekodiert werden: {detail}",
                        "the XML cannot be decoded: {detail}"),
    "not_xml_document": ("Kein XML-Dokument.", "not an XML document"),
    "camt_unsupported": ("Kein unterstützter camt.053-Auszug: Dokumenttyp „{what}“ (unterstützt: "
                         "camt.053.001.02 bis .08)",
                         "not a supported camt.053 statement: document type '{what}' (supported: "
                         "camt.053.001.02 to .08)"),
    "camt_no_body": ("Kein camt.053-Auszug: Wurzelelement „{root}“ ohne BkToCstmrStmt",
                     "not a camt.053 statement: root element '{root}' has no BkToCstmrStmt"),
    "camt_no_statement": ("Das camt.053-Dokument enthält keinen Auszug (Stmt); nichts zu lesen.",
                          "the camt.053 document holds no statement (Stmt); nothing to read"),
    "camt_no_account": ("Auszug „{statement}“ nennt kein Konto (Acct/Id); seine Buchungen werden "
                        "nicht übernommen.",
                        "statement '{statement}' names no account (Acct/Id); its entries are not "
                        "taken"),
    "camt_entry_pending": ("Die Buchung ist nicht gebucht (Status {status}); sie ist noch keine "
                           "Zahlung.", "entry is not booked (status {status}); it is not a "
                           "payment yet"),
    "camt_no_amount": ("Die Buchung hat keinen Betrag (Amt).", "entry has no amount (Amt)"),
    "camt_bad_currency": ("Der Betrag der Buchung hat keine gültige Währung (Ccy=„{text}“).",
                          "entry amount has no valid currency (Ccy='{text}')"),
    "camt_bad_indicator": ("Soll/Haben-Kennzeichen ist „{text}“, erwartet CRDT oder DBIT.",
                           "credit/debit indicator is '{text}', expected CRDT or DBIT"),
    "camt_no_date": ("Die Buchung hat weder Buchungsdatum (BookgDt) noch Valuta (ValDt).",
                     "entry has neither booking date (BookgDt) nor value date (ValDt)"),
    "malware_in_booking": ("Schadsoftware-Testsignatur (EICAR) in {fields} der Buchung: entfernt; "
                           "die Buchung selbst bleibt erhalten",
                           "malware test signature (EICAR) found in the booking's {fields}: "
                           "removed; the booking itself is kept"),
    # --- the import service
    "customer_no_email": ("Kunde {customer} hat keine (gültige) E-Mail-Adresse – Schreiben gehen "
                          "per Post [no_email]",
                          "customer {customer} has no (valid) e-mail address – letters go by post "
                          "[no_email]"),
    "customer_no_address": ("Kunde {customer} hat keine vollständige Postanschrift – Schreiben "
                            "gehen per E-Mail [no_address]",
                            "customer {customer} has no complete postal address – letters go by "
                            "e-mail [no_address]"),
    "customer_no_channel": ("Kunde {customer} hat weder E-Mail-Adresse noch Postanschrift – "
                            "Schreiben sind nicht zustellbar und warten, bis Sie die Daten "
                            "ergänzen [no_channel]",
                            "customer {customer} has neither an e-mail address nor a postal "
                            "address – letters cannot be delivered and wait until you complete "
                            "the data [no_channel]"),
    "customer_changed_meanwhile": ("Kunde {customer}: die Stammdaten wurden gleichzeitig geändert "
                                   "und nicht aus der Datei übernommen",
                                   "customer {customer}: the master data was changed at the same "
                                   "time and not taken from the file"),
    "invoice_in_dunning": ("Rechnung {number} ist schon im Mahnverfahren (Stufe {level}); "
                           "Änderungen ({changes}) sind nur über die API möglich",
                           "invoice {number} is already in dunning (level {level}); changes "
                           "({changes}) must be made through the API"),
    "invoice_other_customer": ("Rechnung {number} gehört zu Kunde {customer}, nicht zu {other}",
                               "invoice {number} belongs to customer {customer}, not {other}"),
    "invoice_changed_meanwhile": ("Rechnung {number} wurde inzwischen geändert; bitte laden Sie "
                                  "die Datei erneut hoch",
                                  "invoice {number} changed meanwhile; upload again"),
    "invoice_repeated": ("Rechnung {number} kommt zweimal vor", "invoice {number} appears twice"),
    "amount_negative": ("Der Betrag {amount} ist negativ: eine Gutschrift wird als Gutschrift "
                        "gekennzeichnet (credit_note: true), eine Rechnung hat einen positiven "
                        "Betrag",
                        "amount {amount} is negative: a credit note (Gutschrift) says "
                        "credit_note: true, an invoice has a positive amount"),
    "credit_positive": ("Eine Gutschrift hat einen negativen Betrag, angegeben ist {amount}",
                        "a credit note has a negative amount, got {amount}"),
}

#: the language a person reads when nothing else is known
DEFAULT_LANG = "de"


class Reason(str):
    """A reason: the English text as a ``str``, plus ``code`` and ``params`` (read-only)."""

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Reason:
        if code not in CATALOGUE:
            raise ValueError(f"unknown reason code {code!r} (add it to domain/reasons.CATALOGUE)")
        self = super().__new__(cls, _render(CATALOGUE[code][1], params, "en"))
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", MappingProxyType(dict(params)))
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Reason is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.code, dict(self.params)))

    def __copy__(self) -> Reason:
        return self

    def __deepcopy__(self, memo: object) -> Reason:
        return self

    def text(self, lang: str) -> str:
        """The reason in German (``de``) or English (anything else)."""
        return _render(CATALOGUE[self.code][0 if lang == "de" else 1], self.params, lang)

    def as_dict(self) -> dict[str, Any]:
        """code, English message and JSON-ready params (dates ISO, amounts as strings)."""
        return {"code": self.code, "message": str(self),
                "params": {k: _json_value(v) for k, v in self.params.items()}}


def _rebuild(code: str, params: dict[str, Any]) -> Reason:
    return Reason(code, **params)


def reason_of(value: object) -> Reason:
    """The Reason of an exception or a text: its own, its first argument's; a text that says it
    in both languages (``"review: … — Zur Prüfung: …"``, the PDF reader's) as ``pdf_review``;
    any other text (a library's message) as the English ``detail`` of its reader's code."""
    if isinstance(value, Reason):
        return value
    code = "file_unreadable"
    if isinstance(value, BaseException):
        reason = getattr(value, "reason", None)
        if isinstance(reason, Reason):
            return reason
        if value.args and isinstance(value.args[0], Reason):
            return value.args[0]
        code = _BY_ERROR.get(str(getattr(value, "code", "")), code)
    text = str(value)
    english, marker, german = text.partition(_BOTH)
    if marker:
        return Reason("pdf_review", en=english, de="Zur Prüfung: " + german)
    return Reason(code, detail=text)


#: the code of a text without one, by the code of the error that carries it
_BY_ERROR = {"einvoice_invalid": "einvoice_refused", "pdf_refused": "pdf_refused"}
#: how the PDF reader joins its English and German explanation
_BOTH = " — Zur Prüfung: "


def reason_text(value: object, lang: str) -> str:
    """A reason in ``lang``: a Reason, a report entry (dict with code + params, or an old one with
    only its ``reason`` text) or an exception; any other text as it is."""
    if isinstance(value, Mapping):
        code = value.get("code")
        if isinstance(code, str) and code in CATALOGUE:
            try:
                return from_dict(value).text(lang)
            except (KeyError, ValueError, TypeError):
                pass
        return str(value.get("message") or value.get("reason") or "")
    if isinstance(value, (Reason, BaseException)):
        return reason_of(value).text(lang)
    return str(value)


def from_dict(entry: Mapping[str, Any]) -> Reason:
    """The Reason of a JSON entry written by :meth:`Reason.as_dict` (or a report's reject)."""
    params = entry.get("params") or {}
    return Reason(str(entry["code"]), **{str(k): _revive(str(k), v) for k, v in params.items()})


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _revive(name: str, value: Any) -> Any:
    if isinstance(value, str) and (name == "date" or name.endswith("_date")):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, str) and _is_amount(name):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _is_amount(name: str) -> bool:
    return name == "amount" or name.endswith("_amount")


def format_value(name: str, value: Any, lang: str) -> str:
    """A parameter in ``lang``: dates ``31.12.2026`` / ``2026-12-31``, amounts (params named
    ``amount`` or ``*_amount``) ``1.234,56 €`` / ``€1,234.56``, everything else as text (a number
    stored as Decimal, as DynamoDB gives it back, as a plain number)."""
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}" if lang == "de" else value.isoformat()
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    if isinstance(value, Decimal) and not _is_amount(name):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool) and _is_amount(name):
        value = Decimal(value)
        if not value.is_finite():
            return str(value)
        english = f"{value:,.2f}"
        if lang == "de":
            return english.replace(",", "_").replace(".", ",").replace("_", ".") + " €"
        return ("-€" + english[1:]) if english.startswith("-") else "€" + english
    return str(value)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a report written before a param existed
        return "…"


def _render(template: str, params: Mapping[str, Any], lang: str) -> str:
    return template.format_map(_Params({k: format_value(k, v, lang) for k, v in params.items()}))
