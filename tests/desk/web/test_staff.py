"""Staff management pages: admins add, edit, deactivate, reactivate staff and reset their
passwords; teams; the last admin stays; agents are refused everywhere."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import AuditEntry, Team, User
from tests.conftest import PASSWORD, csrf_of, sign_in

MakeUser = Callable[..., User]


def _sign_in_as(client: TestClient, email: str, password: str) -> int:
    token = csrf_of(client, "/agent/login")
    return client.post("/agent/login", data={"email": email, "password": password,
                                              "csrf_token": token, "next": "/agent/"},
                       follow_redirects=False).status_code


def _entries(db: Database, entity: str, entity_id: int) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.exec(select(AuditEntry).where(
            AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(col(AuditEntry.id))))


def _user(db: Database, email: str) -> User:
    with db.session() as s:
        return s.exec(select(User).where(User.email == email)).one()


def test_admin_adds_an_agent_with_a_generated_password_who_then_signs_in(
    client: TestClient, app_factory, db: Database, make_user: MakeUser,  # type: ignore[no-untyped-def]
) -> None:
    admin = make_user("admin", name="Ada Admin")
    sign_in(client, admin)
    token = csrf_of(client, "/admin/staff")
    created = client.post("/admin/teams", data={"csrf_token": token, "name": "Billing"},
                          follow_redirects=False)
    assert created.status_code == 303
    with db.session() as s:
        team = s.exec(select(Team).where(Team.name == "Billing")).one()
    page = client.post("/admin/staff", data={
        "csrf_token": token, "email": "Nia@Desk.test", "name": "Nia New", "role": "agent",
        "locale": "zh_CN", "teams": str(team.id), "password": ""})
    assert page.status_code == 200
    shown = page.text.split('<code class="secret">', 1)[1].split("</code>", 1)[0]
    assert len(shown) >= 16
    nia = _user(db, "nia@desk.test")
    assert (nia.role, nia.locale, nia.is_active) == ("agent", "zh_CN", True)
    assert nia.password_hash.startswith("$argon2id$") and shown not in nia.password_hash
    assert [e.action for e in _entries(db, "user", nia.id or 0)] == ["created", "joined_team"]
    assert _entries(db, "user", nia.id or 0)[0].actor_name == "Ada Admin"
    # The password is not shown again.
    assert shown not in client.get(f"/admin/staff/{nia.id}").text
    with TestClient(app_factory()) as other:
        assert _sign_in_as(other, "nia@desk.test", shown) == 303
        assert "Billing" in other.get("/agent/account").text


def test_bad_input_comes_back_with_the_input_kept_and_the_reason_beside_the_field(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    token = csrf_of(client, "/admin/staff")
    short = client.post("/admin/staff", data={"csrf_token": token, "email": "nia@desk.test",
                                              "name": "Nia New", "role": "agent", "locale": "en",
                                              "password": "short"})
    assert short.status_code == 400
    assert 'value="Nia New"' in short.text and 'value="nia@desk.test"' in short.text
    assert 'id="password-error">The password needs at least 10 characters.' in short.text
    bad_email = client.post("/admin/staff", data={"csrf_token": token, "name": "Nia New",
                                                  "email": "javascript:alert(1)//x@example.com",
                                                  "role": "agent", "locale": "en"})
    assert bad_email.status_code == 400 and 'id="email-error"' in bad_email.text
    existing = make_user("agent", email="taken@desk.test")
    twice = client.post("/admin/staff", data={"csrf_token": token, "email": existing.email,
                                              "name": "Twice", "role": "agent", "locale": "en"})
    assert twice.status_code == 400 and "exists already" in twice.text
    with db.session() as s:
        assert s.exec(select(User).where(User.email == "nia@desk.test")).first() is None
    nameless = client.post(f"/admin/staff/{existing.id}", data={
        "csrf_token": token, "name": "  ", "role": "wizard", "locale": "en"})
    assert nameless.status_code == 400 and 'id="name-error"' in nameless.text
    assert _user(db, existing.email).name == "Ana Agent"


def test_admin_edits_role_teams_name_and_language_and_the_audit_has_before_and_after(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    token = csrf_of(client, "/admin/teams")
    for name in ("Sales", "Support"):
        client.post("/admin/teams", data={"csrf_token": token, "name": name})
    with db.session() as s:
        ids = {t.name: t.id for t in s.exec(select(Team))}
    agent = make_user("agent", name="Bo Agent")
    saved = client.post(f"/admin/staff/{agent.id}", data={
        "csrf_token": token, "name": "Bo Supervisor", "role": "supervisor", "locale": "zh_CN",
        "teams": [str(ids["Sales"]), str(ids["Support"])]}, follow_redirects=False)
    assert saved.status_code == 303
    client.post(f"/admin/staff/{agent.id}", data={
        "csrf_token": token, "name": "Bo Supervisor", "role": "supervisor", "locale": "zh_CN",
        "teams": str(ids["Support"])})
    changes = [e.changes for e in _entries(db, "user", agent.id or 0) if e.action == "updated"]
    assert changes == [
        {"name": ["Bo Agent", "Bo Supervisor"], "role": ["agent", "supervisor"],
         "locale": ["en", "zh_CN"], "teams": [[], ["Sales", "Support"]]},
        {"teams": [["Sales", "Support"], ["Support"]]},
    ]
    renamed = client.post(f"/admin/teams/{ids['Sales']}", data={"csrf_token": token,
                                                                "name": "Sales EMEA"},
                          follow_redirects=False)
    assert renamed.status_code == 303
    clash = client.post(f"/admin/teams/{ids['Sales']}", data={"csrf_token": token,
                                                              "name": "Support"})
    assert clash.status_code == 400 and "There is a team with this name already." in clash.text
    assert [e.changes for e in _entries(db, "team", ids["Sales"] or 0)][-1] == {
        "name": ["Sales", "Sales EMEA"]}


def test_deactivation_ends_their_session_and_reactivation_lets_them_in_again(
    client: TestClient, app_factory, db: Database, make_user: MakeUser,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user("agent")
    with TestClient(app_factory()) as theirs:
        sign_in(theirs, agent)
        assert theirs.get("/agent/", follow_redirects=False).status_code == 200
        sign_in(client, make_user("admin"))
        token = csrf_of(client, "/admin/staff")
        off = client.post(f"/admin/staff/{agent.id}/deactivate", data={"csrf_token": token},
                          follow_redirects=False)
        assert off.status_code == 303
        assert theirs.get("/agent/", follow_redirects=False).status_code == 303
        assert _sign_in_as(theirs, agent.email, PASSWORD) == 400
        assert "Deactivated" in client.get("/admin/staff").text
        client.post(f"/admin/staff/{agent.id}/activate", data={"csrf_token": token})
        assert _sign_in_as(theirs, agent.email, PASSWORD) == 303
    actions = [e.action for e in _entries(db, "user", agent.id or 0)]
    assert actions[-4:] == ["sessions_ended", "deactivated", "reactivated", "signed_in"]


def test_a_password_reset_ends_their_sessions_and_the_new_password_works(
    client: TestClient, app_factory, make_user: MakeUser,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user("agent")
    with TestClient(app_factory()) as theirs:
        sign_in(theirs, agent)
        sign_in(client, make_user("admin"))
        token = csrf_of(client, "/admin/staff")
        short = client.post(f"/admin/staff/{agent.id}/password",
                            data={"csrf_token": token, "password": "short"})
        assert short.status_code == 400 and 'id="password-error"' in short.text
        client.post(f"/admin/staff/{agent.id}/password",
                    data={"csrf_token": token, "password": "a brand new password"})
        assert theirs.get("/agent/", follow_redirects=False).status_code == 303
        assert _sign_in_as(theirs, agent.email, PASSWORD) == 400
        assert _sign_in_as(theirs, agent.email, "a brand new password") == 303


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(
    client: TestClient, db: Database, make_user: MakeUser,
) -> None:
    admin = make_user("admin")
    sign_in(client, admin)
    token = csrf_of(client, "/admin/staff")
    off = client.post(f"/admin/staff/{admin.id}/deactivate", data={"csrf_token": token})
    assert off.status_code == 400 and "at least one active admin" in off.text
    demoted = client.post(f"/admin/staff/{admin.id}", data={
        "csrf_token": token, "name": admin.name, "role": "agent", "locale": "en"})
    assert demoted.status_code == 400 and 'id="role-error"' in demoted.text
    assert 'value="agent" selected' in demoted.text  # the input kept
    assert (_user(db, admin.email).role, _user(db, admin.email).is_active) == ("admin", True)
    # A deactivated admin does not count: the other one is still the last active admin.
    other = make_user("admin")
    client.post(f"/admin/staff/{other.id}/deactivate", data={"csrf_token": token})
    assert client.post(f"/admin/staff/{admin.id}/deactivate",
                       data={"csrf_token": token}).status_code == 400
    client.post(f"/admin/staff/{other.id}/activate", data={"csrf_token": token})
    assert client.post(f"/admin/staff/{admin.id}", data={
        "csrf_token": token, "name": admin.name, "role": "agent", "locale": "en"},
        follow_redirects=False).status_code == 303


def test_staff_change_their_own_password_with_the_old_one_and_their_language(
    client: TestClient, app_factory, db: Database, make_user: MakeUser,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user("agent")
    with TestClient(app_factory()) as elsewhere:
        sign_in(elsewhere, agent)
        sign_in(client, agent)
        token = csrf_of(client, "/agent/account")
        wrong = client.post("/agent/account/password", data={
            "csrf_token": token, "old_password": "not it", "new_password": "my new password",
            "repeat_password": "my new password"})
        assert wrong.status_code == 400 and 'id="old_password-error"' in wrong.text
        differ = client.post("/agent/account/password", data={
            "csrf_token": token, "old_password": PASSWORD, "new_password": "my new password",
            "repeat_password": "my new passwort"})
        assert differ.status_code == 400 and 'id="repeat_password-error"' in differ.text
        done = client.post("/agent/account/password", data={
            "csrf_token": token, "old_password": PASSWORD, "new_password": "my new password",
            "repeat_password": "my new password"}, follow_redirects=False)
        assert done.status_code == 303
        assert client.get("/agent/account", follow_redirects=False).status_code == 200
        assert elsewhere.get("/agent/", follow_redirects=False).status_code == 303
        assert _sign_in_as(elsewhere, agent.email, "my new password") == 303
    client.post("/agent/account/language", data={"csrf_token": token, "locale": "zh_CN"})
    assert _user(db, agent.email).locale == "zh_CN"
    actions = [e.action for e in _entries(db, "user", agent.id or 0)]
    assert "password_changed" in actions and actions[-1] == "updated"


def test_an_agent_and_a_supervisor_get_403_on_every_staff_page(
    client: TestClient, make_user: MakeUser,
) -> None:
    target = make_user("agent")
    team_path = "/admin/teams/1"
    for role in ("agent", "supervisor"):
        client.cookies.clear()
        sign_in(client, make_user(role))
        token = csrf_of(client, "/agent/account")
        for path in ("/admin/staff", f"/admin/staff/{target.id}", "/admin/teams"):
            assert client.get(path).status_code == 403, (role, path)
        for path in ("/admin/staff", f"/admin/staff/{target.id}",
                     f"/admin/staff/{target.id}/deactivate", f"/admin/staff/{target.id}/activate",
                     f"/admin/staff/{target.id}/password", "/admin/teams", team_path):
            answer = client.post(path, data={"csrf_token": token, "name": "X", "role": "admin",
                                             "locale": "en", "email": "x@desk.test"})
            assert answer.status_code == 403, (role, path)
        assert client.get("/agent/account").status_code == 200


def test_an_admin_revokes_a_members_api_token_from_their_page(
    client: TestClient, app_factory, db: Database, make_user: MakeUser,  # type: ignore[no-untyped-def]
) -> None:
    from desk.actions.audit import SYSTEM
    from desk.actions.users import issue_token
    from desk.db import commit
    from desk.models import ApiToken

    member, other = make_user("agent", name="Ana"), make_user("agent", name="Bo")
    with db.session() as s:
        row, clear = issue_token(s, SYSTEM, member, "CRM sync")
        other_row, _other_clear = issue_token(s, SYSTEM, other, "Bo's script")
        commit(s)
        token_id, other_id = row.id, other_row.id
    bearer = {"Authorization": f"Bearer {clear}"}
    assert client.get("/api/v1/tickets", headers=bearer).status_code == 200
    with TestClient(app_factory()) as agent:  # an agent cannot revoke a colleague's token
        sign_in(agent, other)
        assert agent.post(f"/admin/staff/{member.id}/tokens/{token_id}/revoke",
                          data={"csrf_token": csrf_of(agent)}).status_code == 403
    sign_in(client, make_user("admin", name="Ada Admin"))
    page = client.get(f"/admin/staff/{member.id}").text
    assert f'data-token="{token_id}"' in page and "CRM sync" in page and "Bo&#39;s script" not in page
    token = csrf_of(client, f"/admin/staff/{member.id}")
    # A URL pairing this member with another's token revokes nothing.
    assert client.post(f"/admin/staff/{member.id}/tokens/{other_id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    done = client.post(f"/admin/staff/{member.id}/tokens/{token_id}/revoke",
                       data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert "was revoked" in client.get(done.headers["location"]).text
    assert client.get("/api/v1/tickets", headers=bearer).status_code == 401
    assert f'data-token="{token_id}"' not in client.get(f"/admin/staff/{member.id}").text
    with db.session() as s:
        assert s.get(ApiToken, other_id).revoked_at is None  # type: ignore[union-attr]
    (entry,) = _entries(db, "api_token", token_id or 0)[-1:]
    assert (entry.action, entry.actor_name) == ("revoked", "Ada Admin")
