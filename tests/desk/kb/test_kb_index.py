"""The desk's search index: fed by the job after every save, rebuilt when missing, damaged or
stale, and never showing drafts, archived or internal articles to the public."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from sqlmodel import select

from desk.actions.audit import Actor
from desk.actions.kb.articles import (
    ArticleInput,
    create_article,
    create_category,
    save_synonyms,
    update_article,
)
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.kb_index import (
    ensure_index,
    ensure_index_in_background,
    index_folder,
    kb_index,
    refresh_synonyms,
    reindex,
    search_kb,
    suggest_kb,
)
from desk.models import Article, Job, User
from desk.settings import Settings
from knowledge_base import store


@pytest.fixture
def writer(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("supervisor", name="Sue Writer")  # type: ignore[no-any-return]


def _run_jobs(db: Database) -> list[str]:
    """Run every due job as the runner would; the names of those that ran."""
    ran = []
    for job_id in due_jobs(db):
        job = execute_job(db, job_id)
        assert job is not None and job.status == "done", job and job.last_error
        ran.append(job.name)
    return ran


def _save(db: Database, writer: User, title: str, body: str, **fields: object) -> int:
    data = ArticleInput(title=title, body_markdown=body, status="published")
    for key, value in fields.items():
        setattr(data, key, value)
    with db.session() as s:
        article = create_article(s, Actor.of_user(writer), writer, data)
        commit(s)
    assert article.id is not None
    return article.id


def _ids(db: Database, settings: Settings, query: str, **options: object) -> list[int]:
    return [h.id for h in search_kb(db, settings, query, **options).hits]  # type: ignore[arg-type]


def _corrupt(settings: Settings) -> None:
    generation = store.current_generation(index_folder(settings))
    assert generation is not None
    for path in generation.iterdir():
        if path.suffix in (".seg", ".toc", ".trm", ".pst", ".fdt"):
            path.write_bytes(b"\0garbage" * 10)


def test_an_article_is_found_once_its_job_has_run(db: Database, settings: Settings, writer: User) -> None:
    article_id = _save(db, writer, "Ask for a refund", "Open the order and choose **Refund**.")
    assert _run_jobs(db) == ["kb_index_articles"]
    assert _ids(db, settings, "refund") == [article_id]
    assert _ids(db, settings, "money back") == [article_id]  # the shipped synonyms
    hit = search_kb(db, settings, "refund").hits[0]
    assert hit.slug == "ask-for-a-refund" and "<mark>" in hit.snippet


def test_chinese_articles_are_found_by_chinese_words(db: Database, settings: Settings,
                                                     writer: User) -> None:
    article_id = _save(db, writer, "无法登录怎么办", "如果您登不上账户，请重置密码。", locale="zh-CN")
    _run_jobs(db)
    assert _ids(db, settings, "登录", locale="zh-CN") == [article_id]
    assert _ids(db, settings, "登录", locale="en") == []
    assert [h.id for h in suggest_kb(db, settings, "无法登").hits] == [article_id]


def test_drafts_archived_and_internal_articles_never_reach_public_search(
        db: Database, settings: Settings, writer: User) -> None:
    public = _save(db, writer, "Printer setup", "Connect the printer by cable.")
    draft = _save(db, writer, "Printer drivers", "Install the printer driver.", status="draft")
    internal = _save(db, writer, "Printer escalation", "Call the printer vendor.", visibility="internal")
    _run_jobs(db)
    assert _ids(db, settings, "printer") == [public]
    assert set(_ids(db, settings, "printer", include_internal=True)) == {public, internal}
    assert draft not in _ids(db, settings, "printer drivers", include_internal=True)
    with db.session() as s:
        article = s.get(Article, public)
        assert article is not None
        update_article(s, Actor.of_user(writer), writer, article, ArticleInput(
            title=article.title, body_markdown=article.body_markdown, status="archived"))
        commit(s)
    _run_jobs(db)
    assert _ids(db, settings, "printer") == []


def test_category_filter_uses_the_category_slug(db: Database, settings: Settings, writer: User) -> None:
    with db.session() as s:
        billing = create_category(s, Actor.of_user(writer), "Billing")
        commit(s)
    in_billing = _save(db, writer, "Invoice copies", "Download an invoice.", category_id=billing.id)
    _save(db, writer, "Invoice address", "Change the invoice address.")
    _run_jobs(db)
    assert _ids(db, settings, "invoice", category="billing") == [in_billing]


def test_a_deleted_index_answers_empty_queues_a_rebuild_and_comes_back(
        db: Database, settings: Settings, writer: User) -> None:
    article_id = _save(db, writer, "Track your parcel", "Use the tracking number.")
    _run_jobs(db)
    shutil.rmtree(index_folder(settings))
    kb_index(settings).open()  # the process notices at once instead of within a second
    assert search_kb(db, settings, "parcel").hits == []
    assert search_kb(db, settings, "parcel").hits == []
    with db.session() as s:
        assert [j.name for j in s.exec(select(Job).where(Job.status == "queued"))] == ["kb_reindex"]
    assert _run_jobs(db) == ["kb_reindex"]
    assert _ids(db, settings, "parcel") == [article_id]


def test_a_damaged_index_answers_empty_and_is_rebuilt_by_the_queued_job(
        db: Database, settings: Settings, writer: User) -> None:
    article_id = _save(db, writer, "Track your parcel", "Use the tracking number.")
    _run_jobs(db)
    _corrupt(settings)
    kb_index(settings).open()
    assert search_kb(db, settings, "parcel").hits == []
    assert suggest_kb(db, settings, "parc").hits == []
    assert _run_jobs(db) == ["kb_reindex"]
    assert _ids(db, settings, "parcel") == [article_id]


# A writer killed mid-update (its changes uncommitted) and one killed mid-rebuild (a new
# generation written but never published): what a crash while writing leaves behind.
_CRASHING_WRITER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from whoosh import index as windex
    from knowledge_base import store
    from knowledge_base.index import KbIndex
    folder, cache = Path(sys.argv[1]), Path(sys.argv[2])
    kb = KbIndex(folder, cache_dir=cache)
    with store.write_lock(folder):
        live = store.current_generation(folder)
        writer = windex.open_dir(str(live), schema=kb.schema).writer()
        writer.delete_by_term("id", sys.argv[3])
        fresh = store.new_generation(folder)
        windex.create_in(str(fresh), kb.schema).writer().add_document(id="999")
        os._exit(9)
""")


