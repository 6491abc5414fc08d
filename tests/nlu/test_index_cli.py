"""`hotline index build`: builds once, reuses a fresh index, rebuilds with --force, prints timing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from common.settings import get_settings
from nlu.index_cli import index_app
from nlu.retrieval import clear_cache


@pytest.fixture
def index_data(tmp_path, monkeypatch):
    """`hotline index` with its data in tmp_path, no embedding model, and no settings or index cached around it."""
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_EMBEDDING_MODEL", "none")
    get_settings.cache_clear()
    clear_cache()
    yield
    get_settings.cache_clear()
    clear_cache()


def test_index_build_then_reuse_then_force(index_data, tmp_path):
    runner = CliRunner()
    first = runner.invoke(index_app, ["build"])
    assert first.exit_code == 0, first.output
    assert "Đã dựng" in first.output and "Thời gian" in first.output
    dirs = [p for p in (tmp_path / "index").iterdir() if p.is_dir()]
    assert len(dirs) == 1 and (dirs[0] / "meta.json").exists()

    again = runner.invoke(index_app, ["build"])
    assert again.exit_code == 0, again.output
    assert "không cần dựng lại" in again.output

    forced = runner.invoke(index_app, ["build", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "Đã dựng" in forced.output


def test_index_build_with_broken_kb_file_names_it_and_keeps_old_index(index_data, tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(index_app, ["build"]).exit_code == 0
    before = sorted(p.name for p in (tmp_path / "index").iterdir())

    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "hong.yaml").write_text("- code: X.1\n  name: Thiếu các trường bắt buộc\n", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_KB_DIR", str(kb_dir))
    get_settings.cache_clear()
    broken = runner.invoke(index_app, ["build"])
    assert broken.exit_code == 2
    assert "hong.yaml" in broken.output
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == before
