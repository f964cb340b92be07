"""Staff actions against a real database: the last active admin survives two admins
removing each other at the same moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from desk.actions.audit import SYSTEM
from desk.actions.staff import StaffError, deactivate_staff_member, edit_staff_member
from desk.db import Database
from desk.models import Role, User
from tests.conftest import BACKEND

MakeUser = Callable[..., User]


def test_the_last_admin_is_kept_by_the_actions(db: Database, make_user: MakeUser) -> None:
    admin = make_user("admin")
    with db.session() as s, pytest.raises(StaffError) as refused:
        deactivate_staff_member(s, SYSTEM, s.get(User, admin.id))  # type: ignore[arg-type]
    assert refused.value.field == "active"
    with db.session() as s, pytest.raises(StaffError):
        edit_staff_member(s, SYSTEM, s.get(User, admin.id), "Ada", "agent", "en", [])  # type: ignore[arg-type]
    with db.session() as s:
        stored = s.get(User, admin.id)
        assert stored is not None and (stored.role, stored.is_active) == ("admin", True)


@pytest.mark.skipif(BACKEND != "postgres", reason="row locks: PostgreSQL")
def test_two_admins_removing_each_other_at_once_leave_one_admin(
    db: Database, make_user: MakeUser,
) -> None:
    first, second = make_user("admin"), make_user("admin")
    outcome: list[str] = []
    with db.session() as demoting:
        # The first transaction holds the admins' rows (as _keep_an_admin does) and demotes
        # the first admin, not yet committed.
        demoting.exec(select(User.id).where(User.role == Role.admin).with_for_update()).all()
        demoting.execute(update(User).where(col(User.id) == first.id).values(role="agent"))

        def deactivate_second() -> None:
            with db.session() as s:
                try:
                    deactivate_staff_member(s, SYSTEM, s.get(User, second.id))  # type: ignore[arg-type]
                    outcome.append("deactivated")
                except StaffError:
                    outcome.append("refused")

        other = threading.Thread(target=deactivate_second)
        other.start()
        time.sleep(0.5)
        assert outcome == []  # waiting for the first transaction's locks
        demoting.commit()
        other.join(10)
    assert outcome == ["refused"]
    with db.session() as s:
        stored = s.get(User, second.id)
        assert stored is not None and stored.is_active
