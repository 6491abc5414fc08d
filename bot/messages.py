"""Channel-agnostic message types: what a channel adapter hands to the engine and gets back."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    title: str
    payload: str  # a command the engine understands when the button is pressed, e.g. "/procedure 1.001193"


@dataclass(frozen=True)
class Image:
    """An image the citizen sent, already downloaded by the channel adapter."""

    data: bytes
    content_type: str = "image/jpeg"
    filename: str = "anh.jpg"


@dataclass(frozen=True)
class Inbound:
    channel: str  # "web" | "telegram" | "zalo"
    user_id: str  # the chat id on that channel (where replies and notifications go)
    text: str = ""
    payload: str | None = None  # set when a button was pressed
    image: Image | None = None
    image_failed: bool = False  # the citizen sent an image the adapter could not fetch
    event_id: str | None = None  # channel update id, processed once


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    image_url: str | None = None

    def as_json(self) -> dict:
        body: dict = {"text": self.text}
        if self.buttons:
            body["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        if self.image_url:
            body["image_url"] = self.image_url
        return body

    @classmethod
    def from_json(cls, body: dict) -> "Reply":
        return cls(
            text=body.get("text", ""),
            buttons=[Button(b["title"], b["payload"]) for b in body.get("buttons") or []],
            image_url=body.get("image_url"),
        )
