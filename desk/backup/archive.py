"""``desk backup FILE``: one encrypted file holding everything a fresh machine needs.

Inside the sealed stream (``desk.backup.sealed``) is a tar stream, in this order:
``manifest.json`` (Desk's version, the schema revision, the database kind, when, the counts of
the snapshot), ``desk.db`` or ``desk.pgdump`` (``desk.backup.snapshot``), ``secret_key`` (the
key in use: it signs the links customers hold and encrypts mailbox passwords) and
``attachments/<2>/<key>`` for every attachment row of the snapshot. Raw mail lives in the
database (``rawmessagebytes``), so it comes with it. Attachment files are written before their
rows commit, so every row the snapshot holds has its file on disk when the files are copied.

The file is written as ``FILE.part`` (owner-only) and renamed when complete; the unencrypted
copy of the database is made in a private folder inside the data folder and removed."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from desk import __version__
from desk.backup.sealed import SealedWriter, check_passphrase
from desk.backup.snapshot import Snapshot, read_keys, take_snapshot
from desk.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
DATABASE_FILES = {"sqlite": "desk.db", "postgresql": "desk.pgdump"}


@dataclass(frozen=True)
class BackupReport:
    manifest: dict[str, Any]
    path: Path
    bytes: int
    seconds: float
    missing_files: int


def write_backup(settings: Settings, target: Path, passphrase: str) -> BackupReport:
    """Back the desk up into ``target`` (replaced if it exists)."""
    check_passphrase(passphrase)
    started = time.monotonic()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.data_dir))
    partial = target.with_name(target.name + ".part")
    try:
        snapshot = take_snapshot(settings.database_url, work)
        present, missing = _present_files(settings.attachments_dir, snapshot, work)
        manifest = _manifest(snapshot, present)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            sealed = SealedWriter(out, passphrase)
            with tarfile.open(fileobj=cast(IO[bytes], sealed), mode="w|",
                              format=tarfile.PAX_FORMAT) as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                if not _add_file(tar, DATABASE_FILES[snapshot.database], snapshot.path):
                    raise FileNotFoundError(snapshot.path)
                snapshot.path.unlink()  # the clear copy goes as soon as it is sealed
                _add_bytes(tar, SECRET_KEY, (str(settings.secret_key) + "\n").encode())
                for key in read_keys(work / "present-keys.txt"):
                    if not _add_file(tar, f"attachments/{key[:2]}/{key}",
                                     settings.attachments_dir / key[:2] / key):
                        missing += 1
            sealed.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupReport(manifest, target, target.stat().st_size,
                        time.monotonic() - started, missing)


def _present_files(root: Path, snapshot: Snapshot, work: Path) -> tuple[int, int]:
    """Write the keys whose files exist to ``present-keys.txt``; (present, missing)."""
    present = missing = 0
    with open(work / "present-keys.txt", "w", encoding="ascii") as out:
        for key in read_keys(snapshot.keys_path):
            if (root / key[:2] / key).is_file():
                out.write(key + "\n")
                present += 1
            else:  # deleted since the snapshot (an anonymisation), or lost before it
                missing += 1
    return present, missing


def _manifest(snapshot: Snapshot, files: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "desk_version": __version__,
        "alembic_revision": snapshot.revision,
        "database": snapshot.database,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": snapshot.counts,
        "attachment_files": files,
    }


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data)), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> bool:
    """Add the file; False when it is gone (an anonymisation deleted it meanwhile)."""
    try:
        source = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    with source:
        tar.addfile(_info(name, os.fstat(source.fileno()).st_size), source)
    return True
