"""Conversation state, processed channel events and pending web-chat messages, in the product's database.

The bot must not import feedback_api, so it owns three small tables (prefixed `bot_`) in the same
database URL and creates them with `metadata.create_all` (checkfirst). Why not an Alembic branch: the
tables are the bot's private working memory (a conversation in progress, update ids already seen,
notices waiting for a web-chat poll); nothing else reads them, losing them loses no feedback record
(those live in the feedback service), and create_all keeps the bot deployable against any database the
feedback service has already migrated. A future incompatible change would add a versioned table name.

All methods are synchronous and short; the engine calls them through `asyncio.to_thread`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError, IntegrityError

from common.db import make_engine

metadata = MetaData()

conversations = Table(
    "bot_conversation",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("state", JSON, nullable=False, default=dict),
    Column("handoff", Boolean, nullable=False, default=False),
    Column("handoff_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False, default=1),  # optimistic concurrency across processes
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

processed_events = Table(
    "bot_processed_event",
    metadata,
    Column("source", String(32), primary_key=True),  # "telegram", "zalo", "outbox"
    Column("event_id", String(128), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

pending_messages = Table(
    "bot_pending_message",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False, index=True),
    Column("user_id", String(128), nullable=False, index=True),
    Column("message", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# The conversation as both sides saw it: web chat history after a reload, the operator's view of a
# handoff. Personal data stays in the database (never in logs); pruned with the other working memory.
messages = Table(
    "bot_message",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("sender", String(16), nullable=False),  # citizen | bot | operator
    Column("text", String, nullable=False),
    Column("buttons", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_bot_message_conversation", "channel", "user_id", "id"),
)

# A human operator holds the conversation: the bot stays silent until it is handed back.
handoff_holds = Table(
    "bot_handoff_hold",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("operator", String(100), nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
)

# The operator action log: who did what to which conversation (a hash, never the chat id or text), when,
# and how long the citizen waited / was held.
handoff_log = Table(
    "bot_handoff_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("conversation", String(16), nullable=False),  # bot.engine.user_ref hash
    Column("channel", String(16), nullable=False),
    Column("action", String(16), nullable=False),  # requested | taken | reply | released
    Column("operator", String(100), nullable=True),
    Column("seconds", Integer, nullable=True),  # taken: waited; released: held
)

MESSAGE_KEEP = timedelta(days=30)


class _Duplicate(Exception):
    pass


class _Conflict(Exception):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; they were stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


@dataclass
class Conversation:
    channel: str
    user_id: str
    state: dict = field(default_factory=dict)
    handoff: bool = False
    handoff_at: datetime | None = None
    exists: bool = False
    version: int = 0


class ConversationStore:
    def __init__(self, url: str | None = None, *, engine: SqlEngine | None = None):
        if engine is None:
            if url is None:
                raise ValueError("url or engine required")
            engine = make_engine(url)
        self.engine = engine
        self._create_tables()

    def _create_tables(self) -> None:
        # Several server processes may start at once on a fresh database: the loser of the
        # check-then-create race sees "already exists" and simply checks again.
        for attempt in range(3):
            try:
                metadata.create_all(self.engine, checkfirst=True)
                return
            except DBAPIError:
                if attempt == 2:
                    raise
                time.sleep(0.2 * (attempt + 1))

    # --- conversations -------------------------------------------------------------------------
    def load(self, channel: str, user_id: str) -> Conversation:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(conversations).where(conversations.c.channel == channel, conversations.c.user_id == user_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            return Conversation(channel=channel, user_id=user_id)
        state = row["state"]
        if isinstance(state, str):  # some drivers hand JSON back as text
            state = json.loads(state)
        return Conversation(
            channel=channel,
            user_id=user_id,
            state=dict(state or {}),
            handoff=bool(row["handoff"]),
            handoff_at=row["handoff_at"],
            exists=True,
            version=row["version"],
        )

    def is_processed(self, source: str, event_id: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(processed_events.c.event_id).where(
                        processed_events.c.source == source, processed_events.c.event_id == event_id
                    )
                ).first()
                is not None
            )

    def save(self, conv: Conversation, *, event: tuple[str, str] | None = None) -> str:
        """Store the conversation and (in the same transaction) mark the channel event processed.

        Optimistic concurrency: the row's version must still be the one loaded, so two processes
        handling messages of one person cannot silently overwrite each other. Returns "saved",
        "duplicate" (the event was already processed; nothing stored) or "conflict" (someone else saved
        first; nothing stored; reload and handle the message again).
        """
        now = _now()
        values = {"state": conv.state, "handoff": conv.handoff, "handoff_at": conv.handoff_at, "updated_at": now}
        try:
            with self.engine.begin() as conn:  # any exception below rolls the whole transaction back
                if event is not None:
                    try:
                        conn.execute(
                            insert(processed_events).values(source=event[0], event_id=event[1], processed_at=now)
                        )
                    except IntegrityError:
                        raise _Duplicate from None
                if conv.exists:
                    result = conn.execute(
                        update(conversations)
                        .where(
                            conversations.c.channel == conv.channel,
                            conversations.c.user_id == conv.user_id,
                            conversations.c.version == conv.version,
                        )
                        .values(version=conv.version + 1, **values)
                    )
                    if result.rowcount != 1:
                        raise _Conflict
                else:
                    try:
                        conn.execute(
                            insert(conversations).values(
                                channel=conv.channel, user_id=conv.user_id, created_at=now, version=1, **values
                            )
                        )
                    except IntegrityError:
                        raise _Conflict from None
        except _Duplicate:
            return "duplicate"
        except _Conflict:
            return "conflict"
        conv.version = conv.version + 1 if conv.exists else 1
        conv.exists = True
        return "saved"

    def mark_processed(self, source: str, event_id: str) -> bool:
        """Record an event id; False when it was already there (the caller must not process it again)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(processed_events).values(source=source, event_id=event_id, processed_at=_now()))
        except IntegrityError:
            return False
        return True

    def forget_processed(self, source: str, event_id: str) -> None:
        """Undo `mark_processed` when handling failed, so the sender's retry is processed."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(processed_events).where(
                    processed_events.c.source == source, processed_events.c.event_id == event_id
                )
            )

    def prune_processed(
        self, older_than: timedelta = timedelta(days=7), pending_older_than: timedelta = timedelta(days=90)
    ) -> int:
        """Forget update ids no channel can still retry, and web notices nobody came back for (the item's
        status stays available by its code)."""
        with self.engine.begin() as conn:
            removed = conn.execute(
                delete(processed_events).where(processed_events.c.processed_at < _now() - older_than)
            ).rowcount
            removed += conn.execute(
                delete(pending_messages).where(pending_messages.c.created_at < _now() - pending_older_than)
            ).rowcount
            removed += conn.execute(delete(messages).where(messages.c.created_at < _now() - MESSAGE_KEEP)).rowcount
            return removed

    def handoffs(self) -> list[Conversation]:
        """Conversations flagged for a 1022 operator, oldest first."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(conversations).where(conversations.c.handoff.is_(True)).order_by(conversations.c.handoff_at)
                )
                .mappings()
                .all()
            )
        return [Conversation(r["channel"], r["user_id"], {}, True, r["handoff_at"], exists=True) for r in rows]

    def clear_handoff(self, channel: str, user_id: str) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(conversations)
                    .where(conversations.c.channel == channel, conversations.c.user_id == user_id)
                    .values(handoff=False, handoff_at=None)
                ).rowcount
                > 0
            )

    # --- transcript ------------------------------------------------------------------------------
    def append_messages(self, channel: str, user_id: str, entries: list[tuple[str, str, list | None]]) -> None:
        """entries: (sender, text, buttons) in order."""
        rows = [
            dict(channel=channel, user_id=user_id, sender=sender, text=text, buttons=buttons or None, created_at=_now())
            for sender, text, buttons in entries
            if text
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(messages), rows)

    def history(self, channel: str, user_id: str, limit: int = 200) -> list[dict]:
        """The last `limit` messages of a conversation, oldest first."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(messages)
                    .where(messages.c.channel == channel, messages.c.user_id == user_id)
                    .order_by(messages.c.id.desc())
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        out = []
        for r in reversed(rows):
            buttons = r["buttons"]
            if isinstance(buttons, str):
                buttons = json.loads(buttons)
            out.append(
                {
                    "id": r["id"],
                    "sender": r["sender"],
                    "text": r["text"],
                    "buttons": buttons or [],
                    "at": _iso(r["created_at"]),
                }
            )
        return out

    # --- operator takeover ------------------------------------------------------------------------
    def holder(self, channel: str, user_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(handoff_holds.c.operator).where(
                    handoff_holds.c.channel == channel, handoff_holds.c.user_id == user_id
                )
            ).scalar()

    def holds(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(handoff_holds)).mappings().all()]

    def take(self, channel: str, user_id: str, operator: str) -> str | None:
        """Hold the conversation for `operator`; returns the current holder (another operator wins a race)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(handoff_holds).values(channel=channel, user_id=user_id, operator=operator, taken_at=_now())
                )
        except IntegrityError:
            pass
        return self.holder(channel, user_id)

    def release(self, channel: str, user_id: str) -> datetime | None:
        """Drop the hold and the waiting flag; returns when it had been taken (None: it was not held)."""
        with self.engine.begin() as conn:
            taken_at = conn.execute(
                select(handoff_holds.c.taken_at).where(
                    handoff_holds.c.channel == channel, handoff_holds.c.user_id == user_id
                )
            ).scalar()
            conn.execute(
                delete(handoff_holds).where(handoff_holds.c.channel == channel, handoff_holds.c.user_id == user_id)
            )
            conn.execute(
                update(conversations)
                .where(conversations.c.channel == channel, conversations.c.user_id == user_id)
                .values(handoff=False, handoff_at=None)
            )
        return taken_at

    def log_handoff(
        self, conversation: str, channel: str, action: str, operator: str | None = None, seconds: int | None = None
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(handoff_log).values(
                    at=_now(),
                    conversation=conversation,
                    channel=channel,
                    action=action,
                    operator=operator,
                    seconds=seconds,
                )
            )

    def handoff_events(self, limit: int = 500) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(handoff_log).order_by(handoff_log.c.id.desc()).limit(limit)).mappings().all()
        return [{**dict(r), "at": _iso(r["at"])} for r in rows]

    # --- pending messages (web chat notifications waiting for the next poll) ------------------------
    def push_pending(self, channel: str, user_id: str, message: dict) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(pending_messages).values(channel=channel, user_id=user_id, message=message, created_at=_now())
            )

    def pop_pending(self, channel: str, user_id: str) -> list[dict]:
        where = (pending_messages.c.channel == channel, pending_messages.c.user_id == user_id)
        with self.engine.connect() as conn:  # the usual case, nothing waiting: a read, no write
            if conn.execute(select(pending_messages.c.id).where(*where).limit(1)).first() is None:
                return []
        # DELETE ... RETURNING: two concurrent polls never get the same message.
        with self.engine.begin() as conn:
            rows = conn.execute(
                delete(pending_messages).where(*where).returning(pending_messages.c.id, pending_messages.c.message)
            ).all()
        rows = sorted(rows, key=lambda r: r.id)
        return [r.message if isinstance(r.message, dict) else json.loads(r.message) for r in rows]

    def dispose(self) -> None:
        self.engine.dispose()
