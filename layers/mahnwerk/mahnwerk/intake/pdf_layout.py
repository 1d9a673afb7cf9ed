"""An invoice PDF read the way a person reads it: labels and their values by position. Pure.

What is read, and how (German, English and French labels):

- **Labels and values**: a label is a whole phrase ("Rechnungsnummer", "Invoice no.:", "Date de
  facture"), never a word inside other text ("Lieferdatum" is no "Datum"). Its value is the rest of
  the phrase after the label ("Rechnungsnummer: RE-1"), else the next phrase to its right on the
  same row, else the phrase directly below it in the same column. Another label in the way ends the
  search.
- **Totals**: labels are sorted into gross ("Summe brutto", "Total TTC"), final ("Gesamtbetrag",
  "Endbetrag", "Rechnungsbetrag"; must agree with gross), the generic "Total"/"Summe" (only without
  either), net, VAT, deposit ("abzüglich Anzahlung"), arrears ("Offene Zahlungen") and still-to-pay
  ("Zu zahlen", "Restbetrag", "Amount due", "Net à payer"). The value is the rightmost amount on the
  label's row (the totals column); below a column header only a single amount, or the sum row of a
  column. Gross = net + VAT is checked where all three are printed; gross − deposit + arrears =
  what is still to pay, likewise.
- **Customer**: the address window. DIN 5008 puts it at the left, 45–90 mm from the top (27–72 mm in
  form A), and its first line is often the sender's small return address ("Firma • Straße 1 • 12345
  Ort"): that line is the SENDER, never the customer; the recipient starts below it. "z. Hd." /
  "Attn." lines are the attention line, not the name. Blocks headed "Rechnungsempfänger", "Kunde",
  "Bill to", "Facturé à" … are the customer; "Rechnungssteller", "Verkäufer", "Lieferanschrift",
  "Ship to" … are not.
- **Terms**: a due-date label ("Fällig am", "Zahlbar bis", "Due date", "Date d'échéance") or a terms
  sentence ("zahlbar innerhalb von 14 Tagen", "bis zum …", "sofort"; a Skonto clause is an offer,
  the net date counts: see terms.py). An instalment plan that names every instalment's date
  ("Raten", "Teilzahlung", "instalments", "échéances") is due at its last date, as the e-invoice
  path takes the last of several due dates; a plan without full dates, or beside other terms, is not.
- **Credit notes and corrections**, by the document's title: a credit note ("Gutschrift",
  "Stornorechnung", "Credit note", "Avoir"; UNTDID 1001 code 381) is booked negative whatever sign
  its amounts are printed with, as the e-invoice path books a 381; a corrected invoice
  ("Rechnungskorrektur", "Corrected invoice", "Facture rectificative"; 384) keeps its printed signs:
  negative it lowers the claim, positive it may replace or add to the original (review). Neither is
  ever dunned. A negative amount due on an invoice stands only where total − paid proves it.
  A heading that says the document is no invoice ("Proforma-Rechnung", "Angebot", "Lieferschein",
  "Mahnung", "Quotation", "Devis", "… KEINE Rechnung") sends it to review: it is no claim to import.

Every field is collected from every place it appears. A field not found, or found with different
values, terms printed but not understood, another currency, negative totals without a credit title,
ambiguous spellings ("1,190", "03/04/2026" on an English invoice) — each sends the file to review
with what was found and what is missing: a wrong number, date, amount or addressee on a dunning
letter is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ..domain.currency import is_supported
from ..domain.model import Address, Customer, InvoiceRecord
from ..domain.money import AmountError
from .csv_invoices import customer_id_from_name
from .pdf_words import Page, Phrase
from .terms import DATE_PATTERN, debit_date, due_date_from_terms, find_dates, match_to_date
from .values import parse_amount

MM = 72 / 25.4


class Review(ValueError):
    """The PDF goes to review; the message is the reason (what was found, what is missing), and
    ``found`` the values that were read (to prefill the review form; see :func:`_found`)."""

    def __init__(self, message: str, found: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.found: dict[str, object] = found or {}


# --------------------------------------------------------------------------------------------------
# labels (matched at the start of a phrase, case-insensitively; the rest of the phrase is the value)

_SEP = r"[ \t]*(?:[:#.]|n°|nº|no\.?)?[ \t]*"


def _label(pattern: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + pattern + r")(?![^\W\d_])" + _SEP + r"(?P<rest>.*)$", re.IGNORECASE)


_NUMBER_LABEL = _label(
    r"rechnungs[- ]?(?:nummer|nr\.?)|rechnung[ \t]*(?:nr\.?|nummer|#)|(?:re|rg|rechn)\.?[- ]?nr\.?|"
    r"beleg[- ]?(?:nummer|nr\.?)|invoice[ \t]*(?:number|no\.?|nr\.?|#|id)|inv\.?[ \t]*no\.?|"
    r"gutschrifts?[- ]?(?:nummer|nr\.?)|credit[ \t]+note[ \t]*(?:number|no\.?|#)|"
    r"(?:n°|num[ée]ro)[ \t]*(?:d['’]|de[ \t]+l['’])?avoir|avoir[ \t]*(?:n°|nº|no\.?)|"
    r"facture[ \t]*(?:n°|nº|no\.?|numéro)|n°[ \t]*(?:de[ \t]+)?facture|num[ée]ro[ \t]+(?:de[ \t]+)?facture"
)
#: a document title with the number: "Rechnung Nr. 2026-17 vom 02.03.2026", "Facture FA-2017-10"
_TITLE = re.compile(
    r"^(?:(?:rechnung|invoice|facture)[ \t]+(?:(?:nr\.?|nummer|no\.?|n°|#)[ \t]*:?[ \t]*)?"
    r"|(?:[^\W\d_]*rechnung|gutschrift|invoice|facture|rechnungs-?korrektur|storno|"
    r"credit[ \t-]*(?:note|memo)|avoir|facture[ \t]+rectificative|corrected[ \t]+invoice)"
    r"(?:[ \t]+(?:de[rs]|für|zur|zum)(?:[ \t]+[^\W\d_]+){1,2})?"
    r"(?:[ \t]*\([^()]{1,40}\))*"
    r"[ \t]+(?:nr\.?|nummer|no\.?|n°|#)[ \t]*:?[ \t]*)"
    r"(?P<number>[A-Za-z0-9][A-Za-z0-9\-/_.]*\d[A-Za-z0-9\-/_.]*|\d)"
    r"(?:[ \t]+(?:vom|von|from|dated|du)[ \t]+(?P<date>.+))?$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_ISSUE_LABEL = _label(
    r"rechnungs[- ]?datum|(?:re|rg|rechn)\.?[- ]?datum|beleg[- ]?datum|ausstellungs[- ]?datum|"
    r"datum[ \t]+der[ \t]+rechnung|"
    r"invoice[ \t]+date|"
    r"date[ \t]+of[ \t]+(?:issue|invoice)|issue[ \t]+date|date[ \t]+issued|"
    r"date[ \t]+(?:de[ \t]+(?:la[ \t]+)?)?facture|date[ \t]+d['’][ée]mission|date[ \t]+de[ \t]+facturation"
)
_GENERIC_DATE_LABEL = _label(r"datum|date")
_PLACE_DATE = re.compile(r"^[^\W\d_][^\W\d_ .-]*(?:[ .-]+[^\W\d_]+){0,3},[ \t]+(?:(?:den|le|am|the)[ \t]+)?"
                         + DATE_PATTERN + r"$", re.IGNORECASE)
_DUE_LABEL = _label(
    r"fälligkeitsdatum|fällig[ \t]+(?:am|bis(?:[ \t]+zum)?)|fälligkeit|fällig|"
    r"zahlbar[ \t]+bis(?:[ \t]+(?:zum|spätestens))?|zahlungsziel|due[ \t]+date|"
    r"payment[ \t]+due(?:[ \t]+date)?|due[ \t]+(?:on|by)|pay[ \t]+by|payable[ \t]+by|"
    r"date[ \t]+d['’][ée]ch[ée]ance|[ée]ch[ée]ance|[àa][ \t]+payer[ \t]+avant[ \t]+le|"
    r"date[ \t]+limite[ \t]+de[ \t]+paiement"
)
_CUSTOMER_NUMBER_LABEL = _label(
    r"(?:ihre[ \t]+|your[ \t]+)?"
    r"(?:kunden[- ]?(?:nummer|nr\.?)|kd\.?[- ]?nr\.?|debitor(?:en)?[- ]?(?:nummer|nr\.?)|"
    r"customer[ \t]*(?:id|no\.?|number|#)|client[ \t]*(?:id|no\.?|number)|"
    r"(?:n°|num[ée]ro)[ \t]*(?:de[ \t]+)?client|code[ \t]+client)"
)
_CURRENCY_LABEL = _label(r"währung|currency|devise|beträge[ \t]+in|amounts[ \t]+in")
#: party headings: the block or section below (or the value beside) is that party
_BUYER = _label(
    r"rechnungsempfänger(?:in)?|rechnungsadresse|rechnungsanschrift|leistungsempfänger|"
    r"käufer(?:[ \t]*/[ \t]*leistungsempfänger)?|kunde|kundin|kundenname|auftraggeber|"
    r"bill(?:ed)?[ \t]+to|invoice[ \t]+to|sold[ \t]+to|buyer|customer(?:[ \t]+name)?|client|"
    r"factur[ée][ \t]+[àa]|adresse[ \t]+de[ \t]+facturation|destinataire|acheteur"
)
_NOT_BUYER = _label(
    r"rechnungs(?:steller|ersteller)(?:in)?|verkäufer|lieferant|absender|auftragnehmer|"
    r"liefer(?:adresse|anschrift)|lieferung[ \t]+an|versand(?:adresse|anschrift)|"
    r"abweichende[ \t]+lieferadresse|"
    r"seller|supplier|vendor|from|ship(?:ped)?[ \t]+to|deliver(?:y|ed)[ \t]+(?:to|address)|"
    r"vendeur|fournisseur|[ée]metteur|adresse[ \t]+de[ \t]+livraison|livr[ée][ \t]+[àa]|payee|"
    r"zahlungsempfänger|empfänger|kontoinhaber(?:in)?|account[ \t]+holder|beneficiary|b[ée]n[ée]ficiaire|"
    r"titulaire"
)
_NAME_LABEL = _label(r"name|firma|company|nom|raison[ \t]+sociale")
_ANY_LABEL = (_NUMBER_LABEL, _ISSUE_LABEL, _GENERIC_DATE_LABEL, _DUE_LABEL, _CUSTOMER_NUMBER_LABEL,
              _CURRENCY_LABEL, _BUYER, _NOT_BUYER)

# totals: what kind of amount a label names, by its words
_OPEN_WORDS = re.compile(
    r"zu[ \t]+zahlen|zahlbetrag|zahlungsbetrag|fälliger[ \t]+betrag|amount[ \t]+to[ \t]+pay|"
    r"(?:total|montant)[ \t]+[àa][ \t]+payer|restbetrag|rest[ \t]*summe|offener[ \t]+betrag|noch[ \t]+offen|"
    r"amount[ \t]+due|balance[ \t]+due|total[ \t]+due|amount[ \t]+payable|total[ \t]+payable|balance|"
    r"net[ \t]+[àa][ \t]+payer|reste[ \t]+[àa][ \t]+payer|solde[ \t]+(?:[àa][ \t]+payer|d[ûu])|"
    r"montant[ \t]+d[ûu]",
    re.IGNORECASE)
_DEPOSIT_WORDS = re.compile(
    r"anzahlung|abschlagszahlung|geleistete[ \t]+abschläge|"
    r"bereits[ \t]+(?:bezahlt|gezahlt|erhalten|geleistet)|vorauszahlung|geleistete|"
    r"prepaid|prepayment|already[ \t]+paid|paid[ \t]+(?:amount|to[ \t]+date)|\bdeposit|"
    r"advance[ \t]+payment|acompte|d[ée]j[àa][ \t]+(?:pay[ée]|r[ée]gl[ée])",
    re.IGNORECASE)
#: what was owed before this invoice and is added to what is to pay now
_ARREARS_WORDS = re.compile(r"offene[ \t]+(?:zahlungen|posten|beträge)|rückstand|rückstände|saldovortrag|"
                            r"previous[ \t]+balance|arrears|balance[ \t]+brought[ \t]+forward|"
                            r"solde[ \t]+ant[ée]rieur|impay[ée]s", re.IGNORECASE)
_GROSS_WORDS = re.compile(r"brutto|\bgross\b|inkl\.?|incl\.?|including|einschl|\bttc\b|toutes[ \t]+taxes",
                          re.IGNORECASE)
_NET_WORDS = re.compile(
    r"netto|\bnet\b|exkl|excl|ohne[ \t]+(?:ust|mwst)|zwischensumme|sub[- ]?total|sous[- ]total|\bht\b|"
    r"hors[ \t]+taxes?",
    re.IGNORECASE)
_VAT_WORDS = re.compile(
    r"\bust\b|ust\.|umsatzsteuer|mwst|mehrwertsteuer|\bsteuer|\bvat\b|\btax|\btva\b|taxes", re.IGNORECASE)
_TOTAL_WORDS = re.compile(
    r"^(?:gesamtbetrag|rechnungsbetrag|endbetrag|endsumme|bruttobetrag|gesamtsumme|rechnungssumme|"
    r"gesamt|summe|total|grand[ \t]+total|invoice[ \t]+(?:total|amount)|total[ \t]+amount|"
    r"montant[ \t]+total|total[ \t]+g[ée]n[ée]ral)\b",
    re.IGNORECASE)
#: totals that name the invoice's final amount; "Summe", "Total", "Gesamt" alone may be a sub-sum
_FINAL_WORDS = re.compile(
    r"^(?:gesamtbetrag|rechnungsbetrag|endbetrag|endsumme|bruttobetrag|gesamtsumme|grand[ \t]+total|"
    r"invoice[ \t]+(?:total|amount)|total[ \t]+amount|montant[ \t]+total|total[ \t]+g[ée]n[ée]ral)\b",
    re.IGNORECASE)
_LABEL_START = re.compile(
    r"^(?:zzgl\.?|zuzüglich|abzgl\.?|abzüglich|inkl\.?|plus|less|minus|dont|davon|enthaltene?|\+|-|"
    r"rechnungs|gesamt|summe|total|netto|brutto|net|gross|sub|zwischen|ust|mwst|umsatz|mehrwert|vat|tax|"
    r"tva|montant|solde|reste|zu|zahl|rest|offen|noch|amount|balance|bereits|erhalten|geleistet|anzahlung|"
    r"abschlag|voraus|prepa|paid|already|deposit|advance|acompte|d[ée]j|end|grand|invoice|steuer|"
    r"[0-9]+[ \t]*%|"
    r"offene|rückst|saldo|previous|arrears|impay)",
    re.IGNORECASE)
#: "Gesamtbetrag der Zuschläge", "Total of items": a sum of something, not the invoice's total
_OF_SOMETHING = re.compile(r"\b(?:der|des|aller|of|for|für|pro|je|per|de|des)\b", re.IGNORECASE)
_BASE_WORDS = re.compile(r"basis|bemessung|\bbase\b|grundlage|positionen|items", re.IGNORECASE)

_CURRENCY_TOKEN = re.compile(r"^(?:EUR|€|Euro|USD|US\$|\$|CHF|GBP|£|SFr\.?|Fr\.)$", re.IGNORECASE)
_AMOUNT_IN = re.compile(
    r"(?<![\w.,])(?P<sign>[-−])?[ \t]?(?:(?:EUR|€|USD|\$|CHF|GBP|£)[ \t]?)?"
    r"(?P<value>\d{1,3}(?:[.,' ]\d{3})+(?:[.,]\d{2})?|\d+[.,]\d{2}|\d+)(?![\d.,]*\d)"
    r"(?:[ \t]?(?P<tail>EUR|€|USD|\$|CHF|GBP|£))?(?![ \t]*%)(?!\w)"
)
_FOREIGN = re.compile(r"(?<![A-Z])(USD|US\$|CHF|GBP|SFr|JPY|PLN|CZK|SEK|DKK|NOK|HUF)(?![A-Z])|\$|£")
_DATE_VALUE = re.compile(r"^(?:vom|von|from|dated|du|le|am|on)?[ \t]*" + DATE_PATTERN, re.IGNORECASE)
_NUMBER_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/_.]{0,62}$")
_SELF_BILLED = re.compile(r"selbst[ \t]+ausgestellte[ \t]+rechnung|self[- ]billed|selbstfakturierung|"
                          r"gutschriftsverfahren|autofacturation", re.IGNORECASE)
#: a credit note's title (UNTDID 1001 code 381: it reduces what the customer owes; EN 16931 prints its
#: amounts positive, many programs print them negative: either way it is a credit)
_CREDIT_NOTE_TITLE = re.compile(
    r"^(?:gutschrift|storno(?:[- ]?rechnung)?|stornierung(?:s[- ]?rechnung)?|credit[ \t-]*(?:note|memo)|"
    r"avoir|facture[ \t]+d['’]avoir|note[ \t]+de[ \t]+cr[ée]dit)\b", re.IGNORECASE)
#: a corrected invoice's title (code 384: it carries the corrected values with their signs)
_CORRECTION_TITLE = re.compile(
    r"^(?:rechnungs[- ]?korrektur|korrektur[- ]?rechnung|berichtigte[ \t]+rechnung|"
    r"corrected[ \t]+invoice|invoice[ \t]+correction|corrective[ \t]+invoice|facture[ \t]+rectificative)\b",
    re.IGNORECASE)
_CREDIT_WORDS = re.compile(_CREDIT_NOTE_TITLE.pattern + "|" + _CORRECTION_TITLE.pattern, re.IGNORECASE)
#: headings of documents that are no invoice: a pro-forma invoice (no claim under § 14 UStG), an
#: offer, a delivery note, an order confirmation, a reminder (it repeats an invoice's claim)
_NOT_AN_INVOICE = re.compile(
    r"^(?:pro[- ]?forma(?:[- ]?rechnung)?|angebot|kostenvoranschlag|lieferschein|auftragsbest[äa]tigung|"
    r"bestellbest[äa]tigung|mahnung|\d\.[ \t]*mahnung|zahlungserinnerung|"
    r"quot(?:e|ation)|estimate|delivery[ \t]+note|order[ \t]+confirmation|pro[- ]?forma[ \t]+invoice|"
    r"payment[ \t]+reminder|reminder|devis|bon[ \t]+de[ \t]+livraison|facture[ \t]+pro[- ]?forma|relance)\b",
    re.IGNORECASE)
_NO_INVOICE_SAYS = re.compile(r"\bkeine[ \t]+rechnung\b|\bnot[ \t]+an[ \t]+invoice\b|"
                              r"\bne[ \t]+(?:vaut|constitue)[ \t]+pas[ \t]+(?:une[ \t]+)?facture\b",
                              re.IGNORECASE)
_INVOICE_TITLE = re.compile(r"^(?:[^\W\d_]*rechnung|invoice|facture)\b", re.IGNORECASE)
#: what may follow a title word in the title's phrase: a code in brackets, the number, the invoice it
#: refers to, the date; anything else ("Storno bis 14 Tage vor Anreise kostenfrei") is running text
_TITLE_REST = re.compile(
    r"^(?![^\n]*\d[.,]\d\d(?![\d.]))"  # no amount: "Gutschrift 10,00 €" is a line item
    r"[ \t:]*(?:\([^()]{0,40}\)[ \t]*)*"
    r"(?:(?:nr\.?|nummer|no\.?|n°|nº|#|number|num[ée]ro|zu(?:r)?[ \t]+rechnung|for[ \t]+invoice|"
    r"(?:sur|de)[ \t]+(?:la[ \t]+)?facture|vom|von|from|dated|du|[A-Z]{0,4}[-/]?\d)[^\n]{0,80})?$",
    re.IGNORECASE)

# the address window
_RETURN_SPLIT = re.compile(r"[ \t]*[•·|∙▪●◦\ufffd][ \t]*|,[ \t]+|[ \t]+[-–][ \t]+")
_POSTCODE_CITY = re.compile(
    r"^(?:(?:D|DE|A|AT|CH|F|FR|L|LU|B|BE|NL)[- ])?"
    r"(?:\d{4,5}|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2})[ \t]+[^\W\d_]"
    r"|^(?:D-|DE-)?\d{5}[^\W\d_]{2}"
    r"|^[^\W\d_][^\d]{1,40}[ \t]+[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}$"
)
#: "Firma · Straße 1 · 12345 Ort", "Firma, Straße 1, 12345 Ort": a postcode and city after other text
_ONE_LINE_ADDRESS = re.compile(
    r"\S[ \t]*(?:[•·|∙▪●◦\ufffd,]|[ \t][-–])[ \t]*(?:[A-Z]{1,2}-)?\d{4,5}[ \t]+[^\W\d_]{2}")
_DE_POSTCODE_CITY = re.compile(r"^(?:D-|DE-|DE[ \t])?(\d{5})[ \t]+([^\W\d_][^\n\d]{1,60})$")
_STREET = re.compile(r"^[^\W\d_][^\n\d]{1,60}?[ \t.]\d{1,4}[ \t]?[a-zA-Z]?(?:[-/][ \t]?\d{1,4}[a-zA-Z]?)?$"
                     r"|^\d{1,4}[a-zA-Z]?,?[ \t]+[^\W\d_][^\n\d]{1,60}$")
_SALUTATION_ONLY = re.compile(r"^(?:herrn?|frau|firma|an|to|à|monsieur|madame|m\.|mme)$", re.IGNORECASE)
_PERSONAL = re.compile(r"(?:herrn?|frau|mr\.?|mrs\.?|ms\.?|monsieur|madame)(?=[ \t]|$)", re.IGNORECASE)
_SALUTATION = re.compile(r"^(?:firma|an|to)[ \t]+", re.IGNORECASE)
_ATTENTION = re.compile(
    r"^(?:z\.?[ \t]?hd\.?|zu[ \t]+händen|attn\.?|attention|c/o|[àa][ \t]+l['’]attention|ansprechpartner|"
    r"contact)\b", re.IGNORECASE)
_CONTACT = re.compile(r"^(?:tel|telefon|phone|fon|fax|mobil|e-?mail|mail|web|www\.|https?:|iban|bic|"
                      r"ust|steuer|st\.?-?nr|hrb|hra|amtsgericht|☎|✆|✉|\+\d)", re.IGNORECASE)
_GERMANY = re.compile(r"^(?:deutschland|germany|allemagne)$", re.IGNORECASE)
_COUNTRY = re.compile(r"^(?:deutschland|germany|allemagne|österreich|austria|schweiz|switzerland|suisse|"
                      r"france|frankreich|luxembourg|luxemburg|belgien|belgium|belgique|niederlande|"
                      r"netherlands|italien|italy|spanien|spain|united[ \t]+kingdom|uk)$", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"^(?:tel|telefon|fon|fax|e-?mail|web|www|http|iban|bic|ust|steuer|gln|\+?\d[\d /()-]{5,}$|[☎✆✉@])",
    re.IGNORECASE)


# --------------------------------------------------------------------------------------------------
# reading


@dataclass
class _Findings:
    """What was read, field by field, with every place it was found (for the review reason)."""

    numbers: list[str] = field(default_factory=list)
    issue_dates: list[date] = field(default_factory=list)
    generic_dates: list[date] = field(default_factory=list)
    generic_below: list[date] = field(default_factory=list)
    due_dates: list[date] = field(default_factory=list)
    customer_numbers: list[str] = field(default_factory=list)
    names: list[tuple[int, str, Address]] = field(default_factory=list)
    amounts: dict[str, list[Decimal]] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    #: what a due-date label names that is not a date ("14 Tage netto", "sofort")
    due_terms: list[str] = field(default_factory=list)


def read_layout(pages: list[Page], tenant_id: str, default_terms_days: int) -> InvoiceRecord:
    """One invoice record from the pages' phrases, or :class:`Review` with what was found and missing."""
    layout = _Layout(pages)
    credit = layout.credit_title()
    found = _Findings()
    english_only = not any(_DAY_FIRST_WORDS.search(p.text) for p in layout.all)
    token = _SLASH_MONTH_FIRST.set(english_only)
    try:
        layout.read_labels(found)
        layout.read_customer(found)
        return _decide(found, layout, tenant_id, default_terms_days, credit)
    finally:
        _SLASH_MONTH_FIRST.reset(token)


