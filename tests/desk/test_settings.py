"""Settings: typed, documented, secrets hidden."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desk.settings import DOCUMENTED, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_read_is_documented_in_the_readme() -> None:
    source = (ROOT / "desk" / "settings.py").read_text()
    read = set(re.findall(r'"(DESK_[A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    assert read == set(DOCUMENTED)
    missing = [name for name in read if f"`{name}`" not in readme]
    assert missing == []


def test_secret_key_is_hidden_in_repr() -> None:
    settings = load_settings({"DESK_SECRET_KEY": "s3cr3t-value"})
    assert "s3cr3t-value" not in repr(settings)
    assert settings.secret_key == "s3cr3t-value"


def test_bad_number_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="DESK_FORM_RATE_LIMIT"):
        load_settings({"DESK_FORM_RATE_LIMIT": "lots"})


def test_defaults_are_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"DESK_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'desk.db'}"
    assert settings.redis_url is None and settings.is_sqlite
