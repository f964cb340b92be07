"""The processes a benchmark runs against: desk serve/worker, a throw-away database, Redis.

Everything here is started in a fresh temporary folder and torn down afterwards, so a
benchmark never touches a developer's ``var/`` or a shared database.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS_SERVER = "redis://127.0.0.1:6379"
REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "desk-bench-secret-key-not-for-production"


def say(*parts: object) -> None:
    """Progress for the person watching; stdout is kept for the one JSON line."""
    print("[bench]", *parts, file=sys.stderr, flush=True)


def desk_command() -> list[str]:
    beside = Path(sys.executable).with_name("desk")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("desk")
    if found is None:
        raise SystemExit("cannot find the desk command: run with the project's .venv/bin/python")
    return [found]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def desk_env(data_dir: Path, database_url: str | None = None, redis_url: str | None = None,
             **extra: str) -> dict[str, str]:
    """A clean environment: no DESK_* setting leaks in from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env["DESK_DATA_DIR"] = str(data_dir)
    env["DESK_SECRET_KEY"] = SECRET_KEY
    if database_url:
        env["DESK_DATABASE_URL"] = database_url
    if redis_url:
        env["DESK_REDIS_URL"] = redis_url
    env.update(extra)
    return env


def run_desk(args: list[str], env: dict[str, str]) -> str:
    """Run a short desk command (migrate, user add) and return what it printed."""
    done = subprocess.run([*desk_command(), "--log-level", "WARNING", *args], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"desk {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


class DeskProcess:
    """One long-running ``desk serve`` or ``desk worker``, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path,
                 port: int | None = None, command: list[str] | None = None) -> None:
        self.args = args
        self.port = port
        self.log_path = log_path
        self._log: IO[bytes] = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command or [*desk_command(), "--log-level", "WARNING", *args], env=env,
            stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO)

    @classmethod
    def serve(cls, env: dict[str, str], folder: Path, port: int) -> DeskProcess:
        return cls(["serve", "--host", "127.0.0.1", "--port", str(port)], env,
                   folder / f"serve-{port}.log", port)

    @classmethod
    def bare(cls, env: dict[str, str], folder: Path, port: int, database: Path) -> DeskProcess:
        """bench/bare_form.py: a bare Starlette form under uvicorn as desk serve runs Desk."""
        command = [sys.executable, "-m", "bench.bare_form", "--port", str(port),
                   "--database", str(database)]
        return cls(["bare"], env, folder / f"bare-{port}.log", port, command)

    def wait_idle(self, timeout: float = 20.0, busy_s: float = 0.05) -> None:
        """Wait until start-up work (desk serve loads jieba, checks its search index) is
        over: less than ``busy_s`` of CPU in half a second."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - last < busy_s:
                return
            last = now

    @classmethod
    def worker(cls, env: dict[str, str], folder: Path) -> DeskProcess:
        return cls(["worker"], env, folder / "worker.log")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Poll /healthz until it answers 200."""
        assert self.port is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"desk {self.args[0]} exited ({self.proc.returncode}):\n"
                                 f"{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"desk serve on port {self.port} not healthy after {timeout}s:\n"
                         f"{self.log_tail()}")

    def status_kb(self, field: str) -> int:
        """A size line of /proc/<pid>/status (VmRSS, VmHWM) in kB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        """The server's CPU with its child processes' (desk serve's form intake)."""
        return tree_cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process, its children alive (recursively) and those it has waited for."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    total = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                total += tree_cpu_seconds(int(child))
            except OSError:  # it ended meanwhile
                continue
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


def busy_percent(before: tuple[int, int], after: tuple[int, int]) -> float:
    busy, total = after[0] - before[0], after[1] - before[1]
    return round(100.0 * busy / total, 1) if total else 0.0


class PostgresDatabase:
    """A fresh ``desk_bench_<random>`` database, dropped by drop(); or, from named(), one that
    exists already."""

    def __init__(self, name: str | None = None) -> None:
        import psycopg

        self.name = name or f"desk_bench_{secrets.token_hex(4)}"
        if name is None:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                                 autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = f"{PG_SERVER}/{self.name}"

    @classmethod
    def named(cls, name: str) -> PostgresDatabase:
        """The existing database ``name`` (a bench keeps it between runs)."""
        return cls(name)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{self.name}") as conn:
            return list(conn.execute(sql).fetchall())

    def drop(self) -> None:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass(frozen=True)
class Scratch:
    """Where one bench run keeps its desk: a temporary folder and, on PostgreSQL, a fresh
    database (``pg``); ``database_url`` is the one the run's engine or ``desk`` uses."""

    folder: Path
    pg: PostgresDatabase | None

    @property
    def database_url(self) -> str:
        return self.pg.url if self.pg else f"sqlite:///{self.folder / 'desk.db'}"


@contextmanager
def scratch(backend: str, prefix: str) -> Iterator[Scratch]:
    """A scratch folder (and database for ``backend`` "postgres"), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    pg: PostgresDatabase | None = None
    try:
        if backend == "postgres":
            pg = PostgresDatabase()
            say(f"database {pg.name}")
        yield Scratch(folder, pg)
    finally:
        if pg is not None:
            pg.drop()
        shutil.rmtree(folder, ignore_errors=True)


def sqlite_rows(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "desk.db", timeout=30) as conn:
        return list(conn.execute(sql).fetchall())


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
