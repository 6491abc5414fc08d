"""The persisted retrieval index: BM25 (bm25s) + dense vectors (faiss IndexFlatIP), one directory per
(KB content hash, model id, format version) under `settings.data_dir/index/`.

Writes are atomic: a build goes to a temporary directory that is renamed into place only when complete,
and the `CURRENT` pointer file is replaced atomically afterwards, so a failed or interrupted build never
damages the index that is serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import faiss
import numpy as np
from scipy import sparse

from nlu.retrieval.text import (
    procedure_coverage_views,
    procedure_dense_views,
    procedure_lexical_tokens,
    procedure_lexical_views,
)

log = logging.getLogger(__name__)

# Bump when the on-disk layout or what is indexed changes: old indexes then count as stale.
FORMAT_VERSION = 7
CURRENT_FILE = "CURRENT"
KEEP_INDEXES = 3
DENSE_VIEW_MODE = "views"  # name and each alias embedded separately (best R@1 on the dev set)
VIEW_K1, VIEW_B = 1.5, 1.0  # b=1: full length normalisation, so a longer sibling name ranks below the base one

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def index_key(kb_hash: str, model_id: str) -> str:
    raw = f"{kb_hash}|{model_id}|v{FORMAT_VERSION}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


@dataclass
class IndexData:
    codes: list[str]
    names: list[str]
    bm25: bm25s.BM25
    # BM25 over each procedure's name and each alias as separate short documents: a procedure with many
    # aliases is not penalised by length normalisation, and one everyday name can match on its own.
    bm25_views: bm25s.BM25
    lex_view_doc: np.ndarray  # row of each BM25 view -> procedure position
    # Coverage: row v holds the IDF shares of view v's content syllables (rows sum to 1), so
    # matrix @ indicator(question syllables) = the IDF-weighted share of the view the question mentions.
    coverage: sparse.csr_matrix
    coverage_vocab: dict[str, int] = field(default_factory=dict)
    dense: faiss.Index | None = None  # none without an embedding model
    view_doc: np.ndarray | None = None  # row of each dense vector -> procedure position
    view_texts: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.meta["key"]


def _silence_bm25s() -> None:
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def build_index(
    procedures: Sequence,
    kb_hash: str,
    encoder=None,
    progress: Progress | None = None,
    reuse: IndexData | None = None,
    batch_size: int = 32,
) -> IndexData:
    """Build (in memory) the index of `procedures`. `reuse`: an older index of the same model whose
    vectors are reused for unchanged texts, so re-imports re-encode only what changed."""
    _silence_bm25s()
    started = time.perf_counter()
    model_id = encoder.model_id if encoder is not None else "none"
    codes = [p.code for p in procedures]
    names = [p.name for p in procedures]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate procedure codes in the knowledge base")

    corpus = [procedure_lexical_tokens(p) for p in procedures]
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    view_corpus: list[list[str]] = []
    lex_rows: list[int] = []
    for i, p in enumerate(procedures):
        for tokens in procedure_lexical_views(p):
            view_corpus.append(tokens)
            lex_rows.append(i)
    bm25_views = bm25s.BM25(k1=VIEW_K1, b=VIEW_B)
    bm25_views.index(view_corpus, show_progress=False)
    lex_view_doc = np.asarray(lex_rows, dtype=np.int32)
    coverage, coverage_vocab = _coverage_matrix([v for p in procedures for v in procedure_coverage_views(p)])
    if progress:
        progress("bm25", len(procedures), len(procedures))

    dense = None
    view_doc = None
    view_texts: list[str] = []
    if encoder is not None:
        rows: list[int] = []
        for i, p in enumerate(procedures):
            for text in procedure_dense_views(p, DENSE_VIEW_MODE):
                view_texts.append(text)
                rows.append(i)
        view_doc = np.asarray(rows, dtype=np.int32)
        vectors = np.zeros((len(view_texts), encoder.dim), dtype=np.float32)
        known: dict[str, np.ndarray] = {}
        if reuse is not None and reuse.dense is not None and reuse.meta.get("model_id") == model_id:
            old = reuse.dense.reconstruct_n(0, reuse.dense.ntotal)
            known = {t: old[j] for j, t in enumerate(reuse.view_texts)}
        # Each distinct text is encoded once (shared aliases, unchanged texts of the previous index, texts
        # this process already encoded for another index: tests and benchmarks build several).
        memo = getattr(encoder, "passage_memo", None)
        todo = []
        for text in dict.fromkeys(view_texts):
            if text in known:
                continue
            vec = memo.get(text) if memo is not None else None
            if vec is None:
                todo.append(text)
            else:
                known[text] = vec
        total = len(todo)
        if progress:
            progress("dense", 0, total)
        for start in range(0, total, batch_size):
            batch = todo[start : start + batch_size]
            for text, vec in zip(batch, encoder.encode_passages(batch, batch_size=batch_size), strict=False):
                known[text] = vec
                if memo is not None:
                    memo.put(text, vec)
            if progress:
                progress("dense", start + len(batch), total)
        for j, text in enumerate(view_texts):
            vectors[j] = known[text]
        faiss.normalize_L2(vectors)
        dense = faiss.IndexFlatIP(encoder.dim)
        dense.add(vectors)

    meta = {
        "key": index_key(kb_hash, model_id),
        "kb_hash": kb_hash,
        "model_id": model_id,
        "format_version": FORMAT_VERSION,
        "dense_view_mode": DENSE_VIEW_MODE,
        "n_procedures": len(procedures),
        "n_vectors": len(view_texts),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - started, 3),
    }
    return IndexData(
        codes=codes,
        names=names,
        bm25=bm25,
        bm25_views=bm25_views,
        lex_view_doc=lex_view_doc,
        coverage=coverage,
        coverage_vocab=coverage_vocab,
        dense=dense,
        view_doc=view_doc,
        view_texts=view_texts,
        meta=meta,
    )


def _coverage_matrix(views: list[list[str]]) -> tuple[sparse.csr_matrix, dict[str, int]]:
    vocab: dict[str, int] = {}
    for terms in views:
        for t in terms:
            vocab.setdefault(t, len(vocab))
    df = np.zeros(len(vocab), dtype=np.float64)
    for terms in views:
        for t in terms:
            df[vocab[t]] += 1
    idf = np.log1p(len(views) / np.maximum(df, 1))
    rows, cols, vals = [], [], []
    for r, terms in enumerate(views):
        weights = [idf[vocab[t]] for t in terms]
        total = sum(weights)
        for t, w in zip(terms, weights, strict=False):
            rows.append(r)
            cols.append(vocab[t])
            vals.append(w / total)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(views), max(1, len(vocab))), dtype=np.float32)
    return matrix, vocab


def save_index(data: IndexData, root: Path) -> Path:
    """Write `data` under root/<key> atomically and point CURRENT at it. Returns the directory."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / data.key
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{data.key}-", dir=root))
    try:
        data.bm25.save(str(tmp / "bm25"), show_progress=False)
        data.bm25_views.save(str(tmp / "bm25_views"), show_progress=False)
        np.save(tmp / "lex_view_doc.npy", data.lex_view_doc)
        sparse.save_npz(tmp / "coverage.npz", data.coverage)
        _write_json(tmp / "coverage_vocab.json", data.coverage_vocab)
        _write_json(tmp / "docs.json", {"codes": data.codes, "names": data.names, "view_texts": data.view_texts})
        if data.dense is not None and data.view_doc is not None:
            faiss.write_index(data.dense, str(tmp / "dense.faiss"))
            np.save(tmp / "view_doc.npy", data.view_doc)
        # meta.json last: its presence marks a complete index.
        _write_json(tmp / "meta.json", data.meta)
        if final.exists():
            shutil.rmtree(final)  # a stale/corrupt copy with the same key (e.g. --force)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _write_current(root, data.key)
    _prune(root, keep={data.key})
    return final


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_current(root: Path, key: str) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".current-", dir=root)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    os.replace(tmp_name, root / CURRENT_FILE)


