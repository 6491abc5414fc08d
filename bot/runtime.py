"""The bot's long-lived objects in one served process: engine, store, channel senders (built lazily)."""

from __future__ import annotations

import asyncio
import logging

import httpx

from bot.engine import Engine
from bot.state import ConversationStore

log = logging.getLogger(__name__)


class BotRuntime:
    def __init__(self, settings, *, feedback_transport=None, parser=None, kb=None, zalo_transport=None) -> None:
        self.settings = settings
        self.store = ConversationStore(settings.effective_database_url)
        self._feedback_transport = feedback_transport
        self._zalo_transport = zalo_transport
        self._parser = parser
        self._kb = kb
        self._engine: Engine | None = None
        self._engine_lock = asyncio.Lock()
        self._telegram = None
        self._telegram_lock = asyncio.Lock()
        self._zalo = None
        self._api_client = None
        self._events_secret = settings.secret("bot_events_secret")
        self._telegram_secret = settings.telegram_webhook_secret or settings.secret("telegram_webhook_secret")

    @property
    def events_secret(self) -> str:
        return self._events_secret

    @property
    def telegram_secret(self) -> str:
        return self._telegram_secret

    async def get_engine(self) -> Engine:
        if self._engine is None:
            async with self._engine_lock:
                if self._engine is None:  # loading the NLU takes seconds: keep it off the event loop
                    self._engine = await asyncio.to_thread(
                        Engine.from_settings,
                        self.settings,
                        transport=self._feedback_transport,
                        parser=self._parser,
                        kb=self._kb,
                        store=self.store,
                    )
        return self._engine

    @property
    def kb(self):
        """The knowledge base (for agency names in notices), shared with the engine when it is loaded."""
        if self._kb is None:
            if self._engine is not None:
                self._kb = self._engine.services.kb
            else:
                from knowledge_base.loader import load_knowledge_base

                self._kb = load_knowledge_base(self.settings)
        return self._kb

    def api_client(self):
        """A feedback API client that needs no NLU (the operator console checks tokens with it)."""
        if self._api_client is None:
            from bot.client import FeedbackClient

            self._api_client = FeedbackClient(
                self.settings.api_base_url,
                username=self.settings.bot_username,
                password=self.settings.secret("bot_password"),
                transport=self._feedback_transport,
            )
        return self._api_client

    async def telegram_application(self):
        """The PTB Application for webhook mode, initialised on first use (None when not configured)."""
        if not self.settings.telegram_token:
            return None
        if self._telegram is None:
            async with self._telegram_lock:
                if self._telegram is None:
                    from bot.channels.telegram import build_application

                    application = build_application(self.settings, self.get_engine)
                    await application.initialize()
                    self._telegram = application
        return self._telegram

    def zalo_sender(self):
        if not self.settings.zalo_oa_access_token:
            return None
        if self._zalo is None:
            from bot.channels.zalo import ZaloSender

            http = httpx.AsyncClient(base_url=self.settings.zalo_api_base, transport=self._zalo_transport, timeout=15)
            self._zalo = ZaloSender(http, self.settings.zalo_oa_access_token)
        return self._zalo

    async def sender_for(self, channel: str):
        if channel == "web":
            from bot.channels.web import WebSender

            return WebSender(self.store)
        if channel == "telegram":
            from bot.channels.telegram import TelegramSender

            application = await self.telegram_application()
            return TelegramSender(application.bot) if application else None
        if channel == "zalo":
            return self.zalo_sender()
        return None

    async def aclose(self) -> None:
        if self._telegram is not None:
            await self._telegram.shutdown()
            self._telegram = None
        if self._zalo is not None:
            await self._zalo.http.aclose()
            self._zalo = None
        if self._api_client is not None:
            await self._api_client.aclose()
            self._api_client = None
        if self._engine is not None:
            await self._engine.aclose()
            self._engine = None
        self.store.dispose()
