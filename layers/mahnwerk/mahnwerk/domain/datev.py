"""The DATEV export: Mahnwerk's bookings as one EXTF "Buchungsstapel" file for the tax advisor. Pure.

Format (DATEV's published format description "DATEV-Format", developer.datev.de, Buchungsstapel,
header version 700, format category 21, format version 13):

- line 1, the header: 31 fields in a fixed order (``HEADER_FIELDS``);
- line 2, the column header: the 125 column names of format version 13 (``COLUMNS``), in order;
- then one line per booking. Only the columns Mahnwerk knows are filled; the others stay empty
  (the format allows an empty value for every optional column, positions stay).
- Encoding Windows-1252 (ANSI, the format's default), fields separated by ``;``, lines ended by
  CR LF, text fields in double quotes (a quote inside doubled), numbers and dates unquoted.
- Umsatz: always positive, without sign, comma as decimal separator, two decimals, no thousands
  separator; the direction is the Soll/Haben-Kennzeichen ``S``/``H`` of the column Konto.
- Belegdatum: ``DDMM`` (the year comes from the header's period, which therefore lies within one
  fiscal year — enforced by ``check_period``).
- Belegfeld 1: at most 36 characters of ``A-Z a-z 0-9 $ & % * + - /`` (others become ``-``).
- Buchungstext: at most 60 characters.

What is booked (accrual, "Sollprinzip" of the books; the VAT treatment follows
``taxation``):

====================  ===========================  ===========================
kind                  Soll (Konto)                 Haben (Gegenkonto)
====================  ===========================  ===========================
payment received      bank                         debtor
dunning fee charged   debtor                       fee revenue
interest charged      debtor                       interest revenue
§288 Abs. 5 flat fee  debtor                       flat-fee revenue
charges waived        bad-debt account (no VAT)    debtor
write-off, Soll-Vst.  bad-debt account: net        debtor
                      VAT account of the rate: VAT debtor      (§17 Abs. 2 Nr. 1 UStG)
write-off, Ist-Vst.   bad-debt account: gross      debtor      (no VAT was owed yet, §13
                                                               Abs. 1 Nr. 1 b UStG)
credit note           revenue account of the rate  debtor      (automatic account: DATEV
                                                               corrects the VAT itself)
====================  ===========================  ===========================

Dunning fees, interest and the flat fee are damages, not consideration for a supply: no VAT
(Abschn. 1.3 Abs. 6 UStAE). "debtor" is the customer's personal DATEV debtor account when the
owner set one (``debtor_accounts``), else the collective receivables account.

Side claims are booked when charged: a letter's fee on the letter's day; the interest and the flat
fee a letter states, as far as they exceed what earlier letters stated for the invoice. A payment
that pays more interest (or flat fee, or fees) than was charged by then books the excess as
charged on the payment's day, so the debtor account nets to what is really owed.

Idempotent periods: every booking is derived from the whole history and has one booking date; a
period's file holds the bookings dated within it, sorted by (date, kind, reference) — the same
period always gives the same bytes, and a booking falls into exactly one period.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .model import DomainError

CHARTS = ("SKR03", "SKR04")
TAXATION = ("soll", "ist")
#: DATEV's Buchungsstapel refuses periods beyond one fiscal year; Mahnwerk refuses more than 12
#: months (a monthly or yearly export is what advisors ask for)
MAX_PERIOD_MONTHS = 12
BELEGFELD_MAX = 36
TEXT_MAX = 60
ENCODING = "cp1252"


class PeriodInvalid(DomainError):
    """A DATEV period that cannot be exported: ``field`` names the parameter, the message why."""

    code, status, message = "invalid_period", 400, "the export period was not accepted"

    def __init__(self, field_name: str, reason: str, code: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason_code = code

    def details(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason_code}


@dataclass(frozen=True)
class Accounts:
    """The accounts of one chart (4-digit numbers; longer account lengths append zeros)."""

    bank: int
    receivables: int
    fee_revenue: int
    interest_revenue: int
    flat_fee_revenue: int
    bad_debt: int
    #: VAT rate (percent) → the Umsatzsteuer account it is owed on
    vat: Mapping[Decimal, int]
    #: VAT rate (percent) → the automatic revenue account (for credit notes)
    revenue: Mapping[Decimal, int]


#: Account presets. Sources: DATEV-Kontenrahmen SKR 03 and SKR 04 (DATEV eG, "Kontenrahmen nach
#: dem Bilanzrichtlinie-Umsetzungsgesetz", Art.-Nr. 11174 / 11175, edition 2024).
PRESETS: dict[str, Accounts] = {
    "SKR03": Accounts(
        bank=1200,               # SKR03 1200 "Bank"
        receivables=1400,        # SKR03 1400 "Forderungen aus Lieferungen und Leistungen"
        fee_revenue=2700,        # SKR03 2700 "Sonstige Erträge" (Mahngebühren: Schadensersatz)
        interest_revenue=2650,   # SKR03 2650 "Sonstige Zinsen und ähnliche Erträge"
        flat_fee_revenue=2700,   # SKR03 2700 "Sonstige Erträge" (§288 Abs. 5 BGB: Schadensersatz)
        bad_debt=2400,           # SKR03 2400 "Forderungsverluste (übliche Höhe)"
        vat={Decimal("19"): 1776,   # SKR03 1776 "Umsatzsteuer 19 %"
             Decimal("7"): 1771},   # SKR03 1771 "Umsatzsteuer 7 %"
        revenue={Decimal("19"): 8400,  # SKR03 8400 "Erlöse 19 % USt" (automatic account)
                 Decimal("7"): 8300},  # SKR03 8300 "Erlöse 7 % USt" (automatic account)
    ),
    "SKR04": Accounts(
        bank=1800,               # SKR04 1800 "Bank"
        receivables=1200,        # SKR04 1200 "Forderungen aus Lieferungen und Leistungen"
        fee_revenue=4830,        # SKR04 4830 "Sonstige betriebliche Erträge"
        interest_revenue=7100,   # SKR04 7100 "Sonstige Zinsen und ähnliche Erträge"
        flat_fee_revenue=4830,   # SKR04 4830 "Sonstige betriebliche Erträge"
        bad_debt=6930,           # SKR04 6930 "Forderungsverluste (übliche Höhe)"
        vat={Decimal("19"): 3806,   # SKR04 3806 "Umsatzsteuer 19 %"
             Decimal("7"): 3801},   # SKR04 3801 "Umsatzsteuer 7 %"
        revenue={Decimal("19"): 4400,  # SKR04 4400 "Erlöse 19 % USt" (automatic account)
                 Decimal("7"): 4300},  # SKR04 4300 "Erlöse 7 % USt" (automatic account)
    ),
}


@dataclass(frozen=True)
class DatevSettings:
    """The owner's DATEV settings (``datev.*``; checked in ``settings_checks.datev_from_dict``)."""

    advisor_number: int = 0
    client_number: int = 0
    #: the month the fiscal year starts in (1: the calendar year)
    fiscal_year_start: int = 1
    account_length: int = 4
    chart: str = "SKR03"
    taxation: str = "soll"
    #: customer id → the customer's DATEV debtor account
    debtor_accounts: Mapping[str, int] = field(default_factory=dict)
    #: where the monthly file goes ("" : no e-mail)
    email: str = ""

    @property
    def configured(self) -> bool:
        return self.advisor_number > 0 and self.client_number > 0


