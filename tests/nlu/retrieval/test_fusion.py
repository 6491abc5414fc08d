"""Pure fusion rules: scores stay in [0, 1], more evidence never lowers a score, confidence gate."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_decide_answers_chooses_or_says_not_found():
    from nlu.retrieval import decide

    assert decide([]) == "none"
    assert decide([Hit("a", "A", 0.8, 0.9), Hit("b", "B", 0.5, 0.9)]) == "answer"
    # a strong score on words the question does not share with the procedure is not an answer
    assert decide([Hit("a", "A", 0.8, 0.3), Hit("b", "B", 0.5, 0.3)]) == "none"
    assert decide([Hit("a", "A", 0.8, 0.55), Hit("b", "B", 0.5, 0.5)]) == "choose"
    assert decide([Hit("a", "A", 0.42, 0.9), Hit("b", "B", 0.41, 0.9)]) == "choose"  # too close to pick one
    assert decide([Hit("a", "A", 0.2, 1.0)]) == "none"


def test_priors_from_the_popularity_list_and_target_users():
    from types import SimpleNamespace as P

    from nlu.retrieval.prior import DEFAULT_POPULARITY, asks_as_business, audience_from_users, procedure_priors

    records = [
        P(code="1.004194", name="Đăng ký tạm trú", target_users=[]),  # the list's most used procedure
        P(code="LOCAL.1", name="Giải quyết hưởng trợ cấp thất nghiệp", target_users=[]),  # by name
        P(code="X.1", name="Không có trong danh sách", target_users=["Doanh nghiệp"]),
        P(code="X.2", name="Cũng không có", target_users=["Công dân Việt Nam"]),
    ]
    popularity, business_only = procedure_priors(records)
    assert popularity[0] == 1.0 and 0.5 < popularity[1] < 1.0
    assert popularity[2] == popularity[3] == DEFAULT_POPULARITY
    assert business_only.tolist() == [False, False, True, False]
    assert audience_from_users(["Tổ chức (không bao gồm doanh nghiệp, HTX)", "Doanh nghiệp"]) == "business"
    assert audience_from_users(["Công dân Việt Nam", "Doanh nghiệp"]) == "both"
    assert asks_as_business("cong ty em muon doi nguoi dai dien theo phap luat")
    assert not asks_as_business("con em muốn làm căn cước")


def test_priors_never_turn_a_zero_into_a_match():
    from nlu.retrieval.fusion import apply_priors

    scores = np.array([0.0, 0.5, 0.8], dtype=np.float32)
    out = apply_priors(
        scores,
        np.array([1.0, 0.0, 1.0], dtype=np.float32),
        np.array([False, False, True]),
        False,
        FusionConfig(prior_weight=0.1, business_penalty=0.2),
    )
    assert out[0] == 0.0 and out[1] == pytest.approx(0.45) and out[2] == pytest.approx(0.64)
