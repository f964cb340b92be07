"""Where a server's time goes: py-spy on a running process, summarised on stderr.

py-spy samples the process from outside (no code change, little overhead). The raw
collapsed stacks are kept for flame graphs; the summary lists the functions that
burn the most samples by themselves (self) and with their callees (inclusive), and
the share of each library.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.servers import REPO, say

# The first matching path fragment names the library a frame belongs to.
AREAS = (
    ("/desk/web/", "desk.web"), ("/desk/actions/", "desk.actions"),
    ("/desk/queries/", "desk.queries"), ("/desk/jobs/", "desk.jobs"), ("/desk/", "desk (other)"),
    ("/channels/", "channels"), ("/knowledge_base/", "knowledge_base"),
    ("sqlalchemy/", "sqlalchemy"), ("sqlmodel/", "sqlmodel"), ("psycopg", "psycopg"),
    ("sqlite3/", "sqlite3"), ("starlette/", "starlette"), ("uvicorn/", "uvicorn"),
    ("jinja2/", "jinja2"), ("multipart/", "python-multipart"), ("itsdangerous/", "itsdangerous"),
    ("babel/", "babel"), ("nh3", "nh3"), ("argon2", "argon2"), ("arq/", "arq"),
    ("redis/", "redis"), ("asyncio/", "asyncio"), ("anyio/", "anyio"),
    ("concurrent/", "threads"), ("threading.py", "threads"), ("email/", "email (stdlib)"),
    ("logging/", "logging"),
)


class PySpy:
    """``py-spy record`` of one process for the timed window of a benchmark."""

    def __init__(self, pid: int, folder: Path, rate: int = 100,
                 extra: tuple[str, ...] = ()) -> None:
        self.extra = extra
        self.pid = pid
        self.folder = folder
        self.rate = rate
        self.raw = folder / f"py-spy-{pid}.txt"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, seconds: float) -> None:
        exe = Path(sys.executable).with_name("py-spy")
        command = str(exe) if exe.exists() else shutil.which("py-spy")
        if command is None:
            say("py-spy is not installed: .venv/bin/pip install py-spy")
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # --threads would split stacks per thread; the summary wants them merged.
        self.proc = subprocess.Popen(
            [command, "record", "--pid", str(self.pid), "--duration", str(int(seconds)),
             "--rate", str(self.rate), "--format", "raw", "--output", str(self.raw),
             "--nonblocking", *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> None:
        """End the recording early (SIGINT makes py-spy write what it has)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)

    def report(self, top: int = 25) -> dict[str, object]:
        """Wait for the recording, print the summary on stderr and return it."""
        if self.proc is None:
            return {}
        _, err = self.proc.communicate(timeout=120)
        if not self.raw.exists():
            say(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")
            return {}
        summary = summarise(self.raw.read_text(), top)
        for line in format_summary(summary):
            print(line, file=sys.stderr)
        say(f"py-spy raw stacks: {self.raw} (flamegraph.pl or speedscope read them)")
        return summary


def _function(frame: str) -> str:
    """'handler (desk/web/public.py:42)' -> 'handler (desk/web/public.py)'."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.split(f"{REPO}/", 1)[-1]
    return f"{name} ({path})" if path else name


def _area(frame: str) -> str:
    for fragment, area in AREAS:
        if fragment in frame:
            return area
    return "other"


def summarise(raw: str, top: int) -> dict[str, object]:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if " (" in f]
        if not frames:
            continue
        total += n
        own[_function(frames[-1])] += n
        areas[_area(frames[-1])] += n
        for name in {_function(f) for f in frames}:
            inclusive[name] += n

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in counter.most_common(top)]

    return {"samples": total, "self": share(own), "inclusive": share(inclusive),
            "areas": share(areas)}


def format_summary(summary: dict[str, object]) -> list[str]:
    lines = [f"py-spy: {summary['samples']} samples of busy threads (idle excluded)"]
    for title in ("areas", "self", "inclusive"):
        lines.append(f"  {title} (% of samples):")
        rows = summary[title]
        assert isinstance(rows, list)
        lines.extend(f"    {pct:5.1f}  {name}" for name, pct in rows)
    return lines
