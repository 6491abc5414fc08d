"""The event contract between the feedback service's outbox and its receivers (the bot, the
national PAKN connector): the raw JSON body, signed `X-Hotline-Signature: sha256=<hex HMAC-SHA256>`."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hotline-Signature"

# What the citizen hears about on their channel (the bot is sent only these): the answer, the
# publication, and these status changes; assignment and creation are internal steps.
CITIZEN_EVENTS = frozenset({"feedback.answered", "feedback.published"})
CITIZEN_STATUS_CHANGES = frozenset({"needs_info", "rejected", "transferred", "merged"})


def citizen_hears_about(event: str, status: str | None) -> bool:
    return event in CITIZEN_EVENTS or (event == "feedback.status_changed" and status in CITIZEN_STATUS_CHANGES)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a signature header; False without a secret or a header."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())
