"""`desk kb import|reindex|check` against the test database, and the demo's 70 articles."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from desk.cli.main import main
from desk.db import Database, commit
from desk.demo.articles import DEMO_ARTICLES, load_demo_articles
from desk.jobs.runner import due_jobs, execute_job
from desk.kb_index import index_folder, search_kb
from desk.models import Article, KbCategory
from desk.settings import Settings


@pytest.fixture(autouse=True)
def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_SECRET_KEY", "test-secret")
    yield


def _write(folder: Path, name: str, front: str, body: str = "Some text.\n") -> None:
    (folder / name).write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")


def _articles(db: Database) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Article)).one()


def test_import_prints_counts_and_problems_and_fails_only_after_importing_the_rest(
        db: Database, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    _write(folder, "refund.md", "title: Ask for a refund\nlocale: en\ncategory: billing\n",
           "Open the order and choose Refund.\n")
    _write(folder, "broken.md", "title: Broken\nlocale: klingon\ncategory: billing\n")
    assert main(["kb", "import", str(folder)]) == 1
    out = capsys.readouterr()
    assert "broken.md:3: 'locale' must be one of en, zh-CN" in out.err
    assert "1 created, 0 updated, 0 unchanged, 1 problems" in out.out
    # Indexed right away: searchable without a worker.
    assert [h.title for h in search_kb(db, settings, "refund").hits] == ["Ask for a refund"]

    (folder / "broken.md").unlink()
    assert main(["kb", "import", str(folder)]) == 0
    assert "0 created, 0 updated, 1 unchanged, 0 problems" in capsys.readouterr().out
    assert _articles(db) == 1


def test_import_of_something_that_is_not_a_folder_fails(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "import", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_reindex_and_check_rebuild_a_lost_index(db: Database, settings: Settings, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    _write(folder, "a.md", "title: Track your parcel\nlocale: en\ncategory: shipping\n")
    _write(folder, "b.md", "title: Lost parcel\nlocale: en\ncategory: shipping\nstatus: draft\n")
    assert main(["kb", "import", str(folder)]) == 0
    shutil.rmtree(index_folder(settings))
    assert main(["kb", "check"]) == 0
    assert "index missing" in capsys.readouterr().out
    assert main(["kb", "reindex"]) == 0
    assert "rebuilt: 1 published articles" in capsys.readouterr().out
    assert main(["kb", "check"]) == 0
    assert "index up to date: 1 articles" in capsys.readouterr().out


def test_the_demo_brings_its_articles_once_and_they_are_searchable(db: Database, settings: Settings) -> None:
    shipped = len(list(DEMO_ARTICLES.glob("*.md")))
    with db.session() as s:
        first = load_demo_articles(s, settings)
        commit(s)
    assert (first.created, first.problems) == (shipped, [])
    with db.session() as s:
        again = load_demo_articles(s, settings)
        commit(s)
        assert (again.created, again.updated, again.unchanged) == (0, 0, shipped)
        billing = s.exec(select(KbCategory).where(KbCategory.slug == "billing")).one()
        assert billing.name_zh == "账单与付款"
        grouped = s.exec(select(func.count()).select_from(Article).where(
            Article.translation_group != None)).one()  # noqa: E711
        assert grouped >= 20
    assert _articles(db) == shipped
    for job_id in due_jobs(db):
        job = execute_job(db, job_id)
        assert job is not None and job.status == "done"
    assert search_kb(db, settings, "退款", locale="zh-CN").hits
    assert search_kb(db, settings, "cancel my subscription", locale="en").hits
    internal = search_kb(db, settings, "escalating a shipping claim", include_internal=True).hits
    public = search_kb(db, settings, "escalating a shipping claim").hits
    assert {h.id for h in internal} - {h.id for h in public}
