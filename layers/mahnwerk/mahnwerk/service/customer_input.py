"""What an owner may send to change a customer: the API's bodies and the dashboard's forms are
checked by the same models (a field left out stays as it is)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from ..domain.model import Channel
from ..intake.csv_invoices import formula_cell


class OverridesIn(BaseModel):
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    channels: Annotated[list[Channel], Field(max_length=2)] | None = None
    paused_until: date | None = None
    pause_reason: Annotated[str, Field(max_length=500)] = ""
    excluded: bool = False
    due_dates_agreed: bool | None = None


#: control characters, and invisible characters that reorder or hide text (bidi overrides,
#: zero-width spaces): never part of a name or an address
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
#: what an e-mail address looks like, no more: one "@", a dot in the domain, no blanks
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_NULL_OK = "email, street, postal_code, city and channels"


def _clean(value: str) -> str:
    """A text as it is stored: trimmed; refused with hidden characters or as a formula."""
    if _HIDDEN.search(value):
        raise PydanticCustomError("hidden_characters",
                                  "control or invisible characters are not allowed")
    value = value.strip()
    if formula_cell(value):
        raise PydanticCustomError("formula", "looks like a spreadsheet formula (CSV injection)")
    return value


def _not_clearable() -> PydanticCustomError:
    return PydanticCustomError("not_clearable",
                               f"cannot be cleared (null or empty is allowed only for {_NULL_OK})")


class AddressPatch(BaseModel):
    """The address fields to change; a field left out stays as it is, null clears it."""

    model_config = ConfigDict(extra="forbid")
    street: Annotated[str, Field(max_length=200)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    city: Annotated[str, Field(max_length=200)] | None = None
    country: Annotated[str, Field(max_length=2, description="ISO 3166 code (DE, AT, …)")] | None = None

    @field_validator("street", "postal_code", "city")
    @classmethod
    def _text(cls, value: str | None) -> str:
        return "" if value is None else _clean(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str:
        if value is None or not value.strip():
            raise _not_clearable()
        value = _clean(value).upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise PydanticCustomError("country_code", "a two-letter country code (DE, AT, …)")
        return value


#: fields of a customer patch that are no master data (service/credit.py keeps them)
CREDIT_FIELDS = frozenset({"credit_limit", "credit_legitimate_interest"})


class CustomerPatch(BaseModel):
    """Master data to change: a field left out stays as it is; null clears e-mail, street,
    postal code and city, and sets the channels back to the tenant's."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(max_length=200)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    address: AddressPatch | None = None
    is_consumer: StrictBool | None = Field(default=None, description="true: a consumer (B2C)")
    locale: Literal["de", "en"] | None = Field(default=None, description="language of the letters")
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2)] | None = Field(
        default=None, description="how letters go to this customer; null: the tenant's channels")

    credit_limit: Annotated[Decimal, Field(max_digits=14, decimal_places=2)] | None = Field(
        default=None, description="credit limit in euros (0 or more); null clears it; a field left "
        "out keeps it")
    credit_legitimate_interest: StrictBool | None = Field(
        default=None, description="the owner recorded a legitimate interest in a credit check of "
        "this consumer (GDPR Art. 6(1)(f)); business customers need none")

    @field_validator("credit_limit")
    @classmethod
    def _limit(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise PydanticCustomError("negative", "must not be negative (0 or more euros)")
        return value

    @field_validator("credit_legitimate_interest")
    @classmethod
    def _interest(cls, value: object) -> object:
        if value is None:
            raise _not_clearable()
        return value

    def credit_values(self) -> dict[str, Any]:
        """The credit fields given (``credit_limit`` None: cleared)."""
        return {name: getattr(self, name) for name in CREDIT_FIELDS & self.model_fields_set}

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str:
        value = _clean(value) if value is not None else ""
        if not value:
            raise _not_clearable()
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str:
        value = _clean(value) if value is not None else ""
        if value and not _EMAIL.fullmatch(value):
            raise PydanticCustomError("email_syntax", "not an e-mail address")
        return value

    @field_validator("address", "is_consumer", "locale")
    @classmethod
    def _required(cls, value: object) -> object:
        if value is None:
            raise _not_clearable()
        return value

    def values(self) -> dict[str, Any]:
        """The master fields given, by name ("" clears a text; channels None: the tenant's)."""
        found: dict[str, Any] = {}
        for name in self.model_fields_set - CREDIT_FIELDS:
            if name == "address" and self.address is not None:
                found.update({k: getattr(self.address, k) for k in self.address.model_fields_set})
            elif name == "channels":
                found[name] = tuple(dict.fromkeys(self.channels)) if self.channels else None
            else:
                found[name] = getattr(self, name)
        return found
