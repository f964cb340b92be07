"""`desk mailbox add|list|test|enable|disable|language`: mailboxes from the command line.

Passwords go in through the URLs; nothing printed here ever contains one. Bad input
exits with 1 and a line on stderr naming the field."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.db import Database
    from desk.settings import Settings

Command = Callable[["Settings", argparse.Namespace], int]
# desk.models.AfterFetch's values, spelled out so that building the parser loads no models (the
# database, the actions and the mail clients load inside the commands: bench/startup.py);
# tests/test_startup.py keeps them equal.
AFTER_FETCH = ("flag", "move")


def _database(settings: Settings) -> Database:
    from desk.db import Database
    from desk.migrate import upgrade

    db = Database(settings)
    upgrade(db.engine)
    return db


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import select

    from desk.actions.audit import SYSTEM
    from desk.actions.mail.mailboxes import MailboxError, create_mailbox
    from desk.db import commit
    from desk.models import Team

    db = _database(settings)
    try:
        with db.session() as session:
            team_id = None
            if args.team:
                team = session.exec(select(Team).where(Team.name == args.team)).first()
                if team is None:
                    return _fail(f"there is no team named {args.team!r}")
                team_id = team.id
            try:
                mailbox = create_mailbox(
                    session, settings, SYSTEM, args.name, args.address, args.imap, args.smtp,
                    team_id=team_id, after_fetch=args.after_fetch,
                    processed_folder=args.processed_folder, acknowledge=args.acknowledge,
                    language=args.language)
            except MailboxError as exc:
                return _fail(f"{exc.field}: {exc}")
            commit(session)
            print(f"added mailbox {mailbox.name} <{mailbox.address}> (id {mailbox.id})")
    finally:
        db.dispose()
    return 0


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    from desk.actions.mail.mailboxes import shown_imap_url, shown_smtp_url
    from desk.queries.mail.mailboxes import list_mailboxes

    db = _database(settings)
    with db.session() as session:
        mailboxes = list_mailboxes(session)
    db.dispose()
    if not mailboxes:
        print("no mailboxes yet: desk mailbox add NAME --address A --imap URL --smtp URL")
        return 0
    for m in mailboxes:
        success = m.last_success_at.isoformat(timespec="seconds") if m.last_success_at else "never"
        error = m.last_error.splitlines()[0] if m.last_error else "-"
        print(f"{m.name}\t{m.address}\t{'enabled' if m.enabled else 'disabled'}\t"
              f"language {m.language or '-'}\t"
              f"imap {shown_imap_url(m) or '-'}\tsmtp {shown_smtp_url(m) or '-'}\t"
              f"last success {success}\tlast error {error}")
    return 0


def cmd_test(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when every check passed, 1 otherwise."""
    import asyncio

    from desk.actions.mail.mailboxes import test_mailbox
    from desk.queries.mail.mailboxes import get_mailbox

    db = _database(settings)
    with db.session() as session:
        mailbox = get_mailbox(session, args.name)
    db.dispose()
    if mailbox is None:
        return _fail(f"there is no mailbox named {args.name!r}")
    results = asyncio.run(test_mailbox(settings, mailbox))
    for r in results:
        text = r.message % r.params if r.params else r.message
        detail = f" ({r.detail})" if r.detail and not r.ok else ""
        print(f"{r.server}: {'ok' if r.ok else 'FAILED'}: {text}{detail}")
    return 0 if all(r.ok for r in results) else 1


def _change(settings: Settings, name: str, change: Callable[[Any, Any], None], done: str) -> int:
    """Apply `change(session, mailbox)` to the mailbox named, committed; print `done`."""
    from desk.db import commit
    from desk.queries.mail.mailboxes import get_mailbox

    db = _database(settings)
    try:
        with db.session() as session:
            mailbox = get_mailbox(session, name)
            if mailbox is None:
                return _fail(f"there is no mailbox named {name!r}")
            change(session, mailbox)
            commit(session)
    finally:
        db.dispose()
    print(done)
    return 0


def _setter(enabled: bool) -> Command:
    def cmd(settings: Settings, args: argparse.Namespace) -> int:
        from desk.actions.audit import SYSTEM
        from desk.actions.mail.mailboxes import set_enabled

        return _change(settings, args.name,
                       lambda session, mailbox: set_enabled(session, SYSTEM, mailbox, enabled),
                       f"mailbox {args.name} {'enabled' if enabled else 'disabled'}")
    return cmd


def cmd_language(settings: Settings, args: argparse.Namespace) -> int:
    from desk.actions.audit import SYSTEM
    from desk.actions.mail.mailboxes import set_language

    language = "" if args.language == NO_LANGUAGE else args.language
    return _change(settings, args.name,
                   lambda session, mailbox: set_language(session, SYSTEM, mailbox, language),
                   f"mailbox {args.name}: language {language or NO_LANGUAGE}")


NO_LANGUAGE = "none"


def register(sub: Any) -> None:
    """Add `desk mailbox ...` to the `desk` command's subparsers."""
    mailbox = sub.add_parser("mailbox", help="mailboxes the desk fetches from and sends through")
    cmds = mailbox.add_subparsers(dest="mailbox_cmd", required=True)
    add = cmds.add_parser("add", help="add a mailbox")
    add.add_argument("name")
    add.add_argument("--address", required=True, help="the address customers write to")
    add.add_argument("--imap", help="imap[s]://user:pass@host[:port][/FOLDER]")
    add.add_argument("--smtp", help="smtp[s]://user:pass@host[:port]")
    add.add_argument("--team", help="the team its new tickets go to")
    add.add_argument("--after-fetch", default=AFTER_FETCH[0], choices=list(AFTER_FETCH),
                     help="flag fetched mail on the server, or move it to --processed-folder")
    add.add_argument("--processed-folder", default="Desk/Processed")
    add.add_argument("--no-acknowledge", dest="acknowledge", action="store_false",
                     help="send no acknowledgement of new requests")
    # The codes of channels.email.charsets.LANGUAGES (standard library only: cheap to load).
    from channels.email.charsets import LANGUAGES

    add.add_argument("--language", default="", choices=sorted(LANGUAGES),
                     help="what its customers write when their mail names no charset: its "
                          "legacy charsets are preferred then (default: none)")
    add.set_defaults(func=cmd_add)
    cmds.add_parser("list", help="mailboxes and their health").set_defaults(func=cmd_list)
    test = cmds.add_parser("test", help="log in to its IMAP and SMTP servers")
    test.add_argument("name")
    test.set_defaults(func=cmd_test)
    language = cmds.add_parser("language", help="set the language of mail without a charset")
    language.add_argument("name")
    language.add_argument("language", choices=[NO_LANGUAGE, *sorted(LANGUAGES)])
    language.set_defaults(func=cmd_language)
    for verb, enabled in (("enable", True), ("disable", False)):
        cmd = cmds.add_parser(verb, help=f"{verb} fetching from and sending through it")
        cmd.add_argument("name")
        cmd.set_defaults(func=_setter(enabled))
