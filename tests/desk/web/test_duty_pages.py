"""Working hours, capacity, skills and covers on My account and an admin's staff page; the
top bar's effective state; "Covering for" in the delegate's queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.db import Database, commit
from desk.models import StaffDuty, Team, TeamMembership, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.actions.test_assignment import _mail

WEEK = {f"start{d}": "09:00" for d in range(5)} | {f"end{d}": "17:30" for d in range(5)}


def test_an_agent_sets_hours_capacity_and_skills_and_a_bad_zone_is_refused_beside_it(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    ana = make_user("agent", name="Ana")
    sign_in(client, ana)
    page = client.get("/agent/account")
    assert page.status_code == 200 and 'action="/agent/account/duty"' in page.text
    token = csrf_of(client, "/agent/account")
    refused = client.post("/agent/account/duty", data={"csrf_token": token, "time_zone": "Mars/Base",
                                                       "capacity": "5"})
    assert refused.status_code == 400 and 'id="time_zone-error"' in refused.text
    saved = client.post("/agent/account/duty", data={"csrf_token": token, "time_zone": "Asia/Shanghai",
                                                     "capacity": "5", "skills": "zh, Refunds", **WEEK},
                        follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as s:
        duty = s.get(StaffDuty, ana.id)
        assert duty is not None and duty.capacity == 5 and duty.skills == "refunds,zh"
        assert duty.working_hours.startswith("09:00-17:30,") and duty.working_hours.endswith(",,")
    assert 'value="17:30"' in client.get("/agent/account").text


def test_off_is_a_choice_in_the_top_bar(client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("agent"))
    token = csrf_of(client)
    client.post("/agent/availability", data={"csrf_token": token, "availability": "off"})
    assert 'class="availability-off"' in client.get("/agent/").text


def test_an_admin_sets_a_cover_and_the_delegate_sees_the_tickets_under_covering_for(
    client: TestClient, db: Database, settings: Settings, make_user: Callable[..., User],
) -> None:
    admin = make_user("admin", name="Root")
    ana, bo = make_user("agent", name="Ana"), make_user("agent", name="Bo")
    with db.session() as s:
        sales = Team(name="Sales")  # Ana's team, not Bo's
        s.add(sales)
        s.flush()
        s.add(TeamMembership(team_id=sales.id, user_id=ana.id))
        ticket, _ = ingest_message(s, settings, _mail("Ana's customer"))
        commit(s)
        row = s.get(Ticket, ticket.id)
        assert row is not None
        update_ticket(s, SYSTEM, row, {"assignee_id": ana.id, "team_id": sales.id})
        commit(s)
    sign_in(client, admin)
    token = csrf_of(client, f"/admin/staff/{ana.id}")
    starts = (now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    ends = (now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(f"/admin/staff/{ana.id}/cover", data={"csrf_token": token, "delegate": str(ana.id),
                                                                "starts": starts, "ends": ends})
    assert refused.status_code == 400 and 'id="delegate-error"' in refused.text
    done = client.post(f"/admin/staff/{ana.id}/cover", data={"csrf_token": token, "delegate": str(bo.id),
                                                             "starts": starts, "ends": ends},
                       follow_redirects=False)
    assert done.status_code == 303
    assert "Bo covers" in client.get(f"/admin/staff/{ana.id}").text

    delegate = TestClient(client.app)
    sign_in(delegate, bo)
    queue = delegate.get("/agent/")
    assert f'data-covering="{ana.id}"' in queue.text and "Covering for Ana" in queue.text
    side = queue.text.split(f'data-covering="{ana.id}"', 1)[1].split("</a>", 1)[0]
    assert '<span class="count">1</span>' in side  # Ana's one open ticket
    covering = delegate.get(f"/agent/?covering={ana.id}")
    assert f"/agent/tickets/{ticket.id}" in covering.text
    assert delegate.get(f"/agent/tickets/{ticket.id}").status_code == 200
    assert f"/agent/tickets/{ticket.id}" not in delegate.get("/agent/?view=open").text

    other = TestClient(client.app)
    sign_in(other, ana)
    assert "Away: covered" in other.get("/agent/").text


def test_the_staff_list_shows_who_is_off_outside_working_hours(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    from desk.actions.duty import save_duty
    from tests.desk.actions.test_assignment import _today_off

    admin, ana = make_user("admin", name="Root"), make_user("agent", name="Ana")
    with db.session() as s:
        save_duty(s, SYSTEM, ana, "", "", "UTC", _today_off())
    sign_in(client, admin)
    page = client.get("/admin/staff")
    row = page.text.split(f'data-user="{ana.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-now="off"' in row and "outside working hours" in row


def test_only_admins_set_someone_elses_duty_or_cover(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    ana, bo = make_user("agent", name="Ana"), make_user("supervisor", name="Bo")
    sign_in(client, bo)
    token = csrf_of(client)
    for path in (f"/admin/staff/{ana.id}/duty", f"/admin/staff/{ana.id}/cover",
                 f"/admin/staff/{ana.id}/cover/1/end"):
        assert client.post(path, data={"csrf_token": token, "capacity": "1"}).status_code == 403
    with db.session() as s:
        assert s.get(StaffDuty, ana.id) is None
