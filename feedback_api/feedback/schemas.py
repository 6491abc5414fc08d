"""Request and response bodies of the feedback API (pydantic)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

import annotated_types
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

Kind = Literal["complaint", "recommendation"]
Channel = Literal["web", "telegram", "zalo", "phone", "email", "walk_in"]

_PHONE_CHARS = re.compile(r"^\+?[0-9 .()-]{8,20}$")


def _max_length(field) -> int | None:
    return next((m.max_length for m in field.metadata if isinstance(m, annotated_types.MaxLen)), None)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _within_documented_length(cls, value, info: ValidationInfo):
        # Surrounding spaces are trimmed before the length checks; a text longer than the documented
        # maxLength is still refused as sent, so the API does what its OpenAPI document says.
        if isinstance(value, str) and info.field_name is not None:  # always set for a field validator
            limit = _max_length(cls.model_fields[info.field_name])
            if limit is not None and len(value) > limit:
                raise PydanticCustomError(
                    "string_too_long", "String should have at most {max_length} characters", {"max_length": limit}
                )
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        # NUL cannot be stored in PostgreSQL text and has no place in a citizen's message.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("không được chứa ký tự điều khiển NUL")
        return value


class Contact(_Body):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _PHONE_CHARS.match(value) or sum(ch.isdigit() for ch in value) < 8:
            raise ValueError("số điện thoại không hợp lệ")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise ValueError("địa chỉ thư điện tử không hợp lệ")
        return value


class ReplyTo(_Body):
    channel: Channel
    chat_id: str = Field(min_length=1, max_length=128)


class FeedbackCreate(_Body):
    content: str = Field(min_length=10, max_length=5000)
    kind: Kind
    channel: Channel
    location: str | None = Field(default=None, max_length=500)
    contact: Contact | None = None
    publish_consent: bool = False
    received_at: AwareDatetime | None = None
    category: str | None = Field(default=None, max_length=64)
    reply_to: ReplyTo | None = None
    attachments: list[str] = Field(default_factory=list, max_length=10)
    # The caller confirms the content is a phản ánh/kiến nghị although it reads as a khiếu nại or tố cáo
    # (which are answered 422 with their legal path otherwise). Optional: existing clients are unaffected.
    confirmed_pakn: bool = False


class FeedbackCreated(BaseModel):
    code: str
    status: str
    status_label: str
    agency: str | None
    agency_name: str | None
    due_at: datetime
    forward_due_at: datetime


# --- transitions ---------------------------------------------------------------------------------
_Text = Field(min_length=3, max_length=5000)


class AssignBody(_Body):
    agency: str = Field(min_length=2, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)


class TransferBody(_Body):
    agency: str = Field(min_length=2, max_length=64)
    reason: str = _Text


class ReasonBody(_Body):
    reason: str = _Text


class RequestInfoBody(_Body):
    question: str = _Text


class ProvideInfoBody(_Body):
    info: str = Field(min_length=1, max_length=5000)
    phone_last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")


class AnswerBody(_Body):
    answer: str = Field(min_length=10, max_length=10000)


class PublishBody(_Body):
    text: str | None = Field(default=None, min_length=10, max_length=10000)
    public_interest: bool = False
    reason: str | None = Field(default=None, max_length=2000)


class EmptyBody(_Body):
    reason: str | None = Field(default=None, max_length=2000)


class RejectBody(_Body):
    reason: str = _Text
    guidance: str = _Text


class ClaimBody(_Body):
    assignee: str | None = Field(default=None, max_length=100)  # empty: oneself
    release: bool = False


class NoteBody(_Body):
    body: str = Field(min_length=2, max_length=5000)


class TemplateBody(_Body):
    agency: str | None = Field(default=None, max_length=64)
    title: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=10, max_length=10000)


class SatisfactionBody(_Body):
    satisfied: bool
    reason: str | None = Field(default=None, max_length=2000)
    phone_last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")


class MergeBody(_Body):
    into: str = Field(pattern=r"^PA-[0-9]{4}-[0-9]{6}$")
    reason: str | None = Field(default=None, max_length=2000)


# --- views ---------------------------------------------------------------------------------------
class AgencyRef(BaseModel):
    code: str
    name: str | None


class TimelineEntry(BaseModel):
    at: datetime
    action: str
    status: str
    status_label: str
    agency: str | None = None
    reason: str | None = None
    actor: str | None = None  # staff views only
    text: str | None = None  # citizen views: what happened, in plain Vietnamese


class Note(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime


class Template(BaseModel):
    id: int
    agency: str
    title: str
    body: str
    created_by: str
    created_at: datetime


class PublicStatus(BaseModel):
    """What anyone holding the code may see: no personal data at all."""

    code: str
    kind: str
    status: str
    status_label: str
    agency: AgencyRef
    received_at: datetime
    due_at: datetime
    overdue: bool
    published_answer: str | None = None
    published_at: datetime | None = None
    merged_into: str | None = None
    # Present only when the caller proved knowledge of the contact phone's last 4 digits.
    details: CitizenDetails | None = None


class CitizenDetails(BaseModel):
    content: str | None = None  # what the citizen wrote (they proved the phone's last digits)
    location: str | None = None
    can_rate: bool = False  # an answer is there and not yet rated
    answer: str | None
    question: str | None
    guidance: str | None
    timeline: list[TimelineEntry]


class StaffView(BaseModel):
    code: str
    kind: str
    channel: str
    content: str
    category: str | None
    category_label: str | None = None
    location: str | None
    contact: Contact | None
    reply_to: ReplyTo | None
    publish_consent: bool
    public_interest: bool
    status: str
    status_label: str
    agency: AgencyRef
    routing_reason: str
    routing_rule: str | None
    received_at: datetime
    forward_due_at: datetime
    due_at: datetime
    overdue: bool
    handled_at: datetime | None
    question: str | None
    guidance: str | None
    answer: str | None
    published_text: str | None
    published_at: datetime | None
    merged_into: str | None
    attachments: list[str]
    allowed_actions: list[str]
    timeline: list[TimelineEntry]
    assignee: str | None = None
    days_left: int | None = None
    reopened_at: datetime | None = None
    notes: list[Note] = []


class StaffListItem(BaseModel):
    code: str
    kind: str
    channel: str
    status: str
    status_label: str
    agency: str
    agency_name: str | None = None
    category: str | None
    category_label: str | None = None
    content: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    days_left: int | None = None
    assignee: str | None = None
    unread: bool = False
    reopened: bool = False


class PublicItem(BaseModel):
    code: str
    kind: str
    category: str | None
    agency: AgencyRef
    content: str  # redacted
    answer: str  # redacted
    received_at: datetime
    published_at: datetime
