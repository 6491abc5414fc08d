"""A short-lived cache of computed figures, so public /stats cannot make the service recompute the whole
audit log on every call. Figures stay exactly what figures.compute_figures derives from the audit log;
the cache only decides how often (at most once per `ttl` per month key per process, one computation at
a time per key: concurrent callers wait for it). The report's computed_at tells readers how fresh it is.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_KEYS = 64


class TTLCache(Generic[T]):
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_keys = max_keys
        self._values: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self._in_flight: dict[Hashable, asyncio.Future] = {}
        self.computations = 0

    async def aget(self, key: Hashable, compute: Callable[[], T]) -> T:
        """From the event loop: `compute` (blocking) runs in a worker thread, once per key at a time;
        concurrent callers await its result without holding a thread each (a thread per waiting caller
        would exhaust the pool that every other request needs)."""
        hit = self._fresh(key) if self.ttl > 0 else None
        if hit is not None:
            return hit[1]
        running = self._in_flight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await asyncio.to_thread(compute)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            self._in_flight.pop(key, None)
        future.set_result(value)
        self._store(key, value)
        return value

    def _store(self, key: Hashable, value: T) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self.computations += 1
            self._values[key] = (self.clock() + self.ttl, value)
            self._values.move_to_end(key)
            while len(self._values) > self.max_keys:
                old, _ = self._values.popitem(last=False)
                self._key_locks.pop(old, None)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.ttl <= 0:
            return compute()
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # single flight: one computation per key, the others wait for its result
            hit = self._fresh(key)
            if hit is not None:
                return hit[1]
            value = compute()
            self._store(key, value)
            return value

    def _fresh(self, key: Hashable) -> tuple[float, T] | None:
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and hit[0] > self.clock():
                self._values.move_to_end(key)
                return hit
        return None

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
