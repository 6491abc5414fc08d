"""`hotline chat` (terminal chat) and `hotline bot telegram|zalo|handoffs`."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid

import typer

bot_app = typer.Typer(help="Kênh chatbot: Telegram, Zalo OA, danh sách cần tổng đài viên.", no_args_is_help=True)


def _settings():
    from common.settings import get_settings

    return get_settings()


def chat(
    session: str = typer.Option(None, help="Conversation id (default: a new one)"),
) -> None:
    """Chat with the bot in the terminal (feedback features need `hotline serve` running at api_base_url)."""
    from bot.engine import Engine
    from bot.messages import Button, Inbound

    settings = _settings()
    user_id = session or f"cli-{uuid.uuid4().hex[:12]}"
    typer.echo("Đang tải mô hình ngôn ngữ...", err=True)
    engine = Engine.from_settings(settings)
    typer.echo("Trợ lý 1022 — gõ câu hỏi; số thứ tự để bấm nút; Ctrl+D để thoát.", err=True)

    async def run() -> None:
        buttons: list[Button] = []
        try:
            while True:
                try:
                    line = await asyncio.to_thread(input, "> ")
                except EOFError:
                    break
                payload = None
                if line.strip().isdigit() and 0 < int(line.strip()) <= len(buttons):
                    payload = buttons[int(line.strip()) - 1].payload
                    line = ""
                replies = await engine.handle(Inbound(channel="web", user_id=user_id, text=line, payload=payload))
                buttons = []
                for reply in replies:
                    typer.echo(reply.text)
                    for button in reply.buttons:
                        buttons.append(button)
                        typer.echo(f"  [{len(buttons)}] {button.title}")
        finally:
            await engine.aclose()

    asyncio.run(run())


@bot_app.command("telegram")
def telegram(
    webhook: str = typer.Option(None, help="Register this public HTTPS URL (…/webhooks/telegram) instead of polling"),
) -> None:
    """Run the Telegram bot in polling mode (or register the webhook of `hotline serve`)."""
    settings = _settings()
    if not settings.telegram_token:
        typer.echo("Chưa cấu hình HOTLINE_TELEGRAM_TOKEN.", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the bot token
    from bot.channels.telegram import build_application

    if webhook:
        from telegram import Bot

        async def register() -> None:
            secret = settings.telegram_webhook_secret or settings.secret("telegram_webhook_secret")
            async with Bot(settings.telegram_token, base_url=settings.telegram_base_url) as bot:
                await bot.set_webhook(webhook, secret_token=secret, allowed_updates=["message", "callback_query"])
            typer.echo(f"Đã đăng ký webhook: {webhook}")

        asyncio.run(register())
        return

    from bot.engine import Engine

    engine = Engine.from_settings(settings)

    async def get_engine():
        return engine

    async def post_shutdown(_application) -> None:
        await engine.aclose()

    application = build_application(settings, get_engine, polling=True)
    application.post_shutdown = post_shutdown
    typer.echo("Telegram bot đang chạy (polling). Ctrl+C để dừng.", err=True)
    application.run_polling(allowed_updates=["message", "callback_query"], drop_pending_updates=False)


@bot_app.command("zalo")
def zalo() -> None:
    """Check the Zalo OA configuration (events arrive at POST /webhooks/zalo of `hotline serve`)."""
    settings = _settings()
    missing = [
        name for name in ("zalo_app_id", "zalo_oa_secret_key", "zalo_oa_access_token") if not getattr(settings, name)
    ]
    typer.echo(f"Webhook URL cần khai báo trên Zalo: {settings.api_base_url.rstrip('/')}/webhooks/zalo")
    typer.echo(f"OA API: {settings.zalo_api_base}")
    if missing:
        typer.echo("Thiếu cấu hình: " + ", ".join("HOTLINE_" + m.upper() for m in missing), err=True)
        raise typer.Exit(2)
    typer.echo("Cấu hình Zalo OA đầy đủ.")


@bot_app.command("handoffs")
def handoffs(
    clear: str = typer.Option(None, help="Clear the flag of CHANNEL:USER_ID after an operator took over"),
) -> None:
    """List conversations waiting for a 1022 operator."""
    from bot.state import ConversationStore

    store = ConversationStore(_settings().effective_database_url)
    if clear:
        channel, _, user_id = clear.partition(":")
        ok = store.clear_handoff(channel, user_id)
        typer.echo("Đã bỏ đánh dấu." if ok else "Không tìm thấy cuộc hội thoại.")
        raise typer.Exit(0 if ok else 1)
    rows = store.handoffs()
    if not rows:
        typer.echo("Không có cuộc hội thoại nào đang chờ tổng đài viên.")
        return
    for conv in rows:
        when = conv.handoff_at.strftime("%d/%m/%Y %H:%M") if conv.handoff_at else "?"
        typer.echo(f"{when}  {conv.channel}:{conv.user_id}")
    sys.stdout.flush()
