from datetime import date
from decimal import Decimal

import pytest

from mahnwerk.intake.csv_invoices import MAX_COLUMN_WARNINGS, map_headers, parse_invoices_csv


def parse(text: str, encoding: str = "utf-8", **kwargs):
    return parse_invoices_csv(text.encode(encoding), "rechnungen.csv", "t1", 14, **kwargs)


def test_german_export_with_bom_semicolons_and_euro_amounts():
    text = ("\ufeffRechnungsnummer;Kundennummer;Kunde;Rechnungsdatum;Fällig am;Betrag\n"
            "RE-1;K-1;Müller GmbH;01.10.2026;15.10.2026;1.234,56 €\n")
    result = parse(text)
    assert result.rejects == []
    [record] = result.records
    assert record.number == "RE-1"
    assert record.customer.name == "Müller GmbH"
    assert record.amount == Decimal("1234.56")
    assert record.due_date == date(2026, 10, 15)
    assert record.due_date_source == "invoice"
    assert record.line == 2


def test_windows_1252_is_decoded():
    text = "Rechnungsnr.;Kunde;Datum;Brutto\nRE-2;Bäckerei Groß;01.10.26;10,00\n"
    result = parse(text, encoding="cp1252")
    assert result.records[0].customer.name == "Bäckerei Groß"


def test_english_headers_commas_and_terms_in_days():
    text = ("Invoice number,Customer ID,Customer,Invoice date,Payment terms,Total\n"
            "INV-9,C-9,Acme Ltd,2026-10-01,30,\"1,190.00\"\n")
    [record] = parse(text).records
    assert record.amount == Decimal("1190.00")
    assert record.due_date == date(2026, 10, 31)
    assert record.due_date_source == "terms"


def test_missing_due_date_uses_tenant_default_terms_and_says_so():
    [record] = parse("Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\nR1;A;01.10.2026;5\n").records
    assert record.due_date == date(2026, 10, 15)
    assert record.due_date_source == "default_terms"


def test_quoted_field_with_newline_keeps_line_numbers_right():
    text = ('Rechnungsnummer;Kunde;Straße;Rechnungsdatum;Betrag\n'
            'R1;"Firma\nZweite Zeile";Weg 1;01.10.2026;5\n'
            'R2;B;Weg 2;01.10.2026;kaputt\n')
    result = parse(text)
    assert [r.number for r in result.records] == ["R1"]
    assert result.records[0].customer.name == "Firma\nZweite Zeile"
    [reject] = result.rejects
    assert (reject.file, reject.line) == ("rechnungen.csv", 4)
    assert "kaputt" in reject.reason


def test_every_bad_row_is_reported_with_line_and_reason():
    text = ("Rechnungsnummer;Kunde;Rechnungsdatum;Fällig am;Betrag;Währung\n"
            ";A;01.10.2026;;5;EUR\n"
            "R2;B;32.10.2026;;5;EUR\n"
            "R3;C;01.10.2026;01.09.2026;5;EUR\n"
            "R4;D;01.10.2026;;5;XYZ\n"
            "R5;E;01.10.2026;;1,2,3;EUR\n"
            "R6;F;01.10.2026;;7;EUR\n")
    result = parse(text)
    # R3: a due date before the invoice date is taken as printed (the import report warns)
    assert [r.number for r in result.records] == ["R3", "R6"]
    reasons = {r.line: r.reason for r in result.rejects}
    assert set(reasons) == {2, 3, 5, 6}
    assert "invoice number is empty" in reasons[2]
    assert "not a date" in reasons[3]
    assert "currency 'XYZ' is not an ISO 4217 currency code" in reasons[5]
    assert "1,2,3" in reasons[6]


def test_missing_required_columns_reject_the_file():
    result = parse("Foo;Bar\n1;2\n")
    assert result.records == []
    assert "missing column" in result.rejects[0].reason


def test_tenant_mapping_names_unusual_columns():
    text = "Beleg;Debitor;Datum;Summe brutto inkl. MwSt\nB1;D1;01.10.2026;9,99\n"
    result = parse(text, mapping={"Beleg": "number", "Summe brutto inkl. MwSt": "amount"})
    assert result.records[0].amount == Decimal("9.99")


def test_same_number_twice_in_one_file():
    text = ("Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\n"
            "R1;A;01.10.2026;5\nR1;A;01.10.2026;5\nR1;A;01.10.2026;6\n")
    result = parse(text)
    assert len(result.records) == 1
    assert result.rejects[0].line == 4 and "twice" in result.rejects[0].reason


def test_consumer_column_and_customer_id_from_name():
    text = "Rechnungsnummer;Kunde;Kundentyp;Rechnungsdatum;Betrag\nR1;Zoë Groß;privat;01.10.2026;5\n"
    [record] = parse(text).records
    assert record.customer.is_consumer
    assert record.customer.customer_id == "N-ZOE-GROSS"


def test_empty_file():
    assert parse("").rejects[0].reason == "the file is empty"


def test_tab_delimited():
    text = "Rechnungsnummer\tKunde\tRechnungsdatum\tBetrag\nR1\tA\t01.10.2026\t5,00\n"
    assert parse(text).records[0].amount == Decimal("5.00")


