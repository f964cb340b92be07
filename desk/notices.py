"""Mail Desk writes to customers, rendered from localised templates."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from desk import ROOT
from desk.i18n import _, translations

if TYPE_CHECKING:
    from jinja2 import Environment


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


@cache
def _env(locale: str) -> Environment:
    # Jinja loads with the first notice written, not with every process that imports the intake.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(ROOT / "templates" / "email"),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def _render(template: str, locale: str, **context: object) -> str:
    return _env(locale).get_template(template).render(**context)


def _slot(name: str) -> str:
    return f"\x00{name}\x00"


@cache
def _skeleton(template: str, locale: str, names: tuple[str, ...]) -> str:
    return _render(template, locale, **{name: _slot(name) for name in names})


def _fill(template: str, locale: str, **values: object) -> str:
    """`_render` for a template that only places its values as they are (no filters or
    tests on them): rendered once per locale with markers where the values go, which are
    then replaced. The intake writes an acknowledgement for every new request; this keeps
    Jinja out of that path. A value's NUL characters, which no text should hold, are dropped."""
    text = _skeleton(template, locale, tuple(sorted(values)))
    for name, value in values.items():
        text = text.replace(_slot(name), str(value).replace("\x00", ""))
    return text


def acknowledgement(
    locale: str, ticket_id: int, subject: str, customer_name: str, link: str
) -> Notice:
    text = _fill(
        "acknowledgement.txt", locale, number=ticket_id, name=customer_name, link=link,
        subject=subject,
    )
    return Notice(subject=f"[#{ticket_id}] {subject}", text=text)


def reply(
    locale: str, ticket_id: int, subject: str, body: str, agent_name: str, link: str
) -> Notice:
    text = _render("reply.txt", locale, body=body, agent=agent_name, link=link, number=ticket_id)
    return Notice(subject=f"Re: [#{ticket_id}] {subject}", text=text)


def survey(locale: str, ticket_id: int, subject: str, customer_name: str,
           answers: list[tuple[int, str]], scale: int = 5) -> Notice:
    """The satisfaction survey: the question, and a link per answer (rating, link) labelled
    for the scale (5 or 3 answers)."""
    text = _render("survey.txt", locale, number=ticket_id, subject=subject, name=customer_name,
                   answers=answers, scale=scale)
    title = translations(locale).gettext(_("How did we do?"))
    return Notice(subject=f"[#{ticket_id}] {title}", text=text)


def chat_transcript(locale: str, ticket_id: int, subject: str, customer_name: str,
                    lines: list[dict[str, str]], link: str) -> Notice:
    """The chat as it was, mailed when the visitor leaves: `lines` of author, at, text."""
    text = _render("chat_transcript.txt", locale, number=ticket_id, name=customer_name,
                   lines=lines, link=link)
    title = translations(locale).gettext(_("Our chat"))
    return Notice(subject=f"[#{ticket_id}] {title}: {subject}", text=text)
