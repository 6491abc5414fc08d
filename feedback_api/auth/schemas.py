from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from feedback_api.auth.permissions import Role


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    agency: str | None = Field(default=None, max_length=64)


class UserRead(BaseModel):
    username: str
    role: str
    agency: str | None
    active: bool
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    agency: str | None = None
