"""Build knowledge_base/data/national/procedures.json.gz from the national TTHC crawl.

A build step (like the index build), not an operator command: it turns the read-only crawl into a
package artefact with the same parser as `hotline kb import` (knowledge_base.crawl), validates every
record with `Procedure`, and writes compact JSON sorted by code with a fixed gzip mtime, so the same
input always gives the same bytes. The loader does not read this file yet.

    .venv/bin/python scripts/build_national_kb.py [--crawl PATH] [--out PATH] [--verified-on 2026-06-10]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from knowledge_base.crawl import DEFAULT_VERIFIED_ON, parse_crawl_record  # noqa: E402
from knowledge_base.models import Procedure  # noqa: E402

DEFAULT_CRAWL = REPO.parent / "shared" / "tthc" / "national_procedures_2026-06.jsonl.gz"
DEFAULT_OUT = REPO / "knowledge_base" / "data" / "national" / "procedures.json.gz"


def build(crawl: Path, out: Path, verified_on: date) -> dict:
    started = time.perf_counter()
    records, problems, invalid = [], Counter(), []
    with gzip.open(crawl, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            parsed = parse_crawl_record(json.loads(line), verified_on)
            problems.update(parsed.problems.keys())
            try:
                records.append(Procedure.model_validate(parsed.data).model_dump(mode="json"))
            except ValueError as exc:
                invalid.append(f"dòng {number} ({parsed.data.get('code')}): {exc}")
    records.sort(key=lambda r: r["code"])
    payload = json.dumps(records, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="procedures.json", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(out)
    return {
        "records": len(records),
        "invalid": invalid,
        "problems": dict(problems),
        "bytes": out.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl", type=Path, default=DEFAULT_CRAWL)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--verified-on", type=date.fromisoformat, default=DEFAULT_VERIFIED_ON)
    args = parser.parse_args()
    report = build(args.crawl, args.out, args.verified_on)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if report["invalid"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
