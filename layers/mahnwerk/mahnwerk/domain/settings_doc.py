"""The settings document (JSON/YAML) ↔ TenantSettings, validated with readable errors."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from .logo import parse_logo
from .model import Address, Channel, DomainError
from .money import cents
from .policy import RESIDUAL_POLICIES, Action, Level, Policy, Tone, default_policy
from .settings import Bank, Company, Invoicing, TenantSettings
from .workdays import check_region


def _str(doc: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = doc.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str | int):
        raise DomainError(f"{where}.{key}: expected text")
    return str(value).strip()


def _int(doc: dict[str, Any], key: str, where: str, default: int) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(f"{where}.{key}: expected a whole number ≥ 0, got {value!r}")
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
    except InvalidOperation as exc:
        raise DomainError(f"{where}.{key}: not an amount: {value!r}") from exc
    if amount < 0:
        raise DomainError(f"{where}.{key}: must not be negative")
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
    "settings": {"company", "bank", "locale", "sender_email", "policy", "csv_columns", "invoicing"},
    "company": {"name", "address", "email", "phone", "vat_id", "register", "managing_director",
                "website", "logo"},
    "bank": {"iban", "bic", "bank_name"},
    "invoicing": {"send_invoices", "vat_rate", "small_business", "tax_number", "line_text"},
    "policy": {"payment_terms_days", "minimum_amount", "consolidate", "deadline_days",
               "post_delivery_days", "cooldown_days", "statutory_interest", "flat_fee_b2b",
               "due_dates_agreed", "holiday_region", "levels", "residual_charges",
               "residual_minimum"},
}


def _no_unknown(doc: dict[str, Any], where: str) -> None:
    unknown = sorted(set(doc) - _KNOWN[where])
    if unknown:
        raise DomainError(f"{where}: unknown field(s) {', '.join(unknown)}")


#: a settings document is stored as one DynamoDB item (at most 400 KB with its keys); the logo,
#: the largest part, is at most 100 KB (133 KB as base64)
MAX_DOCUMENT_BYTES = 300_000


def settings_from_dict(tenant_id: str, doc: dict[str, Any]) -> TenantSettings:
    if not isinstance(doc, dict):
        raise DomainError("settings: expected an object")
    size = len(json.dumps(doc, ensure_ascii=False, default=str).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise DomainError(f"settings: the document is {size:,} bytes; at most "
                          f"{MAX_DOCUMENT_BYTES:,} are accepted")
    _no_unknown(doc, "settings")
    for part in ("company", "bank", "policy", "invoicing"):
        if not isinstance(doc.get(part) or {}, dict):
            raise DomainError(f"{part}: expected an object")
        _no_unknown(doc.get(part) or {}, part)
    company_doc = doc.get("company") or {}
    if not _str(company_doc, "name", "company"):
        raise DomainError("company.name: required (letters go out in this name)")
    company = Company(
        name=_str(company_doc, "name", "company"),
        address=_address(company_doc.get("address") or {}, "company.address"),
        email=_str(company_doc, "email", "company"),
        phone=_str(company_doc, "phone", "company"),
        vat_id=_str(company_doc, "vat_id", "company"),
        register=_str(company_doc, "register", "company"),
        managing_director=_str(company_doc, "managing_director", "company"),
        website=_str(company_doc, "website", "company"),
        logo=_logo(company_doc),
    )
    bank_doc = doc.get("bank") or {}
    bank = Bank(
        iban=_str(bank_doc, "iban", "bank").replace(" ", "").upper(),
        bic=_str(bank_doc, "bic", "bank").replace(" ", "").upper(),
        bank_name=_str(bank_doc, "bank_name", "bank"),
    )
    locale = _str(doc, "locale", "settings", "de")
    if locale not in {"de", "en"}:
        raise DomainError(f"settings.locale: 'de' or 'en', got {locale!r}")
    return TenantSettings(
        tenant_id=tenant_id, company=company, bank=bank, locale=locale,
        sender_email=_str(doc, "sender_email", "settings"),
        policy=policy_from_dict(doc.get("policy") or {}),
        csv_columns=_columns(doc.get("csv_columns") or {}),
        invoicing=_invoicing(doc.get("invoicing") or {}, company, bank),
    )


def _columns(doc: Any) -> dict[str, str]:
    from ..intake.csv_invoices import HEADERS

    if not isinstance(doc, dict):
        raise DomainError("csv_columns: expected an object mapping your header to a field")
    for header, target in doc.items():
        if target not in HEADERS:
            raise DomainError(f"csv_columns.{header}: unknown field {target!r} "
                              f"(one of {', '.join(sorted(HEADERS))})")
    return {str(k): str(v) for k, v in doc.items()}


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
    vat_id = company.vat_id.replace(" ", "")
    if vat_id and not (vat_id[:2].isascii() and vat_id[:2].isalpha() and vat_id[:2].isupper()):
        # EN 16931 BR-CO-09: the VAT identifier starts with the ISO 3166 country code
        raise DomainError(f"company.vat_id: must start with the country code (DE…), got {vat_id!r}")


def policy_from_dict(doc: dict[str, Any]) -> Policy:
    base = default_policy()
    levels_doc = doc.get("levels")
    if levels_doc is None:
        levels = base.levels
    else:
        if not isinstance(levels_doc, list) or not levels_doc:
            raise DomainError("policy.levels: expected a non-empty list")
        levels = tuple(_level(item, f"policy.levels[{i}]") for i, item in enumerate(levels_doc))
    return Policy(
        levels=levels,
        payment_terms_days=_int(doc, "payment_terms_days", "policy", base.payment_terms_days),
        minimum_amount=_money(doc, "minimum_amount", "policy"),
        consolidate=_bool(doc, "consolidate", "policy", True),
        deadline_days=_int(doc, "deadline_days", "policy", base.deadline_days),
        post_delivery_days=_int(doc, "post_delivery_days", "policy", base.post_delivery_days),
        cooldown_days=_int(doc, "cooldown_days", "policy", base.cooldown_days),
        statutory_interest=_bool(doc, "statutory_interest", "policy", base.statutory_interest),
        flat_fee_b2b=_bool(doc, "flat_fee_b2b", "policy", base.flat_fee_b2b),
        due_dates_agreed=_bool(doc, "due_dates_agreed", "policy", base.due_dates_agreed),
        residual_charges=_choice(doc, "residual_charges", "policy", RESIDUAL_POLICIES,
                                 base.residual_charges),
        residual_minimum=_money(doc, "residual_minimum", "policy", str(base.residual_minimum)),
        holiday_region=_region(doc),
    )


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
        raise DomainError(f"{where}.channels: at least one of email, post")
    return Level(
        name=_str(doc, "name", where) or where, days=_int(doc, "days", where, 14),
        fee=_money(doc, "fee", where), tone=tone, channels=channels, action=action,
    )
