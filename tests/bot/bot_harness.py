"""The served app (feedback API + bot) for one test, driven over in-process HTTP."""

from __future__ import annotations

import httpx

TELEGRAM_TOKEN = "123456:TEST-token"
TELEGRAM_SECRET = "tg-webhook-secret"
ZALO_APP_ID = "4321987654"
ZALO_OA_SECRET = "zalo-oa-secret-key"
ZALO_ACCESS_TOKEN = "zalo-access-token"
BOT_EVENTS_SECRET = "bot-events-secret-for-tests"


class Harness:
    """The served app (feedback API + bot) for one test, driven over in-process HTTP."""

    def __init__(self, settings, parser, kb):
        self.settings = settings
        self.parser = parser
        self.kb = kb
        self.wrap_feedback_transport = None  # e.g. to lose a response on the way back to the bot

    async def __aenter__(self) -> Harness:
        self.build()
        return self

    def build(self) -> None:
        from bot.web import install
        from feedback_api.main import create_app

        self.app = create_app(self.settings, migrate=False)
        transport = httpx.ASGITransport(app=self.app)
        if self.wrap_feedback_transport is not None:
            transport = self.wrap_feedback_transport(transport)
        self.runtime = install(
            self.app, self.settings, feedback_transport=transport, parser=self.parser, kb=self.kb, warm=False
        )
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.settings.api_base_url)

    async def close(self) -> None:
        await self.runtime.aclose()
        await self.http.aclose()
        from common.db import dispose_engine

        dispose_engine(self.settings.effective_database_url)

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def restart(self) -> None:
        """A new process over the same database: new app, new runtime, new engine."""
        await self.close()
        self.build()

    # --- web chat -----------------------------------------------------------------------------------
    async def chat(self, session: str, text: str = "", payload: str | None = None) -> list[dict]:
        response = await self.http.post("/api/v1/chat", json={"session_id": session, "text": text, "payload": payload})
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    async def say(self, session: str, text: str = "", payload: str | None = None) -> str:
        return "\n".join(m["text"] for m in await self.chat(session, text, payload))

    # --- staff side (supervisor over the real API) ---------------------------------------------------
    async def supervisor_headers(self) -> dict:
        from feedback_api.auth.service import create_user, get_user
        from feedback_api.db import get_sessionmaker

        with get_sessionmaker(self.settings)() as session:
            if get_user(session, "test_supervisor") is None:
                create_user(session, "test_supervisor", "password-for-tests", "supervisor")
        response = await self.http.post(
            "/api/v1/auth/token", data={"username": "test_supervisor", "password": "password-for-tests"}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def answer_item(self, code: str, answer: str, publish: bool = False) -> None:
        headers = await self.supervisor_headers()
        status = (await self.http.get(f"/api/v1/feedback/{code}")).json()["status"]
        if status in ("received", "returned"):
            r = await self.http.post(f"/api/v1/feedback/{code}/assign", json={"agency": "STP"}, headers=headers)
            assert r.status_code == 200, r.text
        r = await self.http.post(f"/api/v1/feedback/{code}/start", json={}, headers=headers)
        assert r.status_code == 200, r.text
        r = await self.http.post(f"/api/v1/feedback/{code}/answer", json={"answer": answer}, headers=headers)
        assert r.status_code == 200, r.text
        if publish:
            r = await self.http.post(f"/api/v1/feedback/{code}/publish", json={}, headers=headers)
            assert r.status_code == 200, r.text

    async def deliver_outbox(self) -> int:
        """Run the feedback service's real outbox delivery once over in-process HTTP (signed events)."""
        from feedback_api.outbox.delivery import OutboxDispatcher

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app)) as client:
            dispatcher = OutboxDispatcher(self.settings, self.app.state.sessionmaker, client=client)
            return await dispatcher.drain()
