"""`desk user ...`: staff accounts from the shell (API tokens: `desk.cli.tokens`)
(an admin locked out of the web pages can always come here)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.db import Database
    from desk.settings import Settings

# The database, the models and the actions load inside the commands: `desk` starts without
# them (bench/startup.py).


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The migrated database for one command, its connections closed when it ends."""
    from desk.db import Database
    from desk.migrate import upgrade

    db = Database(settings)
    try:
        upgrade(db.engine)
        yield db
    finally:
        db.dispose()


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from desk.actions.audit import SYSTEM
    from desk.actions.users import UserError, create_user
    from desk.db import commit

    with _database(settings) as db, db.session() as session:
        try:
            user = create_user(session, SYSTEM, args.email, args.name, args.role, args.password,
                               locale=args.locale)
        except UserError as exc:
            return _fail(str(exc))
        commit(session)
    print(f"created {user.role} {user.email} (id {user.id})")
    return 0


def _switch(active: bool) -> Any:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        from sqlmodel import select

        from desk.actions.audit import SYSTEM
        from desk.actions.users import set_active
        from desk.models import User

        with _database(settings) as db, db.session() as session:
            user = session.exec(select(User).where(User.email == args.email.strip().lower())).first()
            if user is None:
                return _fail(f"no user with the email {args.email}")
            set_active(session, SYSTEM, user, active)
        print(f"{'reactivated' if active else 'deactivated'} {user.email}"
              + ("" if active else ": every session and API token of theirs stopped working"))
        return 0
    return run


def cmd_user_password(settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import select

    from desk.actions.audit import SYSTEM
    from desk.actions.users import UserError, set_password
    from desk.models import User

    password = args.password or getpass.getpass("New password: ")
    with _database(settings) as db, db.session() as session:
        user = session.exec(select(User).where(User.email == args.email.strip().lower())).first()
        if user is None:
            return _fail(f"no user with the email {args.email}")
        try:
            set_password(session, SYSTEM, user, password)
        except UserError as exc:
            return _fail(str(exc))
    print(f"new password set for {user.email}; their sessions ended")
    return 0


def cmd_user_two_factor_off(settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import select

    from desk.actions.audit import SYSTEM
    from desk.actions.two_factor import turn_off
    from desk.models import User

    with _database(settings) as db, db.session() as session:
        user = session.exec(select(User).where(User.email == args.email.strip().lower())).first()
        if user is None:
            return _fail(f"no user with the email {args.email}")
        turn_off(session, SYSTEM, user)
    print(f"two-step sign-in reset for {user.email}: their password alone signs them in, "
          "or they set it up again when their role requires it")
    return 0


def register(sub: Any) -> None:
    """Add `desk user ...` to the `desk` command's subparsers."""
    user = sub.add_parser("user", help="staff accounts").add_subparsers(dest="user_cmd",
                                                                        required=True)
    add = user.add_parser("add", help="add a staff member")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["agent", "supervisor", "admin"])
    add.add_argument("--password")
    add.add_argument("--locale", default="en", choices=["en", "zh_CN"])
    add.set_defaults(func=cmd_user_add)
    for name, active, text in (("deactivate", False, "stop a staff member signing in (sessions and "
                                "API tokens end at once)"), ("activate", True, "let them in again")):
        switch = user.add_parser(name, help=text)
        switch.add_argument("email")
        switch.set_defaults(func=_switch(active))
    password = user.add_parser("password", help="set a new password (ends their sessions)")
    password.add_argument("email")
    password.add_argument("--password", help="the new password (asked for when left out)")
    password.set_defaults(func=cmd_user_password)
    off = user.add_parser("two-factor-off", help="reset someone's two-step sign-in (a lost phone "
                                                 "and no recovery codes)")
    off.add_argument("email")
    off.set_defaults(func=cmd_user_two_factor_off)
