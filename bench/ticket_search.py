"""Ticket search: server time of the queue page with ``q=`` at --tickets tickets of three
messages each, English and Chinese queries, and the time to build the index.

Seeds tickets and customers with bench/dataset.py, then three messages per ticket (a
request, a reply, the customer again; about a third of the customers write Chinese) with
the driver's fastest path (executemany on SQLite, COPY on PostgreSQL), then builds the
search index with ``desk.actions.tickets.search_index.rebuild`` (what migration 0014 and
``desk search rebuild`` run) and times it. A supervisor signs in through the login form and
asks for GET /agent/?q=... for each query in turn (common words, rare order and serial
numbers, a customer's name and address, two words, Chinese words of two to four
characters); the server's own time is its ``Server-Timing`` header.

    .venv/bin/python -m bench.ticket_search --tickets 1000000 [--backend postgres]

On PostgreSQL, ``--keep NAME`` uses the database NAME and leaves it in place: the first run
seeds and indexes it, later runs migrate it (a new migration runs on a million rows) and
measure at once; ``--rebuild`` makes its search index again first. Drop it when done
(``DROP DATABASE NAME``).

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, text

from bench.connection import Connection, percentile, run
from bench.dataset import analyze, seed
from bench.queue import EMAIL, PASSWORD, sign_in
from bench.servers import (
    PG_SERVER,
    DeskProcess,
    PostgresDatabase,
    Scratch,
    desk_env,
    free_port,
    run_desk,
    say,
    scratch,
)
from desk.db import make_engine

TARGET_P95_MS = 100
BATCH = 20_000
PRODUCTS = ("printer", "scanner", "router", "laptop", "headset", "monitor", "keyboard", "webcam",
            "dock", "charger", "tablet", "phone", "modem", "projector", "speaker")
PROBLEMS = ("shows a paper jam", "will not turn on", "drops the connection every hour",
            "is charged twice on the invoice", "arrived broken", "needs a refund",
            "cannot sign in after the update", "makes a grinding noise", "is missing a part",
            "keeps restarting")
REPLIES = ("Thank you for writing. Could you send a photo of the label?",
           "We have issued a refund; it shows on your statement in five days.",
           "Please restart it holding the reset button for ten seconds.",
           "A replacement is on its way; keep the old one until it arrives.")
ZH_PRODUCTS = ("打印机", "扫描仪", "路由器", "笔记本", "耳机", "显示器", "键盘", "摄像头",
               "墨盒", "充电器", "平板", "手机", "调制解调器", "投影仪", "音箱")
ZH_PROBLEMS = ("卡纸了", "开不了机", "每小时断网一次", "发票重复扣款", "到货就坏了", "需要退款",
               "更新后无法登录", "有异响", "少了一个零件", "一直重启", "漏墨了", "连不上网")
ZH_REPLIES = ("谢谢您的来信，请发一张标签的照片。", "我们已经退款，五天内到账。",
              "请按住复位键十秒后重新启动。", "新的已经寄出，旧的请先保留。")
# A long tail of made-up words, some frequent and most rare (Zipf-like).
SYLLABLES = ("ka", "lo", "mi", "ren", "tor", "vis", "da", "pel", "sun", "qua", "bri", "zen")


def _tail_words(rng: random.Random) -> list[str]:
    words = {"".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(6000)}
    return sorted(words)


def _messages(ticket_ids: list[int], customer_of: dict[int, int], rng: random.Random,
              tail: list[str]) -> list[tuple[Any, ...]]:
    """(ticket_id, direction, author_customer_id, text, message_id) three per ticket."""
    rows: list[tuple[Any, ...]] = []
    weights = [1 / (i + 1) for i in range(len(tail))]
    extra = rng.choices(tail, weights, k=len(ticket_ids))
    for n, ticket_id in enumerate(ticket_ids):
        customer = customer_of[ticket_id]
        order = f"ORD-{rng.randrange(10**6):06d}"
        serial = f"SN{rng.randrange(10**8):08d}"
        if customer % 3 == 0:
            product, problem = rng.choice(ZH_PRODUCTS), rng.choice(ZH_PROBLEMS)
            first = f"你好，我的{product}{problem}。订单号 {order}，序列号 {serial}。{extra[n]}"
            reply = rng.choice(ZH_REPLIES)
            again = f"还是不行，{rng.choice(ZH_PRODUCTS)}{rng.choice(ZH_PROBLEMS)}。"
        else:
            product, problem = rng.choice(PRODUCTS), rng.choice(PROBLEMS)
            first = (f"Hello, my {product} {problem}. Order {order}, serial {serial}. "
                     f"It was bought in the {extra[n]} store. Thanks, Customer {customer}")
            reply = rng.choice(REPLIES)
            again = f"Still not working: the {rng.choice(PRODUCTS)} {rng.choice(PROBLEMS)}."
        rows.append((ticket_id, "inbound", customer, first, f"<{ticket_id}.1@bench>"))
        rows.append((ticket_id, "outbound", None, reply, f"<{ticket_id}.2@bench>"))
        rows.append((ticket_id, "inbound", customer, again, f"<{ticket_id}.3@bench>"))
    return rows


def seed_messages(engine: Engine, rng: random.Random) -> tuple[int, dict[str, str]]:
    """Three messages per ticket; returns how many, and a few rare values to search for."""
    with engine.connect() as conn:
        tickets = conn.exec_driver_sql("SELECT id, customer_id FROM ticket ORDER BY id").all()
    customer_of = {t: c for t, c in tickets}
    tail = _tail_words(rng)
    columns = "ticket_id, direction, author_customer_id, text, message_id"
    total = 0
    samples: dict[str, str] = {}
    with engine.begin() as conn:
        for start in range(0, len(tickets), BATCH):
            ids = [t for t, _ in tickets[start:start + BATCH]]
            rows = _messages(ids, customer_of, rng, tail)
            if start == 0:
                first = rows[0][3]
                samples["order"] = first.split("ORD-", 1)[1][:6]
                samples["serial"] = "SN" + first.split("SN", 1)[1][:8]
            if engine.dialect.name == "postgresql":
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(f"COPY message ({columns}, quoted, html, created_at) "
                                 "FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, "", "", "2026-01-01 00:00:00+00"))
            else:
                conn.exec_driver_sql(
                    f"INSERT INTO message ({columns}, quoted, html, created_at) "
                    "VALUES (?, ?, ?, ?, ?, '', '', '2026-01-01 00:00:00.000000')", rows)
            total += len(rows)
    samples["tail"] = tail[len(tail) // 2]
    return total, samples


def build_index(engine: Engine) -> float:
    from desk.actions.tickets.search_index import rebuild

    started = time.monotonic()
    with engine.begin() as conn:
        rebuild(conn, lambda done: say(f"indexed {done}") if done % 200_000 == 0 else None)
    return time.monotonic() - started


def kept_samples(engine: Engine) -> tuple[int, int, int, dict[str, str]]:
    """(tickets, customers, messages, samples) of a database seeded by an earlier run."""
    with engine.connect() as conn:
        tickets = conn.exec_driver_sql("SELECT count(*) FROM ticket").scalar_one()
        customers = conn.exec_driver_sql("SELECT count(*) FROM customer").scalar_one()
        messages = conn.exec_driver_sql("SELECT count(*) FROM message").scalar_one()
        first = conn.exec_driver_sql("SELECT text FROM message ORDER BY id LIMIT 1").scalar_one()
    tail = _tail_words(random.Random(11))  # the first draw of seed_messages' generator
    samples = {"order": first.split("ORD-", 1)[1][:6],
               "serial": "SN" + first.split("SN", 1)[1][:8], "tail": tail[len(tail) // 2]}
    return tickets, customers, messages, samples


def queries(samples: dict[str, str], customers: int) -> dict[str, list[str]]:
    some = customers // 2 or 1
    some = some - some % 3 + 1  # an English-writing customer
    return {
        "en": ["printer", "refund", "paper jam", "printer refund", "grinding noise",
               f"ORD-{samples['order']}", samples["serial"], f"Customer {some}",
               f"customer{some}@example.com", samples["tail"], "invoice charged twice",
               "Paper", "bench"],
        "zh": ["打印机", "墨盒", "漏墨", "退款", "发票重复扣款", "无法登录", "路由器 断网",
               "投影仪 有异响", "序列号", "机", "还是不行 键盘"],
    }


async def measure(port: int, asked: dict[str, list[str]], rounds: int,
                  warmup: int) -> dict[str, Any]:
    conn = Connection("127.0.0.1", port)
    await sign_in(conn)
    times: dict[str, list[float]] = {lang: [] for lang in asked}
    per_query: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    for round_ in range(warmup + rounds):
        for lang, qs in asked.items():
            for q in qs:
                page = await conn.get("/agent/?q=" + quote(q))
                if page.status != 200:
                    raise SystemExit(f"q={q!r} answered {page.status}: {page.body[:300]!r}")
                if round_ >= warmup:
                    times[lang].append(page.server_ms or 0.0)
                    per_query.setdefault(q, []).append(page.server_ms or 0.0)
                    rows[q] = page.body.count(b"<tr data-ticket=")
    conn.close()
    return {"times": times, "rows": rows,
            "per_query_ms_p50": {q: round(percentile(v, 50), 1) for q, v in per_query.items()}}


@contextmanager
def _place(backend: str, keep: str | None) -> Iterator[Scratch]:
    """The run's folder and database: a scratch one, or the kept database ``keep``."""
    if keep is None:
        with scratch(backend, "desk-bench-search-") as where:
            yield where
        return
    if not keep.replace("_", "").isalnum():
        raise SystemExit("--keep: letters, digits and _ only")
    import psycopg

    with psycopg.connect(f"{PG_SERVER.replace('+psycopg', '')}/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (keep,)).fetchone():
            c.execute(f'CREATE DATABASE "{keep}"')
    pg = PostgresDatabase.named(keep)
    say(f"database {keep} (kept)")
    with scratch("sqlite", "desk-bench-search-") as where:
        yield Scratch(where.folder, pg)


def _seeded(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM message").scalar_one() > 0


def _indexed(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM ticketsearch").scalar_one() > 0


def _has_user(where: Scratch) -> bool:
    engine = make_engine(where.database_url)
    with engine.connect() as conn:
        found = conn.execute(text('SELECT count(*) FROM "user" WHERE email = :email'),
                             {"email": EMAIL}).scalar_one() > 0
    engine.dispose()
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=100_000, help="tickets to seed (100000)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--rounds", type=int, default=10, help="timed passes over the queries (10)")
    p.add_argument("--warmup", type=int, default=1, help="untimed passes first (1)")
    p.add_argument("--keep", metavar="NAME", help="PostgreSQL: seed (once) and keep database "
                   "NAME, reused by later runs")
    p.add_argument("--rebuild", action="store_true", help="with --keep: rebuild the index first")
    args = p.parse_args(argv)

    if args.keep and args.backend != "postgres":
        raise SystemExit("--keep is for --backend postgres")
    server: DeskProcess | None = None
    with _place(args.backend, args.keep) as where:
        try:
            env = desk_env(where.folder, where.pg.url if where.pg else None)
            run_desk(["migrate"], env)
            engine = make_engine(where.database_url)
            kept = args.keep is not None and _seeded(engine)
            tickets, customers, messages, samples = kept_samples(engine) if kept else (
                0, 0, 0, {})
            index_s: float | None = None
            if not kept:
                say(f"seeding {args.tickets} tickets on {args.backend}")
                seeded = seed(engine, args.tickets, progress=say)
                tickets, customers = args.tickets, seeded.customers
                started = time.monotonic()
                messages, samples = seed_messages(engine, random.Random(11))
                say(f"{messages} messages in {time.monotonic() - started:.1f}s; building the index")
            if not kept or args.rebuild or not _indexed(engine):
                index_s = build_index(engine)
                say(f"index built in {index_s:.1f}s")
            analyze(engine)
            engine.dispose()
            if not (kept and _has_user(where)):
                run_desk(["user", "add", EMAIL, "--name", "Bench Supervisor", "--role", "supervisor",
                          "--password", PASSWORD], env)
            server = DeskProcess.serve(env, where.folder, free_port())
            server.wait_healthy()
            assert server.port is not None
            asked = queries(samples, customers)
            result = run(measure(server.port, asked, args.rounds, args.warmup))
            assert isinstance(result, dict)
            times = result["times"]
            out = {
                "bench": "ticket_search",
                "backend": args.backend,
                "tickets": tickets,
                "messages": messages,
                "index_build_s": round(index_s, 1) if index_s is not None else None,
                "requests": sum(len(v) for v in times.values()),
                **{f"{lang}_server_ms_p50": round(percentile(v, 50), 1) for lang, v in times.items()},
                **{f"{lang}_server_ms_p95": round(percentile(v, 95), 1) for lang, v in times.items()},
                **{f"{lang}_server_ms_max": round(max(v), 1) for lang, v in times.items()},
                "rows_on_page": result["rows"],
                "per_query_ms_p50": result["per_query_ms_p50"],
                "rss_mb": round(server.status_kb("VmRSS") / 1024, 1),
                "target_p95_ms": TARGET_P95_MS,
            }
            print(json.dumps(out, ensure_ascii=False), flush=True)
            return 0
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
