"""The customer portal: a customer asks for a sign-in link by email, gets it by real mail,
opens it and sees every request of theirs (and nobody else's) with its private page; the
answer is the same for an address Desk does not know; links expire; asking is limited."""

from __future__ import annotations

import logging
import re

import httpx2 as httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk import links
from desk.actions.audit import SYSTEM
from desk.actions.customers.records import update_customer
from desk.actions.ingest.one import ingest_message
from desk.actions.mail.mailboxes import create_mailbox
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.models import Customer, Job, Ticket
from desk.settings import Settings
from tests.smtp_server import SmtpServer


def _request(db: Database, settings: Settings, email: str, subject: str) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", email, "Kim Lee"), subject, "Please help."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _token(client: TestClient) -> str:
    """The CSRF token the portal's pages carry (sign-in form, sign-out button)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/portal").text)
    assert token
    return token.group(1)


def _ask(client: TestClient, email: str) -> tuple[int, str]:
    answer = client.post("/portal/link", data={"email": email, "csrf_token": _token(client)})
    return answer.status_code, answer.text.replace(email, "EMAIL")


def _sign_out(client: TestClient) -> httpx.Response:
    return client.post("/portal/sign-out", data={"csrf_token": _token(client)},
                       follow_redirects=False)


def _enter(client: TestClient, link: str) -> httpx.Response:
    """Press the sign-in page's button, as a browser does (its form carries the CSRF token;
    a refused link's page has no button: the token of the session is taken from another)."""
    page = client.get(link).text
    if 'name="csrf_token"' not in page:
        page = client.get("/agent/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post(link, data={"csrf_token": token.group(1)}, follow_redirects=False)


def _mailed_link(db: Database, settings: Settings, smtp_server: SmtpServer) -> str:
    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "help@desk.test", None, smtp_server.url)
        commit(s)
    for job_id in due_jobs(db):
        execute_job(db, job_id)
    (received,) = [m for m in smtp_server.messages if "/portal/enter/" in str(m.message)]
    text = received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return re.search(r"http://testserver(/portal/enter/\S+)", text).group(1)  # type: ignore[union-attr]


def test_a_customer_signs_in_by_mailed_link_and_sees_all_and_only_their_requests(
    client: TestClient, db: Database, settings: Settings, smtp_server: SmtpServer,
) -> None:
    printer = _request(db, settings, "kim@example.com", "Printer offline")
    invoice = _request(db, settings, "kim@example.com", "Invoice 4521 is wrong")
    other = _request(db, settings, "lee@example.org", "Someone else's request")
    assert "/portal/link" in client.get("/portal").text
    status, page = _ask(client, "Kim@Example.com")
    assert status == 200 and "sign-in link is on its way" in page
    link = _mailed_link(db, settings, smtp_server)

    entry = client.get(link)  # a mail scanner following the link signs nobody in
    assert entry.status_code == 200 and "desk_portal" not in entry.headers.get("set-cookie", "")
    signed = _enter(client, link)
    assert signed.status_code == 303 and "HttpOnly" in signed.headers["set-cookie"]
    mine = client.get("/portal").text
    assert "Printer offline" in mine and "Invoice 4521 is wrong" in mine
    assert "Someone else" not in mine and f'data-ticket="{other}"' not in mine
    private = re.search(rf'<a href="(/requests/[^"]+)">#{printer}</a>', mine)
    assert private, "each request opens its private page"
    opened = client.get(private.group(1))
    assert opened.status_code == 200 and "Printer offline" in opened.text
    assert f'data-ticket="{invoice}"' in mine

    assert _sign_out(client).status_code == 303
    assert "Printer offline" not in client.get("/portal").text


