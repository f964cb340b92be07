"""`desk token create|list|revoke`: API tokens with scopes and an expiry, from the shell."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from desk.cli.staff import _database, _fail

if TYPE_CHECKING:
    from desk.settings import Settings


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import select

    from desk.actions.api_tokens import TokenError, make_token
    from desk.actions.audit import SYSTEM
    from desk.models import User
    from desk.models.users import SCOPES

    scopes = [s for part in args.scope or [] for s in part.replace(",", " ").split()] or list(SCOPES)
    expires = datetime.now(UTC) + timedelta(days=args.days) if args.days else None
    with _database(settings) as db, db.session() as session:
        user = session.exec(select(User).where(User.email == args.email.strip().lower())).first()
        if user is None:
            return _fail(f"no user with the email {args.email}")
        try:
            _row, token = make_token(session, SYSTEM, user, args.name, scopes, expires)
        except TokenError as exc:
            return _fail(f"{exc} (scopes: {', '.join(SCOPES)})")
    print(token)
    return 0


def cmd_token_list(settings: Settings, args: argparse.Namespace) -> int:
    from desk.models.base import aware, now
    from desk.queries.account_security import every_token

    with _database(settings) as db, db.session() as session:
        stamp = now()
        print("id\towner\tname\tscopes\tcreated\tlast used\texpires\tstate")
        for token, user in every_token(session):
            if token.revoked_at:
                state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
            elif token.expires_at and aware(token.expires_at) <= stamp:
                state = "expired"
            else:
                state = "active"
            print(f"{token.id}\t{user.email}\t{token.name or '-'}\t{token.scopes.replace(' ', ',')}\t"
                  f"{_when(token.created_at)}\t{_when(token.last_used_at)}\t"
                  f"{_when(token.expires_at)}\t{state}")
    return 0


def cmd_token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from desk.actions.audit import SYSTEM
    from desk.actions.users import revoke_token
    from desk.db import committed
    from desk.queries.account_security import get_token

    with _database(settings) as db, db.session() as session:
        token = get_token(session, args.id)
        if token is None:
            return _fail(f"no API token with the id {args.id}")
        with committed(session):
            revoke_token(session, SYSTEM, token)
    print(f"token {args.id} revoked")
    return 0


def register(sub: Any) -> None:
    """Add `desk token ...` to the `desk` command's subparsers."""
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_cmd",
                                                                      required=True)
    create = token.add_parser("create", help="print a new API token for a staff member")
    create.add_argument("email")
    create.add_argument("--name", default="")
    create.add_argument("--scope", action="append",
                        help="what it may do (repeat, or comma-separated): tickets:read, "
                             "tickets:write, customers:read, customers:write, kb:read, kb:write, "
                             "reports:read, admin; default: all")
    create.add_argument("--days", type=int, default=0,
                        help="it stops working after this many days (default: never)")
    create.set_defaults(func=cmd_token_create)
    listing = token.add_parser("list", help="every API token: id, owner, name, scopes, "
                                            "created, last used, expires, state")
    listing.set_defaults(func=cmd_token_list)
    revoke = token.add_parser("revoke", help="stop an API token working, at once")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=cmd_token_revoke)
