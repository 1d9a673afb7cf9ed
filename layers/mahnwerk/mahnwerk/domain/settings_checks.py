"""What an owner types into the settings, checked before a letter can carry it: IBAN and BIC,
VAT id, e-mail addresses, dunning fees.

A refused value is a :class:`FieldError` (a DomainError "field.path: reason") with a code the
dashboard shows in the owner's language; a value that is allowed but unwise is a warning
(:func:`settings_warnings`). ``schwifty`` (IBAN/BIC with the Bundesbank's bank codes) and
``python-stdnum`` (VAT ids) are pure data libraries: no I/O, imported on first use so a cold start
that never reads settings does not load their registries.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .iban import compact_iban
from .model import DomainError
from .policy import FEE_MAX

if TYPE_CHECKING:
    from .credit import CreditSettings
    from .datev import DatevSettings
    from .settings import TenantSettings

#: above this the fee is allowed but warned about: what a posted letter really costs
FEE_WARN = Decimal("2.50")
FEE_REASON = "only the material costs of a letter may be charged (BGH VIII ZR 95/18)"


@dataclasses.dataclass(frozen=True)
class Problem:
    """One refused or warned value: where it is, a code for the owner's language, the reason."""

    field: str
    code: str
    message: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)

    def json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class FieldError(DomainError):
    """A refused value of one field: ``str()`` is "field.path: reason" like any DomainError."""

    code, status, message = "invalid_field", 400, "a field's value was not accepted"

    def __init__(self, field_path: str, code: str, message: str, **params: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.problem = Problem(field_path, code, message, params)


class SettingsInvalid(DomainError):
    """Every refused field of one settings document (the form shows each at its field)."""

    code, status, message = "settings_invalid", 400, "the settings were not accepted"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems

    def details(self) -> dict[str, Any]:  # every refused field with its reason
        return {"errors": [p.json() for p in self.problems]}


def problems_of(exc: DomainError) -> list[Problem]:
    """The problems a DomainError names; a plain one ("field.path: reason") as code ``invalid``."""
    if isinstance(exc, SettingsInvalid):
        return exc.problems
    if isinstance(exc, FieldError):
        return [exc.problem]
    text = str(exc)
    where, sep, reason = text.partition(": ")
    if sep and where and " " not in where:
        return [Problem(where, "invalid", reason)]
    return [Problem("settings", "invalid", text)]


class Collector:
    """Runs one check after another and keeps every refusal, so all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def take[T](self, default: T, check: Any, *args: Any) -> T:
        try:
            result: T = check(*args)
        except DomainError as exc:
            self.problems.extend(problems_of(exc))
            return default
        return result

    def done(self) -> None:
        if self.problems:
            raise SettingsInvalid(self.problems)


def check_iban(value: str, where: str = "bank.iban") -> str:
    """The IBAN, compact and upper case: check digits, the length of its country, and for a
    German account a bank code the Bundesbank lists. Empty stays empty (no bank block)."""
    compact = compact_iban(value)
    if not compact:
        return ""
    from schwifty import IBAN
    from schwifty.exceptions import (
        InvalidChecksumDigits,
        InvalidCountryCode,
        InvalidLength,
        SchwiftyException,
    )

    try:
        iban = IBAN(compact)
    except InvalidChecksumDigits as exc:
        raise FieldError(where, "iban_checksum",
                         f"the check digits of {compact} are wrong (a typing error?)") from exc
    except InvalidLength as exc:
        raise FieldError(where, "iban_length",
                         f"{compact} has {len(compact)} characters; an IBAN of its country has a "
                         f"different length (DE: 22)", length=str(len(compact))) from exc
    except InvalidCountryCode as exc:
        raise FieldError(where, "iban_country",
                         f"{compact} does not start with a known country code") from exc
    except SchwiftyException as exc:
        raise FieldError(where, "iban_invalid", f"{compact} is not a valid IBAN ({exc})") from exc
    if iban.country_code == "DE" and iban.bank is None:
        raise FieldError(where, "iban_bank_unknown",
                         f"no German bank has the bank code {iban.bank_code} of {compact}",
                         bank_code=str(iban.bank_code))
    return str(iban.compact)


def check_bic(value: str, where: str = "bank.bic") -> str:
    """The BIC, compact and upper case, if it has the form of one (8 or 11 characters, a known
    country). Empty stays empty."""
    compact = re.sub(r"\s+", "", value).upper()
    if not compact:
        return ""
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    try:
        BIC(compact)
    except SchwiftyException as exc:
        raise FieldError(where, "bic_invalid",
                         f"{compact} is not a BIC (8 or 11 letters and digits: bank, country, "
                         f"place, branch)") from exc
    return compact


def check_vat_id(value: str, where: str = "company.vat_id") -> str:
    """The VAT identification number (USt-IdNr.), compact: an EU country code and the number of
    that country with its check digit (§27a UStG). Empty stays empty."""
    compact = re.sub(r"[\s.\-/]+", "", value).upper()
    if not compact:
        return ""
    if not (compact[:2].isascii() and compact[:2].isalpha()):
        # EN 16931 BR-CO-09: the VAT identifier starts with the ISO 3166 country code
        raise FieldError(where, "vat_country",
                         f"must start with the country code (DE…), got {value.strip()!r}")
    from stdnum.eu import vat
    from stdnum.exceptions import InvalidChecksum, ValidationError

    try:
        return str(vat.validate(compact))
    except InvalidChecksum as exc:
        raise FieldError(where, "vat_checksum",
                         f"the check digit of {compact} is wrong (a typing error?)") from exc
    except ValidationError as exc:
        raise FieldError(where, "vat_invalid",
                         f"{compact} is not a VAT identification number of an EU country") from exc


_EMAIL = re.compile(r"[^@\s\"(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def check_email(value: str, where: str) -> str:
    """An e-mail address of the usual form (name@domain.tld); empty stays empty."""
    text = value.strip()
    if text and (len(text) > 254 or not _EMAIL.fullmatch(text)):
        raise FieldError(where, "email_invalid", f"not an e-mail address: {text!r}")
    return text


def check_fee(fee: Decimal, where: str) -> Decimal:
    if fee > FEE_MAX:
        raise FieldError(where, "fee_max", f"at most {FEE_MAX} EUR, got {fee}: {FEE_REASON}",
                         fee=str(fee))
    return fee


def settings_warnings(settings: TenantSettings) -> list[Problem]:
    """What is allowed but unwise: a fee above what a letter costs, a BIC that is not the IBAN's."""
    warnings = [
        Problem(f"policy.levels[{i}].fee", "fee_high",
                f"{level.fee} EUR is more than a letter costs ({FEE_WARN} EUR); a court may cut "
                f"it: {FEE_REASON}", {"fee": str(level.fee)})
        for i, level in enumerate(settings.policy.levels) if level.fee > FEE_WARN]
    bank = settings.bank
    if bank.iban and bank.bic:
        from schwifty import IBAN

        known = IBAN(bank.iban).bic
        if known is not None and str(known)[:8] != bank.bic[:8]:
            warnings.append(Problem("bank.bic", "bic_mismatch",
                                    f"the bank of {bank.iban} has the BIC {known}, not {bank.bic}",
                                    {"bic": str(known)}))
    return warnings


# --- credit rules (settings ``credit``) ----------------------------------------------------------

_CREDIT_KEYS = {"rules", "bureau_check", "bureau_max_age_days"}
_RULE_KEYS = {"kind", "action", "above", "at_least"}


def check_credit(doc: Any) -> CreditSettings:
    """The ``credit`` section: its rules (domain/credit.py) and the credit bureau's settings, every
    refused value at its field (``credit.rules[0].above``) with a code the dashboard words."""
    from .credit import ACTIONS, RULE_KINDS, CreditSettings, Rule

    if not isinstance(doc, dict):
        raise FieldError("credit", "credit_object", "expected an object with rules")
    unknown = sorted(set(doc) - _CREDIT_KEYS)
    if unknown:
        raise FieldError("credit", "credit_unknown", f"unknown field(s) {', '.join(unknown)}",
                         fields=", ".join(unknown))
    found = Collector()
    raw = doc.get("rules")
    raw = [] if raw is None else raw
    if not isinstance(raw, list) or len(raw) > 20:
        raise FieldError("credit.rules", "credit_rules_list", "expected a list of at most 20 rules")
    rules: list[Rule] = []
    for i, item in enumerate(raw):
        where = f"credit.rules[{i}]"

        def rule(item: Any = item, where: str = where) -> Rule:
            if not isinstance(item, dict) or set(item) - _RULE_KEYS:
                raise FieldError(where, "credit_rule_object",
                                 "an object with kind, action and its threshold (above, at_least)")
            kind, action = item.get("kind"), item.get("action", "hold")
            if kind not in RULE_KINDS:
                raise FieldError(f"{where}.kind", "credit_rule_kind",
                                 f"one of {', '.join(RULE_KINDS)}, got {kind!r}")
            if action not in ACTIONS:
                raise FieldError(f"{where}.action", "credit_rule_action",
                                 f"one of {', '.join(ACTIONS)}, got {action!r}")
            above, at_least = item.get("above"), item.get("at_least")
            if kind == "overdue_days" and (not isinstance(above, int) or isinstance(above, bool)
                                           or not 0 <= above <= 3650):
                raise FieldError(f"{where}.above", "credit_rule_days",
                                 f"a number of days from 0 to 3650, got {above!r}")
            if kind == "risk_class" and at_least not in ("C", "D"):
                raise FieldError(f"{where}.at_least", "credit_rule_class",
                                 f"C or D, got {at_least!r}")
            return Rule(kind, action, above if kind == "overdue_days" else None,
                        at_least if kind == "risk_class" else None)

        parsed = found.take(None, rule)
        if parsed is not None:
            rules.append(parsed)
    check = doc.get("bureau_check", False)
    if not isinstance(check, bool):
        found.problems.append(Problem("credit.bureau_check", "credit_bool",
                                      f"expected true or false, got {check!r}"))
    age = doc.get("bureau_max_age_days", 90)
    if isinstance(age, bool) or not isinstance(age, int) or not 1 <= age <= 3650:
        found.problems.append(Problem("credit.bureau_max_age_days", "credit_age",
                                      f"a number of days from 1 to 3650, got {age!r}"))
        age = 90
    found.done()
    return CreditSettings(tuple(rules), check is True, age)
def datev_from_dict(doc: Any) -> DatevSettings:
    """The ``datev`` part of the settings (the DATEV export for the tax advisor): every refused
    field with its reason at once. Ranges from DATEV's format description (header fields
    Beraternummer 1001–9999999, Mandantennummer 1–99999, Sachkontenlänge 4–8) and the charts
    Mahnwerk has presets for (``domain.datev.PRESETS``)."""
    from .datev import CHARTS, TAXATION, DatevSettings, debtor_range

    if doc is None:
        return DatevSettings()
    if not isinstance(doc, dict):
        raise FieldError("datev", "invalid", "expected an object")
    unknown = sorted(set(doc) - _DATEV_FIELDS)
    if unknown:
        raise FieldError("datev", "invalid", f"unknown field(s) {', '.join(unknown)}")
    found = Collector()

    def number(key: str, low: int, high: int, default: int) -> int:
        value = doc.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise FieldError(f"datev.{key}", "datev_range",
                             f"expected a whole number from {low} to {high}, got {value!r}",
                             low=str(low), high=str(high))
        return value

    def choice(key: str, allowed: tuple[str, ...], default: str, upper: bool) -> str:
        value = doc.get(key, default)
        text = str(value).strip() if isinstance(value, str) else value
        if isinstance(text, str):
            text = text.upper() if upper else text.lower()
        if text not in allowed:
            raise FieldError(f"datev.{key}", f"datev_{key}",
                             f"must be one of {', '.join(allowed)}, got {value!r}",
                             allowed=", ".join(allowed))
        return str(text)

    # empty: not set yet (the export then asks for them)
    advisor = found.take(0, number, "advisor_number", 1001, 9_999_999, 0)
    client = found.take(0, number, "client_number", 1, 99_999, 0)
    fiscal = found.take(1, number, "fiscal_year_start", 1, 12, 1)
    length = found.take(4, number, "account_length", 4, 8, 4)
    chart = found.take("SKR03", choice, "chart", CHARTS, "SKR03", True)
    taxation = found.take("soll", choice, "taxation", TAXATION, "soll", False)
    email = found.take("", lambda: check_email(str(doc.get("email") or ""), "datev.email"))
    debtors: dict[str, int] = {}
    raw = doc.get("debtor_accounts") or {}
    low, high = debtor_range(length)
    if not isinstance(raw, dict):
        found.problems.append(Problem("datev.debtor_accounts", "invalid",
                                      "expected an object: customer id → debtor account"))
        raw = {}
    for customer, account in sorted(raw.items()):
        where = f"datev.debtor_accounts.{customer}"
        if isinstance(account, str) and account.strip().isdigit():
            account = int(account.strip())
        if isinstance(account, bool) or not isinstance(account, int) or not low <= account <= high:
            found.problems.append(Problem(
                where, "datev_debtor", f"a DATEV debtor account is a number from {low} to {high} "
                f"(account length {length}), got {account!r}", {"low": str(low), "high": str(high)}))
            continue
        debtors[str(customer)] = account
    found.done()
    return DatevSettings(advisor_number=advisor, client_number=client, fiscal_year_start=fiscal,
                         account_length=length, chart=chart, taxation=taxation,
                         debtor_accounts=debtors, email=email)


_DATEV_FIELDS = frozenset({"advisor_number", "client_number", "fiscal_year_start",
                           "account_length", "chart", "taxation", "debtor_accounts", "email"})
