"""`hotline index ...` commands."""
import typer

index_app = typer.Typer(help="Chỉ mục tìm kiếm thủ tục.", no_args_is_help=True)