def test_the_answer_is_the_same_for_an_unknown_address_and_nothing_is_sent(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    _request(db, settings, "kim@example.com", "Printer offline")
    known, unknown = _ask(client, "kim@example.com"), _ask(client, "nobody@example.com")
    assert known == unknown
    with db.session() as s:
        jobs = [j.args for j in s.exec(select(Job).where(Job.name == "send_portal_link"))]
    assert [a["address"] for a in jobs] == ["kim@example.com"]


def test_a_bad_address_is_shown_back_and_asking_too_often_is_refused(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    bad = client.post("/portal/link", data={"email": "javascript:alert(1)//x",
                                            "csrf_token": _token(client)})
    assert bad.status_code == 400 and 'value="javascript:alert(1)//x"' in bad.text
    assert "Enter a valid email address" in bad.text
    answers = [_ask(client, "kim@example.com")[0] for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_a_forged_or_expired_link_and_a_removed_address_sign_nobody_in(
    client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = _request(db, settings, "kim@example.com", "Printer offline")
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        customer_id = ticket.customer_id
    secret = str(settings.secret_key)
    token = links.portal_link_token(secret, customer_id, "kim@example.com")
    forged = links.portal_link_token("not-the-secret", customer_id, "kim@example.com")
    assert _enter(client, f"/portal/enter/{forged}").status_code == 404
    monkeypatch.setattr(links, "PORTAL_LINK_SECONDS", -1)
    expired = _enter(client, f"/portal/enter/{token}")
    assert expired.status_code == 410 and "expired" in expired.text
    monkeypatch.undo()
    assert _enter(client, f"/portal/enter/{token}").status_code == 303
    assert "Printer offline" in client.get("/portal").text
    with db.session() as s:  # the address leaves the record: its link and session end
        customer = s.get(Customer, customer_id)
        assert customer is not None
        update_customer(s, SYSTEM, customer, {"emails": ["kim.lee@example.com"]})
        commit(s)
    assert "Printer offline" not in client.get("/portal").text
    assert _enter(client, f"/portal/enter/{token}").status_code == 404


def test_an_organisation_that_shares_lets_its_contacts_read_each_others_requests(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    from desk.actions.customers.organizations import create_organization

    with db.session() as s:
        org = create_organization(s, SYSTEM, {"name": "Acme", "domain": "acme.example"})
        commit(s)
        org_id = org.id
    mine = _request(db, settings, "kim@acme.example", "Printer offline")
    colleague = _request(db, settings, "lee@acme.example", "VPN keeps dropping")
    outsider = _request(db, settings, "zed@other.example", "Someone else's request")
    secret = str(settings.secret_key)
    with db.session() as s:
        ticket = s.get(Ticket, mine)
        assert ticket is not None
        kim = ticket.customer_id
    token = links.portal_link_token(secret, kim, "kim@acme.example")
    _enter(client, f"/portal/enter/{token}")
    page = client.get("/portal").text
    assert f'data-ticket="{mine}"' in page and f'data-ticket="{colleague}"' not in page
    assert client.get(f"/portal/requests/{colleague}").status_code == 404  # not shared yet

    with db.session() as s:
        from desk.actions.customers.organizations import update_organization
        from desk.models import Organization
        acme = s.get(Organization, org_id)
        assert acme is not None
        update_organization(s, SYSTEM, acme, {"portal_shared": True})
        commit(s)
    page = client.get("/portal").text
    assert f'data-ticket="{colleague}"' in page and "VPN keeps dropping" in page
    assert f'data-ticket="{outsider}"' not in page
    assert f'href="/portal/requests/{colleague}"' in page  # read-only view, not their private page
    view = client.get(f"/portal/requests/{colleague}")
    assert view.status_code == 200 and "Please help." in view.text and "<form" not in view.text.split(
        'id="portal-request"', 1)[1]
    assert client.get(f"/portal/requests/{outsider}").status_code == 404


def _link_for(db: Database, settings: Settings, number: int, address: str) -> str:
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        return "/portal/enter/" + links.portal_link_token(
            str(settings.secret_key), ticket.customer_id, address)


def test_the_sign_in_links_token_never_reaches_the_request_log(
    client: TestClient, db: Database, settings: Settings, caplog: pytest.LogCaptureFixture,
) -> None:
    number = _request(db, settings, "kim@example.com", "Printer offline")
    link = _link_for(db, settings, number, "kim@example.com")
    token = link.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="desk.request"):
        _enter(client, link)
    lines = [r.getMessage() for r in caplog.records if r.name == "desk.request"]
    assert lines and not [line for line in lines if token in line]
    assert any("/portal/enter/[sign-in link]" in line for line in lines)


def test_a_sign_in_link_signs_in_once(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _request(db, settings, "kim@example.com", "Printer offline")
    link = _link_for(db, settings, number, "kim@example.com")
    assert _enter(client, link).status_code == 303
    client.cookies.clear()
    again = _enter(client, link)
    assert again.status_code == 410 and "was used already" in again.text
    assert "Printer offline" not in client.get("/portal").text


def test_signing_in_without_the_pages_form_token_is_refused(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _request(db, settings, "kim@example.com", "Printer offline")
    link = _link_for(db, settings, number, "kim@example.com")
    forged = client.post(link, follow_redirects=False)  # a form posted from another site
    assert forged.status_code == 403 and "desk_portal" not in forged.headers.get("set-cookie", "")
    assert _enter(client, link).status_code == 303


def test_signing_out_ends_the_cookie_even_where_it_was_copied(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _request(db, settings, "kim@example.com", "Printer offline")
    _enter(client, _link_for(db, settings, number, "kim@example.com"))
    stolen = client.cookies.get("desk_portal")
    assert stolen and "Printer offline" in client.get("/portal").text
    assert _sign_out(client).status_code == 303
    client.cookies.set("desk_portal", stolen)
    assert "Printer offline" not in client.get("/portal").text


def test_asking_for_a_link_or_signing_out_from_another_site_is_refused(
    client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _request(db, settings, "kim@example.com", "Printer offline")
    forged = client.post("/portal/link", data={"email": "kim@example.com"})
    assert forged.status_code == 403 and "did not come from Desk" in forged.text
    with db.session() as s:
        assert list(s.exec(select(Job).where(Job.name == "send_portal_link"))) == []
    _enter(client, _link_for(db, settings, number, "kim@example.com"))
    assert client.post("/portal/sign-out", data={}).status_code == 403
    assert "Printer offline" in client.get("/portal").text  # still signed in
