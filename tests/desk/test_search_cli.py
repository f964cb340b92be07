"""`desk search rebuild` makes the ticket search index again from the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.cli.main import main
from desk.db import Database, commit
from desk.settings import Settings


def test_rebuild_fills_an_emptied_index(db: Database, settings: Settings,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        ingest_message(s, settings, InboundMessage("web", Identity("email", "a@example.com", "A"),
                                                   "Scanner", "扫描仪坏了"))
        commit(s)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ticketsearch"))
    for name in ("DESK_DATA_DIR", "DESK_DATABASE_URL", "DESK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESK_DATA_DIR", str(settings.data_dir))
    if not settings.is_sqlite:
        monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    assert main(["search", "rebuild"]) == 0
    assert "1 tickets" in capsys.readouterr().out
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ticketsearch")).scalar() == 1
