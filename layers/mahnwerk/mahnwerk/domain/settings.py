"""A tenant's settings: who writes the letters (white label), where money goes, and the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .credit import CreditSettings
from .datev import DatevSettings
from .model import Address
from .policy import Policy, default_policy

#: the fields of an invoice row that a tenant's ``csv_columns`` may map a header to (the invoice
#: CSV import knows header spellings for each of them)
CSV_FIELDS = frozenset({
    "number", "customer_id", "name", "email", "street", "postal_code", "city", "country",
    "issue_date", "due_date", "terms_days", "amount", "open_amount", "currency", "consumer"})


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
class Invoicing:
    """Mahnwerk writes the invoices itself (Factur-X EN 16931) for invoices that arrive as data.

    Our invoice data holds only the gross amount, so the VAT in it is derived: the tenant's rate
    (default 19 %, §12 Abs. 1 UStG) splits gross into net and VAT, or none at all for a small
    business (§19 UStG, VAT category E).
    """

    send_invoices: bool = False
    #: percent of VAT contained in the gross amounts (§12 UStG: 19 standard, 7 reduced)
    vat_rate: Decimal = Decimal("19")
    #: §19 UStG small business: no VAT is charged or shown
    small_business: bool = False
    #: Steuernummer; §14 Abs. 4 Nr. 2 UStG needs it when the company has no VAT id
    tax_number: str = ""
    #: what the invoice is for (BT-153); §14 Abs. 4 Nr. 5 UStG wants the kind of goods or service
    line_text: str = ""
    #: the numbers of the invoices Mahnwerk creates itself (recurring invoices): ``{seq}`` is the
    #: running number, gap-free per tenant (and per year with ``{yyyy}``/``{yy}``)
    number_format: str = "RE-{yyyy}-{seq:05}"


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
    invoicing: Invoicing = field(default_factory=Invoicing)
    #: the inbox address's token (``rechnungen+{token}@{InboxDomain}``; "": no inbox yet)
    inbox_token: str = ""
    #: who may send invoices to the inbox (addresses or domains; empty: the owner's own address)
    inbox_senders: tuple[str, ...] = ()
    #: credit rules (Kreditregeln) and the credit bureau (``credit``; see domain/credit.py)
    credit: CreditSettings = field(default_factory=CreditSettings)
    #: the DATEV export for the tax advisor (``domain.datev``)
    datev: DatevSettings = field(default_factory=DatevSettings)
