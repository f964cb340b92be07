"""The same jobs on arq + Redis: enqueued after commit, run by a worker."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace

import pytest
from arq.worker import Worker
from redis.asyncio import Redis
from sqlmodel import select

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.jobs import enqueue
from desk.actions.rules.manage import create_rule
from desk.db import Database, commit
from desk.jobs.arq_backend import ArqEnqueuer, worker_settings
from desk.models import Job
from desk.settings import Settings
from tests.conftest import redis_test_url
from tests.desk.sla.helpers import make_policy


async def _redis_or_skip(url: str) -> None:
    client = Redis.from_url(url)
    try:
        await client.ping()
    except OSError as exc:
        if os.environ.get("CI") == "true" or os.environ.get("DESK_TEST_BACKEND") == "postgres":
            raise
        pytest.skip(f"Redis is not reachable: {exc}")
    finally:
        await client.aclose()


def test_jobs_run_on_an_arq_worker(db: Database, settings: Settings) -> None:
    with db.session() as s:  # a rule on new tickets and an SLA policy: their handlers have work
        make_policy(s)
        create_rule(s, SYSTEM, {"name": "Hi", "events": ["ticket_created"], "conditions": {
            "match": "all", "items": [{"field": "subject", "op": "contains", "value": "zzz"}]},
                                "actions": [{"type": "add_tags", "value": ["greeted"]}]})
        commit(s)
    url = redis_test_url()
    arq_settings = replace(settings, redis_url=url)

    async def scenario() -> set[str]:
        await _redis_or_skip(url)
        redis = Redis.from_url(url)
        await redis.flushdb()
        enqueuer = ArqEnqueuer(db, url)
        await enqueuer.start()
        try:
            with db.session() as s:
                ticket, _ = ingest_message(s, settings, InboundMessage(
                    "api", Identity("email", "a@example.com", "A"), "Hi", "T"))
                enqueue(s, "notify_agents", ticket_id=ticket.id, reason="created")
                commit(s)
            await asyncio.sleep(0.1)  # the enqueue task runs after the commit returns
            worker = Worker(**worker_settings(arq_settings, burst=True))
            await worker.main()
            await worker.close()
        finally:
            await enqueuer.stop()
            await redis.flushdb()
            await redis.aclose()
        with db.session() as s:
            return {(j.name, j.status) for j in s.exec(select(Job))}

    # The notice, and the new ticket's rules and SLA clocks ran; the clocks' warning and
    # escalation wait for their time.
    assert asyncio.run(scenario()) == {
        ("notify_agents", "done"), ("run_rules_on_created", "done"), ("sla_start", "done"),
        ("warn_sla", "queued"), ("escalate_sla", "queued")}