def test_formula_cells_are_refused_with_a_reason_but_negative_numbers_are_fine():
    text = ("Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\n"
            'R1;=HYPERLINK("http://evil.example","Klick");01.10.2026;5\n'
            "R2;@SUM(A1);01.10.2026;5\n"
            "R3;Gutschrift Müller;01.10.2026;-12,50\n")
    result = parse(text)
    assert [r.number for r in result.records] == ["R3"]
    assert result.records[0].amount == Decimal("-12.50")
    assert all("formula" in r.reason for r in result.rejects)
    assert [r.line for r in result.rejects] == [2, 3]


def test_impossible_dates_on_the_fast_path_are_refused():
    result = parse("Rechnungsnummer;Kunde;Rechnungsdatum;Betrag\nR1;A;31.02.2026;5\nR2;A;2026-13-01;5\n")
    assert [r.line for r in result.rejects] == [2, 3]


# --- header spellings of German tools, columns not taken, what a row leaves out ------------------

@pytest.mark.parametrize("header, field", [
    # Lexware / lexoffice
    ("Rechnungs-Nr.", "number"), ("Kunden-Nr.", "customer_id"), ("Brutto", "amount"),
    ("Fällig am", "due_date"), ("Offener Betrag", "open_amount"), ("Rechnungsdatum", "issue_date"),
    # sevDesk, Billomat, easybill
    ("Kundennummer", "customer_id"), ("Belegnummer", "number"), ("Bruttobetrag", "amount"),
    ("Fälligkeit", "due_date"), ("Offen", "open_amount"), ("Betrag (brutto)", "amount"),
    ("Dokumentnummer", "number"), ("Dokumentdatum", "issue_date"),
    # DATEV OPOS
    ("Debitor", "customer_id"), ("Debitorennummer", "customer_id"), ("Debitoren-Nr.", "customer_id"),
    ("Belegdatum", "issue_date"), ("Beleg-Nr.", "number"),
    # spelled short, without umlauts, in capitals
    ("Kd.-Nr.", "customer_id"), ("KD-NR", "customer_id"), ("Re.-Nr.", "number"),
    ("FAELLIGKEIT", "due_date"), ("Faellig am", "due_date"), ("Waehrung", "currency"),
    ("E-Mail", "email"), ("E-Mail-Adresse", "email"), ("PLZ", "postal_code"), ("Ort", "city"),
    ("Straße", "street"), ("Strasse", "street"), ("Straße und Hausnummer", "street"),
    ("Invoice No.", "number"), ("Customer No", "customer_id"),
])
def test_header_spellings_of_german_tools_are_recognised(header, field):
    assert map_headers([header]) == {field: 0}


def test_a_lexware_export_reads_its_customer_number_and_lists_the_columns_not_taken():
    text = ("Rechnungs-Nr.;Kunden-Nr.;Kunde;Rechnungsdatum;Fällig am;Brutto;Projekt;Bruttobetrag;\n"
            "RE-1;10001;Müller GmbH;01.10.2026;15.10.2026;119,00;Umbau;119,00;\n")
    result = parse(text, encoding="cp1252")
    assert result.rejects == []
    [record] = result.records
    assert (record.customer.customer_id, record.amount) == ("10001", Decimal("119.00"))
    assert [(w.line, w.text("de")) for w in result.warnings] == [
        (1, "Spalte „Projekt“ wird nicht übernommen (unbekannte Überschrift)"),
        (1, "Spalte „Bruttobetrag“ wird nicht übernommen (Betrag steht schon in Spalte „Brutto“)")]


def test_columns_not_taken_are_reported_with_the_header_line_and_capped():
    header = ";".join(["Rechnungsnummer", "Kunde", "Datum", "Betrag"] + [f"X{i}" for i in range(30)])
    result = parse(f"\n\n{header}\nRE-1;A;01.10.2026;1,00\n")
    assert len(result.records) == 1
    assert {w.line for w in result.warnings} == {3}
    assert len(result.warnings) == MAX_COLUMN_WARNINGS + 1
    assert result.warnings[-1].text("de") == "10 weitere Spalten werden nicht übernommen"


def test_a_tenant_mapping_is_compared_like_the_built_in_spellings():
    result = parse("Projektnummer;Kd;Datum;Summe\nP-1;K-1;01.10.2026;1,00\n",
                   mapping={"Projekt-Nr.": "number", "kd.": "customer_id"})
    assert result.rejects == [] and result.warnings == []
    assert (result.records[0].number, result.records[0].customer.customer_id) == ("P-1", "K-1")


def test_what_a_row_leaves_out_is_marked_absent_not_empty():
    text = ("Rechnungsnummer;Kundennummer;Kunde;E-Mail;Ort;Kundentyp;Datum;Betrag\n"
            "RE-1;K-1;;;;;01.10.2026;1,00\n"
            "RE-2;K-2;Neu GmbH;;Köln;gewerblich;01.10.2026;1,00\n")
    first, second = parse(text).records
    assert first.customer.name == "K-1"  # the default of a new customer, never taken over a stored one
    assert first.customer.absent == {"name", "email", "street", "postal_code", "city", "country",
                                     "is_consumer"}
    # a column the file does not have is as absent as an empty cell
    assert second.customer.absent == {"email", "street", "postal_code", "country"}
