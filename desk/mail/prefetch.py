"""Fetching batch after batch on an IMAP connection of its own, one batch ahead of the
fetch pass, so the wait on the network overlaps the pass's database work."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import suppress

from imapclient import IMAPClient

from channels.email.fetch import FetchResult, Watermark, fetch_new
from channels.email.imap import ImapAccount, connect, logout


class Prefetch:
    """Starts fetching at once, in a thread; iterating yields the results in order and
    raises what the fetching raised. Call `close()` when done (or stopping early)."""

    def __init__(self, account: ImapAccount, mark: Watermark | None, batch: int, cap: int) -> None:
        self._queue: queue.Queue[FetchResult | BaseException | None] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fetch, args=(account, mark, batch, cap),
                                        name="desk-mail-prefetch", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[FetchResult]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop fetching (when the caller stops early) and wait for the thread."""
        self._stop.set()
        with suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(timeout=60)

    def _fetch(self, account: ImapAccount, mark: Watermark | None, batch: int, cap: int) -> None:
        client: IMAPClient | None = None
        try:
            client = connect(account)
            fetched = 0
            while fetched < cap and not self._stop.is_set():
                result = fetch_new(client, account.folder, mark, min(batch, cap - fetched))
                fetched += len(result.messages)
                self._put(result)
                if result.remaining == 0 or (mark is not None and result.watermark == mark):
                    break
                mark = result.watermark
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._put(exc)
        finally:
            if client is not None:
                logout(client)
            self._put(None)

    def _put(self, item: FetchResult | BaseException | None) -> None:
        while not self._stop.is_set():
            with suppress(queue.Full):
                self._queue.put(item, timeout=0.2)
                return
