"""Composition of the served application: the feedback API plus the bot's web chat and channel webhooks,
all on one knowledge base loaded here once (procedures for the bot and the retriever, its directory for
the feedback service)."""

from __future__ import annotations

import logging

import httpx
from fastapi import FastAPI

from common.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    from bot.web import install as install_bot
    from feedback_api.main import create_app as create_feedback_app
    from hotline.logging_filters import install_access_log_filter
    from hotline.pages import install_pages
    from knowledge_base.loader import KBError, load_directory, load_knowledge_base

    settings = settings or get_settings()
    try:
        kb = load_knowledge_base(settings)
        directory = kb.directory
    except KBError as exc:
        # A broken procedure file must not take the service down: the retriever keeps serving its last
        # good index, the feedback service routes with the directory alone.
        log.error("knowledge base not loaded (%s); serving the last good index", exc)
        kb, directory = None, load_directory(settings)
    # The bot and the service talk through their HTTP contracts (the bot's API calls, the outbox's events
    # on /bot/events), here in-process both ways: straight into this app's ASGI stack, no socket, no port
    # to agree on (whatever settings.api_base_url says, and in every worker process).
    app = create_feedback_app(settings, directory, bot_mounted=True)
    install_bot(app, settings, kb=kb, feedback_transport=httpx.ASGITransport(app=app))
    install_pages(app, settings)
    install_access_log_filter()
    return app