def _prune(root: Path, keep: set[str]) -> None:
    """Keep the newest few complete indexes (a fallback for failures), drop older ones and leftovers."""
    complete = sorted(
        (p for p in root.iterdir() if p.is_dir() and (p / "meta.json").exists()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in complete[KEEP_INDEXES:]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(".tmp-*"):
        # Leftovers of crashed builds (older than an hour, so a concurrent build is not disturbed).
        if time.time() - path.stat().st_mtime > 3600:
            shutil.rmtree(path, ignore_errors=True)


def load_index(path: Path) -> IndexData:
    _silence_bm25s()
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"index format {meta.get('format_version')} != {FORMAT_VERSION}")
    docs = json.loads((path / "docs.json").read_text(encoding="utf-8"))
    bm25 = bm25s.BM25.load(str(path / "bm25"), show_progress=False)
    bm25_views = bm25s.BM25.load(str(path / "bm25_views"), show_progress=False)
    lex_view_doc = np.load(path / "lex_view_doc.npy")
    coverage = sparse.load_npz(path / "coverage.npz").tocsr()
    coverage_vocab = json.loads((path / "coverage_vocab.json").read_text(encoding="utf-8"))
    dense = view_doc = None
    if (path / "dense.faiss").exists():
        dense = faiss.read_index(str(path / "dense.faiss"))
        view_doc = np.load(path / "view_doc.npy")
    return IndexData(
        codes=docs["codes"],
        names=docs["names"],
        bm25=bm25,
        bm25_views=bm25_views,
        lex_view_doc=lex_view_doc,
        coverage=coverage,
        coverage_vocab=coverage_vocab,
        dense=dense,
        view_doc=view_doc,
        view_texts=docs.get("view_texts", []),
        meta=meta,
    )


def find_index(root: Path, key: str) -> Path | None:
    path = root / key
    return path if (path / "meta.json").exists() else None


def current_index(root: Path) -> Path | None:
    """The index last built successfully (what keeps serving when a rebuild fails)."""
    try:
        key = (root / CURRENT_FILE).read_text().strip()
    except OSError:
        return None
    return find_index(root, key) if key else None
