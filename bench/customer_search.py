"""Customer search: time of ``list_customers(session, CustomerFilter(q=...))`` at N customers.

Seeds a fresh database (migrated with desk.migrate.upgrade; on PostgreSQL a fresh
``desk_bench_<random>`` database) with --customers customers: English and Chinese names,
unique emails, about half with a phone, about 20 % in one of 2,000 organisations, their
identities and their search keys (desk.contacts.search_keys, as the actions write them). Rows
go in through the driver's fastest path (executemany in big transactions on SQLite, COPY on
PostgreSQL) with the secondary indexes dropped during the load and rebuilt after. Then ANALYZE,
and --queries realistic queries, one after the other, in-process (no HTTP: this measures the
query, bench/queue.py measures a page): prefixes as typed, full names, Chinese surname and
given name, given name only, email prefixes, phone fragments, organisation names, two words,
and queries that match nothing.

    .venv/bin/python -m bench.customer_search --customers 1000000 --backend postgres

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from bench.connection import percentile
from bench.dataset import analyze
from bench.servers import say, scratch
from desk.contacts import search_keys
from desk.db import make_engine
from desk.migrate import upgrade
from desk.queries.customers.records import CustomerFilter, list_customers

TARGET_P95_MS = 50


def _words(text: str) -> list[str]:
    return text.split()


BATCH = 20_000
FIRST = _words("james mary john patricia robert jennifer michael linda william elizabeth david barbara "
         "richard susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa "
         "matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily "
         "andrew donna joshua michelle kenneth carol kevin amanda brian melissa george deborah "
         "anna annabel oliver sophie lucas chloe ethan grace noah ella liam mia")
LAST = _words("smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez "
        "lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson "
        "white harris sanchez clark ramirez lewis robinson walker young allen king wright scott "
        "torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter "
        "roberts cruz stone fischer novak")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍"
         "红娥玲芬燕彬鹏辉建国小晓文雪梅婷宇浩然欣怡子轩")
PINYIN = _words("wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo "
          "zheng liang xie song tang")
ORG_WORDS = _words("Acme Global Northwind Contoso Fabrikam Initech Umbrella Stark Wayne Tyrell Cyberdyne "
             "Soylent Hooli Vandelay Wonka Gringotts Oceanic Aperture Monarch Pied Piper Vehement "
             "Blue Red Green Silver Golden Harbor River Summit Pioneer")
ORG_KINDS = ("Ltd", "Inc", "Trading", "Logistics", "Software", "Foods", "Bank", "Labs")
CITIES = "北京上海广州深圳杭州成都武汉南京西安苏州"
TRADES = ("科技", "贸易", "物流", "食品", "电子", "医药", "教育", "咨询")
DOMAINS = ("example.com", "mail.example.cn", "corp.example", "qq.example", "163.example",
           "gmail.example", "outlook.example")
CUSTOMER_COLUMNS = ("id", "name", "email", "organization_id", "tier", "source", "locale",
                    "fields", "created_at", "updated_at")
IDENTITY_COLUMNS = ("customer_id", "kind", "value", "normalised", "label", "created_at")


@dataclass
class Generated:
    """What the seeding remembers to build queries from."""

    english: list[tuple[str, str]] = field(default_factory=list)
    chinese: list[tuple[str, str]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)


def organizations(rng: random.Random, n: int = 2000) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        if rng.random() < 0.6:
            names.add(f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)}")
        else:
            names.add(f"{rng.choice(CITIES)}{rng.choice(TRADES)}{rng.choice(GIVEN)}"
                      f"{rng.choice(GIVEN)}有限公司")
    return sorted(names)


def customers(n: int, orgs: list[str], rng: random.Random, keep: Generated,
              created: str) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]],
                                              list[tuple[str, int]]]]:
    """Batches of (customer rows, identity rows, search-key rows)."""
    rows: list[tuple[Any, ...]] = []
    identities: list[tuple[Any, ...]] = []
    keys: list[tuple[str, int]] = []
    for i in range(1, n + 1):
        if rng.random() < 0.6:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first.title()} {last.title()}"
            email = f"{first}.{last}{i}@{rng.choice(DOMAINS)}"
            if len(keep.english) < 5000:
                keep.english.append((first, last))
        else:
            surname = rng.choice(SURNAMES)
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            name = surname + given
            email = f"{rng.choice(PINYIN)}{i}@{rng.choice(DOMAINS)}"
            if len(keep.chinese) < 5000:
                keep.chinese.append((surname, given))
        phones = []
        if rng.random() < 0.5:
            # A bijection of i: every number is different, as the identities' index demands.
            phones = [f"+8613{(i * 7919 + 12345) % 10**9:09d}"]
            if len(keep.phones) < 5000:
                keep.phones.append(phones[0])
        org_id = rng.randrange(len(orgs)) + 1 if rng.random() < 0.2 else None
        if len(keep.emails) < 5000:
            keep.emails.append(email)
        rows.append((i, name, email, org_id, rng.choice(("standard", "standard", "vip", "prospect")),
                     "email", "en", "{}", created, created))
        identities.append((i, "email", email, email, "", created))
        identities += [(i, "phone", p, p.lstrip("+")[-9:], "", created) for p in phones]
        keys += [(k, i) for k in search_keys(name, [email], phones, orgs[org_id - 1] if org_id else "")]
        if len(rows) >= BATCH:
            yield rows, identities, keys
            rows, identities, keys = [], [], []
    if rows:
        yield rows, identities, keys


def seed(engine: Engine, n: int, rng: random.Random) -> Generated:
    keep = Generated()
    orgs = organizations(rng)
    keep.organizations = orgs
    created = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
    batches = customers(n, orgs, rng, keep, created)
    if engine.dialect.name == "postgresql":
        _load_postgres(engine, orgs, batches, created)
    else:
        _load_sqlite(engine, orgs, batches, created)
    return keep


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _load_sqlite(engine: Engine, orgs: list[str], batches: Iterator[Any], created: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -400000")  # 400 MB: the key index stays in memory
        rebuild = _drop_indexes(conn, "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                      "AND tbl_name IN ('customer', 'customeridentity', "
                                      "'customersearchkey') AND sql IS NOT NULL")
        conn.exec_driver_sql("INSERT INTO organization (id, name, tier, auto_join, created_at) "
                             "VALUES (?, ?, 'standard', 1, ?)",
                             [(i + 1, name, created) for i, name in enumerate(orgs)])
        for done, (rows, identities, keys) in enumerate(batches, 1):
            conn.exec_driver_sql(_insert_sql("customer", CUSTOMER_COLUMNS), rows)
            conn.exec_driver_sql(_insert_sql("customeridentity", IDENTITY_COLUMNS), identities)
            conn.exec_driver_sql("INSERT INTO customersearchkey (key, customer_id) VALUES (?, ?)", keys)
            if done % 10 == 0:
                say(f"{done * BATCH} customers written")
        for ddl in rebuild:
            conn.exec_driver_sql(ddl)


def _load_postgres(engine: Engine, orgs: list[str], batches: Iterator[Any], created: str) -> None:
    with engine.begin() as conn:
        rebuild = _drop_indexes(conn, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename "
                                      "IN ('customer', 'customeridentity', 'customersearchkey') "
                                      "AND indexname NOT LIKE '%pkey' AND indexdef NOT LIKE '%UNIQUE%'")
        conn.exec_driver_sql("ALTER TABLE customer DISABLE TRIGGER ALL")
        conn.exec_driver_sql("ALTER TABLE customeridentity DISABLE TRIGGER ALL")
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy("COPY organization (id, name, tier, auto_join, created_at) FROM STDIN") as copy:
            for i, name in enumerate(orgs):
                copy.write_row((i + 1, name, "standard", True, created))
        for done, (rows, identities, keys) in enumerate(batches, 1):
            with cursor.copy(f"COPY customer ({', '.join(CUSTOMER_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cursor.copy(f"COPY customeridentity ({', '.join(IDENTITY_COLUMNS)}) FROM STDIN") as copy:
                for row in identities:
                    copy.write_row(row)
            with cursor.copy("COPY customersearchkey (key, customer_id) FROM STDIN") as copy:
                for row in keys:
                    copy.write_row(row)
            if done % 10 == 0:
                say(f"{done * BATCH} customers written")
        conn.exec_driver_sql("ALTER TABLE customer ENABLE TRIGGER ALL")
        conn.exec_driver_sql("ALTER TABLE customeridentity ENABLE TRIGGER ALL")
        for ddl in rebuild:
            conn.exec_driver_sql(ddl)
        for table in ("organization", "customer", "customeridentity"):
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))")


def _drop_indexes(conn: Any, list_sql: str) -> list[str]:
    """Drop the listed indexes; returns the DDL that rebuilds them."""
    indexes = list(conn.execute(text(list_sql)))
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [ddl for _, ddl in indexes]


def queries(keep: Generated, rng: random.Random, n: int) -> list[str]:
    """A mix of what agents type into the search box."""
    def english() -> str:
        first, last = rng.choice(keep.english)
        return rng.choice((first[:rng.randint(2, 6)], f"{first} {last}", last[:rng.randint(3, 6)],
                           f"{first} {last[:2]}"))

    def chinese() -> str:
        surname, given = rng.choice(keep.chinese)
        return rng.choice((surname + given, given, surname + given[:1]))

    def contact() -> str:
        if rng.random() < 0.5:
            email = rng.choice(keep.emails)
            return rng.choice((email[:rng.randint(3, 8)], email))
        return rng.choice(keep.phones)[3:3 + rng.randint(4, 8)]  # as typed: 138..., no +86

    def organization() -> str:
        org = rng.choice(keep.organizations)
        return rng.choice((org, org.split()[0] if " " in org else org[:4]))

    def nothing() -> str:
        return rng.choice(("zqxj", "anna 无名氏", "xxyyzz@nowhere", "9999999", "john zqx"))

    kinds = (english, english, english, chinese, chinese, contact, contact, organization, nothing)
    return [rng.choice(kinds)() for _ in range(n)]


def measure(engine: Engine, asked: list[str], warmup: int = 20) -> list[float]:
    timings: list[float] = []
    with Session(engine) as session:
        for i, q in enumerate(asked[:warmup] + asked):
            started = time.perf_counter()
            list_customers(session, CustomerFilter(q=q))
            if i >= warmup:
                timings.append((time.perf_counter() - started) * 1000)
            session.rollback()  # a fresh transaction per query, as a request has
    return timings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=50_000, help="customers to seed (50000)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--queries", type=int, default=500, help="timed queries (500)")
    p.add_argument("--slowest", type=int, default=0, help="print the N slowest queries on stderr")
    args = p.parse_args(argv)
    with scratch(args.backend, "desk-bench-customers-") as run:
        engine = make_engine(run.database_url)
        upgrade(engine)
        rng = random.Random(11)
        say(f"seeding {args.customers} customers on {args.backend}")
        started = time.monotonic()
        keep = seed(engine, args.customers, rng)
        analyze(engine)
        seed_s = time.monotonic() - started
        say(f"seeded and analysed in {seed_s:.1f}s")
        asked = queries(keep, rng, args.queries)
        timings = measure(engine, asked)
        for ms, q in sorted(zip(timings, asked, strict=True), reverse=True)[:args.slowest]:
            say(f"{ms:8.1f} ms  {q!r}")
        engine.dispose()
        print(json.dumps({
            "bench": "customer_search", "backend": args.backend, "customers": args.customers,
            "queries": len(timings), "p50_ms": round(percentile(timings, 50), 1),
            "p95_ms": round(percentile(timings, 95), 1), "max_ms": round(max(timings), 1),
            "seed_s": round(seed_s, 1), "target_p95_ms": TARGET_P95_MS}), flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
