"""`hotline`: the one console script. Each domain package owns its commands; this file only wires them."""

from __future__ import annotations

import typer

from bot.cli import bot_app, chat
from feedback_api.cli import admin_app, report_app, worker
from knowledge_base.cli import kb_app
from nlu.cli import index_app, parse

app = typer.Typer(
    help="Trợ lý tổng đài 1022 — hỏi đáp thủ tục hành chính và phản ánh, kiến nghị.", no_args_is_help=True
)
app.command("parse")(parse)
app.command("chat")(chat)
app.command("worker")(worker)
app.add_typer(index_app, name="index")
app.add_typer(kb_app, name="kb")
app.add_typer(admin_app, name="admin")
app.add_typer(report_app, name="report")
app.add_typer(bot_app, name="bot")


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="Bind address (default from settings)"),
    port: int = typer.Option(None, help="Port (default from settings)"),
    workers: int = typer.Option(1, min=1, help="Worker processes (PostgreSQL recommended above 1)"),
) -> None:
    """Run the API, the web chat and the pages (embedded SQLite unless DATABASE_URL is set)."""
    import uvicorn

    from common.settings import get_settings

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    # Each worker process builds the app (hotline.app.create_app) from the settings. Its bot and feedback
    # service talk in-process both ways (the bot's API calls, the outbox's events for the bot), so no
    # worker needs to know the address served here.
    # Client addresses come from settings.trusted_proxies (not uvicorn's loopback default); request headers
    # must arrive within settings.header_timeout_seconds (hotline.server).
    uvicorn.run(
        "hotline.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        http="hotline.server:HeaderTimeoutProtocol",
    )


if __name__ == "__main__":
    app()
