"""Pure fusion rules: scores stay in [0, 1], more evidence never lowers a score, confidence gate."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nlu.retrieval import FusionConfig, Hit, is_confident
from nlu.retrieval.fusion import fuse

scores = st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), min_size=1, max_size=30)
configs = st.builds(
    FusionConfig,
    method=st.sampled_from(["weighted", "rrf"]),
    dense_weight=st.floats(min_value=0, max_value=1),
    lex_k=st.floats(min_value=0.5, max_value=32),
)


@given(scores, configs, st.data())
def test_fused_scores_in_unit_interval(lexical, config, data):
    cos = data.draw(st.lists(st.floats(min_value=-1, max_value=1), min_size=len(lexical), max_size=len(lexical)))
    fused = fuse(np.array(lexical, dtype=np.float32), np.array(cos, dtype=np.float32), config, 0.7, 0.9)
    assert fused.shape == (len(lexical),)
    assert np.all(fused >= 0) and np.all(fused <= 1 + 1e-6)
    lexical_only = fuse(np.array(lexical, dtype=np.float32), None, config)
    assert np.all(lexical_only >= 0) and np.all(lexical_only < 1)


@given(scores, st.floats(min_value=0, max_value=1), st.integers(min_value=0, max_value=29))
def test_weighted_fusion_monotone_in_each_signal(lexical, dense_weight, pick):
    lex = np.array(lexical, dtype=np.float32)
    i = pick % len(lex)
    cos = np.linspace(0.7, 0.9, len(lex)).astype(np.float32)
    config = FusionConfig(dense_weight=dense_weight)
    before = fuse(lex, cos, config, 0.7, 0.9)
    more_dense = cos.copy()
    more_dense[i] = min(1.0, more_dense[i] + 0.05)
    assert fuse(lex, more_dense, config, 0.7, 0.9)[i] >= before[i] - 1e-6
    # Ranking by lexical alone is preserved among equal cosines.
    flat = fuse(lex, np.full_like(cos, 0.8), config, 0.7, 0.9)
    order = np.argsort(-lex, kind="stable")
    assert np.all(np.diff(flat[order]) <= 1e-6)


def test_strong_lexical_match_scores_higher_than_weak_one():
    config = FusionConfig(dense_weight=0.0, lex_k=8.0)
    strong = fuse(np.array([30.0, 1.0], dtype=np.float32), None, config)[0]
    weak = fuse(np.array([2.0, 1.0], dtype=np.float32), None, config)[0]
    assert strong > 0.75 > weak


def test_is_confident_needs_score_and_margin():
    assert not is_confident([])
    assert is_confident([Hit("a", "A", 0.9)], threshold=0.5)
    assert not is_confident([Hit("a", "A", 0.4)], threshold=0.5)
    assert not is_confident([Hit("a", "A", 0.80), Hit("b", "B", 0.79)], threshold=0.5, margin=0.05)
    assert is_confident([Hit("a", "A", 0.80), Hit("b", "B", 0.60)], threshold=0.5, margin=0.05)
