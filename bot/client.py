"""HTTP client of the feedback service: the only way the bot reaches it (never an import)."""
from __future__ import annotations

import asyncio
import logging

import httpx

log = logging.getLogger(__name__)


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
    async def create_feedback(self, body: dict, *, idempotency_key: str) -> dict:
        """POST /feedback -> {code, status, agency?, due_at}. Retries with the same key never duplicate."""
        response = await self._request(
            "POST", "/api/v1/feedback", auth="optional", json=body, headers={"Idempotency-Key": idempotency_key}
        )
        if response.status_code not in (200, 201):
            raise _error(response)
        return response.json()

    async def get_status(self, code: str, *, phone_last4: str | None = None) -> dict | None:
        """Public status of one item; None when the code does not exist."""
        params = {"phone_last4": phone_last4} if phone_last4 else None
        response = await self._request("GET", f"/api/v1/feedback/{code}", auth="optional", params=params)
        if response.status_code == 404:
            return None
        if response.status_code == 403 and phone_last4:  # wrong digits: fall back to the public view
            return await self.get_status(code)
        if response.status_code != 200:
            raise _error(response)
        return response.json()

    async def list_mine(self, channel: str, chat_id: str) -> list[dict]:
        """Items whose reply_to is this chat (operator token)."""
        response = await self._request(
            "GET", "/api/v1/feedback", auth=True, params={"channel": channel, "chat_id": chat_id}
        )
        if response.status_code != 200:
            raise _error(response)
        body = response.json()
        if isinstance(body, dict):
            body = body.get("items", body.get("results", []))
        return list(body or [])

    async def staff_view(self, code: str) -> dict | None:
        """The full item (operator token): for the question an agency asked the citizen."""
        response = await self._request("GET", f"/api/v1/feedback/{code}/staff-view", auth=True)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _error(response)
        return response.json()

    async def provide_info(self, code: str, info: str) -> dict:
        """The citizen's answer to the agency's question, sent by the bot on their behalf."""
        response = await self._request("POST", f"/api/v1/feedback/{code}/provide-info", auth=True,
                                       json={"info": info})
        if response.status_code != 200:
            raise _error(response)
        return response.json()

    async def upload_attachment(self, data: bytes, *, content_type: str, filename: str) -> str:
        response = await self._request(
            "POST", "/api/v1/attachments", auth="optional", files={"file": (filename, data, content_type)}
        )
        if response.status_code not in (200, 201):
            raise _error(response)
        body = response.json()
        return str(body.get("id") or body.get("attachment_id"))


def _error(response: httpx.Response) -> FeedbackApiError:
    detail, code = "", ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = body.get("detail") if isinstance(body.get("detail"), str) else ""
            code = str(body.get("code") or "")
    except ValueError:
        pass
    return FeedbackApiError(response.status_code, detail, code)
