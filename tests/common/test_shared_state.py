"""Shared rate-limit buckets and keyed locks: memory, PostgreSQL, Redis (each backend as two "processes":
two instances with their own connections)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from common.shared_state import (
    AdvisoryLocks,
    DatabaseBuckets,
    MemoryBuckets,
    MemoryLocks,
    RedisBuckets,
    RedisClients,
    RedisLocks,
    advisory_key,
    backend_kind,
)
from tests.pg import scratch_database

REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def pg_url():
    engines: list = []
    with scratch_database("PostgreSQL variants") as url:
        try:
            yield url, engines
        finally:
            for engine in engines:
                engine.dispose()


@pytest.fixture
def redis_url():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis unreachable at {REDIS_URL} ({type(exc).__name__}): Redis variants skipped")
    return REDIS_URL


async def _in_order(locks_a, locks_b) -> list[str]:
    events: list[str] = []
    key = ("conversation", "web", uuid.uuid4().hex)

    async def first():
        async with locks_a.hold(key):
            events.append("a-start")
            await asyncio.sleep(0.3)
            events.append("a-end")

    async def second():
        await asyncio.sleep(0.1)
        async with locks_b.hold(key):
            events.append("b-start")

    async def other():
        await asyncio.sleep(0.1)
        async with locks_b.hold(("conversation", "web", "someone-else")):
            events.append("other")

    await asyncio.gather(first(), second(), other())
    return events


def _check_order(events):
    assert events.index("a-end") < events.index("b-start")  # same conversation: waits
    assert events.index("other") < events.index("a-end")  # another conversation: does not


def test_memory_backend():
    shared = MemoryLocks()  # one process: both "sides" share the instance
    _check_order(asyncio.run(_in_order(shared, shared)))
    now = [0.0]
    buckets = MemoryBuckets(clock=lambda: now[0])
    assert [asyncio.run(buckets.take("k", 2, 2 / 60)) for _ in range(3)][:2] == [0, 0]
    assert buckets.take_now("k", 2, 2 / 60) == pytest.approx(30.0)


def test_postgresql_advisory_locks_and_buckets_across_instances(pg_url):
    from common.db import make_engine

    url, engines = pg_url
    one, two = make_engine(url), make_engine(url)
    engines += [one, two]
    _check_order(asyncio.run(_in_order(AdvisoryLocks(one), AdvisoryLocks(two))))
    a, b = DatabaseBuckets(one), DatabaseBuckets(two)
    taken = [a.take_now("ip:1", 3, 3 / 60), b.take_now("ip:1", 3, 3 / 60), a.take_now("ip:1", 3, 3 / 60)]
    assert taken == [0, 0, 0]
    assert b.take_now("ip:1", 3, 3 / 60) == pytest.approx(20.0, abs=0.5)
    assert a.take_now("ip:2", 3, 3 / 60) == 0
    assert advisory_key("conversation:web:x") == advisory_key("conversation:web:x") != advisory_key("y")


def test_advisory_lock_is_freed_when_its_connection_dies(pg_url):
    from sqlalchemy import text

    from common.db import make_engine

    url, engines = pg_url
    one, two = make_engine(url), make_engine(url)
    engines += [one, two]
    holder = AdvisoryLocks(one)._acquire("conversation:web:crash")
    holder.invalidate()  # the process died: PostgreSQL releases its session locks
    waiter = AdvisoryLocks(two, wait_seconds=3)._acquire("conversation:web:crash")
    assert waiter.execute(text("SELECT 1")).scalar() == 1
    waiter.close()


def test_redis_locks_and_buckets_across_instances(redis_url):
    async def main():
        one, two = RedisClients(redis_url), RedisClients(redis_url)
        _check_order(await _in_order(RedisLocks(one), RedisLocks(two)))
        key = f"test:{uuid.uuid4().hex}"
        a, b = RedisBuckets(one), RedisBuckets(two)
        taken = [await a.take(key, 3, 3 / 60), await b.take(key, 3, 3 / 60), await a.take(key, 3, 3 / 60)]
        assert taken == [0, 0, 0]
        assert await b.take(key, 3, 3 / 60) == pytest.approx(20.0, abs=0.5)

    asyncio.run(main())


def test_backend_choice():
    from common.settings import Settings

    sqlite = Settings(_env_file=None, database_url=None)
    assert backend_kind(sqlite) == "memory"
    pg = Settings(_env_file=None, database_url="postgresql://u@h/db")
    assert backend_kind(pg) == "database"
    assert backend_kind(Settings(_env_file=None, database_url=None, redis_url="redis://h:6379/0")) == "redis"
    assert backend_kind(Settings(_env_file=None, database_url="postgresql://u@h/db", shared_state="memory")) == "memory"
