"""A mail as it was formatted: the ticket page's "Show formatted" opens the mail's sanitised
HTML with its inline images (cid: pointed at the same message's attachments), sanitised again
on the way out, under a Content-Security-Policy that loads nothing from elsewhere; only for
those who may see the ticket."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundAttachment, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.actions.users import add_to_team, ensure_team
from desk.cli.main import main
from desk.db import Database, commit
from desk.models import Attachment, Message, Ticket, User
from desk.settings import Settings
from tests.conftest import sign_in

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "email"
POLICY = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; "
          "form-action 'none'; frame-ancestors 'self'; "
          "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox")


def _ingest(*files: Path) -> None:
    assert main(["ingest", "--mailbox", "support", *map(str, files)]) == 0


def _message_of(db: Database, subject: str) -> tuple[int, int, list[Attachment]]:
    """The ticket number, the first message's id and its attachments."""
    with db.session() as s:
        ticket = s.exec(select(Ticket).where(Ticket.subject == subject)).one()
        message = s.exec(select(Message).where(Message.ticket_id == ticket.id)).first()
        assert ticket.id is not None and message is not None and message.id is not None
        files = list(s.exec(select(Attachment).where(Attachment.message_id == message.id)))
        return ticket.id, message.id, files


@pytest.mark.usefixtures("cli_env")
def test_a_mail_with_an_inline_image_shows_formatted_with_its_image(
    agent_client: TestClient, db: Database, capsys: pytest.CaptureFixture[str],
) -> None:
    golden = GOLDEN / "067-inline-image-content-id.eml"
    _ingest(golden)
    capsys.readouterr()
    number, message_id, files = _message_of(db, "Screenshot")
    [image] = files
    page = agent_client.get(f"/agent/tickets/{number}").text
    assert "Show formatted" in page
    assert f'<iframe src="/agent/messages/{message_id}/formatted"' in page
    frame = re.search(r"<iframe src=\"/agent/messages/\d+/formatted\"[^>]*>", page)
    assert frame is not None and "allow-scripts" not in frame[0]
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in frame[0]
    assert 'loading="lazy"' in frame[0]

    formatted = agent_client.get(f"/agent/messages/{message_id}/formatted")
    assert formatted.status_code == 200
    assert formatted.headers["content-type"].startswith("text/html")
    assert formatted.headers["content-security-policy"] == POLICY
    assert "<p>See the error:</p>" in formatted.text
    assert f'<img src="/agent/attachments/{image.id}/preview">' in formatted.text
    assert "cid:" not in formatted.text and "Remote images" not in formatted.text

    served = agent_client.get(f"/agent/attachments/{image.id}/preview")
    part = next(p for p in email.message_from_bytes(golden.read_bytes()).walk()
                if p.get("Content-ID"))
    assert served.status_code == 200 and served.content == part.get_payload(decode=True)


@pytest.mark.usefixtures("cli_env")
def test_outlooks_inline_image_keeps_its_size(
    agent_client: TestClient, db: Database, capsys: pytest.CaptureFixture[str],
) -> None:
    _ingest(GOLDEN / "035-outlook-html-related-inline-image.eml")
    capsys.readouterr()
    _, message_id, [image] = _message_of(db, "Screenshot of the error")
    body = agent_client.get(f"/agent/messages/{message_id}/formatted").text
    assert f'<img src="/agent/attachments/{image.id}/preview" width="400">' in body
    assert "The dashboard shows this:" in body


def test_what_must_not_run_or_load_does_not_come_out(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    """HTML stored before today's sanitiser: script, handlers, javascript: URLs, relative
    URLs into the desk and another message's Content-ID never come out."""
    with db.session() as s:
        other, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "lee@example.com", "Lee"), "Other", "Theirs.",
            attachments=(InboundAttachment("theirs.png", "image/png", b"\x89PNG", "theirs@x"),)))
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Hostile", "Hello.",
            html='<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script>'
                 '<img src="cid:mine@x" onerror="alert(2)"><img src="cid:theirs@x">'
                 '<img src="/agent/attachments/1/preview"><img src="http://tracker.example/p.gif">'
                 '<a href="javascript:alert(3)">click</a><a href="https://example.com/">site</a>'
                 '<iframe src="https://example.com/"></iframe><style>body{}</style>',
            attachments=(InboundAttachment("mine.png", "image/png", b"\x89PNG", "mine@x"),)))
        commit(s)
        number, other_number = ticket.id, other.id
    _, message_id, [mine] = _message_of(db, "Hostile")
    _, _, [theirs] = _message_of(db, "Other")
    assert number and other_number
    body = agent_client.get(f"/agent/messages/{message_id}/formatted").text
    assert "<p>Hello <b>there</b></p>" in body
    for bad in ("<script>alert", "onclick", "onerror", "javascript:", "<iframe", "steal()",
                f"/agent/attachments/{theirs.id}", "/agent/attachments/1/preview", "cid:"):
        assert bad not in body, bad
    assert f'<img src="/agent/attachments/{mine.id}/preview">' in body
    # The remote image stays in the HTML; the policy blocks it and the page says so.
    assert 'src="http://tracker.example/p.gif"' in body
    assert "Remote images in this mail were blocked." in body
    assert 'href="https://example.com/" target="_blank" rel="noopener noreferrer"' in body


