"""The chat reply — text plus buttons — shared by the composer (nlu.compose) and the bot.

It lives in nlu, not bot, because dependencies point one way (bot → nlu): the composer builds replies
and cannot import bot, and the bot sends them as they are (`bot.messages` re-exports these types as its
own message types). Plain data, no channel specifics: each channel adapter renders text and buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str  # a command the bot understands when pressed, e.g. "/procedure 1.001193" or "/aspect fee"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The `POST /chat` message object: `{"text", "buttons"?: [{"title", "payload"}]}`."""
        body: dict[str, Any] = {"text": self.text}
        if self.buttons:
            body["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        return body
