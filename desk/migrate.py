"""Alembic, driven from code: ``desk serve`` and the tests upgrade the same way.

Every ``desk`` command upgrades first, and nearly always there is nothing to do: the revision
in ``alembic_version`` is compared with the head read from the migration scripts' text, and
alembic (about 70 ms to import) loads only when they differ."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from desk import ROOT

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = ROOT / "desk" / "migrations"
# `revision: str = '0008'` and `down_revision: Union[str, None] = '0007'` (or a tuple for a
# merge) as alembic writes them at the top level of a script; not the docstring's "Revision ID".
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revisions() -> frozenset[str] | None:
    """The revisions no script revises (alembic's heads), from the scripts' text without
    loading alembic; None when a script is not written the way this reads them."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (SCRIPT_LOCATION / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        revised.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - revised) or None


def at_head(engine: Engine) -> bool:
    """Whether the database holds the newest schema already (False when it has no
    alembic_version table yet, or when the head cannot be read without alembic)."""
    heads = head_revisions()
    if heads is None:
        return False
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return frozenset(current) == heads
    except DBAPIError:  # no such table: a new database
        return False


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    if at_head(engine):
        return
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
