"""Lockout after repeated failures (pure): N wrong tries within a window lock the key for a while.

Each lockout that follows another without a success in between doubles the lock (capped), so a patient
guesser gains nothing by waiting: 5 tries per 15 min, then 30 min, 1 h, ... 24 h. A success clears all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    window: timedelta
    lock_for: timedelta
    max_lock: timedelta = timedelta(days=1)


@dataclass(frozen=True)
class GuardState:
    failures: int = 0
    window_started_at: datetime | None = None
    lockouts: int = 0
    locked_until: datetime | None = None


def remaining_lock(state: GuardState, now: datetime) -> timedelta | None:
    """How much longer the key is locked, None when it is not."""
    if state.locked_until is not None and state.locked_until > now:
        return state.locked_until - now
    return None


def lock_duration(policy: LockoutPolicy, lockouts: int) -> timedelta:
    """The lock applied at the `lockouts`-th consecutive lockout (1-based)."""
    factor = 2 ** min(max(lockouts - 1, 0), 20)
    return min(policy.lock_for * factor, policy.max_lock)


def after_failure(state: GuardState, now: datetime, policy: LockoutPolicy) -> tuple[GuardState, bool]:
    """The state after one more failure, and whether this failure locked the key."""
    if remaining_lock(state, now) is not None:
        return state, False  # tries while locked are refused before being checked; they do not count
    if state.window_started_at is None or now - state.window_started_at >= policy.window:
        state = replace(state, failures=0, window_started_at=now)
    failures = state.failures + 1
    if failures >= policy.max_failures:
        lockouts = state.lockouts + 1
        return GuardState(0, None, lockouts, now + lock_duration(policy, lockouts)), True
    return replace(state, failures=failures), False


def after_success(state: GuardState) -> GuardState:
    return GuardState()
