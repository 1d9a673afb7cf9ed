"""Merging a source's customer into the stored one (domain.customers): what a source leaves out
is never erased, what it gives wins; a new e-mail address forgets the old one's bounce."""

from mahnwerk.domain.customers import INTAKE_FIELDS, audit_changes, changes, overlay, with_master
from mahnwerk.domain.model import Address, Channel, Customer, CustomerOverrides

STORED = Customer(tenant_id="t1", customer_id="K-1", name="Anna Schmidt", email="anna@example.org",
                  address=Address("Weg 1", "10115", "Berlin", "AT"), is_consumer=True, locale="en",
                  overrides=CustomerOverrides(payment_terms_days=30, channels=(Channel.POST,)),
                  email_status="bounced")


def row(**given: object) -> Customer:
    """A customer as a file row gives it: the fields not named are absent (with their defaults)."""
    def text(name: str, default: str = "") -> str:
        return str(given.get(name, default))

    return Customer(tenant_id="t1", customer_id="K-1", name=text("name", "K-1"), email=text("email"),
                    address=Address(text("street"), text("postal_code"), text("city"),
                                    text("country", "DE")),
                    is_consumer=bool(given.get("is_consumer", False)),
                    absent=frozenset(INTAKE_FIELDS) - set(given))


def test_a_row_with_only_the_customer_number_changes_nothing():
    assert changes(STORED, overlay(STORED, row())) == {}
    assert overlay(STORED, row()).email_status == "bounced"


def test_given_fields_win_and_the_rest_stays():
    merged = overlay(STORED, row(city="Potsdam", is_consumer=False))
    assert changes(STORED, merged) == {"city": ("Berlin", "Potsdam"), "is_consumer": (True, False)}
    assert merged.overrides == STORED.overrides and merged.locale == "en"


def test_an_empty_text_is_absent_even_when_not_marked():
    """Parsers that do not mark what they left out (an e-invoice without an e-mail) erase nothing."""
    unmarked = Customer(tenant_id="t1", customer_id="K-1", name="Anna Schmidt",
                        address=Address("", "", "Berlin", "AT"), is_consumer=True)
    assert changes(STORED, overlay(STORED, unmarked)) == {}


def test_rows_of_one_file_add_up_and_what_none_gave_stays_absent():
    merged = overlay(row(name="Neu GmbH", email="neu@example.org"), row(city="Köln"))
    assert (merged.name, merged.email, merged.address.city) == ("Neu GmbH", "neu@example.org", "Köln")
    assert merged.absent == {"street", "postal_code", "country", "is_consumer"}
    assert changes(STORED, overlay(STORED, merged)) == {
        "name": ("Anna Schmidt", "Neu GmbH"), "email": ("anna@example.org", "neu@example.org"),
        "city": ("Berlin", "Köln")}


def test_an_edit_clears_and_a_new_email_forgets_the_bounce():
    edited = with_master(STORED, {"email": "", "channels": None, "street": ""})
    assert (edited.email, edited.address.street, edited.overrides.channels) == ("", "", None)
    assert edited.email_status == "" and edited.overrides.payment_terms_days == 30
    assert with_master(STORED, {"city": "Köln"}).email_status == "bounced"
    assert audit_changes(changes(STORED, edited)) == {
        "email": ["anna@example.org", None], "street": ["Weg 1", None], "channels": [["post"], None]}
