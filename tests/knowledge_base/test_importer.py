"""Importing a folder of Markdown articles with YAML front matter."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.importer import read_folder

GOOD = """---
title: Reset your password
locale: en
category: account
tags: [password, login]
---

Click **Forgot password**.
"""


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_bad_files_are_reported_by_name_and_line_and_the_rest_import(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "bad-yaml.md", "---\ntitle: One\nlocale: en\ncategory: [unclosed\n---\nbody\n")
    write(tmp_path, "bad-locale.md", "---\ntitle: Two\ncategory: a\nlocale: fr\n---\nbody\n")
    write(tmp_path, "no-front-matter.md", "# Just markdown\n")
    write(tmp_path, "no-title.md", "---\nlocale: en\ncategory: a\n---\nbody\n")
    articles, problems = read_folder(tmp_path)
    assert [a.source_key for a in articles] == ["good.md"]
    found = {(p.path, p.line) for p in problems}
    assert ("bad-locale.md", 4) in found
    assert ("no-front-matter.md", 1) in found
    assert ("no-title.md", 1) in found
    yaml_problem = next(p for p in problems if p.path == "bad-yaml.md")
    assert yaml_problem.line in (4, 5) and "YAML" in yaml_problem.message
    assert str(next(p for p in problems if p.path == "bad-locale.md")).startswith("bad-locale.md:4: ")


def test_fields_and_defaults(tmp_path: Path) -> None:
    write(tmp_path, "sub/密码.md", GOOD.replace("Reset your password", "如何重置密码")
          .replace("locale: en", "locale: zh-CN\ntranslation_of: ../reset"))
    (article,), problems = read_folder(tmp_path)
    assert problems == []
    assert article.source_key == "sub/密码.md"
    assert (article.title, article.locale, article.slug) == ("如何重置密码", "zh-CN", "如何重置密码")
    assert (article.status, article.visibility) == ("published", "public")
    assert article.tags == ["password", "login"]
    assert article.body_markdown.strip() == "Click **Forgot password**."
    assert article.to_doc(7).id == 7


def test_reimport_is_idempotent_by_source_key(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b/c.md", GOOD.replace("Reset your password", "Second"))
    store: dict[str, str] = {}
    for _ in range(2):
        articles, _ = read_folder(tmp_path)
        for article in articles:
            store[article.source_key] = article.title
    assert store == {"a.md": "Reset your password", "b/c.md": "Second"}
    write(tmp_path, "a.md", GOOD.replace("Reset your password", "Edited"))
    articles, _ = read_folder(tmp_path)
    assert {a.source_key: a.title for a in articles} == {"a.md": "Edited", "b/c.md": "Second"}


def test_the_demo_knowledge_base_imports_cleanly() -> None:
    demo = Path(__file__).resolve().parents[2] / "knowledge_base" / "demo"
    articles, problems = read_folder(demo)
    assert problems == []
    assert len(articles) >= 60
    locales = [a.locale for a in articles]
    assert locales.count("zh-CN") >= 25 and locales.count("en") >= 25
    keys = {a.source_key for a in articles}
    translations = [a for a in articles if a.translation_of]
    assert len(translations) >= 5 and all(a.translation_of in keys for a in translations)
    assert any(a.status == "draft" for a in articles) and any(a.visibility == "internal" for a in articles)