class _Layout:
    def __init__(self, pages: list[Page]) -> None:
        self.pages = pages
        self.first = pages[0]
        self.all = [p for page in pages for p in page.phrases]

    # ---------------------------------------------------------------------------- geometry

    def _near(self, label: Phrase, value: Phrase) -> bool:
        """A value to the right stays in the label's half of the page (the other half is another column)."""
        width = self.pages[label.page - 1].width
        return not (label.x1 < 0.5 * width and value.x0 > 0.6 * width)

    def same_row_right(self, label: Phrase) -> list[Phrase]:
        page = self.pages[label.page - 1]
        row = [p for p in page.phrases if p.x0 >= label.x1 - 1 and p is not label and _overlap(
            (p.top, p.bottom), (label.top, label.bottom)) >= 0.4 * min(p.height, label.height)]
        return sorted(row, key=lambda p: p.x0)

    def below(self, label: Phrase, lines: int = 1) -> list[Phrase]:
        """Phrases directly below the label in its column, nearest first (at most ``lines`` rows)."""
        page = self.pages[label.page - 1]
        column = [p for p in page.phrases if p.top >= label.bottom - 0.2 * label.height
                  and p is not label and _overlap((p.x0, p.x1), (label.x0, label.x1)) > 0
                  and abs(p.x0 - label.x0) <= max(3 * label.size, 0.5 * (label.x1 - label.x0) + 6)]
        column.sort(key=lambda p: p.top)
        result: list[Phrase] = []
        last = label
        for p in column:
            if p.top - last.bottom > 1.6 * max(last.height, p.height):
                break
            result.append(p)
            last = p
            if len(result) >= lines:
                break
        return result

    def value_of(self, label: Phrase, match: re.Match[str], accept: Callable[[str], object],
                 below: bool = True) -> list[object]:
        """The label's value: the rest of its phrase, else to the right on its row, else below it."""
        rest = match.group("rest").strip(" :")
        if rest:
            value = accept(rest)
            return [value] if value is not None else []
        for p in self.same_row_right(label):
            if _is_label(p.text) or not self._near(label, p):
                break
            text = p.text.strip()
            if text == ":":
                continue
            value = accept(text.removeprefix(":").strip())
            if value is not None:
                return [value]
            if not _CURRENCY_TOKEN.match(text):
                break
        for p in self.below(label) if below else []:
            if _is_label(p.text):
                break
            value = accept(p.text.strip().removeprefix(":").strip())
            if value is not None:
                return [value]
        return []

    # ---------------------------------------------------------------------------- labels

    def credit_title(self) -> str:
        """What the title calls the document: "credit" for a credit note ("Gutschrift", "Stornorechnung",
        "Credit note", "Avoir"), "correction" for a corrected invoice ("Rechnungskorrektur",
        "Corrected invoice", "Facture rectificative"), "" otherwise; "both" if titles of both kinds
        are printed (also beside an invoice's title "Rechnung"). Only a title counts: the phrase holds
        the word and at most a code, the number and the date, in the upper half of page 1 and no
        smaller than the body text. A "Gutschrift" that says it is a self-billed invoice (§ 14 (2)
        UStG: "Gutschrift (selbst ausgestellte Rechnung)") is an invoice, issued by the buyer.
        "other" for a document that is no invoice by its heading ("Proforma-Rechnung", "Angebot",
        "Lieferschein", "Mahnung", "Quotation", "Devis", "… KEINE Rechnung"): not a claim to import."""
        body = _body_size(self.first)
        kinds = set()
        for p in self.first.phrases:
            text = p.text.strip()
            if p.size < body * 0.99 or _SELF_BILLED.search(text) or p.top > 0.5 * self.first.height:
                continue
            heading = _NOT_AN_INVOICE.match(text)
            if _NO_INVOICE_SAYS.search(text) or (heading and p.size > body * 1.15 and ":" not in text
                                                 and _TITLE_REST.match(text[heading.end():])):
                return "other"
            for kind, pattern in (("credit", _CREDIT_NOTE_TITLE), ("correction", _CORRECTION_TITLE),
                                  ("invoice", _INVOICE_TITLE)):
                match = pattern.match(text)
                if match and _TITLE_REST.match(text[match.end():]):
                    kinds.add(kind)
                if match:
                    break  # "Stornorechnung" is a credit title, not also an invoice's
        if kinds <= {"invoice"}:
            return ""
        return "both" if len(kinds) > 1 else kinds.pop()

    def read_labels(self, found: _Findings) -> None:
        body = _body_size(self.first)
        for p in self.all:
            text = p.text.strip()
            heading = p.page == 1 and p.size >= body and p.top < 0.45 * self.first.height
            title = _TITLE.match(text) if heading else None
            when = _date_value(title.group("date")) if title and title.group("date") else None
            if title and not _NUMBER_LABEL.match(text) and not _YEAR.fullmatch(title.group("number")) \
                    and (when is not None or not title.group("date")):  # "Rechnung 1 von 2": no number
                found.numbers.append(title.group("number").rstrip("."))
                if when is not None:
                    found.issue_dates.append(when)
            place_date = _PLACE_DATE.match(text) if p.page == 1 and p.top < 0.45 * self.first.height else None
            if place_date:
                when = match_to_date(place_date)  # DIN 5008's "Marburg, den 09.03.2026": the letter's date
                if when is not None:
                    found.generic_dates.append(when)
                continue
            match = _NUMBER_LABEL.match(text)
            if match:
                for value in self.value_of(p, match, _number_value):
                    assert isinstance(value, tuple)
                    found.numbers.append(str(value[0]))
                    if isinstance(value[1], date):
                        found.issue_dates.append(value[1])
                continue
            match = _ISSUE_LABEL.match(text)
            if match:
                found.issue_dates.extend(self.value_of(p, match, _date_value))  # type: ignore[arg-type]
                continue
            match = _DUE_LABEL.match(text)
            if match:
                if not match.group("rest").strip(" :") and not any(
                        _terms_value(q.text) for q in self.same_row_right(p)[:1]):
                    # a "Fälligkeit" column with several dates below it: an instalment table
                    column = []
                    for q in self.below(p, lines=6):
                        when = _date_value(q.text)
                        if when is None:
                            break
                        column.append(when)
                    if len(set(column)) > 1:
                        found.due_dates.extend(column)
                        continue
                for value in self.value_of(p, match, _terms_value):
                    when = _date_value(str(value))
                    if when is not None:
                        found.due_dates.append(when)
                    else:
                        found.due_terms.append(str(value))  # "14 Tage", "sofort", or not understood
                continue
            match = _GENERIC_DATE_LABEL.match(text)
            if match:
                # "Datum" beside its value (the info block) before "Datum" over a column (a table
                # of payments or deliveries may have one)
                beside = self.value_of(p, match, _date_value, below=False)
                found.generic_dates.extend(beside)  # type: ignore[arg-type]
                if not beside:
                    found.generic_below.extend(self.value_of(p, match, _date_value))  # type: ignore[arg-type]
                continue
            match = _CUSTOMER_NUMBER_LABEL.match(text)
            if match:
                for value in self.value_of(p, match, _token_value):
                    found.customer_numbers.append(str(value))
                continue
            match = _CURRENCY_LABEL.match(text)
            if match:
                for value in self.value_of(p, match, lambda s: s.strip().upper()[:10] or None):
                    found.currencies.add(_currency(str(value)))
                continue
            self._amount_label(p, found)

    def _amount_label(self, p: Phrase, found: _Findings) -> None:
        label, inline = _split_amount(p.text)
        if not label or not _LABEL_START.match(label) or len(label.split()) > 8:
            return
        kind = _amount_kind(label)
        if kind is None:
            return
        values: list[tuple[Decimal, str]] = []
        weak = False
        if inline is not None:
            values.append(inline)
        else:
            row = self.same_row_right(p)
            amounts: list[tuple[Decimal, str]] = []
            for q in row:
                if _is_label(q.text) or (_amount_kind(_split_amount(q.text)[0] or "") is not None
                                         and _split_amount(q.text)[0]):
                    break
                a = _amount_of(q.text)
                if a is not None:
                    amounts.append(a)
            if amounts:
                values.append(amounts[-1])  # the totals column is the rightmost
            else:
                below = self.below(p, lines=8)
                column = []
                for q in below:
                    a = _amount_of(q.text)
                    if a is None:
                        break
                    column.append(a)
                if len(column) >= 3 and column[-1][0] == sum(a[0] for a in column[:-1]):
                    values.append(column[-1])  # a column of rows and their sum below: the sum
                elif below and not _is_label(below[0].text):
                    a = _amount_of(below[0].text)
                    # a column header ("Gesamt" over the line items) has several amounts below: none
                    if a is not None and (len(below) < 2 or _amount_of(below[1].text) is None):
                        values.append(a)
                        weak = True
        for value, currency in values:
            found.amounts.setdefault(kind if not weak else "below-" + kind, []).append(value)
            if currency:
                found.currencies.add(currency)
        row_text = " ".join(q.text for q in [p, *self.same_row_right(p)])
        foreign = _FOREIGN.search(row_text)
        if foreign and values:
            found.currencies.add(_currency(foreign.group()))

    # ---------------------------------------------------------------------------- the customer

    def read_customer(self, found: _Findings) -> None:
        page = self.first
        # 1. a heading or label names the buyer
        for p in page.phrases:
            match = _BUYER.match(p.text.strip())
            if not match or _NOT_BUYER.match(p.text.strip()) or _CUSTOMER_NUMBER_LABEL.match(p.text.strip()):
                continue
            rest = match.group("rest").strip(" :")
            if rest:
                if not re.match(r"^[^:]{1,40}:", p.text):
                    continue  # "Kunde seit 2019", "Facture à régler …": running text, not a label
                name = _clean_name(rest)
                if name and not re.match(r"^[\d\W]+$", rest):
                    found.names.append((1, name, self._address_after_name(p)))
                continue
            section = self._section_name(p)
            if section is not None:
                found.names.append((1, *section))
                continue
            block = self._block_below(p, max_gap=2.5)
            if block:
                name, address = _name_and_address(block)
                if name:
                    found.names.append((1, name, address))
                continue
            right = [q for q in self.same_row_right(p) if not _is_label(q.text) and self._near(p, q)]
            if right:
                name = _clean_name(right[0].text)
                if name:
                    found.names.append((1, name, Address()))
        # 2. the window below a return-address line (the line itself is the sender)
        chained: set[int] = set()
        for p in page.phrases:
            if p.top > page.height * 0.45 or p.index in chained:
                continue
            row = self._chain(p)
            chained.update(q.index for q in row)
            line = Phrase([w for q in row for w in q.words], p.page)
            if not _is_return_address(line.text):
                continue
            block = self._block_below(line, max_gap=2.5)
            # the window holds an address: a name and a postcode-and-city line (a slogan or a phone
            # number below the letterhead's one-line address is no recipient)
            if block and any(_POSTCODE_CITY.match(q.text.strip()) for q in block[1:]):
                name, address = _name_and_address(block)
                if name and name not in line.text:
                    found.names.append((2, name, address))
        if found.names:
            return
        # 3. an address block that no heading names as someone else's, in the upper part of page 1
        # (27–110 mm from the top: DIN 5008's window at the left, the Swiss and French one at the right);
        # the window at the left wins, and it must be the only one there
        blocks = []
        for block in self._address_blocks():
            heading = block[0].text.strip()
            if not 25 * MM <= block[0].top <= 110 * MM or _BUYER.match(heading) or _NOT_BUYER.match(heading) \
                    or self._is_sender(block) or self._headed(block[0]):
                continue
            name, address = _name_and_address(block)
            if name:
                blocks.append((block[0], name, address))
        left = [b for b in blocks if b[0].x0 < page.width * 0.45]
        chosen = left if left else blocks
        if len(chosen) == 1:
            found.names.append((3, chosen[0][1], chosen[0][2]))

    def _chain(self, p: Phrase) -> list[Phrase]:
        """The phrase and those that continue its line (a return address split by its "•" marks)."""
        row = [p]
        for q in self.same_row_right(p):
            if q.x0 - row[-1].x1 > 2.5 * p.size or abs(q.bottom - p.bottom) > 0.3 * p.size:
                break
            row.append(q)
        return row

    def _headed(self, head: Phrase) -> bool:
        """A heading right above the block names its party ("Lieferanschrift", "Absender", …)."""
        page = self.pages[head.page - 1]
        for p in page.phrases:
            if p.bottom <= head.top + 1 and head.top - p.bottom <= 2 * head.height \
                    and _overlap((p.x0, p.x1), (head.x0, head.x1)) > 0:
                text = p.text.strip()
                if _NOT_BUYER.match(text) or _BUYER.match(text):
                    return True
        return False

    def _section_name(self, heading: Phrase) -> tuple[str, Address] | None:
        """A "Name:" label in the section under a party heading (until the next heading)."""
        page = self.pages[heading.page - 1]
        below = sorted((p for p in page.phrases if p.top > heading.bottom - 1
                        and abs(p.x0 - heading.x0) <= 2 * heading.size), key=lambda p: p.top)
        for p in below[:8]:
            if _BUYER.match(p.text) or _NOT_BUYER.match(p.text):
                return None
            match = _NAME_LABEL.match(p.text)
            if match:
                values = self.value_of(p, match, lambda s: _clean_name(s) or None)
                if values:
                    name = str(values[0])
                    right = self.same_row_right(p)
                    if right and not match.group("rest").strip(" :"):
                        above = self._line_above(right[0])
                        if above is not None and _PERSONAL.fullmatch(above.text.strip()) \
                                and not _PERSONAL.match(name):
                            name = f"{above.text.strip()} {name}"
                    return name, self._address_after_name(p)
        return None

    def _line_above(self, phrase: Phrase) -> Phrase | None:
        page = self.pages[phrase.page - 1]
        above = [p for p in page.phrases if p.bottom <= phrase.top + 1 and phrase.top - p.bottom
                 <= 1.6 * phrase.height and abs(p.x0 - phrase.x0) <= 2]
        return max(above, key=lambda p: p.bottom) if above else None

    def _address_after_name(self, name_label: Phrase) -> Address:
        right = self.same_row_right(name_label)
        anchor = right[0] if right else name_label
        lines = [anchor.text] + [p.text for p in self.below(anchor, lines=5)]
        return _address(lines[1:])

    def _block_below(self, head: Phrase, max_gap: float = 1.6) -> list[Phrase]:
        """The lines of the block that starts right below ``head`` (left-aligned with it or below it)."""
        page = self.pages[head.page - 1]
        candidates = sorted((p for p in page.phrases if p.top >= head.bottom - 0.2 * head.height
                             and p is not head and abs(p.x0 - head.x0) <= max(4 * head.size, 15 * MM)
                             and p.x0 < head.x1), key=lambda p: (p.top, p.x0))
        block: list[Phrase] = []
        last = head
        for p in candidates:
            gap = p.top - last.bottom
            limit = (max_gap if last is head else 1.6) * max(p.height, last.height)
            if block and _POSTCODE_CITY.match(p.text.strip()):
                limit = 2.8 * max(p.height, last.height)  # the old DIN 5008 blank line before the city
            if gap > limit:
                break
            if block and not 0.75 <= p.size / block[0].size <= 1.34:
                break  # a heading or a footnote: not a line of the same block
            if block and abs(p.x0 - block[0].x0) > 2:
                if p.top - block[-1].top < 0.5 * p.height:
                    continue  # a second phrase on the same line: not part of this column
                break
            block.append(p)
            last = p
            if len(block) >= 9:
                break
        return block

    def _address_blocks(self) -> Iterable[list[Phrase]]:
        """Left-aligned blocks of 2–9 lines in the top half of page 1 with a postcode-and-city line."""
        page = self.first
        used: set[int] = set()
        for p in page.phrases:
            if p.index in used or p.top > page.height * 0.5:
                continue
            block = [p, *self._block_below(p)]
            used.update(q.index for q in block)
            if 2 <= len(block) <= 9 and any(_POSTCODE_CITY.match(q.text) for q in block[1:]):
                yield block

    def _is_sender(self, block: list[Phrase]) -> bool:
        """The block's first line appears in the page's footer or in a return-address line, or the
        block carries the contact lines of a letterhead (phone, e-mail, web, bank, tax number): a
        recipient's address in the window has none."""
        if any(_CONTACT.match(p.text.strip()) for p in block):
            return True
        name = block[0].text.strip()
        for page in self.pages[:1]:
            for p in page.phrases:
                if p in block:
                    continue
                if name in p.text and (p.top > page.height * 0.8 or _is_return_address(p.text)
                                       or p.size < block[0].size * 0.85):
                    return True
        return False


