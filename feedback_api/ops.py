"""Edge and operations concerns installed on the feedback app (owned by helper FB-OPS)."""
from fastapi import FastAPI


def install(app: FastAPI, settings) -> None:
    """Install idempotency, rate limiting, attachments, Open311 and the background scheduler."""
