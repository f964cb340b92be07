"""A large, realistic desk, written fast into the tables ``desk migrate`` created.

Most tickets are solved or closed long ago; the few still open are recent. Tickets
are inserted in the order they were created, so their numbers grow with time as in a
real desk. Messages are left out: the queue page never reads them.

Small tables go in with Core ``insert(Table)`` batches. The tickets take the driver's
fastest path instead (executemany of tuples on SQLite, COPY on PostgreSQL) with the
ticket indexes dropped during the load and rebuilt from their own definitions after
it: at a million rows Core's per-value bind processing and index upkeep row by row
took 100 s, this takes a fraction of that.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, insert, text

from desk.models import Customer, Team, TeamMembership, User

BATCH = 5000
Row = tuple[Any, ...]
TEAMS = ("Support", "Billing", "Technical", "Sales")
AGENTS = 20
# status -> share of tickets, and how many days back the open ones reach.
STATUS_MIX = (("closed", 0.68), ("solved", 0.25), ("pending", 0.02),
              ("new", 0.01), ("open", 0.03), ("on_hold", 0.01))
RECENT_DAYS = {"new": 3, "open": 45, "on_hold": 60, "pending": 30}
HISTORY_DAYS = 3 * 365
PRIORITY_MIX = (("low", 0.2), ("normal", 0.6), ("high", 0.15), ("urgent", 0.05))
CHANNEL_MIX = (("email", 0.6), ("web", 0.3), ("api", 0.1))
SUBJECTS = ("Printer shows a paper jam", "Invoice amount is wrong", "Cannot sign in",
            "VPN drops every hour", "Refund for order", "打印机无法连接",
            "Password reset link expired", "Upgrade our plan", "Export to CSV is empty",
            "发票抬头需要修改")


@dataclass
class Seeded:
    tickets: int
    customers: int
    open_tickets: int
    seconds: float


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _weighted(mix: tuple[tuple[str, float], ...], rng: random.Random, n: int) -> list[str]:
    names = [name for name, _ in mix]
    weights = [w for _, w in mix]
    return rng.choices(names, weights, k=n)


def _batches(rows: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _ticket_rows(n: int, customers: int, team_ids: list[int], agent_ids: list[int],
                 rng: random.Random, now: datetime) -> list[Row]:
    """Tuples in TICKET_COLUMNS order; times as integer microseconds since the epoch."""
    statuses = _weighted(STATUS_MIX, rng, n)
    priorities = _weighted(PRIORITY_MIX, rng, n)
    channels = _weighted(CHANNEL_MIX, rng, n)
    now_us = int(now.timestamp() * 1_000_000)
    day_us = 86_400_000_000
    spans = {s: RECENT_DAYS.get(s, HISTORY_DAYS) * day_us for s, _ in STATUS_MIX}
    rand, randint, choice = rng.random, rng.randint, rng.choice
    rows: list[Row] = []
    for i in range(n):
        status = statuses[i]
        age = int(rand() * spans[status])
        created = now_us - age
        updated = created + int(rand() * min(age, 10 * day_us))
        done = status in ("solved", "closed")
        assigned = rand() < (0.95 if done else 0.6)
        rows.append((
            f"{SUBJECTS[i % len(SUBJECTS)]} #{i}", status, priorities[i], channels[i],
            randint(1, customers),
            choice(team_ids) if rand() < 0.8 else None,
            choice(agent_ids) if assigned else None,
            created, updated,
            created + 2 * 3_600_000_000 if done or assigned else None,
            updated if done else None,
        ))
    # Ticket numbers grow with time, as they do in a desk that has run for years.
    rows.sort(key=lambda row: row[7])
    return rows


def seed(engine: Engine, tickets: int, progress: Any = None, seed: int = 7) -> Seeded:
    """Teams, agents, tickets/10 customers and ``tickets`` tickets into an empty schema."""
    started = time.monotonic()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    n_customers = max(1, tickets // 10)
    with engine.begin() as conn:
        conn.execute(insert(_table(Team)), [{"name": name} for name in TEAMS])
        team_ids = list(conn.execute(text("SELECT id FROM team ORDER BY id")).scalars())
        conn.execute(insert(_table(User)), [
            {"email": f"agent{i}@bench.example", "name": f"Agent {i:02d}", "role": "agent",
             "password_hash": "", "locale": "en", "is_active": True, "created_at": now}
            for i in range(AGENTS)])
        agent_ids = list(conn.execute(text("SELECT id FROM \"user\" ORDER BY id")).scalars())
        conn.execute(insert(_table(TeamMembership)), [
            {"team_id": team_ids[i % len(team_ids)], "user_id": uid}
            for i, uid in enumerate(agent_ids)])
        customers = [
            {"id": i, "name": f"Customer {i}", "email": f"customer{i}@example.com",
             "tier": "standard", "source": "email", "locale": "en",
             "created_at": now, "updated_at": now}
            for i in range(1, n_customers + 1)]
        for batch in _batches(customers):
            conn.execute(insert(_table(Customer)), batch)
        del customers
    if progress:
        progress(f"{n_customers} customers in {time.monotonic() - started:.1f}s; "
                 f"generating {tickets} tickets")
    rows = _ticket_rows(tickets, n_customers, team_ids, agent_ids, rng, now)
    open_tickets = sum(1 for r in rows if r[1] in ("new", "open", "on_hold"))
    if progress:
        progress(f"{tickets} tickets generated in {time.monotonic() - started:.1f}s; writing")
    if engine.dialect.name == "postgresql":
        _copy_tickets(engine, rows)
    else:
        _insert_tickets_sqlite(engine, rows)
    if progress:
        progress(f"tickets written and indexed, {time.monotonic() - started:.1f}s")
    if engine.dialect.name == "postgresql":
        # Sequences follow explicit ids only when told; new customers must not collide.
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('customer', 'id'), "
                              "(SELECT max(id) FROM customer))"))
    return Seeded(tickets, n_customers, open_tickets, time.monotonic() - started)


TICKET_COLUMNS = ("subject", "status", "priority", "channel", "customer_id", "team_id",
                  "assignee_id", "created_at", "updated_at", "first_response_at", "solved_at")
TIMES = range(7, 11)  # positions of the four times in a row
# The text SQLAlchemy's UTCDateTime stores on SQLite (UTC, no offset, 6 decimals), made
# by SQLite itself: formatting 4 million datetimes in Python took longer than the load.
_SQLITE_TIME = ("strftime('%Y-%m-%d %H:%M:%S', ?{n} / 1000000, 'unixepoch') "
                "|| printf('.%06d', ?{n} % 1000000)")


def _without_ticket_indexes(conn: Any, list_sql: str, drop: str) -> list[str]:
    """Drop the ticket table's secondary indexes; returns the DDL that rebuilds them."""
    indexes = [(name, ddl) for name, ddl in conn.exec_driver_sql(list_sql)]
    for name, _ in indexes:
        conn.exec_driver_sql(drop.format(name=name))
    return [ddl for _, ddl in indexes]


