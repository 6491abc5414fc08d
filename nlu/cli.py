"""`hotline parse` and `hotline index ...` commands."""
import typer

from nlu.index_cli import index_app  # noqa: F401  (re-exported for hotline.cli)


def parse(text: str = typer.Argument(None)) -> None:
    """Parse TEXT (or each stdin line) into one JSON object."""
    raise typer.Exit(1)
