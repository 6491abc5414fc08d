"""Shared fixtures for tests/nlu: one data dir, KB, index and Parser for the whole session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def nlu_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("nlu_var")


@pytest.fixture(scope="session")
def nlu_settings(nlu_data_dir):
    from common.settings import Settings

    return Settings(data_dir=nlu_data_dir, nlu_backend="builtin")


@pytest.fixture(scope="session")
def kb():
    from common.settings import Settings
    from knowledge_base.loader import load_knowledge_base

    return load_knowledge_base(Settings())


@pytest.fixture(scope="session")
def parser(nlu_settings):
    """The real Parser: built-in classifier + the real retriever over the bundled KB (index built once)."""
    from nlu.pipeline import Parser

    return Parser(nlu_settings)
