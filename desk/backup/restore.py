"""``desk restore FILE``: a backup back onto an empty desk (``--force``: over a used one).

Everything is first decrypted into a private folder inside the data folder, every chunk
authenticated and the end of the file checked; only then is anything put in place, so a wrong
passphrase, a damaged or altered file leaves the desk as it was. Then: the database (the
SQLite file moved in, or ``pg_restore`` in one transaction into the configured database), the
attachment files, the secret key; migrations up to this Desk's head; and the counts checked
against the manifest."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Engine, inspect, text

from desk.backup.archive import DATABASE_FILES, FORMAT, MANIFEST, SECRET_KEY
from desk.backup.sealed import SealedReader, SealError
from desk.backup.snapshot import COUNTED, libpq_target, pg_command, sqlite_path
from desk.db import make_engine
from desk.settings import SECRET_KEY_FILE, Settings

_ATTACHMENT = re.compile(r"^attachments/([0-9A-Za-z_-]{2})/([0-9A-Za-z_-]+)$")


class RestoreError(RuntimeError):
    """The backup cannot be restored here; nothing was changed."""


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    counts: dict[str, int]
    files: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def restore_backup(settings: Settings, source: Path, passphrase: str,
                   force: bool = False) -> RestoreReport:
    started = time.monotonic()
    engine = make_engine(settings.database_url)
    try:
        if not force:
            _refuse_a_used_desk(settings, engine)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.data_dir))
        try:
            manifest = _unpack(source, passphrase, staging, settings)
            _put_database(settings, engine, manifest, staging, force)
            files = _put_files(staging / "attachments", settings.attachments_dir)
            key_differs = _put_secret_key(staging / SECRET_KEY, settings)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        from desk.migrate import upgrade

        engine.dispose()  # the restored database is another file or catalogue than at start
        upgrade(engine)
        counts = _counts(engine)
    finally:
        engine.dispose()
    report = RestoreReport(manifest, counts, files, time.monotonic() - started)
    if key_differs:
        report.warnings.append(
            f"the backup's secret key is now in {settings.data_dir / SECRET_KEY_FILE}, but "
            "DESK_SECRET_KEY is set to another: unset it (or set it to that key), or customers' "
            "links and stored mailbox passwords will not work")
    for name, expected in manifest["counts"].items():
        if counts.get(name) != expected:
            raise RestoreError(f"restored {counts.get(name)} {name}, the backup lists {expected}")
    if files != manifest["attachment_files"]:
        report.warnings.append(f"{files} attachment files restored, the backup lists "
                               f"{manifest['attachment_files']} (deleted while it was taken)")
    return report


def _refuse_a_used_desk(settings: Settings, engine: Engine) -> None:
    has_tables = bool(inspect(engine).get_table_names()) if _database_exists(settings) else False
    if has_tables:
        raise RestoreError("the database is not empty: restore onto a fresh database, or add "
                           "--force to replace what it holds")
    folder = settings.attachments_dir
    if folder.is_dir() and any(folder.iterdir()):
        raise RestoreError(f"{folder} is not empty: restore into a fresh data folder, or add "
                           "--force")


def _database_exists(settings: Settings) -> bool:
    return not settings.is_sqlite or sqlite_path(settings.database_url).exists()


def _unpack(source: Path, passphrase: str, staging: Path, settings: Settings) -> dict[str, Any]:
    """Decrypt and check the whole backup into ``staging``; its manifest."""
    try:
        with open(source, "rb") as raw:
            reader = SealedReader(raw, passphrase)
            manifest = _extract(cast(IO[bytes], reader), staging, settings)
            reader.drain()
    except SealError as exc:
        raise RestoreError(str(exc)) from None
    except (tarfile.TarError, EOFError) as exc:
        raise RestoreError(f"the backup's contents are damaged: {exc}") from None
    return manifest


def _extract(stream: IO[bytes], staging: Path, settings: Settings) -> dict[str, Any]:
    manifest: dict[str, Any] | None = None
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = member.name
            if not member.isfile():
                raise RestoreError(f"the backup holds something that is not a file: {name!r}")
            if manifest is None:
                if name != MANIFEST:
                    raise RestoreError("the backup does not begin with its manifest")
                manifest = _read_manifest(tar, member, settings)
                continue
            match = _ATTACHMENT.match(name)
            if match and match.group(2).startswith(match.group(1)):
                target = staging / "attachments" / match.group(1) / match.group(2)
                target.parent.mkdir(parents=True, exist_ok=True)
            elif name in (DATABASE_FILES[manifest["database"]], SECRET_KEY):
                target = staging / name
            else:
                raise RestoreError(f"the backup holds an unexpected file: {name!r}")
            _copy(tar, member, target)
    if manifest is None:
        raise RestoreError("the backup is empty")
    if not (staging / DATABASE_FILES[manifest["database"]]).exists():
        raise RestoreError("the backup holds no database")
    return manifest


def _read_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo,
                   settings: Settings) -> dict[str, Any]:
    handle = tar.extractfile(member)
    assert handle is not None
    manifest: dict[str, Any] = json.loads(handle.read(1024 * 1024))
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"the backup's format ({manifest.get('format')}) is not one this Desk reads")
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest.get("database") != kind:
        raise RestoreError(f"this backup is of a {manifest.get('database')} database; the "
                           f"configured database is {kind}")
    _check_revision(str(manifest.get("alembic_revision")), settings.database_url)
    return manifest


def _check_revision(revision: str, url: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from desk.migrate import alembic_config

    try:
        found = ScriptDirectory.from_config(alembic_config(url)).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise RestoreError(f"the backup's schema ({revision}) is newer than this Desk knows: "
                           "restore it with the Desk version that made it, or a newer one")


def _copy(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    handle = tar.extractfile(member)
    assert handle is not None
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(handle, out, 1024 * 1024)


def _put_database(settings: Settings, engine: Engine, manifest: dict[str, Any], staging: Path,
                  force: bool) -> None:
    staged = staging / DATABASE_FILES[manifest["database"]]
    engine.dispose()
    if settings.is_sqlite:
        path = sqlite_path(settings.database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.move(staged, path)
        return
    pg_restore = pg_command("pg_restore")
    target, env = libpq_target(settings.database_url)
    if force:
        _empty_postgres(engine)
    done = subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", f"--dbname={target}", str(staged)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RestoreError(f"pg_restore failed (nothing was restored): {done.stderr.strip()}")


def _empty_postgres(engine: Engine) -> None:
    """--force on PostgreSQL: the public schema made anew (what Desk keeps is all there)."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _put_files(staged: Path, root: Path) -> int:
    placed = 0
    if not staged.is_dir():
        return 0
    root.mkdir(parents=True, exist_ok=True)
    for folder in staged.iterdir():
        target = root / folder.name
        if not target.exists():
            placed += sum(1 for _ in folder.iterdir())
            os.replace(folder, target)  # the same file system: a rename
            continue
        for file in folder.iterdir():
            os.replace(file, target / file.name)
            placed += 1
    return placed


def _put_secret_key(staged: Path, settings: Settings) -> bool:
    """Put the backup's key in the data folder; whether the key in use differs from it."""
    if not staged.exists():
        return False
    key = staged.read_text(encoding="ascii").strip()
    target = settings.data_dir / SECRET_KEY_FILE
    # The key in use came from this file (made at start on a fresh machine) unless
    # DESK_SECRET_KEY set it: only then does the restored file not take over.
    from_file = target.exists() and target.read_text(encoding="ascii").strip() == settings.secret_key
    os.chmod(staged, 0o600)
    os.replace(staged, target)
    return key != str(settings.secret_key) and not from_file


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for name, table in COUNTED.items()}
