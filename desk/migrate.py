"""Alembic, driven from code: ``desk serve`` and the tests upgrade the same way."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from desk import ROOT

SCRIPT_LOCATION = ROOT / "desk" / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
