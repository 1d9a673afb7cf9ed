"""The dashboard's texts of the credit rules (Kreditregeln), German and English; merged into
``i18n.TEXTS``."""

from __future__ import annotations

CREDIT_TEXTS: dict[str, tuple[str, str]] = {
    "nav_credit": ("Kredit", "Credit"),
    "credit_title": ("Kredit und Liefersperren", "Credit and credit holds"),
    "credit_intro": ("Kunden über ihrem Kreditlimit oder mit Liefersperre. Die Regeln legen Sie in "
                     "den Einstellungen fest; die Zahlen werden mit jeder Rechnung, Zahlung und "
                     "Mahnung neu berechnet.",
                     "Customers over their credit limit or on credit hold. You set the rules in "
                     "the settings; the figures are recomputed with every invoice, payment and "
                     "letter."),
    "credit_none": ("Kein Kunde ist über seinem Kreditlimit oder gesperrt.",
                    "No customer is over their credit limit or on hold."),
    "credit_section": ("Kredit und Risiko", "Credit and risk"),
    "credit_hold": ("Liefersperre", "Credit hold"),
    "credit_over_limit": ("über dem Limit", "over the limit"),
    "credit_prepayment": ("Vorkasse empfohlen", "Prepayment suggested"),
    "credit_limit": ("Kreditlimit", "Credit limit"),
    "credit_limit_none": ("keins", "none"),
    "credit_limit_suggested": ("Vorschlag aus dem Zahlungsverhalten",
                               "Suggested from payment behaviour"),
    "credit_exposure": ("Offene Forderungen", "Exposure"),
    "credit_overdue": ("davon überfällig", "of which overdue"),
    "credit_oldest_days": ("seit {n} Tagen", "for {n} days"),
    "credit_risk_class": ("Risikoklasse", "Risk class"),
    "credit_bureau": ("Auskunftei", "Credit bureau"),
    "credit_bureau_none": ("keine Auskunft", "no information"),
    "credit_bureau_result": ("Score {score} von 100, Limit {limit} ({provider}, {on})",
                             "score {score} of 100, limit {limit} ({provider}, {on})"),
    "credit_limit_hint": ("Leer lassen: kein Limit. Gesperrt wird nur, wenn eine Regel in den "
                          "Einstellungen es vorsieht.",
                          "Leave empty for no limit. A customer is held only when a rule in the "
                          "settings says so."),
    "credit_legitimate_interest": ("Berechtigtes Interesse an einer Bonitätsauskunft festgehalten",
                                   "Legitimate interest in a credit check recorded"),
    "credit_legitimate_interest_hint": (
        "Verbraucher werden nur mit berechtigtem Interesse (Art. 6 Abs. 1 lit. f DSGVO, z. B. "
        "Kauf auf Rechnung in größerem Umfang) bei der Auskunftei abgefragt.",
        "Consumers are looked up at the credit bureau only with a legitimate interest (GDPR "
        "Art. 6(1)(f), e.g. a large purchase on account)."),
    "credit_save": ("Kreditdaten speichern", "Save credit data"),
    "credit_bad_limit": ("Das Kreditlimit muss ein Betrag von 0 oder mehr sein, z. B. 5.000,00.",
                         "The credit limit must be an amount of 0 or more, e.g. 5,000.00."),
    "credit_changed": ("Kreditdaten geändert", "Credit data changed"),
    "field_credit_limit": ("Kreditlimit", "Credit limit"),
    "field_credit_legitimate_interest": ("Berechtigtes Interesse (Bonitätsauskunft)",
                                         "Legitimate interest (credit check)"),
    "done_credit": ("Die Kreditdaten sind gespeichert.", "The credit data are saved."),
    "col_credit_status": ("Status", "Status"),
    "col_credit_reasons": ("Gründe", "Reasons"),
    "risk_A": ("A – sehr gut", "A – very good"),
    "risk_B": ("B – gut", "B – good"),
    "risk_C": ("C – erhöht", "C – elevated"),
    "risk_D": ("D – hoch", "D – high"),
    "reason_overdue_days": ("eine Rechnung ist {days} Tage überfällig (Regel: mehr als {limit} Tage)",
                            "an invoice is {days} days overdue (rule: more than {limit} days)"),
    "reason_exposure_over_limit": ("offene Forderungen {exposure} über dem Kreditlimit {limit}",
                                   "exposure {exposure} above the credit limit {limit}"),
    "reason_risk_class": ("Risikoklasse {klass} (Regel: ab {limit})",
                          "risk class {klass} (rule: from {limit})"),
    # settings
    "settings_credit": ("Kreditregeln", "Credit rules"),
    "settings_credit_intro": ("Wann ein Kunde gesperrt wird (Liefersperre: Ihr Shop oder ERP erhält "
                              "ein Ereignis) und wann Vorkasse empfohlen wird.",
                              "When a customer goes on credit hold (your shop or ERP gets an "
                              "event) and when prepayment is suggested."),
    "credit_rule_overdue": ("Sperre ab Tagen Verzug (leer: nie)", "Hold after days overdue (empty: never)"),
    "credit_rule_over_limit": ("Sperre, wenn das Kreditlimit überschritten ist",
                               "Hold when the credit limit is exceeded"),
    "credit_rule_hold_class": ("Sperre ab Risikoklasse", "Hold from risk class"),
    "credit_rule_prepay_class": ("Vorkasse empfehlen ab Risikoklasse", "Suggest prepayment from risk class"),
    "credit_rule_never": ("nie", "never"),
    "credit_bureau_check_label": ("Bonitätsauskunft einholen (Geschäftskunden; Verbraucher nur mit "
                            "berechtigtem Interesse)",
                            "Ask the credit bureau (business customers; consumers only with a "
                            "legitimate interest)"),
    "credit_overdue_days": ("Kreditregeln: Sperre ab Tagen Verzug", "Credit rules: hold after days overdue"),
    "credit_bureau_max_age_days": ("Kreditregeln: Auskunft erneuern nach Tagen",
                                   "Credit rules: renew the information after days"),
    "credit_bureau_check": ("Kreditregeln: Bonitätsauskunft", "Credit rules: credit bureau"),
    "credit_bureau_max_age": ("Auskunft erneuern nach Tagen", "Renew the information after days"),
    # settings: refused values (codes of domain/settings_checks.check_credit)
    "problem_credit_object": ("Die Kreditregeln sind ein Objekt mit „rules“.",
                              "The credit rules are an object with “rules”."),
    "problem_credit_unknown": ("Unbekannte Angabe(n) in den Kreditregeln: {fields}.",
                               "Unknown field(s) in the credit rules: {fields}."),
    "problem_credit_rules_list": ("Die Kreditregeln sind eine Liste mit höchstens 20 Regeln.",
                                  "The credit rules are a list of at most 20 rules."),
    "problem_credit_rule_object": ("Eine Regel braucht „kind“, „action“ und ihren Schwellenwert.",
                                   "A rule needs “kind”, “action” and its threshold."),
    "problem_credit_rule_kind": ("Unbekannte Regel: erlaubt sind overdue_days, exposure_over_limit "
                                 "und risk_class.",
                                 "Unknown rule: overdue_days, exposure_over_limit and risk_class "
                                 "are allowed."),
    "problem_credit_rule_action": ("Die Folge einer Regel ist „hold“ (Liefersperre) oder "
                                   "„prepayment“ (Vorkasse).",
                                   "A rule's action is “hold” or “prepayment”."),
    "problem_credit_rule_days": ("Bitte eine Zahl von Tagen zwischen 0 und 3650 eingeben.",
                                 "Please enter a number of days from 0 to 3650."),
    "problem_credit_rule_class": ("Die Risikoklasse einer Regel ist C oder D.",
                                  "A rule's risk class is C or D."),
    "problem_credit_bool": ("Bitte ja oder nein angeben.", "Please say yes or no."),
    "problem_credit_age": ("Bitte eine Zahl von Tagen zwischen 1 und 3650 eingeben.",
                           "Please enter a number of days from 1 to 3650."),
}
