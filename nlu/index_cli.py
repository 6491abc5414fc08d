"""`hotline index ...` commands."""

from __future__ import annotations

import time

import typer

index_app = typer.Typer(help="Chỉ mục tìm kiếm thủ tục.", no_args_is_help=True)


@index_app.callback()
def _index() -> None:
    """Chỉ mục tìm kiếm thủ tục (BM25 + vector)."""


@index_app.command("build")
def build(
    force: bool = typer.Option(False, "--force", help="Dựng lại kể cả khi chỉ mục đã mới."),
) -> None:
    """Dựng chỉ mục tìm kiếm thủ tục từ cơ sở dữ liệu thủ tục (bỏ qua nếu chỉ mục đã mới)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from common.settings import get_settings
    from knowledge_base.loader import KBError, load_knowledge_base
    from nlu.retrieval import clear_cache, ensure_index, get_encoder
    from nlu.retrieval.retriever import index_root

    console = Console(stderr=True)
    settings = get_settings()
    started = time.perf_counter()
    try:
        kb = load_knowledge_base(settings)
    except KBError as exc:
        console.print(f"[red]Lỗi dữ liệu thủ tục:[/red] {exc}\nChỉ mục cũ (nếu có) vẫn được dùng.")
        raise typer.Exit(2) from exc
    kb_seconds = time.perf_counter() - started
    t_model = time.perf_counter()
    encoder = get_encoder(settings.embedding_model)
    model_seconds = time.perf_counter() - t_model
    if encoder is None:
        console.print("[yellow]Không dùng mô hình vector: chỉ mục chỉ có BM25.[/yellow]")

    labels = {"bm25": "BM25", "dense": "Vector"}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        t_build = time.perf_counter()
        data, built = ensure_index(settings, kb, encoder, force=force, progress=progress)
        build_seconds = time.perf_counter() - t_build
    clear_cache()
    where = index_root(settings) / data.key
    state = "Đã dựng" if built else "Chỉ mục đã mới, không cần dựng lại"
    typer.echo(
        f"{state}: {len(kb.procedures)} thủ tục, mô hình {data.meta['model_id']}, {where}\n"
        f"Thời gian: nạp dữ liệu {kb_seconds:.2f} s, nạp mô hình {model_seconds:.2f} s, "
        f"dựng chỉ mục {build_seconds:.2f} s, tổng {time.perf_counter() - started:.2f} s"
    )
