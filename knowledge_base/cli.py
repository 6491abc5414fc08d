"""`hotline kb ...` commands."""
import typer

kb_app = typer.Typer(help="Cơ sở dữ liệu thủ tục hành chính.", no_args_is_help=True)
