"""`/api/v1/webhooks`: an admin subscribes a URL (the secret in the answer, once), changes it,
rotates the secret, reads the delivery log, resends, deletes; private addresses are refused
with 422 unless allowed; agents and supervisors get 403."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.testclient import TestClient

from channels.webhooks.signing import verify
from desk.db import Database
from desk.jobs.runner import due_jobs, execute_job
from desk.models import User
from tests.webhook_receiver import Receiver

from .schema_check import conforms

URL = "/api/v1/webhooks"


def _run_jobs(db: Database) -> None:
    for job_id in due_jobs(db):
        execute_job(db, job_id)


def test_an_admin_subscribes_reads_the_log_resends_rotates_and_deletes(
    client: TestClient, db: Database, make_user: Callable[..., User],
    auth: Callable[[User], dict[str, str]], make_ticket: Callable[..., int],
) -> None:
    receiver = Receiver(answers=[500]).start()
    try:
        headers = auth(make_user("admin"))
        refused = client.post(URL, json={"url": receiver.url, "events": ["ticket.created"]},
                              headers=headers)
        assert refused.status_code == 422
        conforms("/webhooks", "post", refused)
        assert refused.json()["fields"] == {"url": "refused_private"}
        created = client.post(URL, json={"name": "CRM", "url": receiver.url, "allow_private": True,
                                         "events": ["ticket.created", "ticket.solved"]}, headers=headers)
        assert created.status_code == 201, created.text
        conforms("/webhooks", "post", created)
        hook = created.json()
        secret = hook["secret"]
        assert secret.startswith("whsec_")
        listed = client.get(URL, headers=headers)
        conforms("/webhooks", "get", listed)
        assert [w["url"] for w in listed.json()["webhooks"]] == [receiver.url]
        assert "secret" not in listed.text and "secret" not in client.get(f"{URL}/{hook['id']}",
                                                                          headers=headers).json()

        number = make_ticket("Where is my parcel?")
        _run_jobs(db)
        log = client.get(f"{URL}/{hook['id']}/deliveries", headers=headers)
        conforms("/webhooks/{webhook_id}/deliveries", "get", log)
        [first] = log.json()["deliveries"]
        assert (first["event"], first["status"], first["response_code"]) == ("ticket.created", "pending", 500)
        assert first["payload"]["ticket"]["number"] == number
        again = client.post(f"{URL}/{hook['id']}/deliveries/{first['id']}/resend", headers=headers)
        assert again.status_code == 202
        conforms("/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", "post", again)
        _run_jobs(db)
        newest = client.get(f"{URL}/{hook['id']}/deliveries?limit=1", headers=headers).json()
        assert [(d["status"], d["resent_from"]) for d in newest["deliveries"]] == [("delivered", first["id"])]
        assert newest["next_cursor"] is not None
        older = client.get(f"{URL}/{hook['id']}/deliveries?limit=1&cursor={newest['next_cursor']}",
                           headers=headers).json()
        assert [d["id"] for d in older["deliveries"]] == [first["id"]]
        got = receiver.received[-1]
        assert verify(secret, got.headers["X-Desk-Timestamp"], got.body, got.headers["X-Desk-Signature"],
                      time.time())

        rotated = client.patch(f"{URL}/{hook['id']}", json={"rotate_secret": True, "active": False},
                               headers=headers)
        assert rotated.status_code == 200
        conforms("/webhooks/{webhook_id}", "patch", rotated)
        assert rotated.json()["secret"] != secret and rotated.json()["active"] is False
        assert client.patch(f"{URL}/{hook['id']}", json={"url": "http://169.254.169.254/"},
                            headers=headers).status_code == 200  # allowed: allow_private is set
        private = client.patch(f"{URL}/{hook['id']}", json={"allow_private": False}, headers=headers)
        assert private.status_code == 422 and private.json()["fields"] == {"url": "refused_private"}
        assert client.delete(f"{URL}/{hook['id']}", headers=headers).status_code == 204
        assert client.get(f"{URL}/{hook['id']}", headers=headers).status_code == 404
        assert client.get(f"{URL}/{hook['id']}/deliveries", headers=headers).status_code == 404
    finally:
        receiver.stop()


def test_bad_webhooks_are_refused_with_the_reason_per_field(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
) -> None:
    headers = auth(make_user("admin"))
    bad = client.post(URL, json={"url": "http://0x7f.1/", "events": ["ticket.exploded"], "x": 1},
                      headers=headers)
    assert bad.status_code == 422 and bad.json()["fields"] == {"x": "unknown_field"}
    bad = client.post(URL, json={"url": "http://0x7f.1/", "events": ["ticket.exploded"]}, headers=headers)
    assert bad.json()["fields"] == {"url": "refused_private", "events": "invalid_choice"}
    bad = client.post(URL, json={"url": "gopher://93.184.216.34/", "events": "ticket.created"},
                      headers=headers)
    assert bad.json()["fields"] == {"events": "invalid_type"}
    assert client.get(f"{URL}/1/deliveries?cursor=0", headers=headers).status_code == 422


def test_agents_and_supervisors_get_403(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
) -> None:
    for role in ("agent", "supervisor"):
        headers = auth(make_user(role))
        assert client.get(URL, headers=headers).status_code == 403
        assert client.post(URL, json={"url": "https://93.184.216.34/", "events": ["ticket.created"]},
                           headers=headers).status_code == 403
