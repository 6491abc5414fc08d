"""`hotline admin ...`, `hotline report ...` and `hotline worker`."""

from __future__ import annotations

import typer

admin_app = typer.Typer(help="Quản trị người dùng và cơ sở dữ liệu.", no_args_is_help=True)
report_app = typer.Typer(help="Báo cáo.", no_args_is_help=True)


@report_app.callback()
def _report() -> None:
    """Báo cáo số liệu phản ánh, kiến nghị."""


def _settings():
    from common.settings import get_settings

    return get_settings()


def _session(settings):
    from feedback_api.db import get_sessionmaker, upgrade_database

    upgrade_database(settings)
    return get_sessionmaker(settings)()


@admin_app.command("create-user")
def create_user(
    name: str = typer.Argument(..., help="Tên đăng nhập"),
    password: str = typer.Option(..., "--password", help="Mật khẩu (ít nhất 8 ký tự)"),
    role: str = typer.Option(..., "--role", help="operator | staff | supervisor | admin"),
    agency: str | None = typer.Option(None, "--agency", help="Mã cơ quan (bắt buộc với staff)"),
) -> None:
    """Tạo tài khoản cán bộ."""
    from feedback_api.auth.service import create_user as create
    from feedback_api.domain import DomainError
    from knowledge_base.loader import load_directory

    if len(password) < 8:
        typer.echo("Lỗi: mật khẩu phải có ít nhất 8 ký tự.", err=True)
        raise typer.Exit(2)
    settings = _settings()
    with _session(settings) as session:
        try:
            user = create(session, name, password, role, agency, known_agencies=load_directory(settings).codes)
        except DomainError as exc:
            typer.echo(f"Lỗi: {exc.detail}", err=True)
            raise typer.Exit(1) from None
    typer.echo(
        f"Đã tạo tài khoản {user.username} (vai trò {user.role}"
        + (f", cơ quan {user.agency_code}" if user.agency_code else "")
        + ")."
    )


@admin_app.command("unlock")
def unlock(key: str = typer.Argument(..., help="Tên đăng nhập, hoặc mã phản ánh (PA-...) bị khóa tra cứu")) -> None:
    """Mở khóa sớm một tài khoản bị khóa đăng nhập hoặc một mã phản ánh bị khóa tra cứu 4 số điện thoại."""
    from feedback_api.edge import guard

    name = f"phone:{key}" if key.upper().startswith("PA-") else f"login:{key.strip().lower()}"
    with _session(_settings()) as session:
        guard.record_success(session, name)
    typer.echo(f"Đã mở khóa {key}.")


@admin_app.command("deactivate-user")
def deactivate_user(name: str = typer.Argument(..., help="Tên đăng nhập")) -> None:
    """Khóa tài khoản cán bộ."""
    from feedback_api.auth.service import set_active

    with _session(_settings()) as session:
        if set_active(session, name, False) is None:
            typer.echo(f"Lỗi: không có tài khoản {name}.", err=True)
            raise typer.Exit(1)
    typer.echo(f"Đã khóa tài khoản {name}.")


@admin_app.command("upgrade-db")
def upgrade_db() -> None:
    """Nâng cấp lược đồ cơ sở dữ liệu lên phiên bản mới nhất (alembic upgrade head)."""
    from feedback_api.db import upgrade_database

    upgrade_database(_settings())
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@report_app.command("monthly")
def monthly(
    month: str | None = typer.Option(None, "--month", help="Tháng YYYY-MM (mặc định: tháng trước)"),
    month_from: str | None = typer.Option(None, "--from", help="Từ tháng YYYY-MM (thay cho --month)"),
    month_to: str | None = typer.Option(None, "--to", help="Đến tháng YYYY-MM (thay cho --month)"),
    csv: bool = typer.Option(False, "--csv", help="Xuất CSV (UTF-8 có BOM, giờ Việt Nam) thay vì bảng"),
    xlsx: bool = typer.Option(False, "--xlsx", help="Ghi báo cáo Excel (.xlsx) có biểu đồ"),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Tệp .xlsx cần ghi (mặc định: bao-cao-pakn-<tháng>.xlsx)"
    ),
    agency: str | None = typer.Option(None, "--agency", help="Chỉ một cơ quan"),
) -> None:
    """Báo cáo tháng: tỷ lệ xử lý đúng hạn, tồn đọng quá hạn, danh sách trễ hạn theo cơ quan; --xlsx ghi tệp Excel."""
    from pathlib import Path

    from feedback_api.stats import service
    from feedback_api.stats import xlsx as workbook
    from knowledge_base.loader import load_directory

    if csv and xlsx:
        typer.echo("Lỗi: chọn --csv hoặc --xlsx, không chọn cả hai.", err=True)
        raise typer.Exit(2)
    settings = _settings()
    if month is None and month_from is None and month_to is None:
        month = service.previous_month(settings)
    try:
        service.month_range(month, month_from, month_to)
    except service.MonthError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(2) from None
    with _session(settings) as session:
        report = service.monthly_report(
            session,
            settings,
            load_directory(settings),
            month=month,
            month_from=month_from,
            month_to=month_to,
            agency=agency,
        )
    if xlsx:
        path = Path(output or workbook.filename(report))
        path.write_bytes(workbook.to_xlsx(report))
        typer.echo(f"Đã ghi báo cáo {service.period_label(report)} vào {path}.")
        return
    typer.echo(service.to_csv(report) if csv else service.to_text(report), nl=False)


def worker() -> None:
    """Run the scheduler and outbox delivery without the web server."""
    from feedback_api.scheduler.runner import run_worker

    run_worker(_settings())
