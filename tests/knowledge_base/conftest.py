"""Fixtures for knowledge-base tests: isolated settings (own data dir, optional kb_dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.settings import Settings

REPO = Path(__file__).resolve().parents[2]
KB_DATA = REPO / "knowledge_base" / "data"


@pytest.fixture
def make_settings(tmp_path):
    def _make(**overrides) -> Settings:
        overrides.setdefault("data_dir", tmp_path / "var")
        return Settings(**overrides)

    return _make


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory):
    from knowledge_base.loader import load_knowledge_base

    return load_knowledge_base(Settings(data_dir=tmp_path_factory.mktemp("seed-var")))
