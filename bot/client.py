"""HTTP client of the feedback service: the only way the bot reaches it (never an import).

Requests and responses are pydantic models of the parts of the HTTP contract (DESIGN.md) the bot uses;
they are the bot's own view of that contract, not the service's schemas (the bot imports nothing of the
service). Responses ignore fields the bot does not read, so the service may add fields freely.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

BotChannel = Literal["web", "telegram", "zalo"]


# --- requests -------------------------------------------------------------------------------------
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplyTo(_Request):
    """Where the service's notices about the item go: this chat."""

    channel: BotChannel
    chat_id: str = Field(min_length=1, max_length=128)


class Contact(_Request):
    name: str | None = None
    phone: str | None = None


class FeedbackSubmission(_Request):
    """`POST /feedback` from a chat. The service validates the content itself (length, phone format)
    and answers 422 with a Vietnamese detail the bot shows; this model only fixes the shape."""

    content: str = Field(min_length=1)
    kind: Literal["complaint", "recommendation"]
    channel: BotChannel
    location: str | None = None
    publish_consent: bool = False
    reply_to: ReplyTo
    contact: Contact | None = None
    attachments: list[str] = Field(default_factory=list)
    confirmed_pakn: bool = False  # the citizen said it is a phản ánh, not a khiếu nại/tố cáo

    def body(self) -> dict[str, Any]:
        """The JSON body: `location` always present (null when skipped), `contact` with the given
        fields only and only when one is given, `attachments` only when there are some,
        `confirmed_pakn` only when set (so ordinary bodies, and their idempotency keys, are unchanged)."""
        body = self.model_dump(mode="json", exclude={"contact", "attachments", "confirmed_pakn"})
        if self.confirmed_pakn:
            body["confirmed_pakn"] = True
        contact = self.contact.model_dump(exclude_none=True) if self.contact else {}
        if contact:
            body["contact"] = contact
        if self.attachments:
            body["attachments"] = list(self.attachments)
        return body


# --- responses ------------------------------------------------------------------------------------
class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Submitted(_Response):
    """`POST /feedback` → 201."""

    code: str
    status: str
    agency: str | None = None
    due_at: datetime | None = None


class AgencyRef(_Response):
    code: str
    name: str | None = None


class CitizenDetails(_Response):
    """Shown only when the caller gave the contact phone's last 4 digits."""

    answer: str | None = None
    question: str | None = None
    guidance: str | None = None


class ItemStatus(_Response):
    """`GET /feedback/{code}`: the public status, no personal data."""

    code: str
    status: str
    status_label: str | None = None
    agency: AgencyRef | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    published_answer: str | None = None
    merged_into: str | None = None
    details: CitizenDetails | None = None


class OwnItem(_Response):
    """One item of `GET /feedback?channel=&chat_id=` (the items sent from one chat)."""

    code: str
    status: str
    received_at: datetime | None = None


class Uploaded(_Response):
    id: str


_Model = TypeVar("_Model", bound=_Response)


def _parse(model: type[_Model], response: httpx.Response) -> _Model:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError) as exc:  # not JSON, or not the contract: treat as a bad gateway
        log.error("feedback API answered %s with an unexpected body for %s", response.status_code, model.__name__)
        raise FeedbackApiError(502, "", "invalid_response") from exc


class FeedbackApiError(Exception):
    """The feedback service answered with an error, or could not be reached (status 0)."""

    def __init__(self, status: int, detail: str = "", code: str = ""):
        super().__init__(f"feedback API {status} {code}")
        self.status = status
        self.detail = detail
        self.code = code

    @property
    def unavailable(self) -> bool:
        return self.status == 0 or self.status >= 500 or self.status == 429


