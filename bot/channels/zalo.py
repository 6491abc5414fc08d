"""Zalo Official Account: webhook events in, replies through the OA message API (httpx).

Signature (Zalo OA webhook docs): header `X-ZEvent-Signature: mac=<hex>` where
hex = sha256(app_id + raw request body + timestamp + OA secret key), the timestamp being the event's own
`timestamp` field. The OA secret key is the OA's, not the app's secret.
Button clicks (`oa.query.hide` buttons) arrive as `user_send_text` whose text is the button's payload.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import httpx

from bot.messages import Image, Inbound, Reply

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000  # Zalo CS text message limit
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def expected_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    material = app_id.encode() + raw_body + str(timestamp).encode() + oa_secret_key.encode()
    return hashlib.sha256(material).hexdigest()


def verify_signature(
    app_id: str, oa_secret_key: str, raw_body: bytes, header: str | None, header_timestamp: str | None = None
) -> bool:
    if not (app_id and oa_secret_key and header):
        return False
    try:
        event = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(event, dict) or str(event.get("app_id", "")) != app_id:
        return False
    supplied = header.strip()
    if supplied.lower().startswith("mac="):
        supplied = supplied[4:]
    # The documented timestamp is the event's own field; some gateways also send it as a header.
    timestamps = [str(event.get("timestamp", ""))] + ([header_timestamp] if header_timestamp else [])
    return any(
        hmac.compare_digest(supplied.lower(), expected_signature(app_id, raw_body, ts, oa_secret_key))
        for ts in timestamps
    )


def is_fresh(event: dict, now_seconds: float, max_age_seconds: float) -> bool:
    """The event's own timestamp (ms, signed with it) is within max_age of now: a captured, validly signed
    event cannot be replayed later (the processed-id table forgets ids after a week)."""
    try:
        sent = int(str(event.get("timestamp", ""))) / 1000
    except ValueError:
        return False
    return abs(now_seconds - sent) <= max_age_seconds


def event_id(event: dict) -> str:
    message = event.get("message") or {}
    if message.get("msg_id"):
        return str(message["msg_id"])
    sender = (event.get("sender") or event.get("follower") or {}).get("id", "")
    return f"{event.get('event_name')}:{sender}:{event.get('timestamp')}"


def image_url(event: dict) -> str | None:
    for attachment in (event.get("message") or {}).get("attachments") or []:
        if attachment.get("type") in ("image", "photo"):
            payload = attachment.get("payload") or {}
            return payload.get("url") or payload.get("thumbnail")
    return None


# Messages the bot cannot read (stickers, voice...): handed on with no text, so the citizen is told what
# the bot understands (or reminded of the form step) instead of being ignored.
OTHER_USER_MESSAGES = (
    "user_send_sticker",
    "user_send_gif",
    "user_send_audio",
    "user_send_video",
    "user_send_file",
    "user_send_location",
    "user_send_link",
    "user_send_business_card",
)


def inbound_from_event(event: dict, image: Image | None = None, image_failed: bool = False) -> Inbound | None:
    """Pure translation of a Zalo OA event; None for events the bot does not act on."""
    name = event.get("event_name")
    if name == "follow":
        follower = (event.get("follower") or {}).get("id")
        return (
            Inbound(channel="zalo", user_id=str(follower), payload="/start", event_id=event_id(event))
            if follower
            else None
        )
    if name not in ("user_send_text", "user_send_image") and name not in OTHER_USER_MESSAGES:
        return None  # delivery/seen receipts, the OA's own messages ("oa_send_*"), follows handled above
    sender = (event.get("sender") or {}).get("id")
    if not sender:
        return None
    text = (event.get("message") or {}).get("text") or "" if name in ("user_send_text", "user_send_image") else ""
    return Inbound(
        channel="zalo", user_id=str(sender), text=text, image=image, image_failed=image_failed, event_id=event_id(event)
    )


def message_body(chat_id: str, reply: Reply, text: str) -> dict:
    message: dict = {"text": text}
    if reply.buttons:
        message["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": b.title[:100], "type": "oa.query.hide", "payload": b.payload[:1000]}
                    for b in reply.buttons[:5]
                ]
            },
        }
    return {"recipient": {"user_id": chat_id}, "message": message}


class ZaloSender:
    def __init__(self, http: httpx.AsyncClient, access_token: str):
        self.http = http  # base_url = settings.zalo_api_base
        self.access_token = access_token

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            text = reply.text or " "
            parts = [text[i : i + MAX_MESSAGE_CHARS] for i in range(0, len(text), MAX_MESSAGE_CHARS)] or [" "]
            for i, part in enumerate(parts):
                body = message_body(chat_id, reply if i == len(parts) - 1 else Reply(part), part)
                response = await self.http.post(
                    "/v3.0/oa/message/cs", json=body, headers={"access_token": self.access_token}
                )
                result = (
                    response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
                )
                if response.status_code != 200 or result.get("error", 0) != 0:
                    log.warning("zalo send failed: http=%s error=%s", response.status_code, result.get("error"))
                    raise RuntimeError("zalo OA message API error")

    async def fetch_image(self, url: str) -> Image:
        response = await self.http.get(url, follow_redirects=True)
        response.raise_for_status()
        if len(response.content) > MAX_PHOTO_BYTES:
            raise ValueError("image too large")
        content_type = response.headers.get("content-type", "image/jpeg").split(";")[0]
        return Image(data=response.content, content_type=content_type, filename="zalo.jpg")
