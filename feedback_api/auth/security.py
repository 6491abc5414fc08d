"""Password hashing (argon2) and access tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from feedback_api.orm import utcnow

# Module-level so tests may swap in cheaper parameters; production uses argon2-cffi's defaults (RFC 9106).
hasher = PasswordHasher()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_access_token(user, settings, ttl_minutes: int | None = None) -> str:
    now = utcnow()
    ttl = ttl_minutes if ttl_minutes is not None else settings.jwt_ttl_minutes
    claims = {
        "sub": user.username,
        "role": user.role,
        "agency": user.agency_code,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=ttl)).timestamp()),
    }
    return jwt.encode(claims, settings.secret("jwt_secret"), algorithm=ALGORITHM)


def decode_access_token(token: str, settings) -> dict | None:
    try:
        return jwt.decode(
            token, settings.secret("jwt_secret"), algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError:
        return None
