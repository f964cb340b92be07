"""Dependencies point one way (DESIGN.md): a forbidden import fails here. Web handlers are
thin: reads live in desk/queries, writes and commits in desk/actions, so a page module that
writes rows, commits or builds a query fails here too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Methods that write or end a transaction when called on a session or its connection.
SESSION_WRITES = ("add", "add_all", "delete", "flush", "execute")
SQL_WRITES = ("insert", "update", "delete")
SQL_MODULES = ("sqlalchemy", "sqlmodel")
# `session`, `self.session`, `session.connection()`, `conn`...; not Starlette's cookie
# session (`request.session`), which is a dict.
SESSIONISH = re.compile(r"(^|[._])(session|connection|conn|bind)(\(\))?$")


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


def _sql_names(tree: ast.AST) -> tuple[dict[str, str], set[str]]:
    """Local names of SQLAlchemy's select/insert/update/delete (``select as core_select``
    too), and the names the SQL modules themselves are imported as (``sqlalchemy as sa``)."""
    functions: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SQL_MODULES):
            for alias in node.names:
                if alias.name in ("select", *SQL_WRITES):
                    functions[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            modules.update(alias.asname or alias.name for alias in node.names
                           if alias.name.startswith(SQL_MODULES))
    return functions, modules


def _sql_call(node: ast.Call, functions: dict[str, str], modules: set[str]) -> str | None:
    """``select``, ``insert``... when the call builds that statement, else None."""
    func = node.func
    if isinstance(func, ast.Name) and func.id in functions:
        return functions[func.id]
    if (isinstance(func, ast.Attribute) and func.attr in ("select", *SQL_WRITES)
            and isinstance(func.value, ast.Name) and func.value.id in modules):
        return func.attr
    return None


def _data_access(path: Path) -> list[tuple[int, str]]:
    """(line, what) for each write, commit or SQL statement in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions, modules = _sql_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SQL_MODULES):
            found += [(node.lineno, f"imports {a.name} from {node.module}")
                      for a in node.names if a.name in SQL_WRITES]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        statement = _sql_call(node, functions, modules)
        if statement is not None:
            found.append((node.lineno, f"{statement}(...)"))
        elif isinstance(func, ast.Name) and func.id == "commit":
            found.append((node.lineno, "commit(...)"))
        elif isinstance(func, ast.Attribute):
            receiver = ast.unparse(func.value)
            if func.attr == "commit" or (
                    func.attr in SESSION_WRITES and SESSIONISH.search(receiver)
                    and not receiver.endswith("request.session")):
                found.append((node.lineno, f"{receiver}.{func.attr}(...)"))
    return sorted(found)


def _offenders(folder: str, reads: bool) -> dict[str, list[str]]:
    """Per module under ``folder``: its queries (``reads``) or its writes and commits."""
    offenders: dict[str, list[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        lines = [f"{line}: {what}" for line, what in _data_access(path)
                 if (what == "select(...)") == reads]
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    return offenders


def _listing(offenders: dict[str, list[str]]) -> str:
    return "".join(f"\n  {module}: " + "; ".join(lines) for module, lines in offenders.items())


def test_web_modules_neither_write_rows_nor_commit() -> None:
    """Writes belong in an action that does the whole use case and commits once."""
    offenders = _offenders("desk/web", reads=False)
    assert not offenders, "move these into desk/actions/<area>/:" + _listing(offenders)


def test_web_modules_build_no_queries() -> None:
    """Reads belong in desk/queries/<area>/ as get_*, list_*, access_* functions."""
    offenders = _offenders("desk/web", reads=True)
    assert not offenders, "move these into desk/queries/<area>/:" + _listing(offenders)


def test_the_checker_sees_a_forbidden_write(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import update\n"
                   "def save(session, seen, request):\n"
                   "    seen.add(1)\n"
                   "    request.session.clear()\n"
                   "    session.add(row)\n"
                   "    commit(session)\n")
    assert _data_access(bad) == [(1, "imports update from sqlalchemy"),
                                 (5, "session.add(...)"), (6, "commit(...)")]


def test_knowledge_base_imports_nothing_from_desk() -> None:
    assert _violations("knowledge_base", ("desk",)) == []


def test_queries_never_import_actions_and_actions_never_handlers() -> None:
    assert _violations("desk/queries", ("desk.actions", "desk.handlers", "desk.mail")) == []
    assert _violations("desk/actions", ("desk.handlers",)) == []


def _module_graph() -> dict[str, set[str]]:
    """Every module of the three packages -> the modules of theirs it imports, at the top of
    the file or inside a function alike (a function-level import hides a cycle, not ends it).
    `from package import submodule` is an arrow to the submodule, not to the package."""
    modules: dict[str, Path] = {}
    for top in ("desk", "channels", "knowledge_base"):
        for path in (ROOT / top).rglob("*.py"):
            if "versions" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        arrows: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                arrows.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = {f"{node.module}.{alias.name}" for alias in node.names}
                found = subs & modules.keys()
                arrows.update(found)
                if len(found) < len(subs):
                    arrows.add(node.module)
        graph[name] = {a for a in arrows if a in modules and a != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, arrows = work[-1]
            step = next(arrows, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_there_is_no_import_cycle() -> None:
    assert _cycles(_module_graph()) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