def test_only_who_may_see_the_ticket_sees_the_formatted_mail(
    app_factory, client: TestClient, db: Database, settings: Settings,  # type: ignore[no-untyped-def]
    make_user: Callable[..., User],
) -> None:
    agent = make_user("agent", email="ana@desk.test")
    with db.session() as s:
        mine, theirs = ensure_team(s, SYSTEM, "Mine"), ensure_team(s, SYSTEM, "Theirs")
        add_to_team(s, SYSTEM, agent, mine)
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Their mail", "Hi.",
            html="<p>Hi <i>there</i>.</p>"))
        update_ticket(s, SYSTEM, ticket, {"team_id": theirs.id})
        plain, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "lee@example.com", "Lee"), "Plain", "Just text."))
        commit(s)
        plain_number = plain.id
    _, message_id, _ = _message_of(db, "Their mail")
    _, plain_id, _ = _message_of(db, "Plain")
    path = f"/agent/messages/{message_id}/formatted"

    signed_out = client.get(path, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/agent/login?next={path}"

    sign_in(client, agent)
    assert client.get(path).status_code == 404
    assert client.get("/agent/messages/999999/formatted").status_code == 404
    # A message without HTML: no control on its page, nothing to show.
    page = client.get(f"/agent/tickets/{plain_number}").text
    assert "Just text." in page and "Show formatted" not in page and "/formatted" not in page
    assert client.get(f"/agent/messages/{plain_id}/formatted").status_code == 404

    with TestClient(app_factory()) as supervisor:
        sign_in(supervisor, make_user("supervisor", email="sam@desk.test"))
        shown = supervisor.get(path)
        assert shown.status_code == 200 and "<p>Hi <i>there</i>.</p>" in shown.text
    with db.session() as s:  # a team whose tickets everyone may read: the agent reads it too
        team = s.get(type(theirs), theirs.id)
        assert team is not None
        team.readable_by_all = True
        s.add(team)
        commit(s)
    assert client.get(path).status_code == 200


def test_the_customers_own_page_has_no_formatted_view(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    from desk.links import request_token

    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Mine", "Hi.",
            html="<p>Hi.</p>"))
        commit(s)
        assert ticket.id is not None
        token = request_token(settings.secret_key, ticket.id, ticket.customer_id)
    page = client.get(f"/requests/{token}")
    assert page.status_code == 200 and "Hi." in page.text
    assert "Show formatted" not in page.text and "/formatted" not in page.text


@pytest.mark.usefixtures("cli_env")
def test_a_mails_colours_show_formatted_and_what_could_cover_the_page_does_not(
    agent_client: TestClient, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    mail = email.message.EmailMessage()
    mail["From"] = "Ana <ana@example.com>"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "Coloured status"
    mail["Message-ID"] = "<coloured-1@example.com>"
    mail.set_content("Status: failed")
    mail.add_alternative('<p>Status: <b style="color:#c00;position:fixed;top:0">failed</b></p>'
                         '<p style="background-color:#ffeb3b;z-index:99">Order 1234</p>',
                         subtype="html")
    path = tmp_path / "coloured.eml"
    path.write_bytes(mail.as_bytes())
    _ingest(path)
    capsys.readouterr()
    _number, message_id, _files = _message_of(db, "Coloured status")
    formatted = agent_client.get(f"/agent/messages/{message_id}/formatted").text
    assert '<b style="color:#c00">failed</b>' in formatted
    assert '<p style="background-color:#ffeb3b">Order 1234</p>' in formatted
    assert "position" not in formatted and "z-index" not in formatted
