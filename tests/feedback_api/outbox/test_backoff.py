"""Pure pieces of the ops layer: backoff schedule, image signatures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback_api.attachments.service import detect_image_type
from feedback_api.edge.idempotency_service import request_fingerprint
from feedback_api.outbox.delivery import backoff_delay

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


def test_backoff_doubles_then_caps():
    # rand=1 gives the ceiling of each step, rand=0 its lower half.
    highs = [backoff_delay(n, 10, 300, rand=lambda: 1.0) for n in range(1, 8)]
    assert highs == [10, 20, 40, 80, 160, 300, 300]
    lows = [backoff_delay(n, 10, 300, rand=lambda: 0.0) for n in range(1, 8)]
    assert lows == [5, 10, 20, 40, 80, 150, 150]


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0, max_value=1))
def test_backoff_stays_within_jitter_band(attempts, r):
    delay = backoff_delay(attempts, 2.0, 3600.0, rand=lambda: r)
    ceiling = min(3600.0, 2.0 * 2 ** (attempts - 1))
    assert ceiling / 2 <= delay <= ceiling


def test_image_types_by_magic_bytes_only():
    assert detect_image_type(PNG) == "image/png"
    assert detect_image_type(JPEG) == "image/jpeg"
    assert detect_image_type(WEBP) == "image/webp"
    assert detect_image_type(b"GIF89a......") is None
    assert detect_image_type(b"%PDF-1.7\n") is None
    assert detect_image_type(b"RIFF\x24\x00\x00\x00WAVEfmt ") is None
    assert detect_image_type(b"") is None


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
