"""PATCH /tickets/{n} with the version it was read at: a change made meanwhile is not
overwritten (409 with the reason and the current version)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Ticket, User
from desk.web.api.openapi import DOCUMENT
from tests.desk.web.api.schema_check import problems

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def test_a_change_against_an_old_version_is_409_and_saves_nothing(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    headers = auth(make_user("agent"))
    number = make_ticket()
    read = client.get(f"{TICKETS}/{number}", headers=headers)
    version = read.json()["version"]
    assert read.headers["etag"] == f'"{version}"'

    changed = client.patch(f"{TICKETS}/{number}", headers=headers,
                           json={"priority": "urgent", "version": version})
    assert changed.status_code == 200 and changed.json()["version"] > version

    stale = client.patch(f"{TICKETS}/{number}", headers=headers,
                         json={"priority": "low", "version": version})
    assert stale.status_code == 409
    assert "changed since" in stale.json()["error"]
    assert stale.json()["version"] == changed.json()["version"]
    assert problems(DOCUMENT, {"$ref": "#/components/schemas/StaleTicket"}, stale.json()) == []

    by_header = client.patch(f"{TICKETS}/{number}", json={"priority": "low"},
                             headers={**headers, "If-Match": f'"{version}"'})
    assert by_header.status_code == 409
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.priority == "urgent"

    current = changed.headers["etag"]
    ok = client.patch(f"{TICKETS}/{number}", json={"priority": "low"},
                      headers={**headers, "If-Match": current})
    assert ok.status_code == 200 and ok.json()["priority"] == "low"
    # Without a version (or with If-Match: *) nothing is checked, as before.
    assert client.patch(f"{TICKETS}/{number}", json={"priority": "high"},
                        headers={**headers, "If-Match": "*"}).status_code == 200


def test_a_version_that_is_no_number_is_422(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    number = make_ticket()
    r = client.patch(f"{TICKETS}/{number}", headers=auth(make_user("agent")),
                     json={"priority": "low", "version": "3"})
    assert r.status_code == 422 and r.json()["fields"] == {"version": "out_of_range"}
