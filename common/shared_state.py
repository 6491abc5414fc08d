"""State that several processes (uvicorn workers, hosts) must share: rate-limit buckets and keyed locks.

Three backends behind one small interface, chosen by settings.shared_state:
- "memory": per process (token buckets in a dict, asyncio locks). The embedded SQLite default: needs
  nothing, and a single process is what SQLite is for.
- "database": PostgreSQL — session-level advisory locks (released by the server if the process dies)
  and one upserted row per bucket in `shared_rate_bucket`.
- "redis": settings.redis_url — SET NX PX locks with a fencing token, a Lua token bucket.
"auto" (default) picks redis when redis_url is set, else database on PostgreSQL, else memory.

The `shared_rate_bucket` table is working memory like the bot's tables: created here with checkfirst,
nothing else reads it, losing it only refills every bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)
PRUNE_ABOVE = 10_000  # in-memory buckets kept before idle (full) ones are dropped
LOCK_WAIT_SECONDS = 60.0  # a turn that cannot get its conversation in a minute gives up (503 upstream)
LOCK_LEASE_SECONDS = 120.0  # redis: a lock whose holder died frees itself after this


class LockTimeout(RuntimeError):
    pass


class Buckets(Protocol):
    async def take(self, key: str, capacity: float, per_second: float) -> float:
        """0 when one token was taken from `key`'s bucket, else the seconds until one is available."""


# A lock's name: a string, or a tuple of parts (joined with ":" by the backends that need one string).
LockKey = str | tuple[str, ...]


class Locks(Protocol):
    def hold(self, key: LockKey) -> AbstractAsyncContextManager[None]:
        """Async context manager: exclusive, FIFO-ish, across every process sharing the backend."""


def refill(tokens: float, updated: float, now: float, capacity: float, per_second: float) -> float:
    return min(capacity, tokens + max(0.0, now - updated) * per_second)


# --- memory ---------------------------------------------------------------------------------------
class MemoryBuckets:
    """Token buckets in a dict; only touched from the event loop thread, so no lock is needed."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.buckets: dict[str, tuple[float, float, float]] = {}  # key -> (tokens, updated_at, refill_all)

    def take_now(self, key: str, capacity: float, per_second: float) -> float:
        now = self.clock()
        tokens, updated, _ = self.buckets.get(key, (capacity, now, 0.0))
        tokens = refill(tokens, updated, now, capacity, per_second)
        refill_all = capacity / per_second
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now, refill_all)
            if len(self.buckets) > PRUNE_ABOVE:
                self._prune(now)
            return 0.0
        self.buckets[key] = (tokens, now, refill_all)
        return (1 - tokens) / per_second

    async def take(self, key: str, capacity: float, per_second: float) -> float:
        return self.take_now(key, capacity, per_second)

    def _prune(self, now: float) -> None:
        for key, (_, updated, refill_all) in list(self.buckets.items()):
            if now - updated >= refill_all:  # would be full again: same as no entry
                del self.buckets[key]


class MemoryLocks:
    """One asyncio.Lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[LockKey, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: LockKey) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


# --- PostgreSQL -----------------------------------------------------------------------------------
def advisory_key(key: str) -> int:
    """A stable signed 64-bit advisory-lock key (the same in every process, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


_BUCKET_SQL = """
INSERT INTO shared_rate_bucket AS b (key, tokens, updated_at, allowed) VALUES (:key, :capacity - 1, :now, true)
ON CONFLICT (key) DO UPDATE SET
  allowed = LEAST(:capacity, b.tokens + GREATEST(0, :now - b.updated_at) * :rate) >= 1,
  tokens = LEAST(:capacity, b.tokens + GREATEST(0, :now - b.updated_at) * :rate)
           - CASE WHEN LEAST(:capacity, b.tokens + GREATEST(0, :now - b.updated_at) * :rate) >= 1 THEN 1 ELSE 0 END,
  updated_at = :now
RETURNING allowed, tokens
"""


def _bucket_table():
    from sqlalchemy import Boolean, Column, Float, MetaData, String, Table

    metadata = MetaData()
    return Table(
        "shared_rate_bucket",
        metadata,
        Column("key", String(200), primary_key=True),
        Column("tokens", Float, nullable=False),
        Column("updated_at", Float, nullable=False),  # epoch seconds (wall clock: shared by hosts)
        Column("allowed", Boolean, nullable=False),
    )


class DatabaseBuckets:
    """One row per bucket, refilled and taken in a single atomic upsert (one round trip)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import text

        self.engine = engine
        self._sql = text(_BUCKET_SQL)
        self._calls = 0
        table = _bucket_table()
        try:
            table.create(engine, checkfirst=True)
        except Exception:  # another process created it at the same moment
            from sqlalchemy import inspect

            if not inspect(engine).has_table(table.name):
                raise

    def take_now(self, key: str, capacity: float, per_second: float) -> float:
        from sqlalchemy import text

        now = time.time()
        with self.engine.begin() as connection:
            allowed, tokens = connection.execute(
                self._sql, {"key": key[:200], "capacity": capacity, "rate": per_second, "now": now}
            ).one()
            self._calls += 1
            if self._calls % 5000 == 0:  # idle rows are full buckets: drop them now and then
                connection.execute(
                    text("DELETE FROM shared_rate_bucket WHERE updated_at < :old"), {"old": now - 86_400}
                )
        return 0.0 if allowed else (1 - tokens) / per_second

    async def take(self, key: str, capacity: float, per_second: float) -> float:
        return await asyncio.to_thread(self.take_now, key, capacity, per_second)


