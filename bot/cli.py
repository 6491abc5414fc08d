"""`hotline chat` and `hotline bot ...`."""
import typer

bot_app = typer.Typer(help="Kênh chatbot.", no_args_is_help=True)


def chat() -> None:
    """Chat with the bot in the terminal."""
    raise typer.Exit(1)
