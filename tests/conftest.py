"""Fixtures: a real database per test (SQLite file, or PostgreSQL when
DESK_TEST_BACKEND=postgres), the app, signed-in clients, and data made by the
real actions."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlmodel import Session, SQLModel
from starlette.testclient import TestClient

import desk.models  # noqa: F401
from desk.actions.audit import SYSTEM
from desk.actions.users import create_user
from desk.app import create_app
from desk.db import Database, commit, make_engine
from desk.migrate import upgrade
from desk.models import User
from desk.settings import Settings, load_settings
from tests.mail_servers import Dovecot, ImapLogin, dovecot_binary
from tests.smtp_server import SmtpServer

BACKEND = os.environ.get("DESK_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "DESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("DESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault tests first (a stable sort: the rest keep their order). They mostly wait (a
    minute without Redis, a killed worker's leases): begun first, a pytest-xdist run overlaps
    them with the rest instead of ending on them in one worker while the other is idle."""
    items.sort(key=lambda item: item.path.name != "test_faults.py")


def redis_test_url() -> str:
    """A Redis database of its own for one test (1-14, taken in turn through a counter in
    database 15), so tests running at the same time (the SQLite and PostgreSQL runs, or
    several test processes) never flush each other's queue."""
    import redis

    base = REDIS_URL.rsplit("/", 1)[0]
    try:
        with redis.Redis.from_url(f"{base}/15") as counter:
            turn = int(counter.incr("desk-test-redis-db"))
    except redis.RedisError:  # unreachable: the caller's own connection says so (or skips)
        turn = 0
    return f"{base}/{1 + turn % 14}"


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database made once per run: a SQLite file to copy, or a PG database."""
    if BACKEND == "postgres":
        name = f"desk_test_{secrets.token_hex(4)}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("CI") == "true":
                raise
            pytest.skip(f"PostgreSQL is not reachable: {exc}")
        engine = make_engine(_pg_url(name))
        upgrade(engine)
        engine.dispose()
        yield _pg_url(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "desk.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield str(path)


@pytest.fixture
def settings(tmp_path: Path, template_db: str) -> Settings:
    data = tmp_path / "var"
    data.mkdir()
    env = {"DESK_DATA_DIR": str(data), "DESK_SECRET_KEY": "test-secret",
           "DESK_FORM_RATE_LIMIT": "1000", "DESK_BASE_URL": "http://testserver"}
    if BACKEND == "postgres":
        env["DESK_DATABASE_URL"] = template_db
    else:
        shutil.copy(template_db, data / "desk.db")
    return load_settings(env)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    if BACKEND == "postgres":
        with database.engine.begin() as conn:
            conn.execute(text(_emptying_sql(conn)))
    database.dispose()


_EMPTYING: list[str] = []


def _emptying_sql(conn: Connection) -> str:
    """What empties a test's PostgreSQL database as TRUNCATE ... RESTART IDENTITY CASCADE
    would (every table but alembic_version; each sequence a column owns back at its start),
    at a tenth of the cost: TRUNCATE makes new files for every table and index, about 0.2 s
    a test (0.4 s under load), a third of the PostgreSQL run's time. Rows go with DELETE,
    referencing tables first (the search tables of migration 0014 are not in the metadata)."""
    if not _EMPTYING:
        known = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
        present = set(conn.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
        tables = sorted(present - set(known) - {"alembic_version"}) + [t for t in known if t in present]
        sequences = conn.execute(text(
            "SELECT s.oid::regclass::text, q.seqstart FROM pg_class s"
            " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid AND t.relkind = 'r'"
            " JOIN pg_sequence q ON q.seqrelid = s.oid WHERE s.relkind = 'S'")).all()
        restarts = ", ".join(f"setval('{name}', {start}, false)" for name, start in sequences)
        _EMPTYING.append("".join(f'DELETE FROM "{t}";' for t in tables)
                         + (f"SELECT {restarts}" if restarts else ""))
    return _EMPTYING[0]


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


@pytest.fixture
def app_factory(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    def make(**overrides: object):  # type: ignore[no-untyped-def]
        return create_app(replace(settings, **overrides) if overrides else settings, db,
                          run_jobs=False)
    return make


@pytest.fixture
def client(app_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app_factory()) as c:
        yield c


@pytest.fixture
def make_user(db: Database):  # type: ignore[no-untyped-def]
    def make(role: str = "agent", email: str | None = None, name: str = "Ana Agent",
             locale: str = "en") -> User:
        with db.session() as s:
            user = create_user(s, SYSTEM, email or f"{role}-{secrets.token_hex(3)}@desk.test",
                               name, role, PASSWORD, locale=locale)
            commit(s)
            return user
    return make


def sign_in(client: TestClient, user: User) -> TestClient:
    page = client.get("/agent/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/agent/login", data={"email": user.email, "password": PASSWORD,
                                                  "csrf_token": token, "next": "/agent/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient, path: str = "/agent/") -> str:
    page = client.get(path)
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def agent_client(client: TestClient, make_user) -> TestClient:  # type: ignore[no-untyped-def]
    return sign_in(client, make_user("agent"))


@pytest.fixture(autouse=True)
def _root_logging_kept() -> Iterator[None]:
    """`desk.cli.main.main` configures logging (replacing the root handlers with one bound to the
    test's stderr): put pytest's handlers and level back so later tests log normally."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `desk` command, run in-process by a test, uses this test's database and folder."""
    monkeypatch.setenv("DESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_SECRET_KEY", "test-secret")


# A real IMAP server: one Dovecot per run, a fresh account per test.

@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
    server = Dovecot()
    try:
        server.start(binary)
        yield server
    finally:
        server.remove()


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> ImapLogin:
    """An empty mailbox of its own for each test (user `supportN`, password `secret`)."""
    return dovecot_server.account()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) that keeps what it accepts; login `desk` / `smtp-secret`."""
    server = SmtpServer(user="desk", password="smtp-secret").start()
    try:
        yield server
    finally:
        server.stop()