class AdvisoryLocks:
    """pg_advisory_lock on a connection kept for the duration of the hold.

    The wait is in PostgreSQL's lock queue (first come, first served across processes) with a
    lock_timeout so that a stuck holder cannot block a thread forever. In-process waiters queue on an
    asyncio lock first, so one process holds at most one connection per key.
    """

    def __init__(self, engine, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self.engine = engine
        self.wait_seconds = wait_seconds
        self.local = MemoryLocks()

    def _acquire(self, key: str):
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        connection = self.engine.connect()
        try:
            connection.execute(text(f"SET lock_timeout = '{int(self.wait_seconds * 1000)}ms'"))
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": advisory_key(key)})
            connection.commit()  # session-level lock: survives the end of this transaction
        except DBAPIError as exc:
            connection.close()
            if "lock timeout" in str(exc).lower() or "lock_timeout" in str(exc).lower():
                raise LockTimeout(key) from None
            raise
        return connection

    def _release(self, connection, key: str) -> None:
        from sqlalchemy import text

        try:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(key)})
            connection.execute(text("RESET lock_timeout"))
            connection.commit()
        except Exception:  # the server frees session locks when the connection goes
            connection.invalidate()
        finally:
            connection.close()

    @asynccontextmanager
    async def hold(self, key: LockKey) -> AsyncIterator[None]:
        name = key if isinstance(key, str) else ":".join(map(str, key))
        async with self.local.hold(name):
            connection = await asyncio.to_thread(self._acquire, name)
            try:
                yield
            finally:
                await asyncio.to_thread(self._release, connection, name)


# --- Redis ----------------------------------------------------------------------------------------
_REDIS_BUCKET = """
local capacity, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(state[1]) or capacity, tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(tokens)}
"""
_REDIS_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisClients:
    """One redis.asyncio client per event loop (a client's connections belong to the loop that made them)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[int, object] = {}

    def get(self):
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self._clients.get(id(loop))
        if client is None:
            if len(self._clients) > 8:  # loops of finished test clients
                self._clients.clear()
            client = self._clients[id(loop)] = aioredis.from_url(self.url, socket_timeout=5)
        return client


class RedisBuckets:
    def __init__(self, clients: RedisClients, prefix: str = "hotline:rl:") -> None:
        self.clients = clients
        self.prefix = prefix

    async def take(self, key: str, capacity: float, per_second: float) -> float:
        client = self.clients.get()
        allowed, tokens = await client.eval(_REDIS_BUCKET, 1, self.prefix + key, capacity, per_second, time.time())
        return 0.0 if int(allowed) else (1 - float(tokens)) / per_second


class RedisLocks:
    """SET NX PX with a random token, polled; released only by its holder (compare-and-delete)."""

    def __init__(
        self, clients: RedisClients, prefix: str = "hotline:lock:", wait_seconds: float = LOCK_WAIT_SECONDS
    ) -> None:
        self.clients = clients
        self.prefix = prefix
        self.wait_seconds = wait_seconds
        self.local = MemoryLocks()

    @asynccontextmanager
    async def hold(self, key: LockKey) -> AsyncIterator[None]:
        name = self.prefix + (key if isinstance(key, str) else ":".join(map(str, key)))
        async with self.local.hold(name):
            client = self.clients.get()
            token = secrets.token_hex(16)
            deadline = time.monotonic() + self.wait_seconds
            while not await client.set(name, token, nx=True, px=int(LOCK_LEASE_SECONDS * 1000)):
                if time.monotonic() > deadline:
                    raise LockTimeout(name)
                await asyncio.sleep(0.01)
            try:
                yield
            finally:
                try:
                    await client.eval(_REDIS_UNLOCK, 1, name, token)
                except Exception as exc:  # the lease expires on its own
                    log.warning("redis unlock failed: %s", type(exc).__name__)


_lock_engines: dict[str, object] = {}


def _lock_engine(url: str):
    """Locks get their own pool (one per process and URL): a held conversation must not starve the
    requests its turn makes."""
    from common.db import make_engine, normalize_database_url

    url = normalize_database_url(url)
    engine = _lock_engines.get(url)
    if engine is None:
        engine = _lock_engines[url] = make_engine(url)
    return engine


# --- choice ---------------------------------------------------------------------------------------
@dataclass
class SharedState:
    kind: str
    buckets: Buckets
    locks: Locks


def backend_kind(settings) -> str:
    chosen = getattr(settings, "shared_state", "auto")
    if chosen != "auto":
        return chosen
    if getattr(settings, "redis_url", ""):
        return "redis"
    if settings.effective_database_url.startswith(("postgresql", "postgres")):
        return "database"
    return "memory"


def make_shared_state(settings) -> SharedState:
    kind = backend_kind(settings)
    if kind == "redis":
        clients = RedisClients(settings.redis_url or "redis://127.0.0.1:6379/0")
        return SharedState(kind, RedisBuckets(clients), RedisLocks(clients))
    if kind == "database":
        from common.db import get_engine

        engine = get_engine(settings.effective_database_url)
        if engine.dialect.name != "postgresql":
            raise ValueError("shared_state=database needs PostgreSQL (advisory locks)")
        return SharedState(kind, DatabaseBuckets(engine), AdvisoryLocks(_lock_engine(settings.effective_database_url)))
    return SharedState("memory", MemoryBuckets(), MemoryLocks())
