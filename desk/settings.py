"""The only reader of DESK_* environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class Secret(str):
    """A string that hides itself in repr and str formatting of containers."""

    def __repr__(self) -> str:
        return "Secret('**********')"


class SettingsError(ValueError):
    pass


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Everything Desk reads from its environment, typed, read once."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: Secret = field(repr=True)
    base_url: str
    session_max_age: int
    form_rate_limit: int
    max_attachment_bytes: int
    max_attachments: int
    debug: bool
    # Minutes between a ticket's solve and its satisfaction survey's mail.
    survey_delay_minutes: int = 60
    # An answer this low or lower (1-5; 0: none) notifies the agent and the supervisors.
    survey_low_rating: int = 2
    # Where `desk serve` takes mail from `desk ingest` (desk.mail.handover); None: nowhere.
    ingest_socket: Path | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


# Every setting Desk reads, with its meaning; README's "Configuration" lists them
# all and a test keeps the two in step.
DOCUMENTED = {
    "DESK_DATA_DIR": "folder for the SQLite database, attachments and indexes (default ./var)",
    "DESK_DATABASE_URL": "SQLAlchemy URL (default sqlite under DESK_DATA_DIR)",
    "DESK_REDIS_URL": "redis://... to run jobs on arq; unset runs them in-process",
    "DESK_SECRET_KEY": "signs sessions and links, derives the encryption key",
    "DESK_BASE_URL": "public address used in links sent to customers",
    "DESK_SESSION_MAX_AGE": "seconds a staff session lasts without activity (default 43200)",
    "DESK_FORM_RATE_LIMIT": "web-form submissions per IP address per minute (default 10)",
    "DESK_MAX_ATTACHMENT_MB": "largest attachment accepted, in MB (default 10)",
    "DESK_MAX_ATTACHMENTS": "most attachments on one message (default 5)",
    "DESK_DEBUG": "1 shows tracebacks (never in production)",
    "DESK_SURVEY_DELAY_MINUTES": "minutes after a solve before the satisfaction survey is sent (default 60)",
    "DESK_INGEST_SOCKET": "Unix socket where desk serve takes mail from desk ingest "
                          "(default ingest.sock in DESK_DATA_DIR; off: none)",
    "DESK_SURVEY_LOW_RATING": "survey answers this low or lower (1-5) notify the agent and "
                              "supervisors; 0: never (default 2)",
}

# Without DESK_SECRET_KEY, the key is this file in the data folder: made at random the first
# time, readable by its owner only, and shared by every process that shares the folder.
SECRET_KEY_FILE = "secret_key"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("DESK_DATA_DIR") or "var").resolve()
    database_url = env.get("DESK_DATABASE_URL") or f"sqlite:///{data_dir / 'desk.db'}"
    session_max_age = _int(env, "DESK_SESSION_MAX_AGE", 12 * 3600)
    form_rate_limit = _int(env, "DESK_FORM_RATE_LIMIT", 10)
    max_attachment_mb = _int(env, "DESK_MAX_ATTACHMENT_MB", 10)
    max_attachments = _int(env, "DESK_MAX_ATTACHMENTS", 5)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("DESK_REDIS_URL") or None,
        secret_key=Secret(env.get("DESK_SECRET_KEY") or stored_secret_key(data_dir)),
        base_url=(env.get("DESK_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        session_max_age=session_max_age,
        form_rate_limit=form_rate_limit,
        max_attachment_bytes=max_attachment_mb * 1024 * 1024,
        max_attachments=max_attachments,
        debug=env.get("DESK_DEBUG", "") in ("1", "true", "yes"),
        survey_delay_minutes=_int(env, "DESK_SURVEY_DELAY_MINUTES", 60),
        survey_low_rating=_int(env, "DESK_SURVEY_LOW_RATING", 2),
        ingest_socket=_socket(env.get("DESK_INGEST_SOCKET", ""), data_dir),
    )


def _socket(raw: str, data_dir: Path) -> Path | None:
    if raw.strip().lower() == "off":
        return None
    return Path(raw).resolve() if raw.strip() else data_dir / "ingest.sock"


def stored_secret_key(data_dir: Path) -> str:
    """The key kept in the data folder, made at random (and written with mode 0600) the first
    time. Never a constant: a key anyone can read in the source lets anyone forge a
    customer's private link."""
    path = data_dir / SECRET_KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise SettingsError(f"{path} holds no usable secret key: delete it to make a new one, "
                            "or set DESK_SECRET_KEY")
    return key


def settings_env(settings: Settings) -> dict[str, str]:
    """The DESK_* variables that make `load_settings` give `settings` back: what a process
    Desk starts (the form intake's) reads to work on the same data."""
    return {
        "DESK_DATA_DIR": str(settings.data_dir),
        "DESK_DATABASE_URL": settings.database_url,
        "DESK_REDIS_URL": settings.redis_url or "",
        "DESK_SECRET_KEY": str(settings.secret_key),
        "DESK_BASE_URL": settings.base_url,
        "DESK_SESSION_MAX_AGE": str(settings.session_max_age),
        "DESK_FORM_RATE_LIMIT": str(settings.form_rate_limit),
        "DESK_MAX_ATTACHMENT_MB": str(settings.max_attachment_bytes // (1024 * 1024)),
        "DESK_MAX_ATTACHMENTS": str(settings.max_attachments),
        "DESK_DEBUG": "1" if settings.debug else "",
        "DESK_SURVEY_DELAY_MINUTES": str(settings.survey_delay_minutes),
        "DESK_SURVEY_LOW_RATING": str(settings.survey_low_rating),
        "DESK_INGEST_SOCKET": str(settings.ingest_socket) if settings.ingest_socket else "off",
    }
