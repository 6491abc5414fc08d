"""The access guard in the database: lock keys after repeated failures, audit the lockouts.

Used for the 4 phone digits that open an item's details (per tracking code and per client) and for
sign-in (per username and per client). State lives in `access_guard` so every process agrees.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_api.edge.guard_models import AccessGuard, SecurityEvent
from feedback_api.edge.lockout import GuardState, LockoutPolicy, after_failure, after_success, remaining_lock
from feedback_api.errors import ApiError
from feedback_api.orm import utcnow

log = logging.getLogger("feedback_api.security")

PHONE_LOCKED = (
    "Đã nhập sai 4 số cuối điện thoại quá nhiều lần. Vui lòng thử lại sau {minutes} phút "
    "hoặc gọi Tổng đài 1022 để được hỗ trợ."
)
LOGIN_LOCKED = "Đăng nhập sai quá nhiều lần. Tài khoản tạm khóa đăng nhập, vui lòng thử lại sau {minutes} phút."


def client_tag(address: str, settings) -> str:
    """A keyed hash of a client address: lets us count per client without storing the address."""
    key = settings.secret("jwt_secret").encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:16]


def phone_policies(settings) -> tuple[LockoutPolicy, LockoutPolicy]:
    per_code = LockoutPolicy(
        settings.phone_max_failures,
        timedelta(minutes=settings.phone_failure_window_minutes),
        timedelta(minutes=settings.phone_lock_minutes),
    )
    per_client = LockoutPolicy(settings.client_max_failures, timedelta(hours=1), timedelta(hours=1))
    return per_code, per_client


def login_policies(settings) -> tuple[LockoutPolicy, LockoutPolicy]:
    per_user = LockoutPolicy(
        settings.login_max_failures,
        timedelta(minutes=settings.login_lock_minutes),
        timedelta(minutes=settings.login_lock_minutes),
    )
    per_client = LockoutPolicy(settings.client_max_failures, timedelta(hours=1), timedelta(hours=1))
    return per_user, per_client


def _state(row: AccessGuard | None) -> GuardState:
    if row is None:
        return GuardState()
    return GuardState(row.failures or 0, row.window_started_at, row.lockouts or 0, row.locked_until)


def _row(session: Session, key: str, *, for_update: bool) -> AccessGuard | None:
    query = select(AccessGuard).where(AccessGuard.key == key)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def locked_seconds(session: Session, keys: list[str], now: datetime | None = None) -> int:
    """Seconds until every one of `keys` is unlocked (0: none is locked)."""
    now = now or utcnow()
    rows = session.scalars(select(AccessGuard).where(AccessGuard.key.in_(keys))).all()
    waits = [remaining_lock(_state(r), now) for r in rows]
    longest = max((w for w in waits if w is not None), default=None)
    return max(1, math.ceil(longest.total_seconds())) if longest else 0


def record_failure(
    session: Session, key: str, policy: LockoutPolicy, *, kind: str, client: str | None, now: datetime | None = None
) -> bool:
    """Count one failure for `key` (committed); True when it locked the key (a security event is written)."""
    now = now or utcnow()
    for _ in range(3):
        row = _row(session, key, for_update=True)
        if row is None:
            session.add(AccessGuard(key=key, failures=0, lockouts=0))
            try:
                session.commit()
            except IntegrityError:  # another process inserted it meanwhile
                session.rollback()
            continue
        state, locked = after_failure(_state(row), now, policy)
        row.failures, row.window_started_at = state.failures, state.window_started_at
        row.lockouts, row.locked_until = state.lockouts, state.locked_until
        if locked and state.locked_until is not None:  # a lock always has its end
            minutes = math.ceil((state.locked_until - now).total_seconds() / 60)
            session.add(
                SecurityEvent(
                    at=now, kind=kind, subject=key, client=client, detail=f"khóa {minutes} phút (lần {state.lockouts})"
                )
            )
            log.warning(
                "%s: %s locked for %d min (lockout %d, client %s)", kind, key, minutes, state.lockouts, client or "-"
            )
        session.commit()
        return locked
    return False


def record_success(session: Session, key: str) -> None:
    row = _row(session, key, for_update=True)
    if row is not None and (row.failures or row.lockouts or row.locked_until):
        state = after_success(_state(row))
        row.failures, row.window_started_at = state.failures, state.window_started_at
        row.lockouts, row.locked_until = state.lockouts, state.locked_until
    session.commit()


def too_many(seconds: int, template: str, code: str) -> ApiError:
    return ApiError(
        429, code, template.format(minutes=max(1, math.ceil(seconds / 60))), headers={"Retry-After": str(seconds)}
    )
