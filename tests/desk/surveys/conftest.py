"""Fixtures of the report tests: two teams and three answers, made by the real actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.models import Team, User
from desk.settings import Settings
from tests.desk.surveys.helpers import sent_survey

MakeUser = Callable[..., User]


def answer(client: TestClient, path: str, rating: int, comment: str = "") -> None:
    assert client.post(path, data={"rating": str(rating), "comment": comment},
                       follow_redirects=False).status_code == 303


def supervisor_of(db: Database, make_user: MakeUser, *team_ids: int, name: str = "Sue") -> User:
    """A supervisor who belongs to these teams."""
    supervisor = make_user("supervisor", name=name)
    with db.session() as session:
        for team_id in team_ids:
            team = session.get(Team, team_id)
            assert team is not None
            add_to_team(session, SYSTEM, supervisor, team)
        commit(session)
    return supervisor


def make_team(db: Database, name: str) -> int:
    with db.session() as session:
        made = ensure_team(session, SYSTEM, name)
        commit(session)
        assert made.id is not None
        return made.id


@pytest.fixture
def answered(db: Database, settings: Settings, client: TestClient, make_user: MakeUser
             ) -> dict[str, int]:
    """Three answers: Ana (Printers) 5 and 2, Bo (Network) 4; one survey of Bo unanswered.
    The teams' and agents' ids by name."""
    printers, network = make_team(db, "Printers"), make_team(db, "Network")
    ana, bo = make_user("agent", name="Ana"), make_user("agent", name="Bo")
    for agent, team_id, rating, comment in ((ana, printers, 5, ""), (ana, printers, 2, "Still broken"),
                                            (bo, network, 4, ""), (bo, network, None, "")):
        _survey, path = sent_survey(db, settings, agent, team_id=team_id)
        if rating is not None:
            answer(client, path, rating, comment)
    assert ana.id is not None and bo.id is not None
    return {"printers": printers, "network": network, "ana": ana.id, "bo": bo.id}


