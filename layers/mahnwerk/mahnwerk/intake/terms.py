"""Payment terms as people write them → a due date. Pure functions.

``Zahlbar innerhalb 30 Tagen netto bis 04.04.2018, 3% Skonto innerhalb 10 Tagen bis 15.03.2018``
→ 04.04.2018: the cash-discount clause is ignored (it is an offer, not the due date); of the
remaining candidates the latest wins, so a reminder is never sent early. Text that names no period
and no date gives ``None`` and the caller falls back to the tenant's default terms.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

#: a period longer than this is not a payment term we believe (a typo, a year, an amount)
MAX_TERM_DAYS = 365
#: a date more than this after the invoice date in a terms text is not believed either
MAX_TERM_SPAN = timedelta(days=3 * 365)

_MONTHS = {
    "januar": 1, "jänner": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feb": 2,
    "märz": 3, "maerz": 3, "march": 3, "mar": 3, "mär": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "december": 12, "dez": 12, "dec": 12,
    # French: "3 décembre 2026", "1er mars 2026"
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))

#: the date spellings invoices use; every alternative captures (day, month, year) by name
DATE_PATTERN = (
    r"(?:(?P<d1>\d{1,2})\.\s?(?P<m1>\d{1,2})\.\s?(?P<y1>\d{4}|\d{2})(?!\d)"  # 04.04.2018, 4.4.18
    r"|(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})"  # 2018-04-04
    r"|(?P<d3>\d{1,2})/(?P<m3>\d{1,2})/(?P<y3>\d{4})"  # 04/04/2018 (day first, as in Europe)
    rf"|(?P<d4>\d{{1,2}})(?:\.|er)?\s+(?P<m4>{_MONTH_NAMES})\.?\s+(?P<y4>\d{{4}})"  # 4. April 2018, 1er mai
    rf"|(?P<m5>{_MONTH_NAMES})\.?\s+(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y5>\d{{4}})"  # April 4, 2018
    r")"
)
_DATE = re.compile(r"(?<![\d.])" + DATE_PATTERN, re.IGNORECASE)

_DISCOUNT = re.compile(r"skonto|discount|rabatt|abzüglich\s+\d|abzgl\.?\s+\d", re.IGNORECASE)
_IMMEDIATE = re.compile(
    r"\b(?:sofort|umgehend|unverzüglich|immediately|upon\s+receipt|on\s+receipt|bei\s+erhalt|"
    r"nach\s+erhalt\s+der\s+rechnung\s+ohne|[àa]\s+r[ée]ception|comptant)\b",
    re.IGNORECASE,
)
_DAYS = re.compile(r"(?<![\d.,])(\d{1,3})\s*(?:kalender)?(?:tagen|tage|tag|days?|jours?)\b", re.IGNORECASE)
_WEEKS = re.compile(r"(?<![\d.,])(\d{1,2})\s*(?:wochen|woche|weeks?|semaines?)\b", re.IGNORECASE)
_NET_DAYS = re.compile(r"\bnet(?:to)?\s*(\d{1,3})(?![\d.,])", re.IGNORECASE)
_PAYMENT_WORDS = re.compile(
    r"zahlbar|zahlung|zahlungsziel|überweis|ueberweis|fällig|faellig|netto|ohne\s+abzug|"
    r"payable|payment|\bpay\b|\bdue\b|\bnet\b|remit|überweisen|\b(?:be)?zahlen\b|\bpaid\b|"
    # a direct debit's date is the due date: "wird am 20.03.2018 per SEPA-Lastschrift eingezogen"
    r"lastschrift|abgebucht|eingezogen|abbuchung|direct\s+debit|debited|"
    r"paiement|payer|payable|r[èe]glement|[ée]ch[ée]ance|pr[ée]l[èe]v",
    re.IGNORECASE,
)
#: clauses end at ; , newlines and full stops after a word (not the dots inside 04.04.2018)
_CLAUSE_SPLIT = re.compile(r"[;\n]|,\s|(?<=[^\W\d_])\.(?:\s|$)")


def match_to_date(match: re.Match[str]) -> date | None:
    """The date a :data:`DATE_PATTERN` match stands for; None when it is no calendar day."""
    groups = match.groupdict()
    for i in "12345":
        if groups.get(f"y{i}"):
            year_text, month_text, day_text = groups[f"y{i}"], groups[f"m{i}"], groups[f"d{i}"]
            break
    else:
        return None
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower().rstrip("."), 0)
    try:
        return date(year, month, int(day_text))
    except ValueError:
        return None


def find_dates(text: str) -> list[date]:
    return [d for d in (match_to_date(m) for m in _DATE.finditer(text)) if d is not None]


def parse_text_date(text: str) -> date | None:
    """The first date written in ``text`` (``04.04.2018``, ``2018-04-04``, ``4. April 2018``…)."""
    dates = find_dates(text)
    return dates[0] if dates else None


def due_date_from_terms(text: str, issue: date, *, require_payment_words: bool = False) -> date | None:
    """The due date that payment-terms text gives for an invoice issued on ``issue``, or None.

    ``require_payment_words`` is for text that is not known to be about payment (free notes):
    then a clause only counts if it talks about paying ("Lieferung innerhalb 14 Tagen" does not).
    """
    candidates: list[date] = []
    for clause in _CLAUSE_SPLIT.split(text[:5000]):
        if not clause.strip() or _DISCOUNT.search(clause):
            continue
        if require_payment_words and not _PAYMENT_WORDS.search(clause):
            continue
        explicit = [d for d in find_dates(clause) if issue <= d <= issue + MAX_TERM_SPAN]
        if explicit:
            candidates.append(max(explicit))
            continue
        text_without_dates = _DATE.sub(" ", clause)
        days = [int(m.group(1)) for m in _DAYS.finditer(text_without_dates)]
        days += [int(m.group(1)) for m in _NET_DAYS.finditer(text_without_dates)]
        days += [7 * int(m.group(1)) for m in _WEEKS.finditer(text_without_dates)]
        days = [n for n in days if 0 <= n <= MAX_TERM_DAYS]
        if days:
            candidates.append(issue + timedelta(days=max(days)))
        elif _IMMEDIATE.search(clause):
            candidates.append(issue)
    return max(candidates) if candidates else None


_DEBIT = re.compile(r"lastschrift|abgebucht|eingezogen|abbuchung|direct\s+debit|debited|pr[ée]l[èe]v",
                    re.IGNORECASE)


def debit_date(sentence: str, issue: date) -> date | None:
    """The day a direct debit announces ("Der Betrag … wird am 20.03.2018 … per SEPA-Lastschrift
    eingezogen"): the due date. Only a sentence about a debit with exactly one date from the
    invoice date on gives one."""
    if not _DEBIT.search(sentence[:2000]):
        return None
    dates = {d for d in find_dates(sentence[:2000]) if issue <= d <= issue + MAX_TERM_SPAN}
    return dates.pop() if len(dates) == 1 else None

