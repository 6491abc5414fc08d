"""Channel-agnostic message types: what a channel adapter hands to the engine and gets back.

`Reply` and `Button` (text plus buttons) are defined in nlu.reply, the lowest layer that builds replies
(the answer composer); the bot uses them as its own outgoing message type.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlu.reply import Button, Reply

__all__ = ["Button", "Image", "Inbound", "Reply"]


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
    title: str | None = None  # the pressed button's title, for the transcript (web chat)
