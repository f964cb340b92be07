"""Importing customers from CSV: encodings Excel writes, bad lines reported by line and column,
duplicate lines merged, update-or-create by email and phone, and a second run changes nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from desk.actions.audit import SYSTEM
from desk.actions.customers.csv_files import CsvError, CsvFile, guess_mapping, read_csv
from desk.actions.customers.fields import add_field
from desk.actions.customers.import_report import ImportReport, errors_csv
from desk.actions.customers.imports import import_customers
from desk.actions.customers.organizations import create_organization
from desk.actions.customers.records import create_customer, field_definitions, identities_of, tags_of
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, Notification, Organization, User

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "customers"


def _import(db: Database, data: bytes, dry_run: bool = False,
            mapping: list[str] | None = None) -> tuple[CsvFile, ImportReport]:
    file = read_csv(data)
    with db.session() as s:
        guessed = guess_mapping(file.headers, field_definitions(s))
    return file, import_customers(db, SYSTEM, file, mapping or guessed, dry_run=dry_run)


def _customer(session: Session, email: str) -> Customer:
    return session.exec(select(Customer).where(Customer.email == email)).one()


def test_bad_lines_are_reported_by_line_and_column_and_the_good_ones_imported(
        db: Database, session: Session) -> None:
    file, report = _import(db, (FIXTURES / "bad_rows.csv").read_bytes())

    assert (report.created, report.updated, report.duplicates) == (2, 0, 1)
    assert [(e.line, e.column, e.text()) for e in report.errors] == [
        (3, "Email", "At least one email address is required."),
        (4, "Phone", "not-a-phone is not a valid phone number."),
        (7, "Tier", "Choose VIP, standard or prospect."),
    ]
    ada = _customer(session, "ada@example.com")
    # Line 6 names Ada's address again: merged into line 2, its non-empty values winning.
    assert ada.name == "Ada L." and ada.tier == "vip"
    assert tags_of(session, ada.id) == ["math", "pioneer", "poetry"]  # type: ignore[arg-type]
    assert identities_of(session, ada.id)["phones"] == ["+442079460958"]  # type: ignore[arg-type]
    org = session.get(Organization, ada.organization_id)
    assert org is not None and org.name == "Analytical Engines"
    assert session.exec(select(func.count()).select_from(Customer)).one() == 2
    created = session.exec(select(AuditEntry).where(AuditEntry.entity == "customer",
                                                    AuditEntry.entity_id == ada.id)).one()
    assert created.action == "created" and created.changes["name"] == [None, "Ada L."]


def test_errors_file_holds_each_failed_line_as_it_was_with_its_error(db: Database) -> None:
    file, report = _import(db, (FIXTURES / "bad_rows.csv").read_bytes())
    data = errors_csv(file, report, lambda m: m)

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Phone", "Company", "Tier", "Tags", "line", "error"]
    assert rows[2] == ["Linus Torvalds", "linus@example.com", "not-a-phone", "", "standard", "",
                       "4", "Phone: not-a-phone is not a valid phone number."]
    assert len(rows) == 4


def test_gbk_file_from_chinese_excel_is_read_with_its_chinese_headers_and_tiers(
        db: Database, session: Session) -> None:
    file, report = _import(db, (FIXTURES / "excel_gbk.csv").read_bytes())

    assert file.encoding == "gb18030"
    assert report.created == 2 and not report.errors
    wang = _customer(session, "xiaoming@example.cn")
    assert wang.name == "王小明" and wang.tier == "vip"
    assert tags_of(session, wang.id) == ["北京", "重要"]  # type: ignore[arg-type]
    assert identities_of(session, wang.id)["phones"] == ["13800138000"]  # type: ignore[arg-type]


def test_excel_utf8_with_bom_and_semicolons_and_utf16_unicode_text_are_read() -> None:
    semicolons = read_csv((FIXTURES / "excel_utf8_bom_semicolon.csv").read_bytes())
    utf16 = read_csv((FIXTURES / "excel_unicode_text_utf16.csv").read_bytes())

    assert (semicolons.encoding, semicolons.delimiter) == ("utf-8", ";")
    assert semicolons.headers[0] == "Name"  # no BOM glued to the first header
    assert semicolons.rows == [(2, ["Zoë Müller", "zoe@example.de", "+49 30 901820",
                                    "Grüne Ideen GmbH"])]
    assert (utf16.encoding, utf16.delimiter) == ("utf-16", "\t")
    assert utf16.rows == [(2, ["陈静", "chen@example.cn"])]
    assert guess_mapping(semicolons.headers, []) == ["name", "email", "phone", "organization"]


def test_file_in_no_known_encoding_is_refused_with_a_clear_error() -> None:
    with pytest.raises(CsvError) as error:
        read_csv(b"name,email\n\x80\x80\xff\n")
    assert "neither UTF-8, GBK/GB18030 nor Big5" in error.value.message


def test_importing_the_same_file_again_changes_nothing(db: Database, session: Session) -> None:
    data = (FIXTURES / "bad_rows.csv").read_bytes()
    _import(db, data)
    audits = session.exec(select(func.count()).select_from(AuditEntry)).one()

    _file, again = _import(db, data)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert session.exec(select(func.count()).select_from(AuditEntry)).one() == audits


def test_existing_customer_found_by_phone_gets_the_new_email_and_its_owner_is_told(
        db: Database, session: Session, make_user: Callable[..., User]) -> None:
    owner: User = make_user("agent")
    ann = create_customer(session, SYSTEM, {"name": "Ann", "emails": ["ann@example.com"],
                                            "phones": ["+44 20 7946 0000"], "owner_id": owner.id})
    commit(session)

    _file, report = _import(db, b"name,email,phone,tags\nAnn,ann@home.example,+442079460000,golf\n")

    assert (report.created, report.updated) == (0, 1)
    session.expire_all()
    assert identities_of(session, ann.id)["emails"] == ["ann@example.com", "ann@home.example"]  # type: ignore[arg-type]
    assert tags_of(session, ann.id) == ["golf"]  # type: ignore[arg-type]
    assert session.exec(select(Notification).where(Notification.customer_id == ann.id)).one()
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "customer",
                                                           AuditEntry.entity_id == ann.id)).all()
    assert list(actions) == ["created", "updated"]


def test_email_and_phone_of_two_different_customers_is_an_error_and_changes_neither(
        db: Database, session: Session) -> None:
    create_customer(session, SYSTEM, {"name": "Ann", "emails": ["ann@example.com"]})
    create_customer(session, SYSTEM, {"name": "Bob", "emails": ["bob@example.com"],
                                      "phones": ["+1 202 555 0100"]})
    commit(session)

    _file, report = _import(db, b"name,email,phone\nAnn B,ann@example.com,+12025550100\n")

    assert report.updated == 0 and [e.line for e in report.errors] == [2]
    assert "different customers" in report.errors[0].text()
    assert _customer(session, "ann@example.com").name == "Ann"


def test_owner_by_staff_email_custom_fields_and_unknown_owner(
        db: Database, session: Session, make_user: Callable[..., User]) -> None:
    owner: User = make_user("agent", email="owner@desk.test")
    add_field(session, SYSTEM, "plan", "Plan", "choice", ["free", "pro"])
    commit(session)
    data = (b"name,email,owner,Plan\nAnn,ann@example.com,OWNER@desk.test,pro\n"
            b"Bob,bob@example.com,nobody@desk.test,pro\nCy,cy@example.com,,gold\n")

    _file, report = _import(db, data)

    ann = _customer(session, "ann@example.com")
    assert ann.owner_id == owner.id and ann.fields == {"plan": "pro"}
    assert [(e.line, e.column, e.text()) for e in report.errors] == [
        (3, "owner", "No such agent."), (4, "Plan", "Plan must be one of: free, pro.")]


def test_dry_run_reports_what_would_happen_and_writes_nothing(db: Database, session: Session) -> None:
    _file, report = _import(db, (FIXTURES / "bad_rows.csv").read_bytes(), dry_run=True)

    assert report.created == 2 and report.outcomes[2] == "created" and report.outcomes[6] == "duplicate"
    assert session.exec(select(func.count()).select_from(Customer)).one() == 0
    assert session.exec(select(col(Organization.id))).first() is None


def test_a_mapping_without_an_email_column_is_refused(db: Database) -> None:
    with pytest.raises(CsvError):
        _import(db, b"name,email\nAnn,ann@example.com\n", mapping=["name", ""])


def test_new_customers_join_the_organisation_of_their_domain(db: Database) -> None:
    with db.session() as session:
        create_organization(session, SYSTEM, {"name": "Acme", "domain": "acme.example",
                                              "tier": "vip", "auto_join": True})
        create_organization(session, SYSTEM, {"name": "Closed", "domain": "closed.example",
                                              "auto_join": False})
        commit(session)
    data = b"name,email\nAnn,ann@acme.example\nBob,bob@closed.example\n"
    file = read_csv(data)
    import_customers(db, SYSTEM, file, guess_mapping(file.headers, []))
    with db.session() as session:
        ann = session.exec(select(Customer).where(Customer.email == "ann@acme.example")).one()
        bob = session.exec(select(Customer).where(Customer.email == "bob@closed.example")).one()
        acme = session.exec(select(Organization).where(Organization.name == "Acme")).one()
        assert (ann.organization_id, ann.tier) == (acme.id, "vip")
        assert bob.organization_id is None
