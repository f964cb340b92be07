"""What every job and event handler is given."""

from __future__ import annotations

from dataclasses import dataclass

from desk.db import Database


@dataclass(frozen=True)
class JobContext:
    db: Database
