"""`hotline`: the one console script. Each domain package owns its commands; this file only wires them."""
from __future__ import annotations

import typer

from bot.cli import bot_app, chat
from feedback_api.cli import admin_app, report_app, worker
from knowledge_base.cli import kb_app
from nlu.cli import index_app, parse

app = typer.Typer(help="Trợ lý tổng đài 1022 — hỏi đáp thủ tục hành chính và phản ánh, kiến nghị.", no_args_is_help=True)
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
) -> None:
    """Run the API, the web chat and the pages (embedded SQLite unless DATABASE_URL is set)."""
    import uvicorn

    from hotline.app import create_app
    from hotline.settings import get_settings

    settings = get_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


if __name__ == "__main__":
    app()
