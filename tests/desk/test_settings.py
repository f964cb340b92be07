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


def test_without_a_secret_key_one_is_made_at_random_and_kept_private(tmp_path: Path) -> None:
    first = load_settings({"DESK_DATA_DIR": str(tmp_path / "a")})
    again = load_settings({"DESK_DATA_DIR": str(tmp_path / "a")})
    other = load_settings({"DESK_DATA_DIR": str(tmp_path / "b")})
    assert first.secret_key == again.secret_key  # every process sharing the folder agrees
    assert first.secret_key != other.secret_key and len(first.secret_key) >= 32
    assert "desk-development-secret" not in first.secret_key
    key_file = tmp_path / "a" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_forged_private_link_signed_with_the_old_default_key_is_refused(tmp_path: Path) -> None:
    from desk.links import read_request_token, request_token

    settings = load_settings({"DESK_DATA_DIR": str(tmp_path)})
    forged = request_token("desk-development-secret-change-me", 1, 1)
    assert read_request_token(settings.secret_key, forged) is None


def test_an_explicit_secret_key_writes_no_file(tmp_path: Path) -> None:
    load_settings({"DESK_DATA_DIR": str(tmp_path), "DESK_SECRET_KEY": "x" * 40})
    assert not (tmp_path / "secret_key").exists()
