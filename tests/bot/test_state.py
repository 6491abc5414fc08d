"""The bot's tables on the product database: SQLite and PostgreSQL (the shared `database_url` fixture)."""

from __future__ import annotations

import uuid

from bot.state import ConversationStore


def test_store_round_trip_dedup_and_pending(database_url):
    store = ConversationStore(database_url)
    user = f"u-{uuid.uuid4().hex[:8]}"  # the shared fixture does not truncate the bot's tables
    try:
        conv = store.load("telegram", user)
        assert not conv.exists and conv.state == {}
        conv.state = {"form": {"step": "location", "data": {"content": "Đường ngập nước, cống tắc"}}}
        assert store.save(conv, event=("telegram", f"{user}-1")) == "saved"
        again = store.load("telegram", user)
        assert again.exists and again.state == conv.state

        # the same channel update cannot be stored twice: the second save changes nothing
        again.state = {"changed": True}
        assert store.save(again, event=("telegram", f"{user}-1")) == "duplicate"
        assert store.load("telegram", user).state == conv.state
        assert store.is_processed("telegram", f"{user}-1") and not store.is_processed("zalo", f"{user}-1")

        assert store.mark_processed("outbox", f"{user}-e") and not store.mark_processed("outbox", f"{user}-e")
        store.forget_processed("outbox", f"{user}-e")
        assert store.mark_processed("outbox", f"{user}-e")

        store.push_pending("web", user, {"text": "một"})
        store.push_pending("web", user, {"text": "hai"})
        assert [m["text"] for m in store.pop_pending("web", user)] == ["một", "hai"]
        assert store.pop_pending("web", user) == []

        # optimistic concurrency: a copy loaded before someone else's save cannot overwrite it
        first, second = store.load("telegram", user), store.load("telegram", user)
        first.state = {"by": "first"}
        second.state = {"by": "second"}
        assert store.save(first) == "saved" and store.save(second) == "conflict"
        assert store.load("telegram", user).state == {"by": "first"}
        new_a, new_b = store.load("zalo", user), store.load("zalo", user)
        assert store.save(new_a, event=("zalo", f"{user}-z")) == "saved"
        assert store.save(new_b) == "conflict"
        assert store.save(store.load("zalo", user)) == "saved"

        conv = store.load("telegram", user)
        conv.handoff = True
        assert store.save(conv) == "saved"
        assert ("telegram", user) in [(c.channel, c.user_id) for c in store.handoffs()]
        assert store.clear_handoff("telegram", user)
        assert ("telegram", user) not in [(c.channel, c.user_id) for c in store.handoffs()]
        from datetime import timedelta

        store.push_pending("web", user, {"text": "cũ"})
        assert store.prune_processed(older_than=timedelta(0), pending_older_than=timedelta(0)) >= 4
        assert not store.is_processed("telegram", f"{user}-1") and store.pop_pending("web", user) == []
    finally:
        store.dispose()
