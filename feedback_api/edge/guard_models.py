"""Failed-attempt counters (phone digits, sign-in) and the security events they raise.

Kept in the service's database so every process and host sees the same counts; the figures never read
these tables (security events are not part of an item's audit trail).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback_api.orm import Base, UTCDateTime


class AccessGuard(Base):
    """One row per guarded key ("code:PA-2026-000123", "client:<hash>", "login:<username>")."""

    __tablename__ = "access_guard"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lockouts: Mapped[int] = mapped_column(Integer, default=0)  # consecutive lockouts: the lock doubles
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SecurityEvent(Base):
    """Append-only: a key was locked, a locked key was tried. `client` is a keyed hash, never an address."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    client: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
