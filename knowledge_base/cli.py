"""`hotline kb ...` commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

kb_app = typer.Typer(help="Cơ sở dữ liệu thủ tục hành chính.", no_args_is_help=True)


@kb_app.command("import")
def import_command(
    file: Path = typer.Argument(
        ...,
        help="Tệp xuất từ CSDL quốc gia về TTHC (.json, .xlsx) hoặc bản thu "
        "thập (.jsonl, .jsonl.gz; bản ghi có ma_thu_tuc)",
    ),
    verified_on: str = typer.Option(
        None,
        "--verified-on",
        metavar="YYYY-MM-DD",
        help="Ngày đối chiếu nguồn ghi vào provenance (mặc định: 2026-06-10, ngày "
        "dữ liệu của bản thu thập; hôm nay với tệp xuất JSON/XLSX)",
    ),
    details: bool = typer.Option(False, "--details", help="In từng thủ tục có trường không đọc được"),
) -> None:
    """Nhập thủ tục từ tệp xuất của CSDL quốc gia (cập nhật theo mã, chạy lại không nhân bản)."""
    from common.settings import get_settings
    from knowledge_base.importer import ImportFileError, import_file
    from knowledge_base.loader import KBError

    try:
        checked = date.fromisoformat(verified_on) if verified_on else None
    except ValueError as exc:
        typer.echo(f"Lỗi: --verified-on phải có dạng YYYY-MM-DD (nhận {verified_on!r})", err=True)
        raise typer.Exit(code=2) from exc
    try:
        result = import_file(file, get_settings(), verified_on=checked)
    except ImportFileError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    except KBError as exc:  # the existing KB is broken: nothing imported
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(code=3) from exc
    typer.echo(
        f"Mới: {result.new}, cập nhật: {result.updated}, không đổi: {result.unchanged}, "
        f"không hợp lệ: {len(result.invalid)}"
    )
    for invalid in result.invalid:
        typer.echo(f"  - {invalid}")
    if result.problems:
        counts = ", ".join(
            f"{name}: {count}" for name, count in sorted(result.problems.items(), key=lambda item: (-item[1], item[0]))
        )
        typer.echo(f"Trường có vấn đề khi đọc ({len(result.record_problems)} thủ tục): {counts}")
        if details:
            for code, problems in sorted(result.record_problems.items()):
                typer.echo(f"  - mã {code}: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))


@kb_app.command("check")
def check_command(
    today: str = typer.Option(None, "--today", metavar="YYYY-MM-DD", help="Ngày tính tuổi kiểm tra (mặc định hôm nay)"),
) -> None:
    """Kiểm tra toàn bộ dữ liệu: nguồn, ngày kiểm tra, văn bản đã bị thay thế, cơ quan, cấp huyện.

    Mã thoát 0 khi không có phát hiện nào, 1 khi có (hoặc dữ liệu không nạp được)."""
    from datetime import date

    from common.settings import get_settings
    from knowledge_base.caveats import findings_for, load_repeals
    from knowledge_base.loader import KBError, load_knowledge_base

    settings = get_settings()
    try:
        kb = load_knowledge_base(settings)
    except KBError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    day = date.fromisoformat(today) if today else date.today()
    repeals = load_repeals()
    findings = [f for p in kb.procedures for f in findings_for(p, kb.directory, repeals, day, settings.kb_max_age_days)]
    annotated = sum(1 for p in kb.procedures if p.caveats)
    typer.echo(
        f"Thủ tục: {len(kb.procedures)}; lĩnh vực: {len(kb.fields)}; cấp: {' | '.join(kb.levels)}; "
        f"cơ quan: {len(kb.agencies)}; hash: {kb.content_hash()[:12]}"
    )
    typer.echo(f"Bản ghi quốc gia kèm lưu ý cho người dân (văn bản trên Cổng đã cũ): {annotated}")
    typer.echo(f"Phát hiện: {len(findings)}")
    for finding in findings:
        typer.echo(f"  - {finding}")
    if findings:
        raise typer.Exit(code=1)
