"""The admin's quarantine page: list, download, retry, discard; admins only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import store_raw
from desk.db import Database, commit
from desk.models import RawMessage, Ticket, User
from desk.queries.mail.raw import raw_bytes
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.mail_samples import file_attachment_mail

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "email"
NO_SENDER = (GOLDEN / "024-malformed-no-sender.eml").read_bytes()
# Breaks the parser (no From) with a Chinese RFC 2047 subject and a stray control byte.
GARBLED = (b"To: support@desk.test\r\nSubject: =?gb2312?B?tPLTobv6u7XByw==?= \x01\xff\r\n"
           b"Message-ID: <garbled@example.com>\r\n\r\nbody\r\n")


def quarantine(db: Database, settings: Settings, mailbox: str, *raws: bytes) -> list[int]:
    with db.session() as s:
        ids = store_raw(s, mailbox, list(raws))
        commit(s)
        ingest_with_retry(s, settings, ids)
    return ids


def admin_client(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("admin"))


def test_admin_sees_quarantined_mail_newest_first_with_sender_subject_and_error(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    first, second = quarantine(db, settings, "support", NO_SENDER, GARBLED)
    admin_client(client, make_user)
    page = client.get("/admin/quarantine")
    assert page.status_code == 200
    rows = re.findall(r'data-raw="(\d+)"', page.text)
    assert rows == [str(second), str(first)]
    assert "打印机坏了" in page.text  # the RFC 2047 subject, decoded from GB2312
    assert "who am I" in page.text and "no sender address" in page.text
    assert "\x01" not in page.text
    admin = client.get("/admin/")
    assert "/admin/quarantine" in admin.text


def test_the_eml_downloads_byte_for_byte_as_an_attachment(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    (raw_id,) = quarantine(db, settings, "support", GARBLED)
    admin_client(client, make_user)
    response = client.get(f"/admin/quarantine/{raw_id}/raw")
    assert response.status_code == 200
    assert response.content == GARBLED
    assert response.headers["content-type"] == "message/rfc822"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="quarantine-{raw_id}.eml"')
    assert client.get("/admin/quarantine/99999/raw").status_code == 404


def test_filter_by_mailbox_and_page_through_older_mail(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    sales = quarantine(db, settings, "sales", *[NO_SENDER] * 52)
    (support,) = quarantine(db, settings, "support", NO_SENDER)
    admin_client(client, make_user)
    first = client.get("/admin/quarantine", params={"mailbox": "sales"})
    shown = [int(i) for i in re.findall(r'data-raw="(\d+)"', first.text)]
    assert len(shown) == 50 and support not in shown and shown[0] == sales[-1]
    older = re.search(r'href="(/admin/quarantine\?[^"]+)" rel="next"', first.text)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert [int(i) for i in re.findall(r'data-raw="(\d+)"', second.text)] == sales[1::-1]
    assert 'rel="next"' not in second.text


def test_retry_shows_the_outcome_and_discard_hides_the_mail_but_keeps_it(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    (raw_id,) = quarantine(db, settings, "support", NO_SENDER)
    admin_client(client, make_user)
    token = csrf_of(client, "/admin/quarantine")
    retried = client.post(f"/admin/quarantine/{raw_id}/retry", data={"csrf_token": token})
    assert retried.status_code == 200
    assert 'data-outcome="quarantined"' in retried.text
    assert "failed again" in retried.text and "no sender address" in retried.text
    assert client.post(f"/admin/quarantine/{raw_id}/discard", data={"csrf_token": "forged"}
                       ).status_code == 403
    gone = client.post(f"/admin/quarantine/{raw_id}/discard", data={"csrf_token": token})
    assert gone.status_code == 200 and f'data-raw="{raw_id}"' not in gone.text
    with db.session() as s:
        row = s.get(RawMessage, raw_id)
        assert row is not None and (row.status, raw_bytes(s, raw_id)) == ("discarded", NO_SENDER)
    again = client.post(f"/admin/quarantine/{raw_id}/retry", data={"csrf_token": token})
    assert again.status_code == 409 and "no longer in the quarantine" in again.text


def test_retry_that_succeeds_links_the_new_ticket(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    settings.attachments_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_text("a file where a folder belongs")
    fixed = file_attachment_mail()
    (raw_id,) = quarantine(db, settings, "support", fixed)
    admin_client(client, make_user)
    token = csrf_of(client, "/admin/quarantine")
    assert f'data-raw="{raw_id}"' in client.get("/admin/quarantine").text
    settings.attachments_dir.unlink()
    retried = client.post(f"/admin/quarantine/{raw_id}/retry", data={"csrf_token": token})
    with db.session() as s:
        (ticket,) = s.exec(select(Ticket)).all()
    assert 'data-outcome="ingested"' in retried.text
    assert f'href="/agent/tickets/{ticket.id}"' in retried.text


def test_agents_and_supervisors_get_403(
    client: TestClient, db: Database, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    (raw_id,) = quarantine(db, settings, "support", NO_SENDER)
    for role in ("agent", "supervisor"):
        sign_in(client, make_user(role))
        assert client.get("/admin/quarantine").status_code == 403
        assert client.get(f"/admin/quarantine/{raw_id}/raw").status_code == 403
        token = csrf_of(client, "/agent/")
        assert client.post(f"/admin/quarantine/{raw_id}/discard",
                           data={"csrf_token": token}).status_code == 403
    with db.session() as s:
        row = s.get(RawMessage, raw_id)
        assert row is not None and row.status == "quarantined"
