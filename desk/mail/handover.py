"""`desk ingest` hands its mail to a running `desk serve` instead of starting Desk itself.

A mail server that pipes each message into `desk ingest` (Postfix `mailbox_command`, an
`/etc/aliases` pipe, procmail) starts one process per message, and loading Desk (the ORM and
its sixty tables) takes most of a second. So `desk serve` listens on a Unix socket (by
default `ingest.sock` in the data folder, DESK_INGEST_SOCKET), and `desk ingest` with a few
files or standard input, which imports nothing but the standard library before it, sends the
raw bytes there and prints the running process's answer: the same line, after the same work
(stored and committed, then ingested, `desk.mail.raw_import`). Without a listener (no socket,
nobody behind it, a refusal) `desk ingest` does the work itself, as before; so does
`desk ingest --direct`. A hand-over cut off midway is repeated in-process, and a mail already
stored is then recognised as a duplicate (by Message-ID, or the raw mail's hash), never
filed twice.

The protocol: one JSON line `{"mailbox", "acknowledge", "sizes"}`, then the mails' bytes one
after another; the answer is one JSON line of counts (`stored`, `opened`, ...), or `{"error"}`.
The socket is made readable and writable by its owner only: whoever may write to it may file
mail, as whoever may write to the data folder may."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.actions.mail.stored import IngestReport
    from desk.db import Database
    from desk.settings import Settings

log = logging.getLogger("desk.mail.handover")

# `desk ingest` hands over at most this many mails and bytes; more is an import, which runs
# faster in its own process (the parse pool) than in the server's.
MAX_MAILS = 100
MAX_BYTES = 64 * 1024 * 1024
HEADER_LIMIT = 64 * 1024
# How long `desk ingest` waits for the answer (a busy SQLite writer can hold it a while).
ANSWER_SECONDS = 300.0
COUNTS = ("stored", "opened", "threaded", "duplicates", "autoreplies", "bounces", "quarantined")


def summary(counts: Mapping[str, int]) -> str:
    """The line `desk ingest` prints, whoever did the work."""
    return (f"stored {counts['stored']}, tickets opened {counts['opened']}, replies threaded "
            f"{counts['threaded']}, duplicates {counts['duplicates']}, auto-replies "
            f"{counts['autoreplies']}, bounces {counts['bounces']}, quarantined "
            f"{counts['quarantined']}")


def counts(stored: int, report: IngestReport) -> dict[str, int]:
    return {"stored": stored, **{name: getattr(report, name) for name in COUNTS[1:]}}


def hand_over(path: Path, mailbox: str, raws: Sequence[bytes], acknowledge: bool,
              timeout: float = ANSWER_SECONDS) -> dict[str, int] | None:
    """The running desk's counts for these mails, or None when none took them (the caller
    then ingests them itself)."""
    if len(raws) > MAX_MAILS or sum(map(len, raws)) > MAX_BYTES:
        return None
    header = json.dumps({"mailbox": mailbox, "acknowledge": acknowledge,
                         "sizes": [len(raw) for raw in raws]}).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(path))
            conn.sendall(header)
            for raw in raws:
                conn.sendall(raw)
            conn.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
    except OSError:  # no socket, nobody listening, cut off, too slow
        return None
    try:
        data = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(data, dict) or "error" in data:
        if isinstance(data, dict):
            log.warning("the running desk refused the mail (%s); ingesting it here", data["error"])
        return None
    return {name: int(data.get(name, 0)) for name in COUNTS}


class HandOver:
    """The listening side, in `desk serve`: one hand-over at a time (SQLite has one writer;
    each is a few milliseconds), each in a thread so the event loop keeps serving pages."""

    def __init__(self, db: Database, settings: Settings, path: Path) -> None:
        self.db, self.settings, self.path = db, settings, path
        self.server: asyncio.AbstractServer | None = None
        self.lock = asyncio.Lock()
        self._inode = 0

    async def start(self) -> bool:
        """Listen, unless another process already does (several `desk serve` on one data
        folder: the first one takes the mail) or the path cannot be a socket."""
        if len(os.fsencode(self.path)) >= 104:  # sun_path's limit (108 on Linux, 104 on BSD)
            log.warning("not taking `desk ingest` mail: the socket path %s is too long", self.path)
            return False
        if self.path.exists():
            try:
                _, writer = await asyncio.open_unix_connection(str(self.path))
            except OSError:
                self.path.unlink(missing_ok=True)  # left by a process that ended
            else:
                writer.close()
                return False
        try:
            self.server = await asyncio.start_unix_server(self._serve, path=str(self.path),
                                                          limit=HEADER_LIMIT)
        except OSError as exc:
            log.warning("not taking `desk ingest` mail on %s: %s", self.path, exc)
            return False
        os.chmod(self.path, 0o600)
        self._inode = self.path.stat().st_ino
        return True

    async def close(self) -> None:
        if self.server is None:
            return
        self.server.close()
        await self.server.wait_closed()
        self.server = None
        try:
            if self.path.stat().st_ino == self._inode:
                self.path.unlink()
        except FileNotFoundError:
            pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            answer = await self._answer(reader)
        except Exception:  # noqa: BLE001 - the client ingests itself; the reason is logged here
            log.exception("a `desk ingest` hand-over failed")
            answer = {"error": "the running desk could not ingest the mail"}
        try:
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except OSError:
            pass  # the client went away: what was stored is recognised when it tries again

    async def _answer(self, reader: asyncio.StreamReader) -> dict[str, Any]:
        from desk.mail.raw_import import import_raw

        try:
            header = json.loads(await reader.readline())
            mailbox, acknowledge, sizes = header["mailbox"], header["acknowledge"], header["sizes"]
        except (ValueError, KeyError, TypeError, asyncio.LimitOverrunError):
            return {"error": "not a desk ingest hand-over"}
        if (not isinstance(mailbox, str) or not mailbox or not isinstance(acknowledge, bool)
                or not isinstance(sizes, list) or len(sizes) > MAX_MAILS
                or not all(isinstance(n, int) and n >= 0 for n in sizes)
                or sum(sizes) > MAX_BYTES):
            return {"error": "a hand-over names a mailbox and at most "
                             f"{MAX_MAILS} mails of {MAX_BYTES // (1024 * 1024)} MB in all"}
        try:
            raws = [await reader.readexactly(n) for n in sizes]
        except asyncio.IncompleteReadError:
            return {"error": "the mail was cut off"}
        async with self.lock:
            stored, report = await asyncio.to_thread(
                import_raw, self.db, self.settings, mailbox, raws, acknowledge)
        log.info("`desk ingest` handed over %d mails for mailbox %s", stored, mailbox)
        return counts(stored, report)