def _body_size(page: Page) -> float:
    sizes = sorted(p.size for p in page.phrases) or [10.0]
    return sizes[len(sizes) // 2]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _is_label(text: str) -> bool:
    text = text.strip()
    if text.endswith(":") and len(text.split()) <= 4:
        return True  # "Anschrift:", "Telefon:": some label, whatever it names
    if any(pattern.match(text) and not pattern.match(text).group("rest").strip(" :")  # type: ignore[union-attr]
           for pattern in _ANY_LABEL):
        return True
    label, inline = _split_amount(text)
    return (inline is None and bool(label) and bool(_LABEL_START.match(label))
            and _amount_kind(label) is not None)


def _split_amount(text: str) -> tuple[str, tuple[Decimal, str] | None]:
    """("Gesamtbetrag", (1190.00, "EUR")) for "Gesamtbetrag: 1.190,00 €"; (text, None) without amount."""
    matches = list(_AMOUNT_IN.finditer(text))
    if matches:
        last = matches[-1]
        after = text[last.end():].strip()
        if not after or _CURRENCY_TOKEN.match(after):
            label = text[:last.start()].strip(" :\t")
            label = re.sub(r"[ \t]*(?:EUR|€|in[ \t]+EUR|\(EUR\)|\(€\))$", "", label,
                           flags=re.IGNORECASE).strip(" :")
            amount = _amount_of(text[last.start():])
            if amount is not None and re.search(r"[^\W\d_]{2}", label):
                return label, amount
    return text.strip(" :"), None


def _amount_kind(label: str) -> str | None:
    label = re.split(r"(?<=\d)[,;][ \t]+", label)[-1]  # "MwSt.-% 19,0, Frachtbetrag": the last one
    if re.search(r"[^\W\d_]", label) is None or _BASE_WORDS.search(label):
        return None
    if _ARREARS_WORDS.search(label):
        return "arrears"
    if _OPEN_WORDS.search(label):
        return "open"
    if _DEPOSIT_WORDS.search(label):
        return "deposit"
    if _GROSS_WORDS.search(label) and (_TOTAL_WORDS.search(label)
                                       or re.search(r"brutto|gross|ttc", label, re.IGNORECASE)):
        return "gross"
    if _NET_WORDS.search(label):
        return "net"
    if _VAT_WORDS.search(label):
        return "vat"
    if _TOTAL_WORDS.search(label) and not _OF_SOMETHING.search(label):
        return "final" if _FINAL_WORDS.search(label) else "total"
    return None


def _amount_of(text: str) -> tuple[Decimal, str] | None:
    """The amount a value phrase shows ("1.190,00 €", "EUR 99.50", "- 300,00"); None if it is no amount."""
    text = text.strip()
    match = _AMOUNT_IN.fullmatch(text) or _AMOUNT_IN.fullmatch(text.replace("\u00a0", " "))
    if match is None:
        return None
    raw = match.group("value").replace(" ", "").replace("'", "")
    if re.fullmatch(r"\d{1,3}[.,]\d{3}", raw):
        return None  # "1,190" is 1190 in English and 1.19 in German: not read
    if not re.search(r"[.,]\d{2}$", raw) and not match.group("tail") and not re.match(r"(EUR|€|\$|£)", text):
        return None  # a bare integer is a quantity or a number, not an amount
    try:
        value = parse_amount(raw)
    except (AmountError, ArithmeticError):
        return None
    if match.group("sign"):
        value = -value
    symbol = match.group("tail") or next(
        (s for s in ("EUR", "€", "USD", "$", "CHF", "GBP", "£") if s in text), "")
    return value, _currency(symbol)


def _currency(symbol: str) -> str:
    symbol = symbol.strip().upper().rstrip(".")
    # "$" alone stays "$": dollars of several countries write it, so it is not a clear currency
    return {"€": "EUR", "EURO": "EUR", "US$": "USD", "£": "GBP", "SFR": "CHF", "FR": "CHF"}.get(
        symbol, symbol)


#: set while an invoice without German or French words is read: "03/12/2026" may be month first
_SLASH_MONTH_FIRST: ContextVar[bool] = ContextVar("slash_month_first", default=False)
_DAY_FIRST_WORDS = re.compile(r"\b(?:rechnung|datum|betrag|summe|gesamt|zahlbar|facture|montant|tva|ttc|"
                              r"date[ \t]+de|payer|paiement)\b", re.IGNORECASE)


def _date_value(text: str) -> date | None:
    match = _DATE_VALUE.match(text.strip())
    if match is None:
        return None
    rest = text.strip()[match.end():].strip()
    if rest and not re.match(r"^[(,;]", rest):
        return None  # "05.03.2018 bis 31.03.2018" is a period, "02.03.2026 14:00" a time: not one date
    if match.group("d3") and int(match.group("d3")) <= 12 and int(match.group("m3")) <= 12 \
            and match.group("d3") != match.group("m3") and _SLASH_MONTH_FIRST.get():
        return None  # 03/12/2026 on an English invoice: 3 December or March 12
    return match_to_date(match)


def _number_value(text: str) -> tuple[str, date | None] | None:
    parts = text.strip().split()
    if not parts:
        return None
    token = parts[0].rstrip(".,;")
    if not _NUMBER_TOKEN.match(token) or not re.search(r"\d", token) or _date_value(token) is not None:
        return None
    rest = " ".join(parts[1:])
    when = None
    if rest:
        after = re.match(r"^(?:vom|von|from|dated|du|issued(?:[ \t]+(?:at|on))?)[ \t]+(.+)$", rest,
                         re.IGNORECASE)
        if after is None:
            return None  # "RE-1 Seite 2" or running text: not a plain value
        when = _date_value(after.group(1))
    return token, when


def _terms_value(text: str) -> str | None:
    return text.strip() if _TERMS_VALUE.search(text) else None


def _token_value(text: str) -> str | None:
    token = text.strip().split()[0].rstrip(".,;") if text.strip() else ""
    if _NUMBER_TOKEN.match(token) and re.search(r"\d", token) and len(text.split()) == 1:
        return token
    return None


def _is_return_address(text: str) -> bool:
    parts = [p for p in _RETURN_SPLIT.split(text.strip()) if p]
    return len(parts) >= 3 and len(text) <= 160 and any(_POSTCODE_CITY.match(p) for p in parts[1:])


def _clean_name(line: str) -> str:
    value = " ".join(line.split())
    stripped = _SALUTATION.sub("", value).strip(" :,")
    if not stripped or not re.search(r"[^\W\d_]{2}", stripped) or len(stripped) > 120:
        return ""
    if _SALUTATION_ONLY.match(stripped) or _ATTENTION.match(stripped) or _NOT_A_NAME.match(stripped) \
            or re.search(r"@|www\.|https?:|\.(?:de|com|fr|eu|net|org)\b", stripped, re.IGNORECASE):
        return ""
    if "\ufffd" in stripped or _ONE_LINE_ADDRESS.search(stripped):
        return ""  # unreadable glyphs, or a whole address on one line (a return address): no name
    if _POSTCODE_CITY.match(stripped) or _is_label(stripped) or _TITLE.match(stripped) \
            or _CREDIT_WORDS.match(stripped) or _NUMBER_LABEL.match(stripped):
        return ""
    if re.match(r"(?:kunden[- ]?(?:nummer|nr)|customer[ \t]+(?:no|number|id)|rechnungs|invoice\b|datum|"
                r"date\b)", stripped, re.IGNORECASE) or stripped.endswith(":"):
        return ""
    return stripped


def _name_and_address(block: list[Phrase]) -> tuple[str, Address]:
    """The recipient in an address block: the first line that is a name (not "Firma", "Herrn", a
    "z. Hd." attention line or a contact), then street and postcode/city."""
    lines = [" ".join(p.text.split()) for p in block]
    salutation = ""
    for index, line in enumerate(lines):
        if _PERSONAL.fullmatch(line):
            salutation = line  # DIN 5008: "Herrn" on its own line belongs to the name below
            continue
        if _SALUTATION_ONLY.match(line) or _ATTENTION.match(line) or _NOT_A_NAME.match(line) \
                or (index == 0 and _ONE_LINE_ADDRESS.search(line)):
            continue  # the return address heads the window: the sender, skipped
        if _POSTCODE_CITY.match(line) or _STREET.match(line):
            return "", Address()  # an address without a name before it
        name = _clean_name(line)
        if name:
            if salutation and not _PERSONAL.match(name):
                name = f"{salutation} {name}"
            return name, _address(lines[index + 1:])
        return "", Address()
    return "", Address()


def _address(lines: list[str]) -> Address:
    """Street and German postcode/city; none when the block names another country (a French
    "69001 Lyon" is no German address) or the lines are not an address."""
    street = ""
    lines = [" ".join(line.split()) for line in lines[:6]]
    for index, line in enumerate(lines[:5]):
        postcode_city = _DE_POSTCODE_CITY.match(line)
        if postcode_city:
            after = lines[index + 1] if index + 1 < len(lines) else ""
            if not street or (_COUNTRY.match(after) and not _GERMANY.match(after)):
                break
            return Address(street, postcode_city.group(1), postcode_city.group(2).strip(), "DE")
        if _STREET.match(line):
            street = line
    return Address()


# --------------------------------------------------------------------------------------------------
# deciding


def _decide(found: _Findings, layout: _Layout, tenant_id: str, default_terms_days: int,
            credit: str) -> InvoiceRecord:
    problems: list[str] = []  # German, for the owner
    english: list[str] = []
    shown: dict[str, str] = {}

    number = _one("Rechnungsnummer", found.numbers, problems, shown)
    issue = _one("Rechnungsdatum", found.issue_dates or found.generic_dates or found.generic_below, problems,
                 shown, _de_date)

    totals = found.amounts
    # a value below its label is only taken where no label has one beside it: "Gesamtbetrag" can
    # also head the line items' column, and a one-line invoice then shows one amount below it
    for kind in ("gross", "final", "total", "open", "net", "vat", "deposit", "arrears"):
        if not totals.get(kind) and totals.get("below-" + kind) and not (
                kind in ("final", "total") and (totals.get("gross") or totals.get("below-gross"))) and not (
                kind == "total" and (totals.get("final") or totals.get("below-final"))):
            totals[kind] = totals["below-" + kind]
    # "Summe brutto" and "Endbetrag" must agree; the generic "Summe"/"Total" counts only without them
    gross_values = (totals.get("gross", []) + totals.get("final", [])) or totals.get("total") or []
    gross = _one("Gesamtbetrag", gross_values, problems, shown, _de_amount)
    if gross is None and len(set(gross_values)) > 1:
        listed = ", ".join(map(str, sorted(set(gross_values))))
        english.append(f"the PDF shows several different totals ({listed})")
    open_values = totals.get("open", [])
    open_amount = _one("Zu zahlen", open_values, problems, shown, _de_amount)
    net = _unique(totals.get("net", []))
    vats = sorted(set(totals.get("vat", [])))
    deposits = sorted(set(totals.get("deposit", [])))
    arrears = _unique(totals.get("arrears", []))
    if totals.get("arrears") and arrears is None:
        problems.append("mehrere verschiedene Rückstände")
        english.append("several different arrears")
    if gross is not None and net is not None and vats and all(gross != net + v for v in [*vats, sum(vats)]):
        problems.append(f"Gesamtbetrag {_de_amount(gross)} ist nicht Netto {_de_amount(net)} + USt "
                        f"{' + '.join(_de_amount(v) for v in vats)}")
        english.append("gross is not net + VAT")
    if gross is None and open_amount is None and not problems:
        shown.pop("Gesamtbetrag", None)
    amount = gross if gross is not None else open_amount
    if gross is None and open_amount is not None and (totals.get("deposit") or totals.get("arrears") or (
            net is not None and vats and all(open_amount != net + v for v in [*vats, sum(vats)]))):
        problems.append(f"Gesamtbetrag nicht gefunden, nur der Zahlbetrag {_de_amount(open_amount)}")
        english.append("no total beside the amount due")
    still_open = open_amount
    before: Decimal = arrears if arrears is not None else Decimal(0)
    balanced = False  # the amount due is printed and total − payments + arrears gives it
    if (deposits or arrears is not None) and gross is not None:
        paid: Decimal = sum((abs(d) for d in deposits), Decimal(0))
        if still_open is None and arrears is not None:
            problems.append(f"Rückstand {_de_amount(arrears)} ohne Zahlbetrag")
            english.append("arrears without an amount due")
        elif still_open is None:
            still_open = gross - paid
            shown["Restbetrag"] = _de_amount(still_open)
        elif gross - paid + before != still_open:
            problems.append(f"Gesamtbetrag {_de_amount(gross)} − Anzahlung {_de_amount(paid)} + Rückstand "
                            f"{_de_amount(before)} ist nicht der Restbetrag {_de_amount(still_open)}")
            english.append("total − deposit is not the amount due")
        else:
            balanced = True
    if still_open is None:
        still_open = amount
    document_type, credit_note = "", False
    if credit:
        amount, still_open, document_type, credit_note = _credit_amounts(
            credit, amount, still_open, net, deposits, arrears, problems, english)
    # a negative amount due stands only where the totals prove it (EN 16931 BT-115 = BT-112 − BT-113
    # + BT-114: more was paid in advance than the invoice's total); negative totals on a page whose
    # title names no credit note or correction go to review
    elif amount is not None and still_open is not None and (
            still_open > amount + max(before, Decimal(0)) or amount <= 0
            or (still_open < 0 and not balanced)):
        problems.append(f"Beträge unstimmig (Gesamt {_de_amount(amount)}, offen {_de_amount(still_open)})"
                        + ("; negative Beträge: eine Gutschrift oder Korrektur wird nicht aus dem Bild "
                           "gelesen" if amount < 0 or still_open < 0 else ""))
        english.append("the amounts do not fit together")
    printed = sorted(c for c in found.currencies if c)
    if len(printed) > 1:
        raise Review(f"invoice {number or '?'}: several currencies printed ({', '.join(printed[:4])}) — "
                     f"Zur Prüfung: mehrere Währungen ({', '.join(printed[:4])})",
                     _found(number, issue, None, amount, still_open))
    currency = printed[0] if printed else "EUR"
    if not is_supported(currency):  # "$" alone (USD, CAD, AUD, …?), an unknown code
        raise Review(f"invoice {number or '?'}: currency {currency[:10]!r} is not a clear ISO 4217 "
                     f"currency with at most two decimals — Zur Prüfung: Währung {currency[:10]} "
                     "nicht eindeutig oder nicht unterstützt",
                     _found(number, issue, None, amount, still_open))

    # the customer: the strongest source wins, and none may contradict it
    names = sorted(found.names, key=lambda n: n[0])
    name, address = "", Address()
    if names:
        distinct = {n[1] for n in names}
        if len(distinct) > 1 and not _all_agree(distinct):
            problems.append("Kunde widersprüchlich: " + " / ".join(sorted(distinct)[:3]))
            english.append("different customers")
        else:
            _, name, address = names[0]
            shown["Kunde"] = name

    customer_id = _one("Kundennummer", found.customer_numbers, problems, shown) or ""

    due, source = None, "default_terms"
    if issue is not None:
        due, source = _due(found, layout, issue, default_terms_days, problems, shown)

    missing = [(en, de) for en, de, value in (
        ("invoice number", "Rechnungsnummer", number), ("invoice date", "Rechnungsdatum", issue),
        ("amount", "Betrag", amount), ("customer", "Kunde", name)) if not value and de not in
        " ".join(problems)]
    if missing or problems:
        german = []
        if problems:
            german.append("unklar: " + "; ".join(problems))
        if missing:
            german.append("nicht gefunden: " + ", ".join(de for _, de in missing))
        if shown:
            german.append("gefunden: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
        if missing:
            head = "review: could not find " + ", ".join(en for en, _ in missing) + " in the PDF's layout"
        else:
            head = "review: " + "; ".join(english or ["values in the PDF contradict each other"])
        if missing and english:
            head += "; " + "; ".join(english)
        raise Review(f"{head} (it has no embedded e-invoice) — Zur Prüfung: {'; '.join(german)}",
                     _found(number, issue, due, amount, still_open, name, address, customer_id,
                           currency))
    assert number and issue and amount is not None and still_open is not None and due is not None
    customer = Customer(tenant_id=tenant_id, customer_id=customer_id or customer_id_from_name(name),
                        name=name, email="", address=address, absent=_NOT_IN_PDF)
    return InvoiceRecord(number=number, customer=customer, issue_date=issue, due_date=due, amount=amount,
                         open_amount=still_open, currency=currency, due_date_source=source, line=0,
                         source_format="pdf-text", prepaid_amount=amount - still_open,
                         document_type=document_type, credit_note=credit_note)


def _credit_amounts(kind: str, amount: Decimal | None, still_open: Decimal | None, net: Decimal | None,
                    deposits: list[Decimal], arrears: Decimal | None, problems: list[str],
                    english: list[str]) -> tuple[Decimal | None, Decimal | None, str, bool]:
    """The amounts of a credit note or corrected invoice, as the e-invoice path books them.

    A credit note (UNTDID 1001 code 381: "Gutschrift", "Stornorechnung", "Credit note", "Avoir")
    reduces what the customer owes, whether its amounts are printed positive (as EN 16931 writes
    them) or negative (as many programs print them): booked negative, ``credit_note``. A corrected
    invoice (code 384: "Rechnungskorrektur") carries its corrected values with their sign, as the
    e-invoice path keeps them: printed negative it lowers the claim and is booked so; printed positive
    it may replace the original or add to it, which the page does not tell: review. Amounts of
    different signs, or payments and arrears on such a document, go to review too."""
    if kind == "other":
        problems.append("das PDF ist laut Überschrift keine Rechnung (Proforma, Angebot, Lieferschein, "
                        "Mahnung …)")
        english.append("the heading says the document is no invoice (pro forma, offer, delivery note, "
                       "reminder …)")
        return amount, still_open, "", False
    if kind == "both":
        problems.append("der Titel nennt zugleich eine Rechnung und eine Gutschrift oder Korrektur")
        english.append("the title names both an invoice and a credit note or correction")
        return amount, still_open, "", False
    if amount is None or still_open is None:
        return amount, still_open, "", False  # reported as missing
    what = "Gutschrift" if kind == "credit" else "Rechnungskorrektur"
    if any(d != 0 for d in deposits) or arrears is not None:
        problems.append(f"Anzahlung oder Rückstand auf einer {what}")
        english.append("payments or arrears on a credit note or correction")
    if amount == 0 or len({v > 0 for v in (amount, still_open, net) if v is not None and v != 0}) > 1:
        problems.append(f"{what} mit Beträgen verschiedener Vorzeichen (Gesamt {_de_amount(amount)}, "
                        f"offen {_de_amount(still_open)})")
        english.append("the amounts of a credit note or correction have different signs")
    elif still_open != amount:
        problems.append(f"{what}: offener Betrag {_de_amount(still_open)} ist nicht der Gesamtbetrag "
                        f"{_de_amount(amount)}")
        english.append("the amount due of a credit note or correction is not its total")
    if kind == "correction":
        if amount > 0:
            problems.append("Rechnungskorrektur mit positiven Beträgen: ob sie die ursprüngliche Rechnung "
                            "ersetzt oder ergänzt, steht nicht im PDF")
            english.append("a corrected invoice with positive amounts may replace or add to the original")
        return amount, still_open, "384", False
    return -abs(amount), -abs(still_open), "381", True


#: what an invoice's printed text does not tell: the stored customer keeps its own
_NOT_IN_PDF = frozenset({"email", "is_consumer"})


def _all_agree(names: set[str]) -> bool:
    """"Müller Bau GmbH" and "Müller Bau GmbH, Baustraße 7": one name written twice."""
    shortest = min(names, key=len)
    return all(n.startswith(shortest) for n in names)


def _unique(values: list[Decimal]) -> Decimal | None:
    distinct = set(values)
    return next(iter(distinct)) if len(distinct) == 1 else None


def _one[T](what: str, values: list[T], problems: list[str], shown: dict[str, str],
            show: Callable[[T], str] = str) -> T | None:
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        shown[what] = show(distinct[0])
        return distinct[0]
    if len(distinct) > 1:
        problems.append(f"{what} mehrdeutig ({' / '.join(show(v) for v in distinct[:4])})")
    return None


def _due(found: _Findings, layout: _Layout, issue: date, default_terms_days: int, problems: list[str],
         shown: dict[str, str]) -> tuple[date, str]:
    labelled = sorted(set(found.due_dates))  # as printed, also before the invoice date (a warning then)
    sentences = _sentences(layout)
    # an instalment plan that names each instalment's date: the last one is the due date, as the
    # e-invoice path takes the last of several due dates — no reminder before everything is due
    plan_dates: set[date] = set()
    plan_sentences: list[str] = []
    for sentence in sentences:
        month_end = _MONTH_END.search(sentence)
        plan = _INSTALMENTS.search(sentence)
        if plan is not None and month_end is None and len(sentence.split()) <= 3 \
                and not re.search(r"\d", sentence):
            continue  # a column heading ("Teilzahlung"): its column is read with the due-date label
        if plan is not None and len(sentence.split()) <= 8 and _PAID_ROW.search(sentence):
            continue  # "abzgl. Teilzahlung vom 01.02.2026": a payment received, a row of the totals
        if month_end is not None or plan is None:
            if month_end is not None:
                around = sentence[max(0, month_end.start() - 30):month_end.end() + 50]
                problems.append(f"Zahlungsziel ab Monatsende: „…{around}…“")
                return issue, "terms"
            continue
        dates = find_dates(sentence)
        around = sentence[max(0, plan.start() - 30):plan.end() + 50]
        if len(set(dates)) < 2 or _PARTIAL_DATE.search(_DATE_ANYWHERE.sub(" ", sentence)) \
                or not all(issue <= d <= issue + _MAX_PLAN for d in dates):
            problems.append(f"mehrere Fälligkeiten (Raten): „…{around}…“")
            return issue, "terms"
        if due_date_from_terms(_DATE_ANYWHERE.sub(" ", sentence), issue, require_payment_words=True):
            problems.append(f"Raten und Zahlungsziel zugleich: „{sentence[:80]}“")  # "… und 14 Tage"
            return issue, "terms"
        plan_dates.update(dates)
        plan_sentences.append(sentence)
    if plan_dates:
        last = max(plan_dates)
        if any(d not in plan_dates for d in labelled) or len(plan_sentences) > 1:
            problems.append("Fälligkeit mehrdeutig (Raten " + " / ".join(map(_de_date, sorted(plan_dates)))
                            + (" und " + " / ".join(map(_de_date, labelled)) if labelled else "") + ")")
            return issue, "terms"
        sentences = [s for s in sentences if s not in plan_sentences]
    from_labels = [(v, due_date_from_terms(v, issue)) for v in found.due_terms]
    from_terms = sorted({d for d in (due_date_from_terms(s, issue, require_payment_words=True)
                                     for s in sentences) if d is not None}
                        | {d for _, d in from_labels if d is not None}
                        | {d for d in (debit_date(s, issue) for s in sentences) if d is not None})
    if plan_dates:
        if from_terms:
            problems.append(f"Raten bis {_de_date(last)} und Zahlungsbedingungen "
                            f"({' / '.join(map(_de_date, from_terms))}) zugleich")
            return issue, "terms"
        shown["fällig"] = f"{_de_date(last)} (letzte Rate)"
        return last, "terms"
    if len(labelled) > 1:
        problems.append("Fälligkeit mehrdeutig (" + " / ".join(map(_de_date, labelled)) + ")")
        return issue, "invoice"
    if labelled:
        if from_terms and from_terms != labelled:
            problems.append(f"Fälligkeit {_de_date(labelled[0])} widerspricht den Zahlungsbedingungen "
                            f"({' / '.join(map(_de_date, from_terms))})")
        shown["fällig"] = _de_date(labelled[0])
        return labelled[0], "invoice"
    if len(from_terms) > 1:
        problems.append("Zahlungsbedingungen mehrdeutig (" + " / ".join(map(_de_date, from_terms)) + ")")
        return issue, "terms"
    if from_terms:
        shown["fällig"] = _de_date(from_terms[0])
        return from_terms[0], "terms"
    # terms that are printed but not understood are not replaced by the tenant's default
    unread = [v for v, d in from_labels if d is None] + [
        s for s in sentences
        if _TERMS_CUE.search(s) and _DAYS_OR_DATE.search(s) and not _DISCOUNT_ONLY.search(s)]
    if unread:
        problems.append(f"Zahlungsbedingungen nicht verstanden: „{unread[0][:80]}“")
        return issue, "terms"
    return issue + timedelta(days=default_terms_days), "default_terms"


#: a sentence that sounds like payment terms: if no due date came of it, the file goes to review
_TERMS_CUE = re.compile(r"zahl|überweis|fällig|\bpay|\bdue\b|paie|payer|r[èe]glement|[ée]ch[ée]ance",
                        re.IGNORECASE)
#: a discount offer ("2 % Skonto bei Zahlung innerhalb 10 Tagen") says nothing of the net due date
_DISCOUNT_ONLY = re.compile(r"skonto|discount|escompte|rabatt", re.IGNORECASE)
#: what a due-date label's value may be: a date, a period, "sofort"
_TERMS_VALUE = re.compile(r"\d|sofort|umgehend|immediate|receipt|r[ée]ception|comptant", re.IGNORECASE)
_DAYS_OR_DATE = re.compile(r"\d+[ \t]*[^\W\d_]*(?:tag|day|jour|woche|week|semaine|monat|month|mois)|"
                           + DATE_PATTERN, re.IGNORECASE)
#: a payment plan: several due dates, none of which is the invoice's alone
_INSTALMENTS = re.compile(r"fälligkeiten|ratenzahlung|teilzahlung(?:en)?|"
                          r"\b(?:monats|wochen|quartals|jahres|teil)?raten\b|\b\d\.[ \t]*rate\b|"
                          r"instal?lments?|mensualit[ée]s|"
                          r"[ée]ch[ée]ances|[ée]ch[ée]ancier|payment[ \t]+(?:plan|schedule)|zahlungsplan|"
                          r"paiement[ \t]+en[ \t]+\w+[ \t]+fois",
                          re.IGNORECASE)
#: terms counted from the end of a month: not read (no such rule here)
_MONTH_END = re.compile(r"folgemonat|monatsende|ende[ \t]+des[ \t]+monats|fin[ \t]+de[ \t]+mois|"
                        r"end[ \t]+of[ \t]+(?:the[ \t]+)?month|\beom\b|following[ \t]+month|"
                        r"mois[ \t]+suivant",
                        re.IGNORECASE)
#: a totals row of a payment received, not a plan
_PAID_ROW = re.compile(r"abz(?:gl|üglich)|erhalten|geleistet|bezahlt|gezahlt|received|paid|re[çc]u|vers[ée]",
                       re.IGNORECASE)
#: a date without its year ("01.04."): an instalment plan with one is not read
_PARTIAL_DATE = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?!\d)")
_DATE_ANYWHERE = re.compile(DATE_PATTERN, re.IGNORECASE)
#: an instalment plan longer than this is a loan's, not an invoice's terms
_MAX_PLAN = timedelta(days=366)


def _sentences(layout: _Layout) -> list[str]:
    """Running text as sentences: a line that ends without a full stop goes on in the next one."""
    sentences: list[str] = []
    current = ""
    last: Phrase | None = None
    for p in layout.all:
        text = p.text.strip()
        joins = (last is not None and p.page == last.page and 0 <= p.top - last.bottom <= 1.2 * p.height
                 and abs(p.x0 - last.x0) <= 2 * p.size and not current.endswith((".", ":", "!"))
                 and re.match(r"^[a-zäöü\d(]", text) is not None)
        if joins:
            current += " " + text
        else:
            if current:
                sentences.append(current)
            current = text
        last = p
    if current:
        sentences.append(current)
    return sentences


def _de_date(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def _de_amount(value: Decimal) -> str:
    return f"{value:,.2f} €".replace(",", "§").replace(".", ",").replace("§", ".")


def _found(number: str | None, issue: date | None, due: date | None, amount: Decimal | None,
           still_open: Decimal | None, name: str = "", address: Address | None = None,
           customer_id: str = "", currency: str = "EUR") -> dict[str, object]:
    """What the page showed, for a review form to start from (absent values left out)."""
    values: dict[str, object] = {
        "number": number, "issue_date": issue, "due_date": due, "amount": amount,
        "open_amount": still_open, "currency": currency, "name": name, "customer_id": customer_id}
    if address is not None and (address.street or address.city):
        values.update(street=address.street, postal_code=address.postal_code, city=address.city,
                      country=address.country)
    return {k: v for k, v in values.items() if v is not None and v != ""}
