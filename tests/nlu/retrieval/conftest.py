"""Retrieval test fixtures: the default encoder loaded once, the bundled KB indexed once per session."""

from __future__ import annotations

import pytest

from common.settings import Settings
from knowledge_base.loader import KnowledgeBase
from tests.nlu.retrieval.retrieval_helpers import make_procedure

SMALL_PROCEDURES = [
    ("T.001", "Đăng ký khai sinh", ["giấy khai sinh", "làm khai sinh cho con"], "Hộ tịch"),
    ("T.002", "Đăng ký kết hôn", ["giấy đăng ký kết hôn", "làm giấy cưới"], "Hộ tịch"),
    ("T.003", "Đăng ký thường trú", ["nhập hộ khẩu"], "Đăng ký, quản lý cư trú"),
    ("T.004", "Cấp đổi giấy phép lái xe", ["đổi bằng lái"], "Đường bộ"),
    ("T.005", "Cấp Phiếu lý lịch tư pháp", ["lý lịch tư pháp"], "Lý lịch tư pháp"),
    ("T.006", "Chuyển mục đích sử dụng đất", ["lên thổ cư"], "Đất đai"),
]


@pytest.fixture()
def small_kb() -> KnowledgeBase:
    return KnowledgeBase([make_procedure(c, n, a, f) for c, n, a, f in SMALL_PROCEDURES], [])


@pytest.fixture(scope="session")
def bundled_kb():
    from knowledge_base.loader import load_knowledge_base

    return load_knowledge_base(Settings(_env_file=None))


@pytest.fixture(scope="session")
def bundled_retriever(tmp_path_factory, bundled_kb):
    """The bundled KB indexed once with the default embedding model, in a temporary data dir."""
    from nlu.retrieval import get_retriever

    settings = Settings(data_dir=tmp_path_factory.mktemp("retrieval-data"), embedding_model="")
    return get_retriever(settings, bundled_kb)
