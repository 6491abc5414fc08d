"""The agency directory the service routes to: the knowledge base's, loaded once by the composition
(hotline.app) and handed in, so the service, the bot and the retriever agree on one directory."""

from __future__ import annotations

from fastapi import Request

from knowledge_base.directory import Directory


def get_directory(request: Request) -> Directory:
    """FastAPI dependency: the directory the app was built with."""
    return request.app.state.directory
