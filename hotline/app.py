"""Composition of the served application: the feedback API plus the bot's web chat and channel webhooks."""
from __future__ import annotations

from fastapi import FastAPI

from common.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    from bot.web import install as install_bot
    from feedback_api.main import create_app as create_feedback_app
    from hotline.logging_filters import install_access_log_filter
    from hotline.pages import install_pages

    settings = settings or get_settings()
    app = create_feedback_app(settings)
    install_bot(app, settings)
    install_pages(app, settings)
    install_access_log_filter()
    return app
