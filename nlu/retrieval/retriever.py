"""Hybrid procedure retriever (BM25 + dense) over the persisted index; `get_retriever` caches one per
process and (re)builds the index when it is missing or stale."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.settings import Settings
from nlu.retrieval.encoders import Encoder, load_encoder, resolve_model_id
from nlu.retrieval.fusion import FusionConfig, apply_priors, fuse
from nlu.retrieval.gate import decide_with, gate_for
from nlu.retrieval.index import (
    IndexData,
    build_index,
    current_index,
    find_index,
    index_key,
    load_index,
    save_index,
)
from nlu.retrieval.prior import asks_as_business, procedure_priors, procedure_vocabulary
from nlu.retrieval.text import asked_terms, name_terms, query_tokens

log = logging.getLogger(__name__)

# What the bot does with a question, from its hits ("answer", "choose" among three, "none": we do not
# hold it): nlu.retrieval.gate, a logistic model calibrated on the dev sets (scripts/calibrate_gate.py).
# Priors after fusion (nlu.retrieval.prior): weight of the portal's popularity, and the cut for a
# business-only procedure answering a citizen's question. prior_weight 0.1 left dev Recall@1 unchanged
# (0.907) and puts the commonly used variant first among near-twins; 0.15 and 0.25 lowered it.
PRIOR_WEIGHT = 0.1
BUSINESS_PENALTY = 0.2


@dataclass(frozen=True)
class _Named:
    code: str
    name: str
    target_users: tuple = ()


@dataclass(frozen=True)
class RawScores:
    doc: np.ndarray  # BM25 of each procedure's whole document
    views: np.ndarray  # best BM25 over each procedure's name / alias views
    cosines: np.ndarray | None  # best dense cosine over each procedure's vectors
    coverage: np.ndarray | None = None  # best share of a name/alias the question mentions (IDF-weighted)
    business_question: bool = False  # the question speaks for a company (nlu.retrieval.prior)


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    score: float  # in [0, 1], higher is better
    # IDF-weighted share of the question's content words found in this procedure's name, everyday names
    # and field (1.0 when not measured, e.g. hits built by hand).
    coverage: float = 1.0
    # IDF-weighted share of this procedure's best-matching name or everyday name that the question
    # mentions (1.0 when not measured).
    name_coverage: float = 1.0


class Retriever:
    def __init__(
        self,
        index: IndexData,
        encoder: Encoder | None = None,
        config: FusionConfig | None = None,
        procedures=None,
        agencies=None,
    ):
        """`procedures`: the KB's records in index order (for their target users); without them the
        priors come from the popularity list alone, matched by code and name."""
        if encoder is not None and (index.dense is None or index.meta.get("model_id") != encoder.model_id):
            encoder = None  # vectors of another model (or none): lexical only
        self.index = index
        self.encoder = encoder
        self.config = config or FusionConfig(
            dense_weight=getattr(encoder, "dense_weight", 0.5),
            prior_weight=PRIOR_WEIGHT,
            business_penalty=BUSINESS_PENALTY,
        )
        self.agencies = list(agencies or ())  # the directory, to recognise places named in questions
        by_code = {p.code: p for p in procedures or ()}
        records = [by_code.get(c) or _Named(c, n) for c, n in zip(index.codes, index.names, strict=False)]
        self.popularity, self.business_only = procedure_priors(records)
        self._vocabulary, self._idf = procedure_vocabulary(records)
        self.gate = gate_for(self.model_id)

    @property
    def dense_available(self) -> bool:
        return self.encoder is not None

    @property
    def model_id(self) -> str:
        return self.encoder.model_id if self.encoder is not None else "none"

    @property
    def kb_hash(self) -> str:
        return self.index.meta["kb_hash"]

    def raw_scores(self, query: str) -> RawScores:
        """Per-procedure BM25 scores (whole document, best view) and best dense cosine (None without
        a model) of `query`, before fusion."""
        n = len(self.index.codes)
        tokens = query_tokens(query)
        if tokens:
            doc = np.asarray(self.index.bm25.get_scores(tokens), dtype=np.float32)
            views = np.zeros(n, dtype=np.float32)
            np.maximum.at(
                views, self.index.lex_view_doc, np.asarray(self.index.bm25_views.get_scores(tokens), dtype=np.float32)
            )
        else:
            doc = views = np.zeros(n, dtype=np.float32)
        coverage = self._coverage(query)
        business = asks_as_business(query)
        dense_index, view_doc = self.index.dense, self.index.view_doc
        # (no encoder without dense vectors: see __init__)
        if self.encoder is None or dense_index is None or view_doc is None or not query.strip():
            return RawScores(doc, views, None, coverage, business)
        vec = self.encoder.encode_queries([query])
        sims, rows = dense_index.search(vec, dense_index.ntotal)
        cosines = np.full(n, -1.0, dtype=np.float32)
        valid = rows[0] >= 0
        np.maximum.at(cosines, view_doc[rows[0][valid]], sims[0][valid])
        return RawScores(doc, views, cosines, coverage, business)

    def _coverage(self, query: str) -> np.ndarray:
        n = len(self.index.codes)
        vocab = self.index.coverage_vocab
        cols = sorted({vocab[t] for t in name_terms(query, question=True) if t in vocab})
        out = np.zeros(n, dtype=np.float32)
        if not cols:
            return out
        per_view = np.asarray(self.index.coverage[:, cols].sum(axis=1)).ravel().astype(np.float32)
        np.maximum.at(out, self.index.lex_view_doc, per_view)
        return out

    def fuse(self, raw: RawScores, config: FusionConfig | None = None) -> np.ndarray:
        config = config or self.config
        lexical = config.view_weight * raw.views + (1.0 - config.view_weight) * raw.doc
        if raw.coverage is not None and config.coverage_weight:
            lexical = lexical * ((1.0 - config.coverage_weight) + config.coverage_weight * raw.coverage)
        enc = self.encoder
        fused = fuse(lexical, raw.cosines, config, enc.cos_lo if enc else 0.0, enc.cos_hi if enc else 1.0)
        return apply_priors(fused, self.popularity, self.business_only, raw.business_question, config)

    def fused_scores(self, query: str, config: FusionConfig | None = None) -> np.ndarray:
        return self.fuse(self.raw_scores(query), config)

    def hits_from_scores(
        self, scores: np.ndarray, k: int, query: str | None = None, name_coverage: np.ndarray | None = None
    ) -> list[Hit]:
        """The k best hits; with `query`, each carries its coverage of the question's words, and with
        `name_coverage` (RawScores.coverage) how much of its best name the question mentions."""
        k = max(0, min(k, len(scores)))
        if k == 0:
            return []
        top = np.argsort(-scores, kind="stable")[:k]
        terms = asked_terms(self._without_places(query)) if query is not None else None
        return [
            Hit(
                self.index.codes[i],
                self.index.names[i],
                round(float(scores[i]), 4),
                1.0 if terms is None else round(self.question_coverage(terms, int(i)), 4),
                1.0 if name_coverage is None else round(float(name_coverage[i]), 4),
            )
            for i in top
            if scores[i] > 0
        ]

    def _without_places(self, query: str) -> str:
        """The question without the places it names (they say where, not which procedure)."""
        if not self.agencies:
            return query
        from knowledge_base.places import without_places

        try:
            return without_places(query, self.agencies)
        except Exception:  # place data unreadable: count every word
            return query

    def question_coverage(self, terms: list[str], position: int) -> float:
        """IDF-weighted share of a question's content syllables that the procedure at `position` has in
        its name, everyday names or field (0 for a question without content words)."""
        if not terms:
            return 0.0
        unseen = float(np.log(len(self._vocabulary) + 1) + np.log(2.0))
        weights = [self._idf.get(t, unseen) for t in terms]
        vocabulary = self._vocabulary[position]
        return sum(w for t, w in zip(terms, weights, strict=False) if t in vocabulary) / sum(weights)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Up to k procedures best matching `query`, best first; [] for an empty query."""
        if not query or not query.strip():
            return []
        raw = self.raw_scores(query)
        return self.hits_from_scores(self.fuse(raw), k, query, raw.coverage)

    def decide(self, hits: list[Hit]) -> str:
        """ "answer" hits[0], "choose" among hits[:3], or "none" (we do not hold a procedure for this
        question: say so), by the gate calibrated for this embedding model (nlu.retrieval.gate)."""
        return decide_with(self.gate, hits)


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
        key,
        len(kb.procedures),
        model_id,
        data.meta["build_seconds"],
    )
    return data, True


def get_retriever(settings: Settings, kb=None) -> Retriever:
    """The process-wide Retriever for `settings` and `kb` (default: the settings' knowledge base). A
    fresh index on disk is reused; a stale one is rebuilt. When loading the KB or building fails, the
    last good index keeps serving (logged); with none, the error is raised."""
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
                exc,
                fallback.name,
            )
            index = load_index(fallback)
        retriever = Retriever(
            index,
            encoder,
            procedures=kb.procedures if kb is not None else None,
            agencies=kb.agencies if kb is not None else None,
        )
        _retrievers[cache_key] = retriever
        return retriever


def clear_cache() -> None:
    """Forget cached retrievers (tests, or after `hotline kb import` in a long-lived process)."""
    with _lock:
        _retrievers.clear()
