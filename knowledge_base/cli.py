"""`hotline kb ...` commands."""
from __future__ import annotations

from pathlib import Path

import typer

kb_app = typer.Typer(help="Cơ sở dữ liệu thủ tục hành chính.", no_args_is_help=True)


@kb_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="Tệp xuất từ CSDL quốc gia về TTHC (.json hoặc .xlsx)"),
) -> None:
    """Nhập thủ tục từ tệp xuất của CSDL quốc gia (cập nhật theo mã, chạy lại không nhân bản)."""
    from common.settings import get_settings
    from knowledge_base.importer import ImportFileError, import_file
    from knowledge_base.loader import KBError

    try:
        result = import_file(file, get_settings())
    except ImportFileError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    except KBError as exc:  # the existing KB is broken: nothing imported
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(code=3) from exc
    typer.echo(f"Mới: {result.new}, cập nhật: {result.updated}, không đổi: {result.unchanged}, "
               f"không hợp lệ: {len(result.invalid)}")
    for invalid in result.invalid:
        typer.echo(f"  - {invalid}")


@kb_app.command("check")
def check_command() -> None:
    """Kiểm tra toàn bộ dữ liệu (mẫu + kb_dir + đã nhập) và in thống kê."""
    from common.settings import get_settings
    from knowledge_base.loader import KBError, load_knowledge_base

    try:
        kb = load_knowledge_base(get_settings())
    except KBError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"Thủ tục: {len(kb.procedures)}; lĩnh vực: {len(kb.fields)}; cấp: {', '.join(kb.levels)}; "
               f"cơ quan: {len(kb.agencies)}; hash: {kb.content_hash()[:12]}")
