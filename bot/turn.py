"""What a flow gets for one incoming message: the message, the conversation and the services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.client import FeedbackClient
from bot.messages import Inbound
from bot.state import Conversation

if TYPE_CHECKING:  # the pipeline module itself is light, but only its types are needed here
    from nlu.pipeline import ParseResult


class ParserLike(Protocol):
    def parse(self, text: str) -> ParseResult: ...


@dataclass
class Services:
    """Everything the flows use; built once per process by the engine."""

    settings: Any  # common.settings.Settings
    parser: ParserLike
    kb: Any  # knowledge_base.loader.KnowledgeBase
    client: FeedbackClient


@dataclass
class Turn:
    inbound: Inbound
    conv: Conversation
    services: Services
    text: str = ""  # the inbound text, stripped and length-capped
    _parsed: ParseResult | None = field(default=None, repr=False)

    @property
    def state(self) -> dict:
        return self.conv.state

    @property
    def settings(self):
        return self.services.settings

    async def parse(self) -> ParseResult:
        """The NLU parse of this message (computed once, off the event loop)."""
        if self._parsed is None:
            self._parsed = await asyncio.to_thread(self.services.parser.parse, self.text)
        return self._parsed
