"""`hotline admin ...`, `hotline report ...` and `hotline worker`."""
import typer

admin_app = typer.Typer(help="Quản trị người dùng.", no_args_is_help=True)
report_app = typer.Typer(help="Báo cáo.", no_args_is_help=True)


def worker() -> None:
    """Run the scheduler and outbox delivery without the web server."""
    raise typer.Exit(1)
