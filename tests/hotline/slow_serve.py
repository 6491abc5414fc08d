"""`hotline serve` with one slow step inside the bot's turn: a message whose text is HOTLINE_TEST_SLOW_TEXT
takes HOTLINE_TEST_SLOW_SECONDS longer to handle, in whichever process receives it. The delay is taken
inside the conversation's lock (Engine.handle), so a second message of that conversation, sent to another
process meanwhile, waits for it only if the lock really holds across processes.

Run as a script: `python tests/hotline/slow_serve.py serve --port ...` (the arguments of `hotline`)."""

from __future__ import annotations

import asyncio
import os

from bot.engine import Engine
from hotline.cli import app

SLOW_TEXT = os.environ.get("HOTLINE_TEST_SLOW_TEXT", "")
SLOW_SECONDS = float(os.environ.get("HOTLINE_TEST_SLOW_SECONDS", "0"))
_run = Engine._run


async def _slow_run(self, inbound, conv):
    if SLOW_TEXT and inbound.text == SLOW_TEXT:
        await asyncio.sleep(SLOW_SECONDS)
    return await _run(self, inbound, conv)


Engine._run = _slow_run  # type: ignore[method-assign]

if __name__ == "__main__":
    app()
