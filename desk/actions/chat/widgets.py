"""Chat widgets: checked and saved by an admin, every change audited."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.db import commit
from desk.i18n import _
from desk.models import ChatWidget, Team
from desk.models.chat import ASK_EMAIL
from desk.secrets import decrypt, encrypt

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_ORIGINS = 50


@dataclass
class WidgetForm:
    """What the widget form sends, as text (so it can be shown back when refused)."""

    name: str = ""
    team_id: str = ""
    origins: str = ""
    colour: str = "#2563eb"
    greeting_en: str = ""
    greeting_zh: str = ""
    ask_email: str = "before"
    enabled: bool = True
    errors: dict[str, str] = field(default_factory=dict)


def normal_origin(value: str) -> str | None:
    """`https://shop.example.com` (scheme, host, port) from what an admin typed; None if it
    is not an origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def check_widget(session: Session, form: WidgetForm) -> dict[str, Any]:
    """The widget's values; fills `form.errors` (field: reason) when one is wrong."""
    errors = form.errors
    name = form.name.strip()
    if not name or len(name) > 200:
        errors["name"] = _("Give the widget a name (at most 200 characters).")
    team_id: int | None = None
    if form.team_id.strip():
        if not form.team_id.strip().isdigit() or session.get(Team, int(form.team_id)) is None:
            errors["team_id"] = _("Choose a team that exists.")
        else:
            team_id = int(form.team_id)
    origins: list[str] = []
    for line in form.origins.splitlines():
        if not line.strip():
            continue
        origin = normal_origin(line)
        if origin is None:
            errors["origins"] = _("Write one site per line, such as https://shop.example.com "
                                  "(no path).")
            break
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        errors["origins"] = _("At most 50 sites per widget.")
    if not _COLOUR.match(form.colour.strip()):
        errors["colour"] = _("A colour such as #2563eb.")
    if form.ask_email not in ASK_EMAIL:
        errors["ask_email"] = _("Choose when to ask for the email address.")
    for name_, text in (("greeting_en", form.greeting_en), ("greeting_zh", form.greeting_zh)):
        if len(text) > 500:
            errors[name_] = _("At most 500 characters.")
    return dict(name=name, team_id=team_id, origins="\n".join(origins),
                colour=form.colour.strip().lower(), greeting_en=form.greeting_en.strip(),
                greeting_zh=form.greeting_zh.strip(), ask_email=form.ask_email,
                enabled=form.enabled)


def save_widget(session: Session, actor: Actor, secret_key: str, widget: ChatWidget | None,
                form: WidgetForm) -> ChatWidget | None:
    """Create (widget None) or change a widget; None, with `form.errors`, when refused.
    A new widget gets its public key and its identity secret. Commits."""
    values = check_widget(session, form)
    if form.errors:
        return None
    if widget is None:
        widget = ChatWidget(key=secrets.token_urlsafe(12),
                            identity_secret=encrypt(secret_key, secrets.token_urlsafe(32)),
                            **values)
        session.add(widget)
        session.flush()
        assert widget.id is not None
        record(session, actor, "chat_widget", widget.id, "created",
               {k: [None, v] for k, v in values.items()})
        commit(session)
        return widget
    diff = {k: [getattr(widget, k), v] for k, v in values.items() if getattr(widget, k) != v}
    for key, (_before, after) in diff.items():
        setattr(widget, key, after)
    session.add(widget)
    if diff:
        assert widget.id is not None
        record(session, actor, "chat_widget", widget.id, "updated", diff)
    commit(session)
    return widget


def new_identity_secret(session: Session, actor: Actor, secret_key: str,
                        widget: ChatWidget) -> None:
    """Replace the widget's identity secret (the old one stops vouching at once)."""
    assert widget.id is not None
    widget.identity_secret = encrypt(secret_key, secrets.token_urlsafe(32))
    session.add(widget)
    record(session, actor, "chat_widget", widget.id, "secret_replaced", {})
    commit(session)


def identity_secret(secret_key: str, widget: ChatWidget) -> str:
    return decrypt(secret_key, widget.identity_secret)
