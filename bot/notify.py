"""Outbox events from the feedback service → a notice to the citizen on the channel they used.

The feedback service POSTs `{"id", "event", "occurred_at", "feedback": {..., "reply_to", "question"?}}`
to `/bot/events`, signed `X-Hotline-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, only for the
events a citizen hears about (its outbox's bot_wants): the answer, the publication, and the status
changes in NOTIFY_STATUSES; a needs_info event carries the agency's question to relay. Delivery is
at-least-once, so each event id is processed once (recorded before sending; forgotten again when
sending fails, so the outbox's retry gets another chance).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from bot import texts
from bot.messages import Button, Reply

log = logging.getLogger(__name__)

# Events a citizen hears about; assignment and creation are internal steps (the code was given at intake).
NOTIFY_STATUSES = {"needs_info", "rejected", "transferred", "merged"}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


@dataclass(frozen=True)
class Notice:
    channel: str
    chat_id: str
    reply: Reply


def notice_for(event: dict, agency_name=lambda code: code) -> Notice | None:
    """The message to send for one outbox event, or None when the citizen need not hear about it."""
    feedback = event.get("feedback") or {}
    reply_to = feedback.get("reply_to") or {}
    channel, chat_id = reply_to.get("channel"), reply_to.get("chat_id")
    code = feedback.get("code")
    if not channel or not chat_id or not code:
        return None
    kind = event.get("event")
    if kind == "feedback.answered":
        agency = feedback.get("agency")
        text = texts.notice_answered(code, agency_name(agency) if agency else None, feedback.get("answer"))
    elif kind == "feedback.published":
        text = texts.notice_published(code)
    elif kind == "feedback.status_changed" and feedback.get("status") == "needs_info":
        return Notice(str(channel), str(chat_id), Reply(texts.notice_needs_info(code, feedback.get("question")),
                                                        [Button(texts.BTN_SUPPLEMENT, f"/info {code}")]))
    elif kind == "feedback.status_changed" and feedback.get("status") in NOTIFY_STATUSES:
        text = texts.notice_status(code, feedback["status"])
    else:
        return None
    return Notice(str(channel), str(chat_id), Reply(text))


def parse_event(body: bytes) -> dict | None:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("event"), str):
        return None
    feedback = event.get("feedback")
    if not isinstance(feedback, dict) or not isinstance(feedback.get("reply_to") or {}, dict):
        return None
    return event
