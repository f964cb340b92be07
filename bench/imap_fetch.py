"""IMAP fetch rate: raw messages per second from a local Dovecot through channels.email.fetch.

Starts Dovecot in a temporary folder (tests/mail_servers.py), appends N messages of
about 1.5 KB (MULTIAPPEND, 100 at a time), then runs `fetch_new` with the given cap
until nothing is left, as the desk would. Only the fetch runs are timed; no database.

    .venv/bin/python -m bench.imap_fetch -n 500
    .venv/bin/python -m bench.imap_fetch -n 5000 --cap 500
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from bench.servers import say
from channels.email.fetch import Watermark, fetch_new
from channels.email.imap import ImapAccount, connect
from tests.mail_servers import Dovecot, dovecot_binary

BODY = ("Hello,\r\n\r\nThe printer on the third floor prints blank pages since this morning. "
        "We tried restarting it twice.\r\n\r\nRegards\r\n") * 8


def message(n: int) -> bytes:
    return (f"From: Customer {n} <customer{n}@example.com>\r\nTo: support@desk.test\r\n"
            f"Subject: Printer problem {n}\r\nMessage-ID: <bench{n}@example.com>\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{BODY}").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=500, help="messages in the folder")
    parser.add_argument("--cap", type=int, default=500, help="messages per fetch run")
    args = parser.parse_args()
    binary = dovecot_binary()
    if binary is None:
        raise SystemExit("dovecot is not installed (apt-get install dovecot-core dovecot-imapd)")
    server = Dovecot()
    try:
        server.start(binary)
        account = ImapAccount.from_url(server.account("support").url)
        client = connect(account)
        say(f"appending {args.n} messages")
        started = time.perf_counter()
        for first in range(0, args.n, 100):
            client.multiappend("INBOX", [message(n) for n in range(first, min(first + 100, args.n))])
        append_s = time.perf_counter() - started
        watermark: Watermark | None = None
        fetched = raw_bytes = runs = 0
        started = time.perf_counter()
        while True:
            result = fetch_new(client, account.folder, watermark, cap=args.cap)
            if not result.messages:
                break
            runs += 1
            fetched += len(result.messages)
            raw_bytes += sum(len(m.raw) for m in result.messages)
            watermark = result.watermark
        fetch_s = time.perf_counter() - started
        client.logout()
    finally:
        server.remove()
    print(json.dumps({
        "bench": "imap_fetch", "messages": args.n, "fetched": fetched, "cap": args.cap,
        "runs": runs, "mb": round(raw_bytes / 1e6, 2), "fetch_s": round(fetch_s, 3),
        "messages_per_s": round(fetched / fetch_s), "append_s": round(append_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
