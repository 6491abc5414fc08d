"""Pure score fusion: lexical (BM25) and dense (cosine) scores of every procedure -> one score in [0, 1].

Weighted fusion (the default) keeps the absolute strength of the evidence, so the fused score can be
read as a confidence:
- BM25 scores are mapped with s / (s_top + lex_k): the best lexical match gets s_top / (s_top + lex_k),
  near 1 for a strong match and small when only a weak word or two matched;
- cosines are mapped linearly from the model's typical unrelated-pair level (cos_lo -> 0) to its
  clear-match level (cos_hi -> 1), clipped;
- fused = (1 - dense_weight) * lexical + dense_weight * dense.
Reciprocal rank fusion is kept for comparison (scripts/eval_nlu.py --fusion rrf); its scores are
rescaled to [0, 1] but carry no absolute confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FusionConfig:
    method: str = "weighted"  # "weighted" | "rrf"
    dense_weight: float = 0.5  # weighted fusion: share of the dense score
    lex_k: float = 8.0  # weighted fusion: BM25 saturation constant
    rrf_k: int = 60  # rrf: rank offset
    # Lexical score = view_weight * best single view (name or one alias) + (1 - view_weight) * whole
    # procedure document (name, aliases, field, a little body).
    view_weight: float = 0.5
    # Lexical score scaled by (1 - coverage_weight) + coverage_weight * coverage, where coverage is the
    # largest IDF-weighted share of one name/alias the question mentions: "khai sinh cho con" then
    # prefers "Đăng ký khai sinh" over "Đăng ký khai sinh có yếu tố nước ngoài".
    coverage_weight: float = 0.75
    # Priors (nlu.retrieval.prior), applied after fusion: score * (1 - prior_weight + prior_weight *
    # popularity), and * (1 - business_penalty) for a business-only procedure when the question is a
    # citizen's. Both multiplicative, so a score of 0 stays 0 and scores stay in [0, 1].
    prior_weight: float = 0.0
    business_penalty: float = 0.0


def lexical_normalise(scores: np.ndarray, lex_k: float) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    if top <= 0:
        return np.zeros_like(scores, dtype=np.float32)
    return (np.clip(scores, 0, None) / (top + lex_k)).astype(np.float32)


def dense_normalise(cosines: np.ndarray, cos_lo: float, cos_hi: float) -> np.ndarray:
    return np.clip((cosines - cos_lo) / (cos_hi - cos_lo), 0.0, 1.0).astype(np.float32)


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def fuse(
    lexical: np.ndarray,
    cosines: np.ndarray | None,
    config: FusionConfig,
    cos_lo: float = 0.0,
    cos_hi: float = 1.0,
) -> np.ndarray:
    """One fused score in [0, 1] per procedure. `cosines` None: lexical evidence only."""
    lex = lexical_normalise(lexical, config.lex_k)
    if cosines is None:
        return lex
    if config.method == "rrf":
        rrf = 1.0 / (config.rrf_k + _ranks(lexical)) + 1.0 / (config.rrf_k + _ranks(cosines))
        return (rrf / (2.0 / (config.rrf_k + 1))).astype(np.float32)
    dense = dense_normalise(cosines, cos_lo, cos_hi)
    w = config.dense_weight
    return ((1.0 - w) * lex + w * dense).astype(np.float32)


def apply_priors(
    scores: np.ndarray,
    popularity: np.ndarray | None,
    business_only: np.ndarray | None,
    business_question: bool,
    config: FusionConfig,
) -> np.ndarray:
    out = scores
    if popularity is not None and config.prior_weight:
        out = out * ((1.0 - config.prior_weight) + config.prior_weight * popularity)
    if business_only is not None and config.business_penalty and not business_question:
        out = np.where(business_only, out * (1.0 - config.business_penalty), out)
    return out.astype(np.float32)