def test_a_writer_killed_mid_write_leaves_a_working_index(db: Database, settings: Settings,
                                                          writer: User) -> None:
    first = _save(db, writer, "Track your parcel", "Use the tracking number.")
    _run_jobs(db)
    folder = index_folder(settings)
    crashed = subprocess.run([sys.executable, "-c", _CRASHING_WRITER, str(folder),
                              str(settings.data_dir / "jieba"), str(first)], check=False)
    assert crashed.returncode == 9
    assert len([p for p in folder.iterdir() if p.name.startswith("gen-")]) == 2
    assert ensure_index(db, settings) == "index up to date: 1 articles"
    assert _ids(db, settings, "parcel") == [first]
    # The lock died with the writer: the next save is indexed at once.
    second = _save(db, writer, "Lost parcel", "Report a parcel that did not arrive.")
    _run_jobs(db)
    assert set(_ids(db, settings, "parcel")) == {first, second}
    reindex(db, settings)
    assert len([p for p in folder.iterdir() if p.name.startswith("gen-")]) == 1


def test_ensure_index_rebuilds_a_missing_damaged_or_stale_index(
        db: Database, settings: Settings, writer: User) -> None:
    first = _save(db, writer, "Track your parcel", "Use the tracking number.")
    assert ensure_index(db, settings).startswith("index missing")
    assert ensure_index(db, settings) == "index up to date: 1 articles"
    _corrupt(settings)
    assert ensure_index(db, settings).startswith("index corrupt")
    assert _ids(db, settings, "parcel") == [first]
    # Saved while no job ran (a crash before the job): the index is stale.
    second = _save(db, writer, "Lost parcel", "Report a parcel that did not arrive.")
    assert ensure_index(db, settings) == "index was stale: rebuilt with 2 articles"
    assert set(_ids(db, settings, "parcel")) == {first, second}


def test_start_up_builds_a_missing_index_in_the_background(db: Database, settings: Settings,
                                                           writer: User) -> None:
    article_id = _save(db, writer, "Track your parcel", "Use the tracking number.")
    ensure_index_in_background(db, settings).join(timeout=60)
    assert _ids(db, settings, "parcel") == [article_id]
    with db.session() as s:  # nothing left for a job to do
        assert s.exec(select(Job).where(Job.name == "kb_reindex")).all() == []


def test_the_job_repairs_a_damaged_index_by_rebuilding(db: Database, settings: Settings,
                                                       writer: User) -> None:
    first = _save(db, writer, "Track your parcel", "Use the tracking number.")
    _run_jobs(db)
    _corrupt(settings)
    second = _save(db, writer, "Lost parcel", "Report a parcel that did not arrive.")
    _run_jobs(db)
    assert set(_ids(db, settings, "parcel")) == {first, second}


def test_reindex_counts_only_published_articles(db: Database, settings: Settings, writer: User) -> None:
    _save(db, writer, "One", "First article.")
    _save(db, writer, "Two", "Second article.")
    _save(db, writer, "Three", "Not yet.", status="draft")
    assert reindex(db, settings) == 2


def test_edited_synonyms_apply_without_a_reindex(db: Database, settings: Settings, writer: User) -> None:
    article_id = _save(db, writer, "Parcel lockers", "Collect your order from a locker.")
    _run_jobs(db)
    assert _ids(db, settings, "zorblat") == []
    with db.session() as s:
        save_synonyms(s, Actor.of_user(writer), "locker, zorblat\n")
        commit(s)
    refresh_synonyms(db, settings)  # other processes look within seconds
    assert _ids(db, settings, "zorblat") == [article_id]


def test_any_text_is_a_sensible_query(db: Database, settings: Settings, writer: User) -> None:
    _save(db, writer, "Ask for a refund", "Open the order.")
    _run_jobs(db)
    for query in ["", "title:", "*", "AND OR NOT", '"unbalanced', "((", "refund)", "x" * 10_000]:
        assert isinstance(search_kb(db, settings, query).hits, list)
        assert isinstance(suggest_kb(db, settings, query).hits, list)
