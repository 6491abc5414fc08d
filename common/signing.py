"""The signed event contract between the feedback service's outbox and its receivers (the bot, the
national PAKN connector): the raw JSON body, signed `X-Hotline-Signature: sha256=<hex HMAC-SHA256>`."""
from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hotline-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a signature header; False without a secret or a header."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())
