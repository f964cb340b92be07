"""What My account shows of a staff member's sign-in (templates/auth/_account_security.html):
the second factor, the signed-in browsers told by device, the API tokens."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from desk.actions.staff_sessions import token_hash
from desk.db import Database
from desk.models import User
from desk.models.base import aware, now
from desk.models.users import SCOPES
from desk.queries.account_security import account_security
from desk.web.devices import device_of


def security_context(request: Request, user: User) -> dict[str, Any]:
    db: Database = request.app.state.db
    with db.session() as session:
        security = account_security(session, user)
    stamp = now()
    expired = {t.id for t in security.tokens if t.expires_at and aware(t.expires_at) <= stamp}
    return {"security": security, "scopes": SCOPES, "expired_tokens": expired,
            "devices": {s.id: device_of(s.user_agent) for s in security.sessions},
            "current": token_hash(str(request.session.get("sid", "")))}
