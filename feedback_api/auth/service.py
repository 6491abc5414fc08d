"""Accounts: create, authenticate, deactivate, the bot's operator account."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_api.auth.models import User
from feedback_api.auth.permissions import Role
from feedback_api.auth.security import hash_password, verify_password
from feedback_api.domain import Conflict, Invalid


class UserExists(Conflict):
    def __init__(self, username: str):
        super().__init__(f"Tên đăng nhập “{username}” đã tồn tại.", "user_exists")


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    agency_code: str | None = None,
    *,
    known_agencies: Collection[str] | None = None,
) -> User:
    if role not in Role._value2member_map_:
        raise Invalid(f"Vai trò “{role}” không hợp lệ (operator, staff, supervisor, admin).", "invalid_role")
    if role == Role.staff and not agency_code:
        raise Invalid("Cán bộ (staff) phải thuộc một cơ quan: hãy nêu mã cơ quan.", "agency_required")
    if agency_code and known_agencies is not None and agency_code not in known_agencies:
        raise Invalid(f"Không có cơ quan mã “{agency_code}” trong danh mục.", "unknown_agency")
    if get_user(session, username) is not None:
        raise UserExists(username)
    user = User(
        username=username, password_hash=hash_password(password), role=str(role), agency_code=agency_code, active=True
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserExists(username) from None
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = get_user(session, username)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def set_active(session: Session, username: str, active: bool) -> User | None:
    user = get_user(session, username)
    if user is None:
        return None
    user.active = active
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def ensure_bot_user(session: Session, settings) -> User:
    """The bot signs in as an operator; keep its account present, active and on the current password."""
    password = settings.secret("bot_password")
    user = get_user(session, settings.bot_username)
    if user is None:
        try:
            return create_user(session, settings.bot_username, password, Role.operator, settings.coordinator_agency)
        except UserExists:  # another process created it meanwhile
            user = get_user(session, settings.bot_username)
            if user is None:  # ... and it is gone again: nothing sensible to repair
                raise
    changed = False
    if not verify_password(user.password_hash, password):
        user.password_hash = hash_password(password)
        changed = True
    if not user.active or user.role != Role.operator:
        user.active, user.role = True, str(Role.operator)
        changed = True
    if changed:
        session.commit()
    return user
