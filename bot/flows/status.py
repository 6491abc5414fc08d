"""Status lookup by tracking code, and the list of the person's own items on this channel."""

from __future__ import annotations

import logging

from bot import texts
from bot.client import FeedbackApiError, ItemStatus, OwnItem
from bot.flows.form import agency_name, format_date
from bot.messages import Button, Reply
from bot.turn import Turn

log = logging.getLogger(__name__)
MAX_LISTED = 5


async def lookup(turn: Turn, code: str) -> list[Reply]:
    # Items sent from this chat with a phone number: the last 4 digits unlock the details (the answer).
    own = next((c for c in turn.state.get("codes", []) if c.get("code") == code), None)
    phone_last4 = own.get("phone_last4") if own else None
    try:
        item = await turn.services.client.get_status(code, phone_last4=phone_last4)
    except FeedbackApiError as exc:
        log.warning("status lookup failed: status=%s code=%s", exc.status, exc.code)
        return [Reply(texts.LOOKUP_UNAVAILABLE)]
    if item is None:
        return [Reply(texts.CODE_NOT_FOUND.format(code=code))]
    return [Reply(describe(turn, item, code))]


def describe(turn: Turn, item: ItemStatus, code: str) -> str:
    """The public status (no personal data), plus the answer when the details were unlocked."""
    tz = turn.settings.timezone
    status = item.status
    label = texts.STATUS_LABEL.get(status) or item.status_label or status
    lines = [f"Phản ánh {item.code or code}", f"Tình trạng: {label}"]
    agency = agency_name(turn, item.agency)
    if agency:
        lines.append(f"Cơ quan xử lý: {agency}")
    received = format_date(item.received_at, tz)
    if received:
        lines.append(f"Ngày tiếp nhận: {received}")
    due = format_date(item.due_at, tz)
    if due and status not in ("answered", "published", "closed", "rejected", "merged"):
        lines.append(f"Hạn trả lời: {due}" + (" (đã quá hạn)" if item.overdue else ""))
    details = item.details
    if details and details.question and status == "needs_info":
        lines.append(f"Cơ quan cần bổ sung: {details.question}")
    if details and details.guidance and status == "rejected":
        lines.append(f"Hướng dẫn: {details.guidance}")
    if item.merged_into:
        lines.append(f"Được gộp vào phản ánh: {item.merged_into}")
    answer = (details.answer if details else None) or item.published_answer
    if answer:
        lines.append(f"Trả lời: {answer}")
    return "\n".join(lines)


async def own_items(turn: Turn) -> list[OwnItem] | None:
    """What this citizen sent on this channel, or None (logged) when the service cannot say."""
    try:
        return await turn.services.client.list_mine(turn.inbound.channel, turn.inbound.user_id)
    except FeedbackApiError as exc:
        log.warning("own items lookup failed: status=%s code=%s", exc.status, exc.code)
        return None


async def list_own(turn: Turn) -> list[Reply]:
    items = await own_items(turn)
    if items is None:
        return [Reply(texts.LOOKUP_UNAVAILABLE)]
    if not items:
        return [Reply(texts.NO_OWN_ITEMS)]
    items = sorted(items, key=lambda i: i.received_at.isoformat() if i.received_at else i.code, reverse=True)
    lines = [f"Bạn đã gửi {len(items)} phản ánh, kiến nghị qua kênh này:"]
    for item in items[:MAX_LISTED]:
        line = f"• {item.code}: {texts.STATUS_LABEL.get(item.status, item.status)}"
        received = format_date(item.received_at, turn.settings.timezone)
        if received:
            line += f" (gửi ngày {received})"
        lines.append(line)
    if len(items) > MAX_LISTED:
        lines.append(f"... và {len(items) - MAX_LISTED} phản ánh khác.")
    lines.append("Bấm vào mã để xem chi tiết.")
    buttons = [Button(i.code, f"/status {i.code}") for i in items[:MAX_LISTED]]
    return [Reply("\n".join(lines), buttons)]
