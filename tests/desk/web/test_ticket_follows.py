"""A customer who answers a closed ticket gets a new ticket; both pages link the other."""

from __future__ import annotations

from starlette.testclient import TestClient

from desk.actions.mail.stored import ingest_stored, store_raw
from desk.db import Database, commit
from desk.models import Ticket
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.actions.test_mail_intake import mail


def test_the_new_ticket_and_the_closed_one_link_each_other(
    client: TestClient, db: Database, settings: Settings, make_user,  # type: ignore[no-untyped-def]
) -> None:
    with db.session() as session:
        ids = store_raw(session, "support", [mail("<old@example.com>", "Broken hinge")])
        commit(session)
        old_id = ingest_stored(session, settings, ids).ticket_ids[0]
        old = session.get(Ticket, old_id)
        assert old is not None
        old.status = "closed"
        session.add(old)
        commit(session)
        ids = store_raw(session, "support", [mail("<again@example.com>", "Re: Broken hinge",
                                                  extra="In-Reply-To: <old@example.com>\r\n")])
        commit(session)
        new_id = ingest_stored(session, settings, ids).ticket_ids[0]
        commit(session)
    sign_in(client, make_user("supervisor", email="sv@desk.test"))
    new_page = client.get(f"/agent/tickets/{new_id}").text
    assert "Continues the closed ticket" in new_page and f'href="/agent/tickets/{old_id}"' in new_page
    old_page = client.get(f"/agent/tickets/{old_id}").text
    assert "Continued in" in old_page and f'href="/agent/tickets/{new_id}"' in old_page