class FeedbackClient:
    """Async client for the feedback API under `/api/v1`.

    `transport` lets tests (and an in-process deployment) pass `httpx.ASGITransport(app)`.
    The bot signs in as an operator account for the calls that need it (a person's own items).
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ):
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout)
        self._username = username
        self._password = password
        self._token: str | None = None
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- plumbing ---------------------------------------------------------------------------------
    async def _request(self, method: str, url: str, *, auth: bool | str = False, **kwargs) -> httpx.Response:
        """auth=True: the bot's token is required; auth="optional": sent when sign-in works (the
        feedback service exempts signed-in callers from the per-address rate limit, and the bot speaks
        for many citizens from one address)."""
        for attempt in (1, 2):
            headers = dict(kwargs.pop("headers", None) or {})
            if auth:
                try:
                    headers["Authorization"] = f"Bearer {await self._get_token(refresh=attempt == 2)}"
                except FeedbackApiError:
                    if auth is True:
                        raise
                    headers.pop("Authorization", None)
            try:
                response = await self._http.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                log.warning("feedback API unreachable: %s %s (%s)", method, url.split("?")[0], type(exc).__name__)
                raise FeedbackApiError(0, "", "unreachable") from exc
            if auth and response.status_code == 401 and attempt == 1:
                kwargs["headers"] = headers
                continue  # token expired: sign in again once
            return response
        return response

    async def _get_token(self, refresh: bool = False) -> str:
        async with self._token_lock:
            if self._token and not refresh:
                return self._token
            try:
                response = await self._http.post(
                    "/api/v1/auth/token", data={"username": self._username, "password": self._password}
                )
            except httpx.HTTPError as exc:
                raise FeedbackApiError(0, "", "unreachable") from exc
            if response.status_code != 200:
                log.error("bot could not sign in to the feedback API: %s", response.status_code)
                raise _error(response)
            self._token = response.json()["access_token"]
            return self._token

    # --- calls ------------------------------------------------------------------------------------
    async def create_feedback(self, submission: FeedbackSubmission, *, idempotency_key: str) -> Submitted:
        """POST /feedback. Retries with the same key never duplicate."""
        response = await self._request(
            "POST",
            "/api/v1/feedback",
            auth="optional",
            json=submission.body(),
            headers={"Idempotency-Key": idempotency_key},
        )
        if response.status_code not in (200, 201):
            raise _error(response)
        return _parse(Submitted, response)

    async def get_status(self, code: str, *, phone_last4: str | None = None) -> ItemStatus | None:
        """Public status of one item; None when the code does not exist."""
        params = {"phone_last4": phone_last4} if phone_last4 else None
        response = await self._request("GET", f"/api/v1/feedback/{code}", auth="optional", params=params)
        if response.status_code == 404:
            return None
        if response.status_code == 403 and phone_last4:  # wrong digits: fall back to the public view
            return await self.get_status(code)
        if response.status_code != 200:
            raise _error(response)
        return _parse(ItemStatus, response)

    async def list_mine(self, channel: str, chat_id: str) -> list[OwnItem]:
        """Items whose reply_to is this chat (operator token; the first page, newest first)."""
        response = await self._request(
            "GET", "/api/v1/feedback", auth=True, params={"channel": channel, "chat_id": chat_id}
        )
        if response.status_code != 200:
            raise _error(response)
        return _parse(_OwnItems, response).items

    async def provide_info(self, code: str, info: str) -> None:
        """The citizen's answer to the agency's question, sent by the bot on their behalf."""
        response = await self._request("POST", f"/api/v1/feedback/{code}/provide-info", auth=True, json={"info": info})
        if response.status_code != 200:
            raise _error(response)

    async def rate(self, code: str, satisfied: bool, reason: str | None = None) -> dict:
        """The citizen's satisfaction with the answer (not satisfied reopens the item); the result's
        agency_name and due_at say who answers again and by when."""
        body = {"satisfied": satisfied, **({"reason": reason} if reason else {})}
        response = await self._request("POST", f"/api/v1/feedback/{code}/satisfaction", auth=True, json=body)
        if response.status_code != 200:
            raise _error(response)
        return response.json()

    async def whoami(self, token: str) -> dict | None:
        """The staff account behind a bearer token (for the operator console), None when it is not valid."""
        try:
            response = await self._http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise FeedbackApiError(0, "", "unreachable") from exc
        if response.status_code in (401, 403):
            return None
        if response.status_code != 200:
            raise _error(response)
        return response.json()

    async def upload_attachment(self, data: bytes, *, content_type: str, filename: str) -> str:
        """POST /attachments (multipart) -> the attachment id to list in a submission."""
        response = await self._request(
            "POST", "/api/v1/attachments", auth="optional", files={"file": (filename, data, content_type)}
        )
        if response.status_code not in (200, 201):
            raise _error(response)
        return _parse(Uploaded, response).id


class _OwnItems(_Response):
    items: list[OwnItem] = Field(default_factory=list)


def _error(response: httpx.Response) -> FeedbackApiError:
    detail, code = "", ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = body["detail"] if isinstance(body.get("detail"), str) else ""
            code = str(body.get("code") or "")
    except ValueError:
        pass
    return FeedbackApiError(response.status_code, detail, code)
