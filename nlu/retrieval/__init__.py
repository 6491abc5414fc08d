"""Procedure retrieval: BM25 over folded syllables fused with dense embeddings (faiss).

    from nlu.retrieval import get_retriever, is_confident
    hits = get_retriever().search("lam so do o dau", k=5)   # [Hit(code, name, score)], score in [0, 1]
    if not is_confident(hits): ...ask which of hits[:3] the citizen means...
"""
from nlu.retrieval.fusion import FusionConfig
from nlu.retrieval.retriever import (
    CONFIDENCE_MARGIN,
    CONFIDENCE_THRESHOLD,
    Hit,
    Retriever,
    clear_cache,
    ensure_index,
    get_encoder,
    get_retriever,
    is_confident,
)

__all__ = [
    "CONFIDENCE_MARGIN",
    "CONFIDENCE_THRESHOLD",
    "FusionConfig",
    "Hit",
    "Retriever",
    "clear_cache",
    "ensure_index",
    "get_encoder",
    "get_retriever",
    "is_confident",
]
