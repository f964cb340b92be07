"""`desk customers import FILE.csv`: counts printed, errors written, --map and --dry-run."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select

from desk.cli.main import main
from desk.db import Database
from desk.models import Customer, Organization
from desk.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "customers"


@pytest.fixture(autouse=True)
def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_SECRET_KEY", "test-secret")
    yield


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_import_prints_the_counts_and_writes_the_lines_in_error(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = tmp_path / "errors.csv"

    status = main(["customers", "import", str(FIXTURES / "bad_rows.csv"), "--errors", str(errors)])

    out = capsys.readouterr().out
    assert status == 0
    assert "2 created, 0 updated, 0 unchanged, 1 duplicate lines merged, 3 errors" in out
    rows = list(csv.reader(errors.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[-2] for r in rows[1:]] == ["3", "4", "7"]
    assert _count(db, Customer) == 2


def test_without_an_errors_file_the_first_errors_go_to_stderr(
        db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    main(["customers", "import", str(FIXTURES / "bad_rows.csv")])

    err = capsys.readouterr().err
    assert "line 4 (Phone): not-a-phone is not a valid phone number." in err


def test_map_option_ignores_a_column_and_dry_run_writes_nothing(
        db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "bad_rows.csv")
    assert main(["customers", "import", path, "--dry-run"]) == 0
    assert "dry run: 2 created" in capsys.readouterr().out
    assert _count(db, Customer) == 0

    assert main(["customers", "import", path, "--map", "Company=", "--map", "tier="]) == 0

    assert _count(db, Customer) == 3  # Ken's bad tier is no longer read
    assert _count(db, Organization) == 0


def test_unreadable_file_or_unknown_column_exits_2(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"name,email\n\x80\x80\xff\n")

    assert main(["customers", "import", str(garbled)]) == 2
    assert main(["customers", "import", str(FIXTURES / "bad_rows.csv"), "--map", "Nope=name"]) == 2
    assert main(["customers", "import", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert "neither UTF-8" in err and "No column is named Nope" in err
