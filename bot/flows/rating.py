"""The satisfaction question after an agency's answer: "Hài lòng" / "Không hài lòng" + a reason.

Offered with the answer notice; only for items whose reply_to is this very chat (checked against the
feedback service). "Không hài lòng" reopens the item to the same agency with a new deadline (the
service's `satisfaction` endpoint does it; the bot only relays the citizen's words).
"""

from __future__ import annotations

import logging

from bot import texts
from bot.client import FeedbackApiError
from bot.flows.form import format_date
from bot.flows.status import own_items
from bot.messages import Button, Reply
from bot.rules import find_tracking_code, is_cancel
from bot.turn import Turn
from nlu.normalize import fold

log = logging.getLogger(__name__)
RATEABLE = ("answered", "published")


def buttons(code: str) -> list[Button]:
    return [Button(texts.BTN_SATISFIED, f"/rate {code} yes"), Button(texts.BTN_UNSATISFIED, f"/rate {code} no")]


def is_active(turn: Turn) -> bool:
    return bool(turn.state.get("rating"))


async def start(turn: Turn, arg: str) -> list[Reply]:
    code = find_tracking_code(arg)
    verdict = fold(arg).split()[-1] if arg.split() else ""
    if not code or verdict not in ("yes", "no"):
        return [Reply(texts.ASK_CODE)]
    items = await own_items(turn)
    if items is None:
        return [Reply(texts.LOOKUP_UNAVAILABLE)]
    if not any(i.code == code and i.status in RATEABLE for i in items):
        return [Reply(f"Phản ánh {code} hiện không có câu trả lời nào chờ bạn đánh giá.")]
    if verdict == "yes":
        return await _send(turn, code, True, None)
    turn.state["rating"] = {"code": code}
    return [Reply(texts.RATE_ASK_REASON, [Button(texts.BTN_CANCEL, "/cancel")])]


async def handle(turn: Turn) -> list[Reply]:
    code = turn.state["rating"]["code"]
    if is_cancel(turn.text) or (turn.inbound.payload or "").strip() == "/cancel":
        turn.state.pop("rating", None)
        return [Reply("Đã hủy đánh giá. Bạn có thể đánh giá lại bằng nút dưới câu trả lời.", buttons(code))]
    if len(fold(turn.text).split()) < 2:
        return [Reply(texts.RATE_ASK_REASON, [Button(texts.BTN_CANCEL, "/cancel")])]
    turn.state.pop("rating", None)
    return await _send(turn, code, False, turn.text[:2000])


async def _send(turn: Turn, code: str, satisfied: bool, reason: str | None) -> list[Reply]:
    try:
        result = await turn.services.client.rate(code, satisfied, reason)
    except FeedbackApiError as exc:
        log.warning("satisfaction failed: status=%s code=%s", exc.status, exc.code)
        if exc.unavailable:
            return [Reply(texts.LOOKUP_UNAVAILABLE)]
        return [Reply(exc.detail or f"Chưa ghi nhận được đánh giá cho phản ánh {code}.")]
    if satisfied:
        return [Reply(texts.RATE_THANKS)]
    return [
        Reply(
            texts.rate_reopened(
                code, result.get("agency_name"), format_date(result.get("due_at"), turn.settings.timezone)
            )
        )
    ]
