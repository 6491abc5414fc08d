"""Pure pieces of the edge: the Idempotency-Key request fingerprint, the token buckets of the rate limit."""

from __future__ import annotations

import pytest

from feedback_api.edge.idempotency_service import request_fingerprint


def test_fingerprint_ignores_json_key_order_and_spacing():
    a = request_fingerprint(b'{"kind": "complaint", "content": "abc"}', "application/json")
    b = request_fingerprint(b'{"content":"abc","kind":"complaint"}', "application/json")
    c = request_fingerprint(b'{"content":"abd","kind":"complaint"}', "application/json")
    assert a == b != c


def test_token_bucket_burst_refill_and_retry_after():
    from feedback_api.edge.ratelimit import TokenBuckets

    now = [1000.0]
    buckets = TokenBuckets(capacity=3, per_second=3 / 60, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    wait = buckets.take("a")
    assert wait == pytest.approx(20.0)  # one token per 20 s
    assert buckets.take("b") == 0  # other clients unaffected
    now[0] += 19.9
    assert buckets.take("a") > 0
    now[0] += 0.2
    assert buckets.take("a") == 0
    now[0] += 3600  # idle: back to a full burst, never more
    assert [buckets.take("a") for _ in range(4)][:3] == [0, 0, 0]
    assert buckets.take("a") > 0
