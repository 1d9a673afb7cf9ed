"""The settings document (JSON/YAML) ↔ TenantSettings, validated with readable errors."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .model import Address, Channel, DomainError
from .money import cents
from .policy import Action, Level, Policy, Tone, default_policy
from .settings import Bank, Company, TenantSettings


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


def _money(doc: dict[str, Any], key: str, where: str) -> Decimal:
    value = doc.get(key, "0")
    try:
        amount = cents(Decimal(str(value)))
    except InvalidOperation as exc:
        raise DomainError(f"{where}.{key}: not an amount: {value!r}") from exc
    if amount < 0:
        raise DomainError(f"{where}.{key}: must not be negative")
    return amount


def _address(doc: dict[str, Any], where: str) -> Address:
    return Address(
        street=_str(doc, "street", where), postal_code=_str(doc, "postal_code", where),
        city=_str(doc, "city", where), country=_str(doc, "country", where, "DE") or "DE",
    )


_KNOWN = {
    "settings": {"company", "bank", "locale", "sender_email", "policy", "csv_columns"},
    "company": {"name", "address", "email", "phone", "vat_id", "register", "managing_director",
                "website", "logo"},
    "bank": {"iban", "bic", "bank_name"},
    "policy": {"payment_terms_days", "minimum_amount", "consolidate", "deadline_days",
               "post_delivery_days", "cooldown_days", "statutory_interest", "flat_fee_b2b",
               "due_dates_agreed", "levels"},
}


def _no_unknown(doc: dict[str, Any], where: str) -> None:
    unknown = sorted(set(doc) - _KNOWN[where])
    if unknown:
        raise DomainError(f"{where}: unknown field(s) {', '.join(unknown)}")


def settings_from_dict(tenant_id: str, doc: dict[str, Any]) -> TenantSettings:
    if not isinstance(doc, dict):
        raise DomainError("settings: expected an object")
    _no_unknown(doc, "settings")
    for part in ("company", "bank", "policy"):
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
        logo=_str(company_doc, "logo", "company"),
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
    )


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
