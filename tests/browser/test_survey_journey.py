"""A customer answers the satisfaction survey in Chinese from the mail's link (the page opens
with that answer chosen; only sending it records it); a supervisor opens /reports/, filters
to the last 7 days and one team, sees the answer, and exports the per-agent table as CSV."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import select

from desk.actions.audit import SYSTEM
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import OutboundKind, OutboundMessage, User
from desk.settings import Settings
from tests.browser.staff import signed_in
from tests.desk.surveys.helpers import clock_moves, links_of, mailed_ticket, run_due_jobs, solve, surveys

pytestmark = pytest.mark.browser


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=artifacts / name, full_page=True)


def _survey_mail(db: Database, settings: Settings, agent: User, team_id: int) -> str:
    """A Chinese customer's ticket of the team, solved by `agent`; the survey mail's text."""
    ticket_id = mailed_ticket(db, settings, email="li@customer.example", locale="zh-CN",
                              team_id=team_id)
    solve(db, agent, ticket_id)
    # The server under test runs its own job runner: whichever of it and this test schedules
    # the survey (and then sends it), the clock may only move once the survey exists, or it
    # would stay an hour away (a CI run under load lost that race).
    deadline = time.monotonic() + 20
    while not surveys(db):
        run_due_jobs(db)
        assert time.monotonic() < deadline, "no survey scheduled"
        time.sleep(0.1)
    clock_moves(db, 61)
    deadline = time.monotonic() + 20
    while True:
        run_due_jobs(db)
        with db.session() as session:
            mail = session.exec(select(OutboundMessage).where(
                OutboundMessage.kind == OutboundKind.survey)).first()
            if mail is not None:
                return mail.body_text
        assert time.monotonic() < deadline, "no survey mail in the outbox"
        time.sleep(0.1)


def test_a_customer_answers_in_chinese_and_a_supervisor_exports_it(
    db: Database, settings: Settings, new_context: Callable[..., BrowserContext],
    make_user: Callable[..., User], artifacts: Path, tmp_path: Path,
) -> None:
    with db.session() as session:
        team = ensure_team(session, SYSTEM, "打印机组")
        other = ensure_team(session, SYSTEM, "网络组")
        commit(session)
        team_id, other_id = team.id, other.id
    assert team_id is not None and other_id is not None
    agent = make_user("agent", name="王芳")
    supervisor = make_user("supervisor", name="Sam Supervisor")
    with db.session() as session:
        for joined in (team, other):
            add_to_team(session, SYSTEM, supervisor, joined)
        commit(session)
    text = _survey_mail(db, settings, agent, team_id)
    assert "您好" in text or "满意" in text  # the mail is in the customer's language

    customer = new_context(locale="zh-CN").new_page()
    customer.goto(links_of(text)[4])
    expect(customer.locator('input[name=rating][value="4"]')).to_be_checked()
    expect(customer.locator("html")).to_have_attribute("lang", "zh-CN")
    assert surveys(db)[0].rating is None  # opening the link recorded nothing
    customer.fill("#comment", "打印机修好了，谢谢！")
    shot(customer, artifacts, "survey-01-answer.png")
    customer.click("form.stack button[type=submit]")
    expect(customer.locator("[data-survey=thanks]")).to_be_visible()
    answered = surveys(db)[0]
    assert answered.rating == 4 and answered.comment == "打印机修好了，谢谢！"

    page = signed_in(new_context(accept_downloads=True), supervisor)
    page.goto("/reports/")
    page.select_option("#days", "7")
    page.select_option("#team", str(team_id))
    page.click("form.filters button[type=submit]")
    expect(page.locator('[data-total="answers"] dd')).to_have_text("1")
    expect(page.locator('table[data-group="agent"]')).to_contain_text("王芳")
    shot(page, artifacts, "survey-02-dashboard.png")
    with page.expect_download() as download:
        page.click("a[data-export=agents]")
    saved = tmp_path / "agents.csv"
    download.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("agent,answers,csat_percent") and lines[1].startswith("王芳,1,100.0")
    assert download.value.suggested_filename == "satisfaction-by-agent-7d.csv"

    # The other team has no answer: its filter shows none.
    page.select_option("#team", str(other_id))
    page.click("form.filters button[type=submit]")
    expect(page.locator('[data-total="answers"] dd')).to_have_text("0")

    # Beside it, the service figures, with the same filters; the first visit asks for the
    # daily roll-up, which the server's job runner makes at once.
    page.select_option("#team", str(team_id))
    page.click("form.filters button[type=submit]")
    page.click("nav.reports-tabs a[href^='/reports/service']")
    expect(page.locator("[data-chart=volume] svg")).to_be_visible()
    for _ in range(20):
        if page.locator('[data-total="solved"] dd').inner_text() == "1":
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator('[data-total="solved"] dd')).to_have_text("1")
    expect(page.locator('table[data-table="agents"]')).to_contain_text("王芳")
    shot(page, artifacts, "survey-03-service.png")
