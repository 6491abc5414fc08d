"""The dialogue engine: one incoming message in, the replies out; channel-agnostic.

Per message: take the conversation's lock (two messages from one person are handled in order — across
processes and hosts too when the shared state is PostgreSQL or Redis, see common.shared_state), skip a
channel update already processed, load the state, run the flow, then store the state and the update id
in one transaction. Logs carry the channel, a hash of the user id, the intent and the flow step, never
the text (citizens type names, phone numbers and addresses).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import traceback
from datetime import UTC, datetime

from bot import texts
from bot.client import FeedbackClient
from bot.flows import form, qa, rating, status, supplement
from bot.messages import Button, Inbound, Reply
from bot.rules import find_tracking_code, is_submit_request, parse_choice, wants_own_items
from bot.state import ConversationStore
from bot.turn import Services, Turn
from common.shared_state import Locks, MemoryLocks, make_shared_state
from nlu.normalize import fold
from nlu.pipeline import ParseResult

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # optimistic-concurrency retries when another process saved the same conversation
MAX_TEXT_CHARS = 6000  # longer messages are cut (the form itself allows 5,000 characters of content)
_FORM_COMMANDS = ("/skip", "/cancel", "/confirm", "/edit", "/yes", "/no", "/photo", "/kind", "/grievance")


# One asyncio.Lock per key, dropped when nobody holds or waits for it (the in-process backend).
KeyedLocks = MemoryLocks


def user_ref(channel: str, user_id: str) -> str:
    """A short hash that lets logs follow one conversation without revealing who it is."""
    return hashlib.sha256(f"{channel}:{user_id}".encode()).hexdigest()[:10]


class Engine:
    def __init__(self, services: Services, store: ConversationStore, locks: Locks | None = None):
        self.services = services
        self.store = store
        self._locks = locks if locks is not None else MemoryLocks()

    @classmethod
    def from_settings(cls, settings, *, transport=None, parser=None, kb=None, store=None) -> Engine:
        """The engine on the real NLU, KB and feedback API (over HTTP, or `transport` in tests)."""
        if kb is None:
            from knowledge_base.loader import load_knowledge_base

            kb = load_knowledge_base(settings)
        if parser is None:
            from nlu.pipeline import get_parser

            parser = get_parser(settings, kb)  # the retriever searches this very knowledge base
        client = FeedbackClient(
            settings.api_base_url,
            username=settings.bot_username,
            password=settings.secret("bot_password"),
            transport=transport,
        )
        store = store or ConversationStore(settings.effective_database_url)
        locks = make_shared_state(settings).locks
        return cls(Services(settings=settings, parser=parser, kb=kb, client=client), store, locks)

    async def aclose(self) -> None:
        await self.services.client.aclose()

    async def handle(self, inbound: Inbound) -> list[Reply]:
        key = (inbound.channel, inbound.user_id)
        event = (inbound.channel, inbound.event_id) if inbound.event_id else None
        async with self._locks.hold(("conversation", *key)):
            if event is not None and await asyncio.to_thread(self.store.is_processed, *event):
                log.info("duplicate %s update skipped (%s)", inbound.channel, user_ref(*key))
                return []
            if await asyncio.to_thread(self.store.holder, *key):
                # An operator holds the conversation: the bot stays silent, the operator reads it.
                if event is None or await asyncio.to_thread(self.store.mark_processed, *event):
                    await self._record(inbound, [])
                return []
            requested_before = None
            for attempt in range(1, MAX_ATTEMPTS + 1):
                conv = await asyncio.to_thread(self.store.load, *key)
                before = json.dumps(conv.state, sort_keys=True, default=str), conv.handoff
                requested_before = conv.handoff
                replies, failed = await self._run(inbound, conv)
                if failed:  # keep the state as it was before the broken turn, not half-changed
                    conv.state, conv.handoff = json.loads(before[0]), before[1]
                unchanged = (json.dumps(conv.state, sort_keys=True, default=str), conv.handoff) == before
                if unchanged and event is None:
                    return await self._record(inbound, replies)  # nothing to store (small talk, lookups)
                outcome = await asyncio.to_thread(self.store.save, conv, event=event)
                if outcome == "saved":
                    if conv.handoff and not requested_before:
                        await asyncio.to_thread(self.store.log_handoff, user_ref(*key), inbound.channel, "requested")
                    return await self._record(inbound, replies)
                if outcome == "duplicate":
                    log.info("duplicate %s update skipped at save (%s)", inbound.channel, user_ref(*key))
                    return []
                # Another process stored this conversation meanwhile: handle the message again on the
                # fresh state (side effects are idempotent: submissions carry an Idempotency-Key).
                log.info("conversation changed concurrently, retry %d (%s)", attempt, user_ref(*key))
            return await self._record(inbound, replies)

    async def _record(self, inbound: Inbound, replies: list[Reply]) -> list[Reply]:
        """Keep the exchange in the transcript (web history, the operator's view); never fails the turn."""
        said = (inbound.text or "").strip()[:MAX_TEXT_CHARS] or (inbound.title or "").strip()
        if inbound.image is not None:
            said = said or "📷 (ảnh)"
        citizen_said = said and not (inbound.payload == "/start" and not inbound.text)
        entries: list[tuple[str, str, list | None]] = [("citizen", said, None)] if citizen_said else []
        entries += [
            ("bot", r.text, [{"title": b.title, "payload": b.payload} for b in r.buttons or []]) for r in replies
        ]
        try:
            await asyncio.to_thread(self.store.append_messages, inbound.channel, inbound.user_id, entries)
        except Exception as exc:
            log.warning(
                "transcript not stored: %s (%s)", type(exc).__name__, user_ref(inbound.channel, inbound.user_id)
            )
        return replies

    async def _run(self, inbound: Inbound, conv) -> tuple[list[Reply], bool]:
        turn = Turn(
            inbound=inbound, conv=conv, services=self.services, text=(inbound.text or "").strip()[:MAX_TEXT_CHARS]
        )
        try:
            return await self._dispatch(turn), False
        except Exception as exc:  # a bug must not leave the citizen without an answer
            # Type and place only: exception messages can carry what the citizen typed.
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            log.error(
                "bot flow failed: %s at %s:%s (%s)",
                type(exc).__name__,
                frame.filename,
                frame.lineno,
                user_ref(inbound.channel, inbound.user_id),
            )
            settings = self.services.settings
            return [
                Reply(
                    "Xin lỗi, đã có lỗi xảy ra. " + texts.hotline_hint(settings.hotline_phone, settings.hotline_hours)
                )
            ], True

    # --- routing ------------------------------------------------------------------------------------
    async def _dispatch(self, turn: Turn) -> list[Reply]:
        command = _command(turn)
        in_form = form.is_active(turn)
        if in_form and command == "/feedback":  # "Gửi phản ánh" pressed again: keep what was typed
            return [form.reminder(turn)]
        if command and not (in_form and command.startswith(_FORM_COMMANDS)):
            replies = await self._command(turn, command)
            if replies is not None:
                if in_form and form.is_active(turn):  # e.g. an old "/procedure" button pressed mid-form
                    replies.append(form.reminder(turn))
                return replies
        if supplement.is_active(turn) and not command:
            return await supplement.handle(turn)
        if rating.is_active(turn) and (not command or command == "/cancel"):
            return await rating.handle(turn)
        if in_form:
            replies = await form.handle(turn)
            log.info(
                "form step=%s (%s)",
                turn.state.get("form", {}).get("step", "closed"),
                user_ref(turn.inbound.channel, turn.inbound.user_id),
            )
            return replies
        if turn.inbound.image is not None or turn.inbound.image_failed:
            return [Reply(texts.IMAGE_OUTSIDE_FORM, [Button(texts.BTN_FEEDBACK, "/feedback")])]
        if not fold(turn.text).strip():  # empty, whitespace, emoji only
            return [Reply(texts.EMPTY, _main_buttons())]
        code = find_tracking_code(turn.text)
        if code:
            return await status.lookup(turn, code)

        choices = turn.state.get("choices") or []
        picked = parse_choice(turn.text, len(choices)) if choices else None
        if picked is not None:  # "2" typed after "Bạn muốn hỏi thủ tục nào? 1. ... 2. ..."
            return qa.answer_procedure(turn, choices[picked], turn.state.get("pending_aspect"))

        if is_submit_request(turn.text) or _reads_as_grievance(turn.text):
            return form.start(turn, turn.text)  # a khiếu nại/tố cáo: the form asks which it is

        parsed = await turn.parse()
        intent = parsed.intent.name
        log.info(
            "intent=%s conf=%.2f (%s)",
            intent,
            parsed.intent.confidence,
            user_ref(turn.inbound.channel, turn.inbound.user_id),
        )
        return await self._intent(turn, intent, parsed)

    async def _intent(self, turn: Turn, intent: str, parsed: ParseResult) -> list[Reply]:
        settings = self.services.settings
        if intent == "ask_procedure":
            return await qa.handle_question(turn, parsed)
        if intent == "submit_feedback":
            return form.start(turn, turn.text)
        if intent == "check_status":
            if wants_own_items(turn.text) or turn.state.get("codes"):
                return await status.list_own(turn)
            return [Reply(texts.ASK_CODE, [Button(texts.BTN_MY_ITEMS, "/mine")])]
        if intent in ("greet", "thank", "goodbye", "out_of_scope") and turn.state.get("last_procedure"):
            # A short follow-up about the procedure just discussed that the intent model took for small
            # talk or out of scope ("ai được làm", "nộp ở đâu"): the aspect cue decides.
            aspect = _aspect_of(turn.text)
            replies = await qa.handle_aspect_only(turn, aspect) if aspect else None
            if replies:
                return replies
        if intent == "greet":
            return [Reply(texts.GREET, _main_buttons())]
        if intent == "thank":
            return [Reply(texts.THANK)]
        if intent == "goodbye":
            return [Reply(texts.GOODBYE)]
        if intent == "human_handoff":
            return self._handoff(turn)
        return [
            Reply(
                texts.OUT_OF_SCOPE + "\n" + texts.hotline_hint(settings.hotline_phone, settings.hotline_hours),
                _main_buttons(),
            )
        ]

    def _handoff(self, turn: Turn) -> list[Reply]:
        settings = self.services.settings
        if not turn.conv.handoff:
            turn.conv.handoff = True
            turn.conv.handoff_at = datetime.now(UTC)
            log.info("handoff requested (%s)", user_ref(turn.inbound.channel, turn.inbound.user_id))
        return [Reply(texts.handoff(settings.hotline_phone, settings.hotline_hours))]

    async def _command(self, turn: Turn, command: str) -> list[Reply] | None:
        name, _, arg = command.partition(" ")
        arg = arg.strip()
        if name == "/start":
            return [Reply(texts.GREET, _main_buttons())]
        if name == "/procedure" and arg:
            choices = turn.state.get("choices") or []
            aspect = turn.state.get("pending_aspect") if arg in choices else None
            return qa.answer_procedure(turn, arg, aspect or "general")
        if name == "/aspect":
            if arg and turn.state.get("last_procedure"):
                return qa.answer_procedure(turn, turn.state["last_procedure"], arg)
            return [Reply(texts.NO_PROCEDURE)]
        if name == "/feedback":
            return form.start(turn)
        if name == "/status" and arg:
            code = find_tracking_code(arg)
            return await status.lookup(turn, code) if code else [Reply(texts.ASK_CODE)]
        if name == "/info":
            return await supplement.start(turn, arg)
        if name == "/rate":
            return await rating.start(turn, arg)
        if name == "/cancel" and supplement.is_active(turn):
            return await supplement.handle(turn)
        if name == "/cancel" and rating.is_active(turn):
            return await rating.handle(turn)
        if name == "/mine":
            return await status.list_own(turn)
        if name == "/handoff":
            return self._handoff(turn)
        if name == "/not_listed":
            return qa.none_listed(turn)
        if name == "/cancel":
            return [Reply(texts.NOTHING_TO_CANCEL)]
        if name in _FORM_COMMANDS:  # a form button pressed after the form ended
            return [
                Reply(
                    texts.NOTHING_TO_CANCEL
                    if name == "/cancel"
                    else "Phản ánh này đã kết thúc. Bạn cần hỗ trợ gì thêm không?",
                    _main_buttons(),
                )
            ]
        return None  # not a command: treat it as text


def _command(turn: Turn) -> str | None:
    if turn.inbound.payload:
        return turn.inbound.payload.strip()[:200]
    if turn.text.startswith("/"):
        return turn.text[:200]
    return None


def _reads_as_grievance(text: str) -> bool:
    """A message that reads as a khiếu nại or tố cáo, whatever the intent model says (knowledge_base)."""
    from knowledge_base.grievance import detect_grievance

    return len(fold(text).split()) >= 4 and detect_grievance(text) is not None


def _aspect_of(text: str) -> str | None:
    """The aspect a message asks about, from the NLU's aspect rules (None when it names none)."""
    from nlu.aspects import detect_aspect

    aspect = detect_aspect(text)
    return aspect if aspect and aspect != "general" else None


def _main_buttons() -> list[Button]:
    return [
        Button(texts.BTN_FEEDBACK, "/feedback"),
        Button(texts.BTN_MY_ITEMS, "/mine"),
        Button(texts.BTN_HANDOFF, "/handoff"),
    ]
