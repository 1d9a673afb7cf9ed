"""The settings document (JSON/YAML) ↔ TenantSettings, validated with readable errors."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from .approval import Approval
from .credit import CreditSettings
from .datev import DatevSettings
from .inbox import SenderInvalid, check_senders, check_token
from .logo import parse_logo
from .model import Address, Channel, DomainError
from .money import ZERO, AmountError, cents
from .policy import RESIDUAL_POLICIES, Action, Level, Policy, Tone, default_policy
from .settings import CSV_FIELDS, Bank, Company, Invoicing, TenantSettings
from .settings_checks import (
    Collector,
    FieldError,
    check_bic,
    check_credit,
    check_email,
    check_fee,
    check_iban,
    check_vat_id,
    datev_from_dict,
)
from .workdays import check_region


def _str(doc: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = doc.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str | int):
        raise DomainError(f"{where}.{key}: expected text")
    return str(value).strip()


def _int(doc: dict[str, Any], key: str, where: str, default: int, minimum: int = 0) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FieldError(f"{where}.{key}", "whole_number",
                         f"expected a whole number ≥ {minimum}, got {value!r}", minimum=str(minimum))
    return value


def _bool(doc: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = doc.get(key, default)
    if not isinstance(value, bool):
        raise DomainError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _money(doc: dict[str, Any], key: str, where: str, default: str = "0") -> Decimal:
    value = doc.get(key, default)
    try:
        amount = cents(Decimal(str(value)))
    except (InvalidOperation, AmountError) as exc:
        raise FieldError(f"{where}.{key}", "amount", f"not an amount: {value!r}") from exc
    if amount < 0:
        raise FieldError(f"{where}.{key}", "negative", "must not be negative")
    return amount


def _logo(doc: dict[str, Any]) -> str:
    """A PNG or JPEG data URI (see logo.py); refused here, with the reason, if a letter could
    not show it."""
    value = _str(doc, "logo", "company")
    if value:
        parse_logo(value)
    return value


def _address(doc: dict[str, Any], where: str) -> Address:
    return Address(
        street=_str(doc, "street", where), postal_code=_str(doc, "postal_code", where),
        city=_str(doc, "city", where), country=_str(doc, "country", where, "DE") or "DE",
    )


_KNOWN = {
    "settings": {"company", "bank", "locale", "sender_email", "policy", "csv_columns", "invoicing",
                 "inbox", "credit", "datev"},  # credit: rules and bureau, settings_checks.check_credit
    "inbox": {"token", "senders"},
    "company": {"name", "address", "email", "phone", "vat_id", "register", "managing_director",
                "website", "logo"},
    "bank": {"iban", "bic", "bank_name"},
    "invoicing": {"send_invoices", "vat_rate", "small_business", "tax_number", "line_text",
                  "number_format"},
    "policy": {"payment_terms_days", "minimum_amount", "consolidate", "deadline_days",
               "post_delivery_days", "cooldown_days", "statutory_interest", "flat_fee_b2b",
               "due_dates_agreed", "holiday_region", "levels", "residual_charges",
               "residual_minimum", "approval", "approval_amount",
               "bank_freshness_days"},
}


def _no_unknown(doc: dict[str, Any], where: str) -> None:
    unknown = sorted(set(doc) - _KNOWN[where])
    if unknown:
        raise DomainError(f"{where}: unknown field(s) {', '.join(unknown)}")


#: a settings document is stored as one DynamoDB item (at most 400 KB with its keys); the logo,
#: the largest part, is at most 100 KB (133 KB as base64)
MAX_DOCUMENT_BYTES = 300_000


def settings_from_dict(tenant_id: str, doc: dict[str, Any]) -> TenantSettings:
    """The validated settings; SettingsInvalid names every refused field at once."""
    if not isinstance(doc, dict):
        raise DomainError("settings: expected an object")
    size = len(json.dumps(doc, ensure_ascii=False, default=str).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise DomainError(f"settings: the document is {size:,} bytes; at most "
                          f"{MAX_DOCUMENT_BYTES:,} are accepted")
    _no_unknown(doc, "settings")
    for part in ("company", "bank", "policy", "invoicing", "inbox"):
        if not isinstance(doc.get(part) or {}, dict):
            raise DomainError(f"{part}: expected an object")
        _no_unknown(doc.get(part) or {}, part)
    found = Collector()
    company_doc = doc.get("company") or {}
    company = Company(
        name=found.take("", _company_name, company_doc),
        address=found.take(Address(), _address, company_doc.get("address") or {},
                           "company.address"),
        email=found.take("", _email, company_doc, "email", "company"),
        phone=found.take("", _str, company_doc, "phone", "company"),
        vat_id=found.take("", lambda: check_vat_id(_str(company_doc, "vat_id", "company"))),
        register=found.take("", _str, company_doc, "register", "company"),
        managing_director=found.take("", _str, company_doc, "managing_director", "company"),
        website=found.take("", _str, company_doc, "website", "company"),
        logo=found.take("", _logo, company_doc),
    )
    bank_doc = doc.get("bank") or {}
    bank = Bank(
        iban=found.take("", lambda: check_iban(_str(bank_doc, "iban", "bank"))),
        bic=found.take("", lambda: check_bic(_str(bank_doc, "bic", "bank"))),
        bank_name=found.take("", _str, bank_doc, "bank_name", "bank"),
    )
    locale = found.take("de", _locale, doc)
    sender_email = found.take("", _email, doc, "sender_email", "settings")
    policy = found.take(None, policy_from_dict, doc.get("policy") or {})
    csv_columns: dict[str, str] = found.take({}, _columns, doc.get("csv_columns") or {})
    inbox_doc = doc.get("inbox") or {}
    inbox_token = found.take("", lambda: check_token(str(inbox_doc["token"]))
                             if inbox_doc.get("token") else "")
    inbox_senders = found.take((), _senders, inbox_doc.get("senders"))
    credit = found.take(CreditSettings(), check_credit, doc.get("credit") or {})
    datev = found.take(DatevSettings(), datev_from_dict, doc.get("datev"))
    found.done()
    assert policy is not None
    return TenantSettings(
        tenant_id=tenant_id, company=company, bank=bank, locale=locale,
        sender_email=sender_email, policy=policy, csv_columns=csv_columns,
        invoicing=_invoicing(doc.get("invoicing") or {}, company, bank),
        inbox_token=inbox_token, inbox_senders=inbox_senders, credit=credit, datev=datev,
    )


def _senders(value: object) -> tuple[str, ...]:
    try:
        return check_senders(value)
    except SenderInvalid as exc:
        raise FieldError("inbox.senders", "inbox_sender",
                         f"neither an e-mail address nor a domain: {exc.entry!r}",
                         entry=exc.entry) from exc


def _company_name(doc: dict[str, Any]) -> str:
    name = _str(doc, "name", "company")
    if not name:
        raise FieldError("company.name", "required", "required (letters go out in this name)")
    return name


def _locale(doc: dict[str, Any]) -> str:
    locale = _str(doc, "locale", "settings", "de")
    if locale not in {"de", "en"}:
        raise DomainError(f"settings.locale: 'de' or 'en', got {locale!r}")
    return locale


def _email(doc: dict[str, Any], key: str, where: str) -> str:
    return check_email(_str(doc, key, where), f"{where}.{key}")


def _columns(doc: Any) -> dict[str, str]:
    if not isinstance(doc, dict):
        raise DomainError("csv_columns: expected an object mapping your header to a field")
    for header, target in doc.items():
        if target not in CSV_FIELDS:
            raise DomainError(f"csv_columns.{header}: unknown field {target!r} "
                              f"(one of {', '.join(sorted(CSV_FIELDS))})")
    return {str(k): str(v) for k, v in doc.items()}


def _number_format(doc: dict[str, Any]) -> str:
    from .recurring import check_number_format

    fmt = _str(doc, "number_format", "invoicing") or Invoicing.number_format
    try:
        return check_number_format(fmt)
    except DomainError as exc:
        raise FieldError("invoicing.number_format", "number_format_invalid",
                         str(exc).partition(": ")[2] or str(exc)) from exc


def _invoicing(doc: dict[str, Any], company: Company, bank: Bank) -> Invoicing:
    raw_rate = doc.get("vat_rate", "19")
    try:
        if isinstance(raw_rate, bool) or not isinstance(raw_rate, str | int | float):
            raise InvalidOperation
        rate = Decimal(str(raw_rate).strip())
    except InvalidOperation as exc:
        raise DomainError(f"invoicing.vat_rate: not a percentage: {raw_rate!r}") from exc
    # EN 16931 BR-S-05: a standard-rated line has a rate above zero; 0 % is a §19 UStG business
    if not rate.is_finite() or not 0 < rate < 100 or rate != rate.quantize(Decimal("0.01")):
        raise DomainError(f"invoicing.vat_rate: a percentage above 0 and below 100 with at most two "
                          f"decimals (19, 7), got {raw_rate!r}; no VAT at all is small_business")
    line_text = _str(doc, "line_text", "invoicing")
    if len(line_text) > 200:
        raise DomainError("invoicing.line_text: at most 200 characters")
    invoicing = Invoicing(
        send_invoices=_bool(doc, "send_invoices", "invoicing", False),
        vat_rate=rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize(),
        small_business=_bool(doc, "small_business", "invoicing", False),
        tax_number=_str(doc, "tax_number", "invoicing"),
        line_text=line_text,
        number_format=_number_format(doc),
    )
    if invoicing.send_invoices:
        _check_invoice_issuer(invoicing, company, bank)
    return invoicing


def _check_invoice_issuer(invoicing: Invoicing, company: Company, bank: Bank) -> None:
    """What every invoice Mahnwerk writes must name (§14 Abs. 4 UStG, EN 16931)."""
    missing = [f"company.address.{k}" for k in ("street", "postal_code", "city")
               if not getattr(company.address, k)]
    if not company.vat_id and not invoicing.tax_number:
        # §14 Abs. 4 Nr. 2 UStG; EN 16931 BR-S-02 / BR-E-02 (seller VAT id or tax registration)
        missing.append("company.vat_id or invoicing.tax_number")
    if not bank.iban:
        missing.append("bank.iban")  # EN 16931 BR-61: a credit transfer names the account
    if missing:
        raise DomainError(f"invoicing.send_invoices: invoices need {', '.join(missing)}")


def policy_from_dict(doc: dict[str, Any]) -> Policy:
    """The validated policy; SettingsInvalid names every refused field at once."""
    base = default_policy()
    found = Collector()
    levels_doc = doc.get("levels")
    if levels_doc is None:
        levels = base.levels
    elif not isinstance(levels_doc, list) or not levels_doc:
        raise FieldError("policy.levels", "levels_empty", "expected a non-empty list")
    else:
        parsed: list[Level | None] = [found.take(None, _level, item, f"policy.levels[{i}]")
                                      for i, item in enumerate(levels_doc)]
        levels = tuple(level for level in parsed if level is not None)
        if len(levels) == len(parsed):
            found.take(None, _check_levels, levels)

    def number(key: str, default: int, minimum: int = 0) -> int:
        return found.take(default, _int, doc, key, "policy", default, minimum)

    def flag(key: str, default: bool) -> bool:
        return found.take(default, _bool, doc, key, "policy", default)

    policy = dict(
        payment_terms_days=number("payment_terms_days", base.payment_terms_days),
        minimum_amount=found.take(ZERO, _money, doc, "minimum_amount", "policy"),
        consolidate=flag("consolidate", True),
        deadline_days=number("deadline_days", base.deadline_days, 1),
        post_delivery_days=number("post_delivery_days", base.post_delivery_days),
        cooldown_days=number("cooldown_days", base.cooldown_days),
        statutory_interest=flag("statutory_interest", base.statutory_interest),
        flat_fee_b2b=flag("flat_fee_b2b", base.flat_fee_b2b),
        due_dates_agreed=flag("due_dates_agreed", base.due_dates_agreed),
        residual_charges=found.take(base.residual_charges, _choice, doc, "residual_charges",
                                    "policy", RESIDUAL_POLICIES, base.residual_charges),
        residual_minimum=found.take(base.residual_minimum, _money, doc, "residual_minimum",
                                    "policy", str(base.residual_minimum)),
        holiday_region=found.take("", _region, doc),
        approval=found.take("none", _choice, doc, "approval", "policy",
                            tuple(a.value for a in Approval), "none"),
        approval_amount=found.take(None, _approval_amount, doc),
        bank_freshness_days=number("bank_freshness_days", base.bank_freshness_days),
        paid_claim_days=number("paid_claim_days", base.paid_claim_days, 1),
        max_promise_days=number("max_promise_days", base.max_promise_days, 1),
        promises_per_invoice=number("promises_per_invoice", base.promises_per_invoice, 1),
    )
    found.done()
    return Policy(levels=levels, **policy)  # type: ignore[arg-type]


def _approval_amount(doc: dict[str, Any]) -> Decimal | None:
    """Needed (and positive) only with approval 'above_amount'."""
    if doc.get("approval_amount") in (None, ""):
        if doc.get("approval") == Approval.ABOVE_AMOUNT.value:
            raise FieldError("policy.approval_amount", "approval_amount",
                             "a positive amount is needed for approval 'above_amount'")
        return None
    amount = _money(doc, "approval_amount", "policy")
    if amount <= ZERO:
        raise FieldError("policy.approval_amount", "approval_amount",
                         "a positive amount is needed for approval 'above_amount'")
    return amount


def _check_levels(levels: tuple[Level, ...]) -> None:
    """The rules between levels, each at its field (Policy checks them again)."""
    if levels[0].action is Action.HAND_OVER:
        raise FieldError("policy.levels[0].action", "hand_over_first",
                         "at least one letter must come before the hand-over for collection")
    # §286 Abs. 1 BGB: the first reminder is what puts the debtor in default, so its own
    # costs cannot be claimed.
    if levels[0].fee != ZERO:
        raise FieldError("policy.levels[0].fee", "first_free",
                         "the first reminder must be free of charge (§286 Abs. 1 BGB)")
    for i, level in enumerate(levels[:-1]):
        if level.action is Action.HAND_OVER:
            raise FieldError(f"policy.levels[{i}].action", "hand_over_last",
                             "only the last level may hand over for collection")


def _choice(doc: dict[str, Any], key: str, where: str, allowed: tuple[str, ...],
            default: str) -> str:
    value = doc.get(key, default)
    if value not in allowed:
        raise DomainError(f"{where}.{key}: one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _region(doc: dict[str, Any]) -> str:
    """The Land whose holidays move a deadline besides the nationwide ones (§193 BGB)."""
    value = doc.get("holiday_region", "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(f"policy.holiday_region: expected a Land code such as BY or NW, "
                          f"got {value!r}")
    try:
        return check_region(value.strip())
    except DomainError as exc:
        raise DomainError(f"policy.holiday_region: {exc}") from exc


def _level(doc: dict[str, Any], where: str) -> Level:
    if not isinstance(doc, dict):
        raise DomainError(f"{where}: expected an object")
    try:
        tone = Tone(doc.get("tone", "friendly"))
        action = Action(doc.get("action", "letter"))
        channels = tuple(Channel(c) for c in doc.get("channels", ["email"]))
    except ValueError as exc:
        raise DomainError(f"{where}: {exc}") from exc
    if not channels and action is Action.LETTER:
        raise FieldError(f"{where}.channels", "channels_none", "at least one of email, post")
    found = Collector()
    level = Level(
        name=found.take("", _str, doc, "name", where) or where,
        days=found.take(14, _int, doc, "days", where, 14, 1),
        fee=found.take(ZERO, lambda: check_fee(_money(doc, "fee", where), f"{where}.fee")),
        tone=tone, channels=channels, action=action,
    )
    found.done()
    return level
