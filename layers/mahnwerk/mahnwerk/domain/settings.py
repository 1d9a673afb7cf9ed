"""A tenant's settings: who writes the letters (white label), where money goes, and the policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Address
from .policy import Policy, default_policy


@dataclass(frozen=True)
class Company:
    name: str
    address: Address = field(default_factory=Address)
    email: str = ""
    phone: str = ""
    vat_id: str = ""
    register: str = ""
    managing_director: str = ""
    website: str = ""
    logo: str = ""


@dataclass(frozen=True)
class Bank:
    iban: str = ""
    bic: str = ""
    bank_name: str = ""


@dataclass(frozen=True)
class TenantSettings:
    tenant_id: str
    company: Company
    bank: Bank = field(default_factory=Bank)
    locale: str = "de"
    #: the verified SES identity letters are sent from, in the tenant's name
    sender_email: str = ""
    policy: Policy = field(default_factory=default_policy)
    #: the tenant's own CSV headers → our fields, for exports the built-in names do not cover
    csv_columns: dict[str, str] = field(default_factory=dict)
