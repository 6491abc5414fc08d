from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from common.settings import Settings
from feedback_api.auth import service
from feedback_api.auth.permissions import Role
from feedback_api.auth.schemas import Token, UserCreate, UserRead
from feedback_api.auth.security import create_access_token
from feedback_api.deps import get_app_settings, get_current_user, get_directory, get_session, get_verifier, require_role
from feedback_api.edge import guard
from feedback_api.edge.clients import TokenVerifier
from feedback_api.errors import ApiError, not_found
from knowledge_base.directory import Directory

router = APIRouter(tags=["auth"])


def _user_read(user) -> UserRead:
    return UserRead(
        username=user.username, role=user.role, agency=user.agency_code, active=user.active, created_at=user.created_at
    )


@router.post("/auth/token", response_model=Token)
def login(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_app_settings),
    verifier: TokenVerifier = Depends(get_verifier),
) -> Token:
    # Lockout per username and per client: while locked even the right password is refused, otherwise
    # the lock would tell a guesser nothing and cost him nothing.
    per_user, per_client = guard.login_policies(settings)
    client = guard.client_tag(verifier.client_ip(request.scope), settings)
    user_key, client_key = f"login:{form.username.strip().lower()[:150]}", f"login-client:{client}"
    wait = guard.locked_seconds(session, [user_key, client_key])
    if wait:
        raise guard.too_many(wait, guard.LOGIN_LOCKED, "login_locked")
    user = service.authenticate(session, form.username, form.password)
    if user is None:
        session.rollback()
        guard.record_failure(session, user_key, per_user, kind="login_lockout", client=client)
        guard.record_failure(session, client_key, per_client, kind="login_client_lockout", client=client)
        raise ApiError(
            401,
            "invalid_credentials",
            "Tên đăng nhập hoặc mật khẩu không đúng.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    guard.record_success(session, user_key)
    return Token(access_token=create_access_token(user, settings), role=user.role, agency=user.agency_code)


@router.get("/auth/me")
def whoami(user=Depends(get_current_user)) -> dict:
    """The signed-in account and the non-transition permissions it holds (used by the operator console)."""
    from feedback_api.auth.permissions import Extra, scope

    return {
        "username": user.username,
        "role": user.role,
        "agency": user.agency_code,
        "can": sorted(str(x) for x in Extra if scope(user.role, x) is not None),
    }


@router.get("/admin/users", response_model=list[UserRead])
def list_users(session: Session = Depends(get_session), _admin=Depends(require_role(Role.admin))) -> list[UserRead]:
    return [_user_read(u) for u in service.list_users(session)]


@router.post("/admin/users", response_model=UserRead, status_code=201)
def create_user(
    body: UserCreate,
    session: Session = Depends(get_session),
    _admin=Depends(require_role(Role.admin)),
    directory: Directory = Depends(get_directory),
) -> UserRead:
    user = service.create_user(
        session, body.username, body.password, body.role, body.agency, known_agencies=directory.codes
    )
    return _user_read(user)


@router.post("/admin/users/{username}/deactivate", response_model=UserRead)
def deactivate_user(
    username: str, session: Session = Depends(get_session), _admin=Depends(require_role(Role.admin))
) -> UserRead:
    user = service.set_active(session, username, False)
    if user is None:
        raise not_found("Không tìm thấy tài khoản này.")
    return _user_read(user)
