"""Outbox events from the feedback service → a notice to the citizen on the channel they used.

The feedback service POSTs `{"id", "event", "occurred_at", "feedback": {..., "reply_to", "question"?}}`
to `/bot/events`, signed `X-Hotline-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, only for the
events a citizen hears about (its outbox's bot_wants): the answer, the publication, and the status
changes of common.signing.CITIZEN_STATUS_CHANGES; a needs_info event carries the agency's question to relay. Delivery is
at-least-once, so each event id is processed once (recorded before sending; forgotten again when
sending fails, so the outbox's retry gets another chance).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import texts
from bot.messages import Button, Reply
from common.signing import citizen_hears_about

log = logging.getLogger(__name__)


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventReplyTo(_Event):
    channel: str
    chat_id: str


class EventFeedback(_Event):
    """The part of the item an event carries that a notice uses (no personal data)."""

    code: str | None = None
    status: str | None = None
    agency: str | None = None
    answer: str | None = None
    question: str | None = None  # set on needs_info: the agency's question to relay
    reply_to: EventReplyTo | None = None


class OutboxEvent(_Event):
    id: str = Field(strict=True)
    event: str = Field(strict=True)
    feedback: EventFeedback


@dataclass(frozen=True)
class Notice:
    channel: str
    chat_id: str
    reply: Reply


def notice_for(event: OutboxEvent, agency_name: Callable[[str], str] = lambda code: code) -> Notice | None:
    """The message to send for one outbox event, or None when the citizen need not hear about it."""
    feedback, reply_to = event.feedback, event.feedback.reply_to
    code = feedback.code
    if reply_to is None or not reply_to.channel or not reply_to.chat_id or not code:
        return None
    channel, chat_id = reply_to.channel, reply_to.chat_id
    if event.event == "feedback.answered":
        from bot.flows.rating import buttons as rating_buttons

        agency = feedback.agency
        text = texts.notice_answered(code, agency_name(agency) if agency else None, feedback.answer)
        return Notice(channel, chat_id, Reply(text + "\n\n" + texts.RATE_QUESTION, rating_buttons(code)))
    elif event.event == "feedback.published":
        text = texts.notice_published(code)
    elif event.event == "feedback.status_changed" and feedback.status == "needs_info":
        return Notice(
            channel,
            chat_id,
            Reply(texts.notice_needs_info(code, feedback.question), [Button(texts.BTN_SUPPLEMENT, f"/info {code}")]),
        )
    elif (
        event.event == "feedback.status_changed"
        and feedback.status is not None
        and citizen_hears_about(event.event, feedback.status)
    ):
        text = texts.notice_status(code, feedback.status)
    else:
        return None
    return Notice(channel, chat_id, Reply(text))


def parse_event(body: bytes) -> OutboxEvent | None:
    """The event in a signed body, or None when it is not one (not JSON, or not the event shape)."""
    try:
        return OutboxEvent.model_validate_json(body)
    except ValidationError:
        return None
