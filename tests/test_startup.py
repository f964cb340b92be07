"""The `desk` command starts without what it does not use (bench/startup.py measures the time):
no database code before a sub-command is chosen, and `desk ingest` on a migrated database
without alembic, the search index (Whoosh, jieba), cryptography or the web app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desk.cli.mailboxes import AFTER_FETCH
from desk.models import AfterFetch
from desk.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Loaded when used: a migration, a search, a mailbox password, a page, a notice.
NOT_FOR_INGEST = {"alembic", "whoosh", "jieba", "pkg_resources", "cryptography", "starlette",
                  "uvicorn", "jinja2", "knowledge_base"}
NOT_FOR_THE_PARSER = NOT_FOR_INGEST | {"sqlalchemy", "sqlmodel", "pydantic"}
SHOW_MODULES = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"


def _loaded(code: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The top-level packages a fresh interpreter has loaded after `code`, and what it printed."""
    done = subprocess.run([sys.executable, "-c", f"{code}\n{SHOW_MODULES}"], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    *printed, modules = done.stdout.strip().splitlines()
    return set(json.loads(modules)), "\n".join(printed)


def test_building_the_parser_loads_no_database_index_or_web_code() -> None:
    loaded, _ = _loaded("from desk.cli.main import parser; parser()")
    assert loaded & NOT_FOR_THE_PARSER == set()


@pytest.mark.usefixtures("db")  # on PostgreSQL, its tables are emptied afterwards
def test_ingest_into_a_migrated_database_loads_no_alembic_index_or_crypto(
    settings: Settings, tmp_path: Path,
) -> None:
    mail = tmp_path / "one.eml"
    mail.write_bytes(b"From: Ada <ada@example.com>\r\nTo: support@example.com\r\n"
                     b"Subject: the printer\r\nMessage-ID: <startup-1@example.com>\r\n"
                     b"\r\nIt prints nothing.\r\n")
    env = {**os.environ, "DESK_DATA_DIR": str(settings.data_dir),
           "DESK_DATABASE_URL": settings.database_url, "DESK_SECRET_KEY": "test-secret"}
    loaded, printed = _loaded(
        "from desk.cli.main import main\n"
        f"assert main(['--log-level', 'WARNING', 'ingest', '--mailbox', 'support', {str(mail)!r}]) == 0",
        env)
    assert printed.startswith("stored 1, tickets opened 1,")
    assert loaded & NOT_FOR_INGEST == set()


def test_the_mailbox_command_offers_every_after_fetch_choice() -> None:
    assert tuple(a.value for a in AfterFetch) == AFTER_FETCH
    assert AFTER_FETCH[0] == AfterFetch.flag
