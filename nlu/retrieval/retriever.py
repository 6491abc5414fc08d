"""Hybrid procedure retriever (BM25 + dense) over the persisted index; `get_retriever` caches one per
process and (re)builds the index when it is missing or stale."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlu.retrieval.encoders import Encoder, load_encoder, resolve_model_id
from nlu.retrieval.fusion import FusionConfig, fuse
from nlu.retrieval.index import (
    IndexData,
    build_index,
    current_index,
    find_index,
    index_key,
    load_index,
    save_index,
)
from nlu.retrieval.text import MAX_QUERY_CHARS, query_tokens

log = logging.getLogger(__name__)

# A top hit at or above this fused score (and clear of the runner-up by CONFIDENCE_MARGIN) is taken as
# the answer; below it the composer asks a clarifying question with the top 3. Chosen on the dev set.
CONFIDENCE_THRESHOLD = 0.55
CONFIDENCE_MARGIN = 0.04


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    score: float  # in [0, 1], higher is better; usable as a confidence (see is_confident)


def is_confident(
    hits: list[Hit], threshold: float = CONFIDENCE_THRESHOLD, margin: float = CONFIDENCE_MARGIN
) -> bool:
    """True when the top hit is strong enough to answer directly rather than ask which procedure."""
    if not hits or hits[0].score < threshold:
        return False
    return len(hits) == 1 or hits[0].score - hits[1].score >= margin


class Retriever:
    def __init__(self, index: IndexData, encoder: Encoder | None = None, config: FusionConfig | None = None):
        if encoder is not None and (index.dense is None or index.meta.get("model_id") != encoder.model_id):
            encoder = None  # vectors of another model (or none): lexical only
        self.index = index
        self.encoder = encoder
        self.config = config or FusionConfig()

    @property
    def dense_available(self) -> bool:
        return self.encoder is not None

    @property
    def model_id(self) -> str:
        return self.encoder.model_id if self.encoder is not None else "none"

    @property
    def kb_hash(self) -> str:
        return self.index.meta["kb_hash"]

    def raw_scores(self, query: str) -> tuple[np.ndarray, np.ndarray | None]:
        """BM25 score and best dense cosine of every procedure (cosine None without a model)."""
        n = len(self.index.codes)
        tokens = query_tokens(query)
        lexical = self.index.bm25.get_scores(tokens) if tokens else np.zeros(n, dtype=np.float32)
        lexical = np.asarray(lexical, dtype=np.float32)
        if self.encoder is None or not query.strip():
            return lexical, None
        vec = self.encoder.encode_queries([query[:MAX_QUERY_CHARS]])
        dense_index = self.index.dense
        sims, rows = dense_index.search(vec, dense_index.ntotal)
        cosines = np.full(n, -1.0, dtype=np.float32)
        valid = rows[0] >= 0
        np.maximum.at(cosines, self.index.view_doc[rows[0][valid]], sims[0][valid])
        return lexical, cosines

    def fused_scores(self, query: str, config: FusionConfig | None = None) -> np.ndarray:
        lexical, cosines = self.raw_scores(query)
        return self.fuse(lexical, cosines, config)

    def fuse(self, lexical, cosines, config: FusionConfig | None = None) -> np.ndarray:
        enc = self.encoder
        return fuse(lexical, cosines, config or self.config, enc.cos_lo if enc else 0.0, enc.cos_hi if enc else 1.0)

    def hits_from_scores(self, scores: np.ndarray, k: int) -> list[Hit]:
        k = max(0, min(k, len(scores)))
        if k == 0:
            return []
        top = np.argsort(-scores, kind="stable")[:k]
        return [
            Hit(self.index.codes[i], self.index.names[i], round(float(scores[i]), 4))
            for i in top
            if scores[i] > 0
        ]

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Up to k procedures best matching `query`, best first; [] for an empty query."""
        if not query or not query.strip():
            return []
        return self.hits_from_scores(self.fused_scores(query), k)


# --- process-wide cache ------------------------------------------------------------------------

_lock = threading.RLock()
_retrievers: dict[tuple[str, str], Retriever] = {}
_encoders: dict[str, Encoder | None] = {}


def get_encoder(spec: str | None) -> Encoder | None:
    """The process-wide encoder for a setting value (None when disabled or unloadable)."""
    model_id = resolve_model_id(spec)
    with _lock:
        if model_id not in _encoders:
            _encoders[model_id] = load_encoder(model_id)
        return _encoders[model_id]


def index_root(settings) -> Path:
    return Path(settings.data_dir) / "index"


def _load_kb(settings):
    from knowledge_base.loader import load_knowledge_base

    return load_knowledge_base(settings)


def ensure_index(settings, kb, encoder: Encoder | None, force: bool = False, progress=None) -> tuple[IndexData, bool]:
    """The index for (kb, encoder): loaded when a fresh one is on disk, else built and saved.
    Returns (index, built)."""
    root = index_root(settings)
    model_id = encoder.model_id if encoder is not None else "none"
    kb_hash = kb.content_hash()
    key = index_key(kb_hash, model_id)
    path = find_index(root, key)
    old = None
    if path is not None and not force:
        try:
            return load_index(path), False
        except Exception as exc:
            log.warning("Index %s unreadable (%s); rebuilding.", path, exc)
    previous = current_index(root)
    if previous is not None:
        try:
            old = load_index(previous)
        except Exception:
            old = None
    data = build_index(kb.procedures, kb_hash, encoder, progress=progress, reuse=old)
    save_index(data, root)
    log.info(
        "Built retrieval index %s: %d procedures, model %s, %.1f s",
        key, len(kb.procedures), model_id, data.meta["build_seconds"],
    )
    return data, True


def get_retriever(settings=None, kb=None) -> Retriever:
    """The process-wide Retriever for `settings` (default: get_settings()) and `kb` (default: the
    loaded knowledge base). A fresh index on disk is reused; a stale one is rebuilt. When loading the
    KB or building fails, the last good index keeps serving (logged); with none, the error is raised."""
    if settings is None:
        from hotline.settings import get_settings

        settings = get_settings()
    model_id = resolve_model_id(settings.embedding_model)
    cache_key = (str(Path(settings.data_dir).resolve()), model_id)
    with _lock:
        cached = _retrievers.get(cache_key)
        if cached is not None and (kb is None or kb.content_hash() == cached.kb_hash):
            return cached
        encoder = get_encoder(model_id)
        try:
            if kb is None:
                kb = _load_kb(settings)
            index, _ = ensure_index(settings, kb, encoder)
        except Exception as exc:
            fallback = current_index(index_root(settings))
            if fallback is None:
                raise
            log.error(
                "Could not load the knowledge base or build the index (%s); serving the last good index %s.",
                exc, fallback.name,
            )
            index = load_index(fallback)
        retriever = Retriever(index, encoder)
        _retrievers[cache_key] = retriever
        return retriever


def clear_cache() -> None:
    """Forget cached retrievers (tests, or after `hotline kb import` in a long-lived process)."""
    with _lock:
        _retrievers.clear()
