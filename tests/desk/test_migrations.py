"""Alembic's migrations produce exactly the schema the models describe; a database at the
head is recognised without loading alembic."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

from desk.db import Database, make_engine
from desk.migrate import alembic_config, at_head, head_revisions, upgrade
from desk.models.search import is_search_table


def _described_by_models(name: str | None, type_: str, parents: object) -> bool:
    # The ticket search index is an FTS5 virtual table (SQLite) or tsvectors (PostgreSQL),
    # made by migration 0014 from desk/models/search.py, not a SQLModel table.
    return not (type_ == "table" and is_search_table(name))


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _described_by_models})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_head_read_from_the_scripts_is_alembics_head() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revisions() == frozenset(scripts.get_heads())


def test_upgrade_skips_alembic_only_for_a_database_at_the_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    assert not at_head(engine)  # new: no alembic_version table
    upgrade(engine)
    assert at_head(engine)
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    previous = scripts.get_revision(scripts.get_current_head()).down_revision
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    assert not at_head(engine)  # one migration behind: alembic runs it
    engine.dispose()


def test_moving_raw_mail_bytes_to_their_own_table_keeps_every_byte(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\n\xff\x00 binary kept\r\n"
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
        conn.execute(text(
            "INSERT INTO rawmessage (id, mailbox, message_id, sha256, raw, status, error, created_at) "
            "VALUES (7, 'support', '', 'x', :raw, 'stored', '', '2026-01-01 00:00:00')"), {"raw": raw})
        command.upgrade(config, "head")
        assert conn.execute(text("SELECT raw FROM rawmessagebytes WHERE raw_id = 7")).scalar() == raw
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(rawmessage)"))]
        assert "raw" not in columns and "status" in columns
    engine.dispose()
