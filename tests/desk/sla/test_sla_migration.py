"""Migration 0019 on a desk that ran SLA clocks before it: each open ticket's next due time is
filled from its clocks, and VIP customers' tickets are marked (and kept marked by the
triggers)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from desk.db import make_engine
from desk.migrate import alembic_config


def test_the_migration_fills_next_due_times_and_marks_vip_tickets(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0018")
        conn.execute(text(
            "INSERT INTO customer (id, name, email, tier, source, locale, created_at, updated_at) "
            "VALUES (1, 'Vera', 'vera@example.com', 'vip', 'email', 'en', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00'), (2, 'Sam', 'sam@example.com', 'standard', 'email', 'en', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO ticket (id, subject, status, priority, channel, customer_id, version, "
            "created_at, updated_at) VALUES "
            "(1, 'Due', 'open', 'normal', 'email', 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
            "(2, 'Waiting', 'on_hold', 'normal', 'email', 2, 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00'),"
            "(3, 'Answered', 'open', 'normal', 'email', 2, 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO slapolicy (id, name, is_default, zone, country, hours, closed, targets) "
            "VALUES (1, 'Standard', 1, 'UTC', '', '', '[]', '{}')"))
        conn.execute(text(
            "INSERT INTO ticketsla (ticket_id, policy_id, first_response_due_at, resolution_due_at, "
            "paused_at, first_response_met, resolution_met) VALUES "
            "(1, 1, '2026-01-01 01:00:00.000000', '2026-01-01 08:00:00.000000', NULL, NULL, NULL),"
            "(2, 1, '2026-01-01 01:00:00.000000', '2026-01-01 08:00:00.000000', "
            "'2026-01-01 00:30:00.000000', NULL, NULL),"
            "(3, 1, '2026-01-01 01:00:00.000000', '2026-01-01 08:00:00.000000', NULL, 1, NULL)"))
        command.upgrade(config, "head")
        found = dict(conn.execute(text("SELECT id, next_due_at FROM ticket")).all())
        assert found == {1: "2026-01-01 01:00:00.000000", 2: None, 3: "2026-01-01 08:00:00.000000"}
        assert dict(conn.execute(text("SELECT id, vip FROM ticket")).all()) == {1: 1, 2: 0, 3: 0}
        conn.execute(text("UPDATE customer SET tier = 'vip' WHERE id = 2"))
        assert dict(conn.execute(text("SELECT id, vip FROM ticket")).all()) == {1: 1, 2: 1, 3: 1}
    engine.dispose()
