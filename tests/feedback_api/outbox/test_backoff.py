"""The outbox's retry schedule (a pure rule): exponential backoff with jitter, capped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feedback_api.outbox.delivery import backoff_delay


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