def debtor_range(account_length: int) -> tuple[int, int]:
    """DATEV personal debtor accounts: one digit more than the account length, 1… to 6…
    (account length 4: 10000–69999)."""
    return 10 ** account_length, 7 * 10 ** account_length - 1


@dataclass(frozen=True)
class Fact:
    """Something that happened to a claim and is booked: ``kind`` one of ``KINDS``."""

    kind: str
    day: date
    number: str
    customer_id: str
    amount: Decimal
    #: a unique reference within its kind (payment id, notice id, invoice number)
    ref: str
    vat_rate: Decimal = Decimal("19")


KINDS = ("payment", "fee", "interest", "flat_fee", "waived", "write_off", "credit_note")
_KIND_TEXT = {"payment": "Zahlungseingang", "fee": "Mahngebühr", "interest": "Verzugszinsen",
              "flat_fee": "Verzugspauschale § 288 Abs. 5 BGB",
              "waived": "Restforderung (Zinsen/Kosten) erlassen", "write_off": "Forderungsausfall",
              "credit_note": "Gutschrift"}


@dataclass(frozen=True)
class Booking:
    """One booking line: ``amount`` (positive) on ``konto`` in direction ``side``, against
    ``gegenkonto``."""

    amount: Decimal
    side: str
    konto: int
    gegenkonto: int
    day: date
    belegfeld1: str
    text: str
    bu: str = ""


def _scale(account: int, length: int) -> int:
    return int(account * 10 ** (length - 4))


