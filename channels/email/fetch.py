"""Raw mail above a watermark, from an IMAP folder (synchronous: the desk runs it in a thread).

Fetchers only fetch. `fetch_new` reads; it never moves the watermark, sets a flag or moves
a message. The desk stores and commits the raw bytes, then saves `FetchResult.watermark`,
and only then calls `flag_processed` or `move_processed`. A crash anywhere in between
means the same messages are fetched again and recognised as already stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import DELETED, SEEN, IMAPClient
from imapclient.exceptions import IMAPClientError

from channels.email.imap import FolderNotFoundError, MailboxError

PROCESSED = b"$DeskProcessed"
CHUNK = 500  # messages per FETCH command
UIDS_PER_COMMAND = 1000  # keeps command lines well under servers' limits (Dovecot: 64 KB)
CHUNK_BYTES = 16 * 1024 * 1024  # and at most this much mail per FETCH response
MAX_BYTES = 64 * 1024 * 1024  # per run; a larger single message is still fetched alone


class UidValidityChangedError(MailboxError):
    """The folder was recreated since the fetch: its UIDs now name other messages."""


@dataclass(frozen=True)
class Watermark:
    """The highest UID of a folder the desk has stored, valid only under this UIDVALIDITY."""

    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class RawMail:
    uid: int
    raw: bytes
    size: int
    internal_date: datetime | None  # when the server received it, in UTC


@dataclass(frozen=True)
class FetchResult:
    """What one run found. `watermark` is the candidate to save after the commit."""

    messages: tuple[RawMail, ...]
    watermark: Watermark
    uidvalidity_changed: bool  # the stored watermark was for an earlier UIDVALIDITY
    remaining: int  # newer messages left for the next run by the cap


def fetch_new(client: IMAPClient, folder: str, watermark: Watermark | None, cap: int,
              max_bytes: int = MAX_BYTES) -> FetchResult:
    """The oldest `cap` messages (and at most about `max_bytes`) above `watermark`, unseen
    flags untouched. Starts from UID 1 when the folder's UIDVALIDITY is not the watermark's.
    Raises FolderNotFoundError or MailboxError."""
    if cap < 1:
        raise ValueError("cap must be at least 1")
    try:
        uidvalidity, uidnext = _examine(client, folder)
        changed = watermark is not None and watermark.uidvalidity != uidvalidity
        last = watermark.uid if watermark is not None and not changed else 0
        new = _uids_above(client, last, uidnext)
        picked, sizes = _pick(client, new[:cap], max_bytes)
        messages = tuple(_fetch_bodies(client, picked, sizes))
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"fetching from {folder} failed: {exc}") from exc
    # Picked UIDs missing from the answer were expunged meanwhile: step over them too.
    mark = Watermark(uidvalidity, picked[-1] if picked else last)
    return FetchResult(messages, mark, changed, len(new) - len(picked))


def flag_processed(client: IMAPClient, folder: str, uidvalidity: int, uids: Sequence[int],
                   flags: Sequence[bytes] = (SEEN, PROCESSED)) -> None:
    """Set `flags` on stored messages. Raises UidValidityChangedError rather than flag
    whatever the UIDs name in a recreated folder."""
    if not uids:
        return
    try:
        _select_same(client, folder, uidvalidity)
        for batch in _batches(uids):
            client.add_flags(batch, list(flags), silent=True)
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"flagging messages in {folder} failed: {exc}") from exc


def move_processed(client: IMAPClient, folder: str, uidvalidity: int, uids: Sequence[int],
                   to_folder: str) -> None:
    """Move stored messages to `to_folder`, creating it if missing. Raises
    UidValidityChangedError rather than move whatever the UIDs name in a recreated folder."""
    if not uids:
        return
    try:
        _select_same(client, folder, uidvalidity)
        if not client.folder_exists(to_folder):
            client.create_folder(to_folder)
        for batch in _batches(uids):
            if client.has_capability("MOVE"):
                client.move(batch, to_folder)
                continue
            client.copy(batch, to_folder)
            client.add_flags(batch, [DELETED], silent=True)
            # Without UIDPLUS only a plain EXPUNGE exists, which would also purge messages
            # someone else marked deleted: leave ours marked instead.
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(batch)
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"moving messages from {folder} to {to_folder} failed: {exc}") from exc


def _examine(client: IMAPClient, folder: str) -> tuple[int, int | None]:
    """Select read-only (EXAMINE), so nothing we do can change a flag; (UIDVALIDITY, UIDNEXT)."""
    try:
        status = client.select_folder(folder, readonly=True)
    except IMAPClientError as exc:
        if not client.folder_exists(folder):
            raise FolderNotFoundError(f"the folder {folder!r} does not exist") from exc
        raise
    uidnext = status.get(b"UIDNEXT")
    return int(status[b"UIDVALIDITY"]), int(uidnext) if uidnext is not None else None


def _select_same(client: IMAPClient, folder: str, uidvalidity: int) -> None:
    status = client.select_folder(folder)
    if int(status[b"UIDVALIDITY"]) != uidvalidity:
        raise UidValidityChangedError(
            f"{folder} has UIDVALIDITY {status[b'UIDVALIDITY']}, not {uidvalidity}: nothing changed")


def _uids_above(client: IMAPClient, last: int, uidnext: int | None) -> list[int]:
    if uidnext is not None and uidnext <= last + 1:
        return []
    # "n:*" always includes the highest UID, even when it is below n: filter it out.
    return sorted(uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last)


def _pick(client: IMAPClient, uids: list[int], max_bytes: int) -> tuple[list[int], dict[int, int]]:
    """The leading UIDs whose sizes fit `max_bytes` (at least one), with their sizes."""
    if not uids:
        return [], {}
    sizes: dict[int, int] = {}
    for batch in _batches(uids):
        answer = client.fetch(batch, ["RFC822.SIZE"])
        sizes.update((uid, int(data[b"RFC822.SIZE"])) for uid, data in answer.items()
                     if b"RFC822.SIZE" in data)
    picked: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if picked and total + size > max_bytes:
            break
        picked.append(uid)
        total += size
    return picked, sizes


def _fetch_bodies(client: IMAPClient, uids: list[int], sizes: dict[int, int]) -> Iterator[RawMail]:
    for chunk in _chunks(uids, sizes):
        answer = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in chunk:  # the answer may also hold unsolicited FETCHes for other UIDs
            data = answer.get(uid)
            if data is None or b"BODY[]" not in data:
                continue
            raw = bytes(data[b"BODY[]"])
            yield RawMail(uid, raw, sizes.get(uid, len(raw)), _utc(data.get(b"INTERNALDATE")))


def _batches(uids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(uids), UIDS_PER_COMMAND):
        yield list(uids[start:start + UIDS_PER_COMMAND])


def _chunks(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if chunk and (len(chunk) >= CHUNK or total + size > CHUNK_BYTES):
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # imapclient gives naive local times unless told otherwise; astimezone reads those as local.
    return value.astimezone(UTC)
