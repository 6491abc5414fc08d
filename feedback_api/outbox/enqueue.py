"""Write outbox rows for a feedback event inside the caller's transaction (never commits).

One row per target: "bot" when settings.bot_events_enabled and the event is one the bot tells the
citizen about (common.signing.citizen_hears_about, on an item sent from a chat), and "webhook:<name>" for
each configured
webhook whose "events" list is empty/absent or names the event.
The row id is the event id receivers use to deduplicate.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from common.settings import Settings
from common.signing import citizen_hears_about
from feedback_api.orm import table_of, utcnow
from feedback_api.outbox.models import OutboxEvent

EVENTS = (
    "feedback.created",
    "feedback.assigned",
    "feedback.answered",
    "feedback.published",
    "feedback.status_changed",
)
# Issued by the scheduler (FB-OPS) for agencies and supervisors, never to the bot (citizens).
STAFF_EVENTS = (
    "feedback.reminder",
    "feedback.escalated",
)


# What the bot tells a citizen about, on the chat the item came from (bot/notify.py turns each into a
# notice): the answer, its publication, and these status changes. Creation and assignment are not news
# to the citizen (the code was given at intake); the bot is sent nothing else.


def bot_wants(event: str, feedback) -> bool:
    if not (feedback.reply_channel and feedback.reply_chat_id):
        return False  # not sent from a chat: the bot has no one to tell
    return citizen_hears_about(event, feedback.status)


def targets_for(event: str, settings, feedback) -> list[str]:
    targets: list[str] = []
    if getattr(settings, "bot_events_enabled", False) and bot_wants(event, feedback):
        targets.append("bot")
    for hook in getattr(settings, "webhooks", None) or []:
        wanted = hook.get("events") or []
        if not wanted or event in wanted:
            targets.append(f"webhook:{hook.get('name') or hook.get('url')}")
    return targets


def feedback_payload(feedback) -> dict:
    body: dict = {
        "code": feedback.code,
        "status": feedback.status,
        "kind": feedback.kind,
        "channel": feedback.channel,
        "agency": feedback.agency_code,
    }
    if feedback.answer:
        body["answer"] = feedback.answer
    if feedback.status == "needs_info" and getattr(feedback, "question", None):
        body["question"] = feedback.question  # what the agency asks the citizen (relayed by the bot)
    if feedback.reply_channel and feedback.reply_chat_id:
        body["reply_to"] = {"channel": feedback.reply_channel, "chat_id": feedback.reply_chat_id}
    return body


def outbox_rows(
    event: str,
    feedback,
    settings,
    *,
    occurred_at: datetime,
    extra: dict | None = None,
) -> list[dict]:
    """The outbox rows (column values) reporting `event` about `feedback`: one per target."""
    if event not in EVENTS and event not in STAFF_EVENTS:
        raise ValueError(f"unknown outbox event {event!r}")
    rows = []
    for target in targets_for(event, settings, feedback):
        event_id = uuid.uuid4()
        rows.append(
            {
                "id": event_id,
                "event": event,
                "target": target,
                "payload": {
                    "id": str(event_id),
                    "event": event,
                    "occurred_at": occurred_at.isoformat(),
                    "feedback": feedback_payload(feedback),
                    **(extra or {}),
                },
                "created_at": occurred_at,
                "next_attempt_at": occurred_at,
                "attempts": 0,
                "delivered_at": None,
                "last_error": None,
            }
        )
    return rows


def insert_rows(session: Session, rows: list[dict]) -> None:
    """Write outbox rows in the caller's transaction: one Core INSERT (executemany), no ORM unit of work."""
    if rows:
        session.execute(insert(table_of(OutboxEvent)), rows)


def enqueue(
    session: Session,
    event: str,
    feedback,
    settings: Settings,
    *,
    occurred_at: datetime | None = None,
    extra: dict | None = None,
) -> list[OutboxEvent]:
    """Write the event's outbox rows now, in the caller's transaction (never commits).

    Returns the rows as (transient) OutboxEvent objects, e.g. for their ids. `extra`: more top-level
    payload keys (e.g. the scheduler's "notice").
    """
    rows = outbox_rows(event, feedback, settings, occurred_at=occurred_at or utcnow(), extra=extra)
    insert_rows(session, rows)
    return [OutboxEvent(**row) for row in rows]
