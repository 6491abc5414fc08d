"""Pure fusion rules: scores stay in [0, 1], more evidence never lowers a score, confidence gate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.retrieval import FusionConfig, Hit
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


def _hits(score: float, margin: float, coverage: float, name_coverage: float) -> list[Hit]:
    return [Hit("a", "A", score, coverage, name_coverage), Hit("b", "B", max(0.0, score - margin), 0.5, 0.5)]


unit = st.floats(min_value=0.0, max_value=1.0)


@given(unit, unit, unit, unit, unit)
def test_gate_never_answers_with_less_evidence(score, margin, coverage, name_coverage, extra):
    """More evidence of any kind never moves the decision down (none < choose < answer), whatever the
    fitted weights are, as long as none is negative — which the calibration guarantees."""
    from nlu.retrieval.gate import GATE_FILE, decide_with, load_models

    rank = {"none": 0, "choose": 1, "answer": 2}
    for gate in load_models(GATE_FILE).values():
        assert all(w >= 0 for w in gate.weights), gate
        base = rank[decide_with(gate, _hits(score, margin, coverage, name_coverage))]
        stronger = _hits(min(1.0, score + extra), margin, min(1.0, coverage + extra), name_coverage)
        assert rank[decide_with(gate, stronger)] >= base


def test_gate_decides_by_its_thresholds():
    from nlu.retrieval.gate import GateModel, decide_with

    gate = GateModel(weights=(1.0, 1.0, 1.0, 1.0), bias=-2.0, answer_at=0.8, choose_at=0.4, margin=0.1)
    assert decide_with(gate, []) == "none"
    assert decide_with(gate, _hits(1.0, 0.5, 1.0, 1.0)) == "answer"  # z = 1.5: p 0.82
    assert decide_with(gate, _hits(1.0, 0.05, 1.0, 1.0)) == "choose"  # too close to the runner-up
    assert decide_with(gate, _hits(0.5, 0.2, 0.5, 0.5)) == "choose"  # z = -0.3: p 0.43
    assert decide_with(gate, _hits(0.2, 0.1, 0.3, 0.3)) == "none"
    assert decide_with(gate, [Hit("a", "A", 0.0, 1.0, 1.0)]) == "none"  # nothing matched at all


def test_gate_file_is_checked(tmp_path):
    import json

    from nlu.retrieval.gate import parse_models

    entry = {"weights": {"score": 1.0, "margin": 1.0}, "bias": 0, "answer_at": 0.9, "choose_at": 0.5, "margin": 0.1}
    with pytest.raises(ValueError, match="expected"):
        parse_models(json.loads(json.dumps({"models": {"x": entry}})))


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