def _insert_tickets_sqlite(engine: Engine, rows: list[Row]) -> None:
    values = [_SQLITE_TIME.format(n=i + 1) if i in TIMES else f"?{i + 1}"
              for i in range(len(TICKET_COLUMNS))]
    sql = f"INSERT INTO ticket ({', '.join(TICKET_COLUMNS)}) VALUES ({', '.join(values)})"
    with engine.begin() as conn:
        rebuild = _without_ticket_indexes(
            conn, "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                  "AND tbl_name = 'ticket' AND sql IS NOT NULL", 'DROP INDEX "{name}"')
        for batch in _batches(rows):
            conn.exec_driver_sql(sql, batch)
        for ddl in rebuild:
            conn.exec_driver_sql(ddl)


def _copy_tickets(engine: Engine, rows: list[Row]) -> None:
    columns = ", ".join(TICKET_COLUMNS)
    converted = ", ".join(
        f"to_timestamp({c}::double precision / 1000000)" if i in TIMES else c
        for i, c in enumerate(TICKET_COLUMNS))
    with engine.begin() as conn:
        rebuild = _without_ticket_indexes(
            conn, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ticket' "
                  "AND indexname <> 'ticket_pkey'", 'DROP INDEX "{name}"')
        conn.exec_driver_sql(
            "CREATE TEMP TABLE ticket_load (subject text, status text, priority text, "
            "channel text, customer_id int, team_id int, assignee_id int, created_at bigint, "
            "updated_at bigint, first_response_at bigint, solved_at bigint) ON COMMIT DROP")
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY ticket_load ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Rows valid by construction: skip the per-row foreign-key triggers of the load.
        conn.exec_driver_sql("ALTER TABLE ticket DISABLE TRIGGER ALL")
        conn.exec_driver_sql(
            f"INSERT INTO ticket ({columns}) SELECT {converted} FROM ticket_load "
            "ORDER BY created_at")
        conn.exec_driver_sql("ALTER TABLE ticket ENABLE TRIGGER ALL")
        for ddl in rebuild:
            conn.exec_driver_sql(ddl)


def analyze(engine: Engine) -> None:
    """What autovacuum (PostgreSQL) or a maintenance run (SQLite) leaves behind."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
