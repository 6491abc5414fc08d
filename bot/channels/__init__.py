"""Channel adapters: translate a channel's updates to `Inbound`, send `Reply`s back; no business logic."""
from __future__ import annotations

from typing import Protocol

from bot.messages import Reply


class Sender(Protocol):
    async def send(self, chat_id: str, replies: list[Reply]) -> None: ...
