"""`hotline parse` and `hotline index ...` commands."""
import typer

index_app = typer.Typer(help="Chỉ mục tìm kiếm thủ tục.", no_args_is_help=True)


def parse(text: str = typer.Argument(None)) -> None:
    """Parse TEXT (or each stdin line) into one JSON object."""
    raise typer.Exit(1)
