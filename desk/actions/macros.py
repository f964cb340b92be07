"""Saving and deleting macros. A macro whose text holds a placeholder Desk cannot fill, or an
action it could not take, is refused with the reason per field and nothing written; every
save and delete is audited and commits once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.actions.tickets.checks import parse_tags
from desk.db import committed
from desk.i18n import _
from desk.macro_text import FIELDS, article_ids, unknown_placeholders
from desk.models import Article, Macro, Role, Status, Team, User
from desk.models.base import now

MAX_TEXT = 50_000
SCOPES = ("personal", "everyone", "team")


class MacroError(InputError):
    """Macro input that cannot be saved (``field`` names the form field)."""


@dataclass
class MacroInput:
    """The macro form as typed (kept as typed when it is refused)."""

    name: str = ""
    text_en: str = ""
    text_zh: str = ""
    scope: str = "personal"  # personal | everyone | team
    team_id: str = ""
    set_status: str = ""
    add_tags: str = ""
    assignee: str = ""  # "" unchanged | "me" | "none" | a user id

    @classmethod
    def of(cls, macro: Macro) -> MacroInput:
        scope = "personal" if macro.owner_id else "team" if macro.team_id else "everyone"
        return cls(macro.name, macro.text_en, macro.text_zh, scope, str(macro.team_id or ""),
                   macro.set_status, macro.add_tags, macro.assignee)


def _text_errors(session: Session, field: str, text: str) -> MacroError | None:
    if len(text) > MAX_TEXT:
        return MacroError(field, _("This is too long."))
    unknown = unknown_placeholders(text)
    if unknown:
        return MacroError(
            field, _("Unknown placeholder: %(names)s. Desk fills %(known)s and {{article:ID}}."),
            names=", ".join("{{" + name + "}}" for name in unknown),
            known=", ".join("{{" + name + "}}" for name in FIELDS))
    missing = [i for i in article_ids(text) if session.get(Article, i) is None]
    if missing:
        return MacroError(field, _("No article has the number %(ids)s."),
                          ids=", ".join(str(i) for i in missing))
    return None


def check_macro(session: Session, user: User, data: MacroInput) -> dict[str, MacroError]:
    """Every reason the macro cannot be saved, by form field; empty when it can."""
    errors: dict[str, MacroError] = {}
    if not data.name.strip():
        errors["name"] = MacroError("name", _("This field is required."))
    elif len(data.name.strip()) > 200:
        errors["name"] = MacroError("name", _("This is too long."))
    for field in ("text_en", "text_zh"):
        if (error := _text_errors(session, field, getattr(data, field))) is not None:
            errors[field] = error
    if not data.text_en.strip() and not data.text_zh.strip() and not (
            data.set_status or data.add_tags.strip() or data.assignee):
        errors["text_en"] = MacroError("text_en", _("Write a reply or choose an action."))
    if data.scope not in SCOPES:
        errors["scope"] = MacroError("scope", _("Choose one of the options."))
    elif data.scope != "personal" and user.role not in (Role.supervisor, Role.admin):
        errors["scope"] = MacroError("scope", _("Only supervisors and admins share macros."))
    elif data.scope == "team" and not (data.team_id.isdigit() and int(data.team_id) < 2**31
                                       and session.get(Team, int(data.team_id)) is not None):
        errors["scope"] = MacroError("scope", _("Choose a team."))
    if data.set_status and data.set_status not in {s.value for s in Status}:
        errors["set_status"] = MacroError("set_status", _("Choose one of the options."))
    if data.add_tags.strip() and parse_tags(data.add_tags) is None:
        errors["add_tags"] = MacroError("add_tags", _("Tags are single words separated by commas."))
    if data.assignee not in ("", "me", "none") and not (
            data.assignee.isdigit() and int(data.assignee) < 2**31
            and session.get(User, int(data.assignee)) is not None):
        errors["assignee"] = MacroError("assignee", _("This no longer exists."))
    return errors


def _fields(user: User, data: MacroInput) -> dict[str, Any]:
    tags = parse_tags(data.add_tags) if data.add_tags.strip() else []
    return dict(
        name=data.name.strip(), text_en=data.text_en, text_zh=data.text_zh,
        owner_id=user.id if data.scope == "personal" else None,
        team_id=int(data.team_id) if data.scope == "team" else None,
        set_status=data.set_status, add_tags=" ".join(tags or []), assignee=data.assignee,
    )


def save_macro(session: Session, actor: Actor, user: User, macro: Macro | None,
               data: MacroInput) -> Macro | dict[str, MacroError]:
    """Create (``macro`` None) or update a macro; the errors instead, with nothing written.
    The caller has checked that ``user`` may edit ``macro``."""
    errors = check_macro(session, user, data)
    if errors:
        return errors
    fields = _fields(user, data)
    with committed(session):
        if macro is None:
            macro = Macro(created_by=user.id, **fields)
            session.add(macro)
            session.flush()
            assert macro.id is not None
            record(session, actor, "macro", macro.id, "created", {"name": [None, macro.name]})
        else:
            before = asdict(MacroInput.of(macro))
            for key, value in fields.items():
                setattr(macro, key, value)
            macro.updated_at = now()
            session.add(macro)
            after = asdict(MacroInput.of(macro))
            assert macro.id is not None
            record(session, actor, "macro", macro.id, "updated",
                   {k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return macro


def delete_macro(session: Session, actor: Actor, macro: Macro) -> None:
    assert macro.id is not None
    with committed(session):
        record(session, actor, "macro", macro.id, "deleted", {"name": [macro.name, None]})
        session.delete(macro)
