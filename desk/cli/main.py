"""The ``desk`` command.

It starts fast (bench/startup.py): what a sub-command needs is imported inside it, so that
`desk --help` loads no database code and `desk ingest` no web app, search index or alembic
(tests/test_startup.py keeps them out)."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk import handlers  # noqa: F401 - every event has its handlers before anything records one
from desk.cli import backup as backup_cli
from desk.cli import customers as customers_cli
from desk.cli import kb as kb_cli
from desk.cli import mailboxes as mailbox_cli
from desk.cli import retention as retention_cli
from desk.cli import search as search_cli
from desk.cli import staff as staff_cli
from desk.cli import tokens as tokens_cli
from desk.logs import configure
from desk.settings import Settings, load_settings

if TYPE_CHECKING:
    import uvicorn

    from desk.db import Database


def _database(settings: Settings) -> Database:
    from desk.db import Database
    from desk.migrate import upgrade

    db = Database(settings)
    upgrade(db.engine)
    return db


def serve_config(app: Any, args: argparse.Namespace) -> uvicorn.Config:
    """How `desk serve` runs ``app``. X-Forwarded-For is believed only from the proxies
    named by --forwarded-allow-ips: by default from nobody, so no local process can pass
    itself off as another address (rate limits, sign-in throttling and the audit log's
    "from where" are per address)."""
    import uvicorn

    return uvicorn.Config(
        app, host=args.host, port=args.port, log_level=args.log_level.lower(), access_log=False,
        log_config=None, proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips or None,
        # Open live-update streams would hold a shutdown forever; pages reconnect.
        timeout_graceful_shutdown=3)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from desk.app import create_app

    db = _database(settings)
    app = create_app(settings, db, take_handovers=True, form_process=True)
    _freeze_loaded()
    mode = f"arq on {settings.redis_url}" if settings.redis_url else "in-process job runner"
    print(f"Desk on http://{args.host}:{args.port}/agent/ ({mode}; database "
          f"{db.engine.url.render_as_string(hide_password=True)})", flush=True)
    uvicorn.Server(serve_config(app, args)).run()
    return 0


WORKER_RESTART_SECONDS = 2.0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    import signal
    import time

    from arq.worker import Worker
    from redis.exceptions import RedisError

    from desk.jobs.arq_backend import worker_settings

    if not settings.redis_url:
        print("desk worker needs DESK_REDIS_URL (without it, desk serve runs the jobs)",
              file=sys.stderr)
        return 2
    _database(settings).dispose()
    while True:
        worker = Worker(**worker_settings(settings, burst=args.burst))
        try:
            worker.run()
            return 0  # stopped by SIGINT/SIGTERM, or a burst run found nothing left
        except (RedisError, OSError) as exc:
            if args.burst:
                raise
            # Redis went away: the job rows are safe in the database; start again once it is
            # back (the new worker's sweep finds what was queued meanwhile). A signal while
            # waiting stops the process as usual.
            for sig in (signal.SIGINT, signal.SIGTERM):
                worker.loop.remove_signal_handler(sig)
            print(f"desk worker: Redis unreachable ({type(exc).__name__}: {exc}); "
                  f"starting again in {WORKER_RESTART_SECONDS:.0f} s", file=sys.stderr, flush=True)
            time.sleep(WORKER_RESTART_SECONDS)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from desk.demo import load_demo

    db = _database(settings)
    summary = load_demo(db, settings)
    print(summary.describe())
    return 0


def _raw_mails(args: argparse.Namespace) -> Iterator[bytes]:
    """The raw bytes of every mail named: .eml files, then an mbox, then a Maildir."""
    import mailbox

    for path in args.files:
        yield sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    if args.mbox:
        box = mailbox.mbox(args.mbox, create=False)
        try:
            for key in box.iterkeys():
                yield box.get_bytes(key)
        finally:
            box.close()
    if args.maildir:
        folder = mailbox.Maildir(args.maildir, factory=None, create=False)
        # Maildir names start with the delivery time: sorted, they are in arrival order.
        for key in sorted(folder.iterkeys(), key=_delivery_order):
            yield folder.get_bytes(key)


def _delivery_order(key: str) -> tuple[int, str]:
    head = key.split(".", 1)[0]
    return (int(head) if head.isdigit() else 0, key)


EX_TEMPFAIL = 75  # sysexits.h


def _freeze_loaded() -> None:
    """Once the code and tables are loaded: the garbage collector stops walking them (they
    stay for the process's life), half its time in `desk ingest` (about 3 % of the run).
    Once per process, at start: frozen objects are never collected."""
    gc.freeze()


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Raw mail through the same path as IMAP: stored and committed, then ingested. A few
    files (or standard input) go to a running `desk serve` when there is one
    (`desk.mail.handover`): nothing heavier than the standard library is loaded first."""
    from desk.mail.handover import MAX_MAILS, counts, hand_over, summary

    if not (args.files or args.mbox or args.maildir):
        print("error: name .eml files (- for standard input), --mbox FILE or --maildir DIR",
              file=sys.stderr)
        return 2
    mails: Iterator[bytes] | list[bytes] = _raw_mails(args)
    if (settings.ingest_socket is not None and not args.direct and not args.mbox
            and not args.maildir and len(args.files) <= MAX_MAILS):
        mails = list(mails)
        answer = hand_over(settings.ingest_socket, args.mailbox, mails, args.acknowledge)
        if answer is not None:
            print(summary(answer))
            return 0
    from desk.mail.raw_import import head_start, import_raw

    mails = iter(mails)
    started = head_start(mails)  # parsing while this process loads the ORM

    from sqlalchemy.exc import SQLAlchemyError

    try:
        db = _database(settings)
        import desk.actions.mail.stored  # noqa: F401 - what import_raw runs: loaded before the freeze

        _freeze_loaded()
        stored, report = import_raw(db, settings, args.mailbox, mails, args.acknowledge, started)
        db.dispose()
    except SQLAlchemyError as exc:
        # EX_TEMPFAIL: a mail server piping to this command keeps the mail and tries again
        # (any other failure status would bounce it). What was committed before is recognised
        # as a duplicate then.
        print(f"error: the database failed ({type(exc).__name__}); try again later",
              file=sys.stderr)
        return EX_TEMPFAIL
    print(summary(counts(stored, report)))
    return 0


def cmd_smtpd(settings: Settings, args: argparse.Namespace) -> int:
    """Listen for pushed mail until SIGINT/SIGTERM, then finish the queued ingests."""
    import asyncio
    import os
    import signal

    from desk.mail.smtpd import Listener

    db = _database(settings)

    async def run() -> None:
        password = os.environ.get("DESK_SMTPD_PASSWORD", "")
        if args.auth_user and not password:
            raise SystemExit("desk smtpd: --auth-user needs DESK_SMTPD_PASSWORD")
        if args.require_tls and not args.tls_cert:
            raise SystemExit("desk smtpd: --require-tls needs --tls-cert")
        listener = Listener(db, settings, lmtp=args.lmtp, catch_all=args.mailbox,
                            tls_cert=args.tls_cert, tls_key=args.tls_key,
                            require_tls=args.require_tls,
                            auth=(args.auth_user, password) if args.auth_user else None)
        host, port = await listener.start(args.host, args.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        catch_all = f"; everything else to mailbox {args.mailbox}" if args.mailbox else ""
        print(f"desk smtpd: {'LMTP' if args.lmtp else 'SMTP'} on {host}:{port}, mail to "
              f"enabled mailboxes' addresses{catch_all}", flush=True)
        await stop.wait()
        await listener.close()

    asyncio.run(run())
    db.dispose()
    return 0


def cmd_fetch(settings: Settings, args: argparse.Namespace) -> int:
    """One fetch pass now per IMAP mailbox (with --drain, passes until nothing is left);
    a failing one never stops the others."""
    from desk.mail.fetch import fetch_mailbox, imap_mailboxes

    db = _database(settings)
    boxes = imap_mailboxes(db, args.mailbox)
    if not boxes:
        db.dispose()
        print(f"error: no IMAP mailbox named {args.mailbox}" if args.mailbox
              else "no enabled IMAP mailboxes", file=sys.stderr)
        return 1 if args.mailbox else 0
    failed = 0
    for mailbox_id, name in boxes:
        while True:
            outcome = fetch_mailbox(db, settings, mailbox_id)
            print(f"{name}: {outcome.describe()}", flush=True)
            # --drain: pass after pass until the folder is empty (a first import).
            if not (args.drain and outcome.remaining and not outcome.failed and not outcome.busy):
                break
        failed += outcome.failed
    db.dispose()
    return 1 if failed else 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    _database(settings).dispose()
    print("database is up to date")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="desk", description="Desk, the service desk.")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database and run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--forwarded-allow-ips", default="", metavar="IPS",
                       help="comma-separated addresses of the reverse proxies whose "
                            "X-Forwarded-For/-Proto to believe (default: none)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run background jobs from Redis (arq)")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.set_defaults(func=cmd_worker)

    staff_cli.register(sub)
    tokens_cli.register(sub)

    demo = sub.add_parser("demo", help="load demo data to click through")
    demo.set_defaults(func=cmd_demo)

    ingest = sub.add_parser("ingest", help="feed raw .eml files through the mail intake")
    ingest.add_argument("--mailbox", required=True, help="the mailbox name to file them under")
    ingest.add_argument("files", nargs="*", metavar="FILE",
                        help=".eml files; - reads one mail from standard input")
    ingest.add_argument("--mbox", help="an mbox file")
    ingest.add_argument("--maildir", help="a Maildir folder (cur/ and new/)")
    ingest.add_argument("--acknowledge", action="store_true",
                        help="acknowledge new requests as live mail is (off for imports)")
    ingest.add_argument("--direct", action="store_true",
                        help="ingest in this process, never through a running desk serve")
    ingest.set_defaults(func=cmd_ingest)

    smtpd = sub.add_parser("smtpd", help="receive mail pushed over SMTP or LMTP")
    smtpd.add_argument("--host", default="127.0.0.1")
    smtpd.add_argument("--port", type=int, default=2525)
    smtpd.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    smtpd.add_argument("--tls-cert", metavar="PEM", help="offer STARTTLS with this certificate")
    smtpd.add_argument("--tls-key", metavar="PEM", help="its private key (if not in --tls-cert)")
    smtpd.add_argument("--require-tls", action="store_true",
                       help="refuse mail until the client has started TLS")
    smtpd.add_argument("--auth-user", metavar="NAME",
                       help="require SMTP AUTH as NAME, password from DESK_SMTPD_PASSWORD")
    smtpd.add_argument("--mailbox", metavar="NAME",
                       help="accept every recipient, filing what no mailbox claims under NAME")
    smtpd.set_defaults(func=cmd_smtpd)

    fetch = sub.add_parser("fetch", help="fetch new mail from the IMAP mailboxes now")
    fetch.add_argument("--mailbox", help="only this mailbox (by name), even if disabled")
    fetch.add_argument("--drain", action="store_true",
                       help="repeat passes until nothing is left (a pass takes at most 2,000)")
    fetch.set_defaults(func=cmd_fetch)

    mailbox_cli.register(sub)
    kb_cli.register(sub)
    customers_cli.register(sub)
    search_cli.register(sub)
    backup_cli.register(sub)
    retention_cli.register(sub)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure(args.log_level)
    settings = load_settings()
    result: int = args.func(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())
