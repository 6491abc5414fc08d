"""FastAPI dependencies: settings, database session, the signed-in user, role checks."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from feedback_api.auth.models import User
from feedback_api.auth.security import decode_access_token
from feedback_api.auth.service import get_user
from feedback_api.errors import forbidden, unauthorized

# Highest page number of paged lists: deeper pages are reached by filtering. Also keeps OFFSET within the
# database's integer range (a huge page number was a 500 on SQLite).
MAX_PAGE = 10_000

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_app_settings(request: Request):
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


def get_optional_user(
    token: str | None = Depends(oauth2_scheme),
    session: Session = Depends(get_session),
    settings=Depends(get_app_settings),
) -> User | None:
    """The signed-in user, None without a token; an invalid or expired token is a 401."""
    if not token:
        return None
    claims = decode_access_token(token, settings)
    if claims is None:
        raise unauthorized("Phiên đăng nhập không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại.", "invalid_token")
    user = get_user(session, claims["sub"])
    if user is None or not user.active:
        raise unauthorized("Tài khoản không tồn tại hoặc đã bị khóa.", "inactive_user")
    return user


def get_current_user(user: User | None = Depends(get_optional_user)) -> User:
    if user is None:
        raise unauthorized()
    return user


def require_role(*roles: str):
    """Dependency allowing only the given roles (strings or permissions.Role members)."""
    allowed = {str(r) for r in roles}

    def _check(user: User = Depends(get_current_user)) -> User:
        if user.role not in allowed:
            raise forbidden()
        return user

    return _check
