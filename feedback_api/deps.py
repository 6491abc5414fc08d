"""FastAPI dependencies: settings, database session, the service's shared objects, the signed-in user,
role checks.

Views get everything the app was built with through these (`Depends(...)`); they are the only code that
reads `request.app.state` (set by feedback_api.main.create_app). The getters are `async def` so that
FastAPI calls them on the event loop: reading an attribute needs no worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from feedback_api.auth.models import User
from feedback_api.auth.security import decode_access_token
from feedback_api.auth.service import get_user
from feedback_api.edge.clients import TokenVerifier
from feedback_api.errors import forbidden, unauthorized
from feedback_api.feedback.context import ServiceContext
from feedback_api.stats.cache import TTLCache
from knowledge_base.directory import Directory

# Highest page number of paged lists: deeper pages are reached by filtering. Also keeps OFFSET within the
# database's integer range (a huge page number was a 500 on SQLite).
MAX_PAGE = 10_000

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_sessionmaker(request: Request) -> sessionmaker[Session]:
    """For work outside the request's own session (a worker thread's computation)."""
    return request.app.state.sessionmaker


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


async def get_service_context(request: Request) -> ServiceContext:
    """Settings, directory, routing rules and working-day calendar, as the use cases take them."""
    return request.app.state.service_context


async def get_directory(request: Request) -> Directory:
    """The agency directory the app was built with (the knowledge base's, shared with the bot)."""
    return request.app.state.directory


async def get_stats_caches(
    request: Request, settings: Settings = Depends(get_app_settings)
) -> tuple[TTLCache, TTLCache]:
    """The /stats caches of this app: (the audit rows, rendered answers per query), made on first use
    (on the event loop, so two first requests cannot make two)."""
    caches = getattr(request.app.state, "stats_caches", None)
    if caches is None:
        ttl = settings.stats_cache_seconds
        caches = request.app.state.stats_caches = (TTLCache(ttl), TTLCache(ttl))
    return caches


async def get_verifier(request: Request) -> TokenVerifier:
    """Who is calling: bearer tokens checked against active accounts, the client's address."""
    return request.app.state.verifier


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
