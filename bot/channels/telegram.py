"""Telegram with python-telegram-bot: handlers only translate updates to `Inbound` and send `Reply`s.

Webhook mode: the FastAPI route checks the secret token header and feeds `Update.de_json(...)` to a PTB
`Application` built without an updater. Polling mode (`hotline bot telegram`) runs the same handlers with
PTB's updater. The Bot API base URL comes from settings, so tests point it at a local fake server.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.messages import Image, Inbound, Reply

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 4000  # Bot API limit is 4096 characters per message
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def file_base_url(base_url: str) -> str:
    """ "https://api.telegram.org/bot" -> "https://api.telegram.org/file/bot" (same for a local server)."""
    head, sep, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot" if sep else base_url.rstrip("/") + "/file/bot"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    per_row = 1 if any(len(b.title) > 24 for b in reply.buttons) else 2  # long titles get a row each
    rows, row = [], []
    for button in reply.buttons:
        # callback_data is limited to 64 bytes; our payloads are short commands
        row.append(
            InlineKeyboardButton(button.title[:60], callback_data=button.payload.encode()[:64].decode(errors="ignore"))
        )
        if len(row) == per_row:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def chunks(text: str, size: int = MAX_MESSAGE_CHARS) -> list[str]:
    parts = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


class TelegramSender:
    def __init__(self, bot):
        self.bot = bot

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            parts = chunks(reply.text or " ")
            for i, part in enumerate(parts):
                markup = keyboard(reply) if i == len(parts) - 1 else None
                await self.bot.send_message(chat_id=int(chat_id), text=part, reply_markup=markup)


def inbound_from_update(update: Update, image: Image | None = None, image_failed: bool = False) -> Inbound | None:
    """Pure translation of a Telegram update to the engine's message type."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return None
    if update.callback_query is not None:
        return Inbound(
            channel="telegram",
            user_id=str(chat.id),
            payload=update.callback_query.data or "",
            event_id=str(update.update_id),
        )
    message = update.effective_message
    if message is None:
        return None
    text = message.text or message.caption or ""
    return Inbound(
        channel="telegram",
        user_id=str(chat.id),
        text=text,
        image=image,
        image_failed=image_failed,
        event_id=str(update.update_id),
    )


def build_application(settings, get_engine, *, polling: bool = False) -> Application:
    """A PTB Application whose handlers hand every update to the engine (`await get_engine()`)."""
    # httpx logs each request URL at INFO, and Bot API URLs contain the bot token.
    if logging.getLogger("httpx").getEffectiveLevel() < logging.WARNING:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(file_base_url(settings.telegram_base_url))
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()

    async def deliver(update: Update, context: ContextTypes.DEFAULT_TYPE, inbound: Inbound | None) -> None:
        if inbound is None:
            return
        engine = await get_engine()
        replies = await engine.handle(inbound)
        await TelegramSender(context.bot).send(inbound.user_id, replies)

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await deliver(update, context, inbound_from_update(update))

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.photo:  # the PHOTO filter lets only photos through
            return
        image, failed = None, False
        photo = message.photo[-1]  # the largest size
        try:
            if photo.file_size and photo.file_size > MAX_PHOTO_BYTES:
                raise ValueError("photo too large")
            telegram_file = await photo.get_file()
            data = bytes(await telegram_file.download_as_bytearray())
            image = Image(data=data, content_type="image/jpeg", filename="telegram.jpg")
        except Exception as exc:  # network, size: the form explains and lets the citizen skip
            log.warning("telegram photo download failed: %s", type(exc).__name__)
            failed = True
        await deliver(update, context, inbound_from_update(update, image=image, image_failed=failed))

    async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        try:
            if query is not None:  # always set for a CallbackQueryHandler
                await query.answer()  # stops the button's loading spinner
        except Exception as exc:
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)
        await deliver(update, context, inbound_from_update(update))

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed: %s", type(context.error).__name__, exc_info=context.error)

    # New messages only: an edited message must not be read as the next answer of a form.
    # Private chats only: a form in a group would mix people and show personal data to the group.
    new = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(new & filters.PHOTO, on_photo))
    application.add_handler(MessageHandler(new & filters.TEXT, on_text))
    # Stickers, voice, locations...: passed on without text, so the citizen hears what the bot reads.
    application.add_handler(MessageHandler(new & ~filters.TEXT & ~filters.PHOTO & ~filters.StatusUpdate.ALL, on_text))
    application.add_error_handler(on_error)
    return application
