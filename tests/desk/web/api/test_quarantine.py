"""The quarantine over the API: list, download, retry, discard; roles; documented shapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import store_raw
from desk.db import Database, commit
from desk.models import RawMessage, User
from desk.queries.mail.raw import raw_bytes
from desk.settings import Settings
from tests.desk.mail_samples import file_attachment_mail

from .schema_check import conforms

URL = "/api/v1/quarantine"
GOLDEN = Path(__file__).resolve().parents[3] / "fixtures" / "email"
NO_SENDER = (GOLDEN / "024-malformed-no-sender.eml").read_bytes()
Auth = Callable[[User], dict[str, str]]


def quarantine(db: Database, settings: Settings, mailbox: str, *raws: bytes) -> list[int]:
    with db.session() as s:
        ids = store_raw(s, mailbox, list(raws))
        commit(s)
        ingest_with_retry(s, settings, ids)
    return ids


def test_supervisor_lists_newest_first_pages_by_cursor_and_filters_by_mailbox(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    auth: Auth,
) -> None:
    sales = quarantine(db, settings, "sales", *[NO_SENDER] * 3)
    (support,) = quarantine(db, settings, "support", NO_SENDER)
    headers = auth(make_user("supervisor"))
    everything = client.get(URL, headers=headers)
    conforms("/quarantine", "get", everything)
    body = everything.json()
    assert [i["id"] for i in body["items"]] == [support, *sales[::-1]]
    first = body["items"][0]
    assert (first["mailbox"], first["subject"], first["from"]) == ("support", "who am I", "")
    assert first["size"] == len(NO_SENDER) and "no sender address" in first["error"]
    assert body["next_cursor"] is None
    page = client.get(URL, params={"mailbox": "sales", "limit": "2"}, headers=headers).json()
    assert [i["id"] for i in page["items"]] == sales[:0:-1]
    rest = client.get(URL, params={"mailbox": "sales", "limit": "2",
                                   "cursor": page["next_cursor"]}, headers=headers)
    conforms("/quarantine", "get", rest)
    assert ([i["id"] for i in rest.json()["items"]], rest.json()["next_cursor"]) == (
        [sales[0]], None)
    bad = client.get(URL, params={"limit": "1000", "cursor": "x", "sort": "id"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"limit": "out_of_range", "cursor": "invalid_cursor",
                                    "sort": "unknown_parameter"}
    conforms("/quarantine", "get", bad)


def test_the_raw_mail_downloads_byte_for_byte(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    auth: Auth,
) -> None:
    (raw_id,) = quarantine(db, settings, "support", NO_SENDER)
    headers = auth(make_user("admin"))
    response = client.get(f"{URL}/{raw_id}/raw", headers=headers)
    assert response.status_code == 200 and response.content == NO_SENDER
    assert response.headers["content-type"] == "message/rfc822"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="quarantine-{raw_id}.eml"')
    missing = client.get(f"{URL}/{raw_id + 1}/raw", headers=headers)
    assert missing.status_code == 404
    conforms("/quarantine/{raw_id}/raw", "get", missing)


def test_admin_retries_and_discards_and_a_second_discard_is_a_conflict(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    auth: Auth,
) -> None:
    (raw_id,) = quarantine(db, settings, "support", NO_SENDER)
    headers = auth(make_user("admin"))
    retried = client.post(f"{URL}/{raw_id}/retry", headers=headers)
    conforms("/quarantine/{raw_id}/retry", "post", retried)
    assert retried.json()["status"] == "quarantined" and retried.json()["ticket"] is None
    assert "no sender address" in retried.json()["error"]
    discarded = client.post(f"{URL}/{raw_id}/discard", headers=headers)
    conforms("/quarantine/{raw_id}/discard", "post", discarded)
    assert discarded.json()["status"] == "discarded"
    assert client.get(URL, headers=headers).json()["items"] == []
    with db.session() as s:
        row = s.get(RawMessage, raw_id)
        assert row is not None and raw_bytes(s, raw_id) == NO_SENDER
    again = client.post(f"{URL}/{raw_id}/discard", headers=headers)
    assert again.status_code == 409 and "not in the quarantine" in again.json()["error"]
    conforms("/quarantine/{raw_id}/discard", "post", again)
    missing = client.post(f"{URL}/99999/retry", headers=headers)
    assert missing.status_code == 404
    conforms("/quarantine/{raw_id}/retry", "post", missing)


def test_retry_after_the_fix_answers_with_the_new_ticket(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    auth: Auth,
) -> None:
    settings.attachments_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.attachments_dir.write_text("a file where a folder belongs")
    mail = file_attachment_mail()
    (raw_id,) = quarantine(db, settings, "support", mail)
    settings.attachments_dir.unlink()
    retried = client.post(f"{URL}/{raw_id}/retry", headers=auth(make_user("admin")))
    assert retried.status_code == 200
    assert retried.json()["status"] == "ingested" and retried.json()["ticket"] is not None


def test_agents_get_403_and_supervisors_may_not_change_anything(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
    auth: Auth,
) -> None:
    (raw_id,) = quarantine(db, settings, "support", NO_SENDER)
    agent = auth(make_user("agent"))
    for response in (client.get(URL, headers=agent),
                     client.get(f"{URL}/{raw_id}/raw", headers=agent),
                     client.post(f"{URL}/{raw_id}/retry", headers=agent)):
        assert response.status_code == 403
        assert response.json()["error"].startswith("only admins")
    conforms("/quarantine", "get", client.get(URL, headers=agent))
    supervisor = auth(make_user("supervisor"))
    assert client.post(f"{URL}/{raw_id}/discard", headers=supervisor).status_code == 403
    assert client.get(URL).status_code == 401
    with db.session() as s:
        row = s.get(RawMessage, raw_id)
        assert row is not None and row.status == "quarantined"
