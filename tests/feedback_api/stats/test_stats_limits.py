"""Issue 10, defect 5: /stats is cached (one computation for many callers, none holding a thread) and has
its own tight rate limit (each fails on the code before the fix)."""

from __future__ import annotations

from tests.feedback_api.conftest import client_with


def test_stats_are_cached_and_rate_limited(settings, monkeypatch):
    from feedback_api.stats import service

    calls = []
    real = service.audit_events
    monkeypatch.setattr(service, "audit_events", lambda *a, **k: calls.append(1) or real(*a, **k))
    client = client_with(settings, stats_cache_seconds=60, stats_rate_limit_per_minute=5)
    answers = [client.get("/api/v1/stats").status_code for _ in range(8)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429] * 3
    assert len(calls) == 1  # five answers, one read of the audit log
    assert client.get("/api/v1/agencies").status_code == 200  # only /stats has the tight limit
    limited = client.get("/api/v1/stats")
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1


def test_ttl_cache_single_flight():
    import threading
    import time

    from feedback_api.stats.cache import TTLCache

    now = [0.0]
    cache = TTLCache(60, clock=lambda: now[0])
    computed = []

    def slow():
        computed.append(1)
        time.sleep(0.1)
        return len(computed)

    threads = [threading.Thread(target=cache.get, args=("2026-03", slow)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert computed == [1]
    now[0] = 61
    assert cache.get("2026-03", slow) == 2


def test_ttl_cache_async_waiters_hold_no_thread():
    import asyncio
    import threading
    import time

    from feedback_api.stats.cache import TTLCache

    cache = TTLCache(60)
    computed, threads_seen = [], set()

    def slow():
        computed.append(1)
        threads_seen.add(threading.get_ident())
        time.sleep(0.2)
        return "figures"

    async def main():
        return await asyncio.gather(*(cache.aget(None, slow) for _ in range(50)))

    started = time.monotonic()
    assert asyncio.run(main()) == ["figures"] * 50
    assert computed == [1] and len(threads_seen) == 1 and time.monotonic() - started < 2