def net_and_vat(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Gross split into net and VAT at ``rate`` percent (VAT = gross × rate / (100 + rate),
    rounded half up to the cent, §17 Abs. 1 UStG corrects the VAT "entsprechend")."""
    vat = (gross * rate / (Decimal(100) + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return gross - vat, vat


def bookings(facts: Iterable[Fact], settings: DatevSettings) -> list[Booking]:
    """The booking lines of ``facts``, sorted by (day, kind, reference)."""
    acc = PRESETS[settings.chart]
    length = settings.account_length

    def sc(account: int) -> int:
        return _scale(account, length)

    out: list[Booking] = []
    order = {k: i for i, k in enumerate(KINDS)}
    for f in sorted(facts, key=lambda f: (f.day, order[f.kind], f.ref, f.number)):
        if f.amount <= 0:
            continue
        debtor = settings.debtor_accounts.get(f.customer_id) or sc(acc.receivables)
        text = f"{_KIND_TEXT[f.kind]} {f.number}"

        def line(amount: Decimal, soll: int, haben: int, suffix: str = "", f: Fact = f,
                 text: str = text) -> None:
            out.append(Booking(amount, "S", soll, haben, f.day, f.number, text + suffix))

        if f.kind == "payment":
            line(f.amount, sc(acc.bank), debtor)
        elif f.kind == "fee":
            line(f.amount, debtor, sc(acc.fee_revenue))
        elif f.kind == "interest":
            line(f.amount, debtor, sc(acc.interest_revenue))
        elif f.kind == "flat_fee":
            line(f.amount, debtor, sc(acc.flat_fee_revenue))
        elif f.kind == "waived":
            line(f.amount, sc(acc.bad_debt), debtor)
        elif f.kind == "write_off":
            vat_account = acc.vat.get(f.vat_rate)
            if settings.taxation == "ist" or not f.vat_rate or vat_account is None:
                line(f.amount, sc(acc.bad_debt), debtor)
            else:
                net, vat = net_and_vat(f.amount, f.vat_rate)
                rate = f"{f.vat_rate.normalize()} %"
                line(net, sc(acc.bad_debt), debtor, f" netto {rate}")
                line(vat, sc(vat_account), debtor, f" USt {rate} § 17 UStG")
        elif f.kind == "credit_note":
            revenue = acc.revenue.get(f.vat_rate) or acc.revenue[Decimal("19")]
            line(f.amount, sc(revenue), debtor)
    return out


# --- deriving the facts from the history --------------------------------------------------------


@dataclass(frozen=True)
class LetterFacts:
    """What one sent letter charged: its fee, and per invoice the interest and flat fee stated."""

    day: date
    notice_id: str
    customer_id: str
    fee: Decimal
    #: (invoice number, interest stated, flat fee stated)
    lines: tuple[tuple[str, Decimal, Decimal], ...]
    #: the invoice the letter's fee was put on (``dunning``: the oldest one advancing); "" : the
    #: first line's
    fee_number: str = ""


@dataclass(frozen=True)
class PaymentFacts:
    day: date
    payment_id: str
    customer_id: str
    amount: Decimal
    #: (invoice number, fees paid, interest paid, flat fee paid)
    parts: tuple[tuple[str, Decimal, Decimal, Decimal], ...]


def facts_of(letters: Iterable[LetterFacts], payments: Iterable[PaymentFacts],
             others: Iterable[Fact] = ()) -> list[Fact]:
    """Every fact of the history: letters charge (the increase of stated interest and flat fee
    per invoice), payments book what was received and any side claim paid beyond what was
    charged by then, a waiver books off what was charged and is still open. ``others``
    (write-offs, waived charges, credit notes) pass through, waivers capped so."""
    events: list[tuple[date, int, str, object]] = [(x.day, 0, x.notice_id, x) for x in letters]
    events += [(p.day, 1, p.payment_id, p) for p in payments]
    events += [(f.day, 2, f.ref, f) for f in others if f.kind == "waived"]
    charged: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    facts: list[Fact] = [f for f in others if f.kind != "waived"]
    for _, _, _, item in sorted(events, key=lambda e: e[:3]):
        if isinstance(item, Fact):
            # a waiver books off only what was charged and is still open: charges never stated
            # in a letter were never booked as receivable
            left, booked = item.amount, Decimal(0)
            for kind in ("interest", "flat_fee", "fee"):
                take = min(left, max(charged[(item.number, kind)], Decimal(0)))
                charged[(item.number, kind)] -= take
                left -= take
                booked += take
            if booked > 0:
                facts.append(replace(item, amount=booked))
            continue
        if isinstance(item, LetterFacts):
            first = item.fee_number or (item.lines[0][0] if item.lines else item.notice_id)
            if item.fee > 0:
                facts.append(Fact("fee", item.day, first, item.customer_id, item.fee, item.notice_id))
                charged[(first, "fee")] += item.fee
            for number, interest, flat in item.lines:
                for kind, stated in (("interest", interest), ("flat_fee", flat)):
                    more = stated - charged[(number, kind)]
                    if more > 0:
                        facts.append(Fact(kind, item.day, number, item.customer_id, more,
                                          f"{item.notice_id}/{number}"))
                        charged[(number, kind)] = stated
        elif isinstance(item, PaymentFacts):
            facts.append(Fact("payment", item.day, item.parts[0][0] if item.parts else item.payment_id,
                              item.customer_id, item.amount, item.payment_id))
            for number, fees, interest, flat in item.parts:
                for kind, paid in (("fee", fees), ("interest", interest), ("flat_fee", flat)):
                    more = paid - charged[(number, kind)]
                    if more > 0:
                        facts.append(Fact(kind, item.day, number, item.customer_id, more,
                                          f"{item.payment_id}/{number}"))
                        charged[(number, kind)] += more
                    # what was paid is no longer open: later letters state only what is still open
                    charged[(number, kind)] -= paid
    return facts


# --- the period and the file --------------------------------------------------------------------


def check_period(start: date | None, end: date | None, fiscal_year_start: int = 1) -> None:
    """A period the export accepts: both days given, ``from`` ≤ ``to``, at most 12 months, within
    one fiscal year (the Belegdatum DDMM carries no year, DATEV takes it from the header)."""
    if start is None:
        raise PeriodInvalid("from", "the first day of the period is missing (YYYY-MM-DD)", "missing")
    if end is None:
        raise PeriodInvalid("to", "the last day of the period is missing (YYYY-MM-DD)", "missing")
    if start > end:
        raise PeriodInvalid("from", f"{start.isoformat()} is after to={end.isoformat()}", "after_to")
    limit = _months_later(start, MAX_PERIOD_MONTHS) - timedelta(days=1)
    if end > limit:
        raise PeriodInvalid("to", f"the period is longer than {MAX_PERIOD_MONTHS} months "
                            f"(at most to={limit.isoformat()})", "too_long")
    if fiscal_year_of(start, fiscal_year_start) != fiscal_year_of(end, fiscal_year_start):
        raise PeriodInvalid("to", "the period spans two fiscal years; DATEV takes one booking "
                            "batch per fiscal year", "two_fiscal_years")


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fiscal_year_of(day: date, start_month: int) -> date:
    """The first day of the fiscal year ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


#: the header line's fields in order (format version 700; DATEV-Format "Header", fields 1–31)
HEADER_FIELDS = (
    "Kennzeichen", "Versionsnummer", "Formatkategorie", "Formatname", "Formatversion",
    "Erzeugt am", "Importiert", "Herkunft", "Exportiert von", "Importiert von", "Beraternummer",
    "Mandantennummer", "WJ-Beginn", "Sachkontenlänge", "Datum vom", "Datum bis", "Bezeichnung",
    "Diktatkürzel", "Buchungstyp", "Rechnungslegungszweck", "Festschreibung", "WKZ",
    "reserviert", "Derivatskennzeichen", "reserviert", "reserviert", "SKR",
    "Branchenlösungs-ID", "reserviert", "reserviert", "Anwendungsinformation",
)

#: the column header line of format version 13 (DATEV-Format "Buchungsstapel", 125 columns)
COLUMNS = tuple((
    "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basis-Umsatz;"
    "WKZ Basis-Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;Belegfeld 1;"
    "Belegfeld 2;Skonto;Buchungstext;Postensperre;Diverse Adressnummer;Geschäftspartnerbank;"
    "Sachverhalt;Zinssperre;Beleglink;"
    + "".join(f"Beleginfo - Art {i};Beleginfo - Inhalt {i};" for i in range(1, 9))
    + "KOST1 - Kostenstelle;KOST2 - Kostenstelle;Kost-Menge;EU-Land u. UStID (Bestimmung);"
    "EU-Steuersatz (Bestimmung);Abw. Versteuerungsart;Sachverhalt L+L;Funktionsergänzung L+L;"
    "BU 49 Hauptfunktionstyp;BU 49 Hauptfunktionsnummer;BU 49 Funktionsergänzung;"
    + "".join(f"Zusatzinformation - Art {i};Zusatzinformation- Inhalt {i};" for i in range(1, 21))
    + "Stück;Gewicht;Zahlweise;Forderungsart;Veranlagungsjahr;Zugeordnete Fälligkeit;Skontotyp;"
    "Auftragsnummer;Buchungstyp;USt-Schlüssel (Anzahlungen);EU-Land (Anzahlungen);"
    "Sachverhalt L+L (Anzahlungen);EU-Steuersatz (Anzahlungen);Erlöskonto (Anzahlungen);"
    "Herkunft-Kz;Buchungs GUID;KOST-Datum;SEPA-Mandatsreferenz;Skontosperre;Gesellschaftername;"
    "Beteiligtennummer;Identifikationsnummer;Zeichnernummer;Postensperre bis;"
    "Bezeichnung SoBil-Sachverhalt;Kennzeichen SoBil-Buchung;Festschreibung;Leistungsdatum;"
    "Datum Zuord. Steuerperiode;Fälligkeit;Generalumkehr (GU);Steuersatz;Land;"
    "Abrechnungsreferenz;BVV-Position;EU-Land u. UStID (Ursprung);EU-Steuersatz (Ursprung);"
    "Abw. Skontokonto").split(";"))


def quote(text: str) -> str:
    """A text field: in double quotes, a quote inside doubled, no line breaks; characters
    Windows-1252 lacks become ``?`` (the file must stay readable in that encoding)."""
    clean = " ".join(text.replace(";", ",").split())
    clean = clean.encode(ENCODING, errors="replace").decode(ENCODING)
    return '"' + clean.replace('"', '""') + '"'


def amount_text(amount: Decimal) -> str:
    """Umsatz: no sign, comma decimals, two places (``1234,50``)."""
    return f"{abs(amount).quantize(Decimal('0.01'), ROUND_HALF_UP):f}".replace(".", ",")


_BELEG_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$&%*+-/")


def belegfeld(text: str) -> str:
    """Belegfeld 1: DATEV allows ``A-Z a-z 0-9 $ & % * + - /``, at most 36 characters."""
    return "".join(c if c in _BELEG_ALLOWED else "-" for c in text)[:BELEGFELD_MAX]


def header(settings: DatevSettings, start: date, end: date, created: str) -> str:
    fy = fiscal_year_of(start, settings.fiscal_year_start)
    values = [
        quote("EXTF"), "700", "21", quote("Buchungsstapel"), "13", created, "", quote("RE"),
        quote("Mahnwerk"), quote(""), str(settings.advisor_number), str(settings.client_number),
        fy.strftime("%Y%m%d"), str(settings.account_length), start.strftime("%Y%m%d"),
        end.strftime("%Y%m%d"), quote(f"Mahnwerk {start:%d.%m.%Y}-{end:%d.%m.%Y}"[:30]),
        quote(""), "1", "0", "0", quote("EUR"), "", quote(""), "", "",
        quote(settings.chart[-2:]), "", "", quote(""), quote(""),
    ]
    assert len(values) == len(HEADER_FIELDS)
    return ";".join(values)


def row(b: Booking) -> str:
    cells = [""] * len(COLUMNS)
    cells[0] = amount_text(b.amount)
    cells[1] = quote(b.side)
    cells[2] = quote("EUR")
    cells[6] = str(b.konto)
    cells[7] = str(b.gegenkonto)
    cells[8] = quote(b.bu) if b.bu else ""
    cells[9] = b.day.strftime("%d%m")
    cells[10] = quote(belegfeld(b.belegfeld1))
    cells[13] = quote(b.text[:TEXT_MAX])
    return ";".join(cells)


def export_file(facts: Iterable[Fact], settings: DatevSettings, start: date, end: date) -> bytes:
    """The EXTF file of the period [start, end]: the bookings whose day lies within it.

    "Erzeugt am" is the first moment after the period (the day after ``end``, 00:00:00.000), not
    the wall clock: the same period always gives the same bytes."""
    check_period(start, end, settings.fiscal_year_start)
    in_period = [f for f in facts if start <= f.day <= end]
    created = (end + timedelta(days=1)).strftime("%Y%m%d") + "000000000"
    lines = [header(settings, start, end, created), ";".join(COLUMNS)]
    lines += [row(b) for b in bookings(in_period, settings)]
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING)
