"""Knowledge-base actions: articles with revisions, audit and index jobs; validation; categories;
feedback and deflection counts; the synonym list; importing a folder of Markdown files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM, Actor
from desk.actions.kb.articles import (
    ArticleInput,
    KbError,
    can_write,
    create_article,
    create_category,
    record_deflection,
    record_feedback,
    record_view,
    save_synonyms,
    update_article,
)
from desk.actions.kb.imports import import_folder
from desk.db import Database, commit
from desk.models import Article, ArticleRevision, AuditEntry, Job, KbCategory, KbSynonyms, User
from desk.queries.kb.articles import (
    article_for,
    categories,
    kb_report,
    related_articles,
    revisions,
    translations,
)
from desk.settings import Settings


@pytest.fixture
def writer(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("supervisor", name="Sue Writer")  # type: ignore[no-any-return]


def _article(session: Session, writer: User, **overrides: object) -> Article:
    data = ArticleInput(title="Reset your password", body_markdown="Click **Forgot password**.",
                        status="published")
    for key, value in overrides.items():
        setattr(data, key, value)
    return create_article(session, Actor.of_user(writer), writer, data)


def _audit(session: Session, entity: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.entity == entity)
                             .order_by(col(AuditEntry.id))))


def test_create_article_writes_a_revision_an_audit_row_and_an_index_job(
        db: Database, writer: User) -> None:
    with db.session() as s:
        article = _article(s, writer, tags=["password", " login ", "password"])
        commit(s)
    with db.session() as s:
        saved = s.get(Article, article.id)
        assert saved is not None
        assert saved.slug == "reset-your-password"
        assert saved.tags == ["password", "login"]
        assert saved.published_at is not None
        assert [r.author_name for r in revisions(s, saved.id or 0)] == ["Sue Writer"]
        audit = _audit(s, "kb_article")
        assert [(a.action, a.actor_name) for a in audit] == [("created", "Sue Writer")]
        assert audit[0].changes["title"] == [None, "Reset your password"]
        jobs = list(s.exec(select(Job).where(Job.name == "kb_index_articles")))
        assert [j.args for j in jobs] == [{"article_ids": [saved.id]}]


def test_update_article_adds_a_revision_only_when_the_text_changes(db: Database, writer: User) -> None:
    with db.session() as s:
        article = _article(s, writer)
        data = ArticleInput(title="Reset your password", body_markdown="Click **Forgot password**.",
                            status="published", tags=["login"])
        update_article(s, Actor.of_user(writer), writer, article, data)  # tags only
        data.body_markdown = "Open the sign-in page and click **Forgot password**."
        update_article(s, Actor.of_user(writer), writer, article, data)
        update_article(s, Actor.of_user(writer), writer, article, data)  # nothing changed
        commit(s)
        assert len(revisions(s, article.id or 0)) == 2
        actions = [(a.action, sorted(a.changes)) for a in _audit(s, "kb_article")]
        assert actions[1:] == [("updated", ["tags"]), ("updated", ["body_markdown"])]
        assert revisions(s, article.id or 0)[0].body_markdown.startswith("Open the sign-in page")
        index_jobs = s.exec(select(Job).where(Job.name == "kb_index_articles")).all()
        assert len(index_jobs) == 3  # created, tags, text: the save that changed nothing queues none


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "   "}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"body_markdown": " \n"}, "body_markdown"),
    ({"locale": "fr"}, "locale"),
    ({"status": "live"}, "status"),
    ({"visibility": "secret"}, "visibility"),
    ({"category_id": 9999}, "category_id"),
    ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ({"translation_of": 9999}, "translation_of"),
])
def test_bad_input_is_refused_with_the_field_named(db: Database, writer: User,
                                                   changes: dict[str, object], field: str) -> None:
    with db.session() as s:
        with pytest.raises(KbError) as caught:
            _article(s, writer, **changes)
        assert caught.value.field == field
        assert s.exec(select(Article)).all() == []


def test_a_failed_update_leaves_the_article_as_it_was(db: Database, writer: User) -> None:
    with db.session() as s:
        article = _article(s, writer)
        with pytest.raises(KbError):
            update_article(s, Actor.of_user(writer), writer, article,
                           ArticleInput(title="New title", body_markdown="x", locale="de"))
        assert article.title == "Reset your password"


def test_only_writers_may_write(db: Database, make_user) -> None:  # type: ignore[no-untyped-def]
    agent = make_user("agent")
    assert not can_write(agent)
    with db.session() as s:
        with pytest.raises(KbError) as caught:
            _article(s, agent)
        assert caught.value.field == "author"
        agent.kb_writer = True
        assert can_write(agent)
        assert _article(s, agent).id is not None


def test_a_translation_joins_its_originals_group(db: Database, writer: User) -> None:
    with db.session() as s:
        original = _article(s, writer)
        chinese = _article(s, writer, title="重置密码", locale="zh-CN", translation_of=original.id)
        commit(s)
        assert chinese.slug == "重置密码"
        assert original.translation_group == original.id == chinese.translation_group
        assert [a.id for a in translations(s, original)] == [chinese.id]
        with pytest.raises(KbError) as caught:
            _article(s, writer, title="Reset again", translation_of=original.id)
        assert caught.value.field == "translation_of"


def test_categories_nest_one_level_deep(db: Database) -> None:
    with db.session() as s:
        billing = create_category(s, SYSTEM, "Billing", "账单")
        refunds = create_category(s, SYSTEM, "Refunds", parent_id=billing.id)
        create_category(s, SYSTEM, "Accounts")
        with pytest.raises(KbError):
            create_category(s, SYSTEM, "Partial refunds", parent_id=refunds.id)
        with pytest.raises(KbError):
            create_category(s, SYSTEM, "billing")
        assert [c.name for c in categories(s)] == ["Accounts", "Billing", "Refunds"]
        assert len(_audit(s, "kb_category")) == 3


def test_feedback_views_and_deflection_are_counted(db: Database, writer: User) -> None:
    with db.session() as s:
        article = _article(s, writer)
        other = _article(s, writer, title="Change your email")
        commit(s)
        assert article.id is not None and other.id is not None
        record_view(s, article.id)
        record_view(s, article.id)
        record_feedback(s, article.id, True)
        record_feedback(s, article.id, False, "Did not work on my phone")
        record_deflection(s, "suggested", [article.id, other.id, 99999], "visit-1")
        record_deflection(s, "suggested", [article.id], "visit-1")  # same visit: counted once
        record_deflection(s, "opened", [article.id], "visit-1")
        record_deflection(s, "suggested", [article.id], "visit-2")
        with pytest.raises(KbError):
            record_deflection(s, "clicked", [article.id], "visit-1")
        commit(s)
    with db.session() as s:
        stats = {r.article_id: r for r in kb_report(s)}
        row = stats[article.id]
        assert (row.views, row.helpful_yes, row.helpful_no) == (2, 1, 1)
        assert (row.suggested, row.opened, row.abandoned, row.submitted) == (2, 1, 0, 0)
        assert stats[other.id].suggested == 1


def test_unpublished_and_internal_articles_stay_hidden_from_the_public(
        db: Database, writer: User) -> None:
    with db.session() as s:
        draft = _article(s, writer, title="Draft", status="draft")
        internal = _article(s, writer, title="Escalation", visibility="internal", tags=["password"])
        public = _article(s, writer, tags=["password"])
        commit(s)
        assert article_for(s, draft.id or 0) is None
        assert article_for(s, draft.id or 0, include_unpublished=True) is not None
        assert article_for(s, internal.id or 0) is None
        assert article_for(s, internal.id or 0, include_internal=True) is not None
        assert related_articles(s, public) == []
        assert [a.id for a in related_articles(s, internal)] == [public.id]


def test_synonyms_are_validated_and_audited(db: Database, writer: User) -> None:
    with db.session() as s:
        with pytest.raises(KbError) as caught:
            save_synonyms(s, Actor.of_user(writer), "refund, money back\nlonely\n")
        assert caught.value.params == {"line": "2"}
        save_synonyms(s, Actor.of_user(writer), "# ours\nrefund, money back\n退款，退钱\n")
        commit(s)
        row = s.exec(select(KbSynonyms)).one()
        assert row.updated_by == "Sue Writer"
        assert _audit(s, "kb_synonyms")[0].changes == {"groups": [None, 2]}


# -- import --------------------------------------------------------------------------------------

def _write(folder: Path, name: str, front: str, body: str = "Some text.\n") -> None:
    (folder / name).write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(folder, "refund.md", "title: Ask for a refund\nlocale: en\ncategory: billing\n"
           "tags: [refund]\n")
    _write(folder, "refund-zh.md", "title: 申请退款\nlocale: zh-CN\ncategory: billing\n"
           "translation_of: refund\n", "在订单页面申请退款。\n")
    _write(folder, "draft.md", "title: Not yet\nlocale: en\ncategory: Shipping\nstatus: draft\n")
    return folder


def test_importing_a_folder_twice_never_duplicates(db: Database, settings: Settings,
                                                   tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with db.session() as s:
        first = import_folder(s, settings, SYSTEM, folder)
        commit(s)
    assert (first.created, first.updated, first.unchanged, first.problems) == (3, 0, 0, [])
    with db.session() as s:
        again = import_folder(s, settings, SYSTEM, folder)
        commit(s)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    with db.session() as s:
        articles = {a.source_key: a for a in s.exec(select(Article))}
        assert len(articles) == 3
        assert articles["refund-zh.md"].translation_group == articles["refund.md"].id
        assert {c.slug for c in s.exec(select(KbCategory))} == {"billing", "shipping"}
        assert len(s.exec(select(ArticleRevision)).all()) == 3


def test_a_changed_file_updates_its_article_with_a_revision(db: Database, settings: Settings,
                                                           tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with db.session() as s:
        import_folder(s, settings, SYSTEM, folder)
        commit(s)
    _write(folder, "refund.md", "title: Ask for a refund\nlocale: en\ncategory: billing\n",
           "Refunds take five days.\n")
    with db.session() as s:
        report = import_folder(s, settings, SYSTEM, folder)
        commit(s)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
        article = s.exec(select(Article).where(Article.source_key == "refund.md")).one()
        assert article.body_markdown == "Refunds take five days.\n"
        assert [r.body_markdown for r in revisions(s, article.id or 0)] == [
            "Refunds take five days.\n", "Some text.\n"]


def test_a_bad_file_is_reported_by_name_and_line_and_the_others_import(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _write(folder, "broken.md", "title: Broken\nlocale: en\ncategory: billing\nstatus: [oops\n")
    _write(folder, "french.md", "title: Bonjour\nlocale: fr\ncategory: billing\n")
    with db.session() as s:
        report = import_folder(s, settings, SYSTEM, folder)
        commit(s)
        assert report.created == 3
        assert [(p.path, p.line) for p in report.problems] == [("broken.md", 5), ("french.md", 3)]
        assert len(s.exec(select(Article)).all()) == 3


def test_a_translation_of_a_missing_file_is_reported_and_the_article_still_imports(
        db: Database, settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(folder, "orphan.md", "title: 孤儿\nlocale: zh-CN\ncategory: billing\ntranslation_of: gone\n")
    with db.session() as s:
        report = import_folder(s, settings, SYSTEM, folder)
        commit(s)
        assert report.created == 1
        assert [str(p) for p in report.problems] == [
            "orphan.md:5: 'translation_of' names gone.md, which is not in the knowledge base"]
