"""Where the index lives on disk: generations swapped in atomically, and one writer at a time.

``folder/CURRENT`` names the live generation (``gen-…``). A rebuild writes a fresh generation next to
it and replaces CURRENT with ``os.replace``, so a crash mid-rebuild leaves the old index untouched and
at worst an unreferenced folder, removed by the next rebuild.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

CURRENT = "CURRENT"
LOCK = "write.lock"
PREFIX = "gen-"


class WriterBusy(Exception):
    """Another process or thread holds the index's write lock."""


def current_generation(folder: Path) -> Path | None:
    try:
        name = (folder / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not name.startswith(PREFIX) or "/" in name:
        return None
    return folder / name


def new_generation(folder: Path) -> Path:
    path = folder / f"{PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def publish(folder: Path, generation: Path) -> None:
    """Make ``generation`` the live index in one atomic step, then drop every other generation."""
    pointer = folder / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(generation.name)
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, folder / CURRENT)
    remove_stale(folder)


def remove_stale(folder: Path) -> None:
    """Delete generations and pointer files that CURRENT does not name (left by crashed rebuilds)."""
    live = current_generation(folder)
    for path in folder.iterdir():
        if path.is_dir() and path.name.startswith(PREFIX) and path != live:
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{CURRENT}."):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def write_lock(folder: Path, wait_seconds: float = 30.0) -> Iterator[None]:
    """Hold the index's single writer lock. The kernel releases it if the holder dies."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(str(folder)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
