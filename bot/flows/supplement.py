"""Answering an agency's question (item in needs_info): "Bổ sung thông tin" → one message → provide-info.

Only for items whose reply_to is this very chat (checked against the feedback service, not the state),
sent by the bot's operator account on the citizen's behalf. The SLA clock resumes on the service side.
"""

from __future__ import annotations

import logging

from bot import texts
from bot.client import FeedbackApiError
from bot.flows.status import own_items
from bot.messages import Button, Reply
from bot.rules import find_tracking_code, is_cancel
from bot.turn import Turn
from nlu.normalize import fold

log = logging.getLogger(__name__)
MIN_WORDS = 2


def is_active(turn: Turn) -> bool:
    return bool(turn.state.get("supplement"))


async def start(turn: Turn, arg: str) -> list[Reply]:
    code = find_tracking_code(arg)
    if not code:
        return [Reply(texts.ASK_CODE)]
    items = await own_items(turn)
    if items is None:
        return [Reply(texts.LOOKUP_UNAVAILABLE)]
    if not any(i.code == code and i.status == "needs_info" for i in items):
        return [Reply(texts.SUPPLEMENT_NOT_NEEDED.format(code=code))]
    turn.state["supplement"] = {"code": code}
    return [Reply(texts.ASK_SUPPLEMENT.format(code=code), [Button(texts.BTN_CANCEL, "/cancel")])]


async def handle(turn: Turn) -> list[Reply]:
    code = turn.state["supplement"]["code"]
    if is_cancel(turn.text) or (turn.inbound.payload or "").strip() == "/cancel":
        turn.state.pop("supplement", None)
        return [Reply(texts.SUPPLEMENT_CANCELLED)]
    if len(fold(turn.text).split()) < MIN_WORDS:
        return [Reply(texts.SUPPLEMENT_TOO_SHORT, [Button(texts.BTN_CANCEL, "/cancel")])]
    try:
        await turn.services.client.provide_info(code, turn.text[:5000])
    except FeedbackApiError as exc:
        log.warning("provide-info failed: status=%s code=%s", exc.status, exc.code)
        if exc.unavailable:
            return [Reply(texts.LOOKUP_UNAVAILABLE)]
        turn.state.pop("supplement", None)
        return [Reply(texts.SUPPLEMENT_NOT_NEEDED.format(code=code))]
    turn.state.pop("supplement", None)
    return [Reply(texts.SUPPLEMENT_SENT.format(code=code))]
