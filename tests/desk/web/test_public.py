"""The public web form and the customer's own request page."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.routing import Route
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import Attachment, Customer, OutboundMessage, Ticket


def _submit(client: TestClient, **overrides: str) -> object:
    data = {"name": "李雷", "email": "lilei@example.cn", "subject": "打印机无法连接",
            "message": "办公室的打印机昨天开始无法连接。", "website": ""}
    data.update(overrides)
    return client.post("/requests", data=data, follow_redirects=False)


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_form_submission_creates_ticket_customer_and_acknowledgement(
    client: TestClient, db: Database
) -> None:
    response = _submit(client)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    number = re.search(r"#(\d+)", page.text)
    assert number is not None
    assert "打印机无法连接" in page.text
    with db.session() as s:
        ticket = s.get(Ticket, int(number.group(1)))
        assert ticket is not None and ticket.channel == "web" and ticket.status == "new"
        customer = s.get(Customer, ticket.customer_id)
        assert customer is not None and customer.email == "lilei@example.cn"
        ack = s.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket.id)).one()
        assert ack.kind == "acknowledgement" and ack.status == "queued"
        assert f"[#{ticket.id}]" in ack.subject
        # The acknowledgement carries the private link to the request page.
        assert response.headers["location"].split("?")[0] in ack.body_text


def test_known_email_links_ticket_to_existing_customer(client: TestClient, db: Database) -> None:
    _submit(client)
    _submit(client, email="LILEI@example.cn", subject="第二个问题")
    assert _count(db, Customer) == 1
    assert _count(db, Ticket) == 2


def test_invalid_input_is_shown_back_with_input_kept(client: TestClient, db: Database) -> None:
    response = _submit(client, email="not-an-address", subject="")
    assert response.status_code == 400
    assert 'value="李雷"' in response.text
    assert "办公室的打印机昨天开始无法连接。" in response.text
    assert 'id="email-error"' in response.text and 'id="subject-error"' in response.text
    assert _count(db, Ticket) == 0


def test_oversize_fields_are_refused(client: TestClient, db: Database) -> None:
    response = _submit(client, subject="x" * 201, message="y" * 20001)
    assert response.status_code == 400
    assert 'id="subject-error"' in response.text and 'id="message-error"' in response.text
    assert _count(db, Ticket) == 0


def test_html_and_script_are_shown_as_text(client: TestClient, db: Database) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = _submit(client, name=evil, subject=evil, message=evil)
    page = client.get(response.headers["location"])
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text
    assert "<img src=x" not in page.text


def test_honeypot_looks_accepted_but_stores_nothing(client: TestClient, db: Database) -> None:
    response = _submit(client, website="http://spam.example")
    assert response.status_code == 200
    assert _count(db, Ticket) == 0


def test_rate_limit_per_ip(app_factory, db: Database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app_factory(form_rate_limit=2)) as limited:
        assert _submit(limited).status_code == 303
        assert _submit(limited).status_code == 303
        third = _submit(limited)
        assert third.status_code == 429
    assert _count(db, Ticket) == 2


def test_attachment_limits_are_clear_and_store_nothing(app_factory, db: Database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app_factory()) as c:
        big = b"0" * (20 * 1024 * 1024)
        response = c.post("/requests", data={"name": "A", "email": "a@example.com",
                                             "subject": "Big", "message": "file"},
                          files={"attachments": ("huge.bin", big, "application/octet-stream")})
        assert response.status_code == 400
        assert 'id="attachments-error"' in response.text
        assert 'value="a@example.com"' in response.text
    assert _count(db, Ticket) == 0 and _count(db, Attachment) == 0


def test_attachment_is_stored_and_downloaded_with_real_name(client: TestClient, db: Database) -> None:
    response = client.post(
        "/requests",
        data={"name": "A", "email": "a@example.com", "subject": "Logs", "message": "see file"},
        files={"attachments": ("报告 2026.html", b"<script>x</script>", "text/html")},
        follow_redirects=False,
    )
    page = client.get(response.headers["location"])
    assert "报告 2026.html" in page.text
    link = re.search(r'href="(/requests/[^"]+/attachments/\d+)"', page.text)
    assert link is not None
    download = client.get(link.group(1))
    assert download.content == b"<script>x</script>"
    assert download.headers["content-type"].startswith("application/octet-stream")
    assert download.headers["content-disposition"].startswith("attachment;")


def test_customer_reply_reopens_and_tampered_link_is_refused(client: TestClient, db: Database) -> None:
    location = _submit(client).headers["location"].split("?")[0]
    reply = client.post(location + "/replies", data={"message": "补充：型号是 HP 1020"},
                        follow_redirects=False)
    assert reply.status_code == 303
    assert "补充：型号是 HP 1020" in client.get(location).text
    assert client.get(location + "x").status_code == 404


def test_accept_language_and_switch_choose_chinese(client: TestClient) -> None:
    english = client.get("/requests/new", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Contact support" in english.text
    chinese = client.get("/requests/new", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert 'lang="zh-CN"' in chinese.text
    client.get("/locale/zh_CN?next=/requests/new")
    assert 'lang="zh-CN"' in client.get("/requests/new").text


def test_private_links_do_not_leak_through_referer(client: TestClient) -> None:
    location = _submit(client).headers["location"]
    page = client.get(location)
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_request_log_never_shows_a_private_link_nor_a_forged_line(
    client: TestClient, caplog: pytest.LogCaptureFixture,
) -> None:
    location = _submit(client).headers["location"].split("?")[0]
    token = location.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="desk.request"):
        client.get(location)
        client.get("/help/%0D%0A2026-01-01 INFO desk.request forged")
    lines = [r.getMessage() for r in caplog.records if r.name == "desk.request"]
    assert not any(token in line for line in lines)
    assert any("/requests/[ticket " in line for line in lines)
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert any("\\x0d\\x0a2026-01-01" in line for line in lines)


def test_pages_carry_a_content_security_policy_and_private_ones_are_never_cached(
    client: TestClient, app_factory,  # type: ignore[no-untyped-def]
) -> None:
    form = client.get("/requests/new")
    policy = form.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "img-src 'self' data:" in policy
    assert "no-store" not in form.headers.get("cache-control", "")
    private = client.get(_submit(client).headers["location"])
    assert private.headers["cache-control"] == "no-store"
    assert client.get("/agent/login").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/tickets").headers["cache-control"] == "no-store"
    assert "content-security-policy" not in client.get("/static/css/desk.css").headers

    def boom(request: object) -> None:
        raise RuntimeError("a bug")

    app = app_factory()
    app.router.routes.append(Route("/agent/boom", boom))
    with TestClient(app, raise_server_exceptions=False) as crashing:
        page = crashing.get("/agent/boom")
    assert page.status_code == 500
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_no_page_holds_inline_script_the_policy_would_block(client: TestClient) -> None:
    for path in ("/requests/new", "/help/", "/agent/login"):
        html = client.get(path).text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"\son[a-z]+=\"|javascript:", html) is None, path


def test_a_private_link_takes_only_so_many_replies_a_minute(app_factory) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app_factory(form_rate_limit=3)) as limited:
        location = _submit(limited).headers["location"].split("?")[0]
        answers = [limited.post(location + "/replies", data={"message": f"More {i}"},
                                follow_redirects=False).status_code for i in range(3)]
    assert answers == [303, 303, 429]  # the form's submission counted against the address too


def test_a_private_link_adds_at_most_a_days_worth_of_files(app_factory, db: Database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app_factory(max_attachment_bytes=100, max_attachments=2)) as small:
        location = _submit(small).headers["location"].split("?")[0]
        files = [("attachments", (f"log{i}.txt", b"x" * 90, "text/plain")) for i in range(2)]
        first = small.post(location + "/replies", data={"message": "Logs"}, files=files,
                           follow_redirects=False)
        second = small.post(location + "/replies", data={"message": "More logs"}, files=files)
        plain = small.post(location + "/replies", data={"message": "Without files"},
                           follow_redirects=False)
    assert first.status_code == 303 and plain.status_code == 303
    assert second.status_code == 400 and "as many files today" in second.text
    assert "More logs" in second.text  # the text is kept for the next try
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(Attachment)).one() == 2


def test_served_over_https_browsers_are_told_so_and_cookies_are_secure(
    client: TestClient, app_factory,  # type: ignore[no-untyped-def]
) -> None:
    assert "strict-transport-security" not in client.get("/requests/new").headers
    assert client.get("/portal").headers["cache-control"] == "no-store"
    with TestClient(app_factory(base_url="https://desk.example.com"),
                    base_url="https://testserver") as https:
        page = https.get("/requests/new")
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        login = https.get("/agent/login")
        assert "secure" in login.headers.get("set-cookie", "").lower()
        chosen = https.get("/locale/zh_CN", follow_redirects=False)
        assert "desk_locale=zh_CN" in chosen.headers["set-cookie"]
        assert "secure" in chosen.headers["set-cookie"].lower()
    plain = client.get("/locale/zh_CN", follow_redirects=False).headers["set-cookie"]
    assert "desk_locale=zh_CN" in plain and "secure" not in plain.lower()
