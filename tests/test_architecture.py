"""Dependencies point one way (DESIGN.md): a forbidden import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in forbidden or name.startswith(forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_channels_import_nothing_from_desk() -> None:
    assert _violations("channels", ("desk",)) == []


def test_actions_and_queries_know_nothing_of_the_web_or_jobs() -> None:
    forbidden = ("desk.web", "desk.jobs", "desk.cli", "starlette")
    assert _violations("desk/actions", forbidden) == []
    assert _violations("desk/queries", forbidden) == []


def test_models_have_no_side_effects_imports() -> None:
    assert _violations("desk/models", ("desk.actions", "desk.web", "desk.jobs", "channels")) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from desk.models import Ticket\n")
    assert "desk.models" in _imports(bad)
