"""List the everyday names of knowledge_base/data/national_aliases.yaml for human review.

For each bundled → national mapping prints the national code, the national name and level from the
crawl, the former bundled code and the aliases carried over, so a reviewer can confirm each pair is the
same procedure; then, for the everyday names of the most used procedures (section `popular`), the
national name and level with the names attached, so a reviewer can confirm each name goes to the
variant a citizen means (commune, provincial or central level; first registration or transfer).

    python scripts/review_national_aliases.py [--crawl PATH] [--git-rev REV] [--section mappings|popular]

The bundled names are read from the aliases (the first alias is the former bundled name when it
differs from the national one); with --git-rev the former bundled records are read from that commit.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
MAPPING = REPO / "knowledge_base" / "data" / "national_aliases.yaml"
DEFAULT_CRAWL = REPO.parent / "shared" / "tthc" / "national_procedures_2026-06.jsonl.gz"


def load_mapping(path: Path = MAPPING, section: str = "mappings") -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")).get(section) or []


def load_crawl(path: Path) -> dict[str, dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return {record["ma_thu_tuc"]: record for record in map(json.loads, filter(str.strip, lines))}


def former_bundled_names(rev: str) -> dict[str, str]:
    """Names of the bundled records at a git revision (before they were replaced)."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", rev, "knowledge_base/data/procedures/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    names: dict[str, str] = {}
    for path in listing:
        text = subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        for record in yaml.safe_load(text) or []:
            names[record["code"]] = record["name"]
    return names


def _national(record: dict | None) -> str:
    if record is None:
        return "!! KHÔNG CÓ TRONG CRAWL"
    return f"{' '.join(record['ten_thu_tuc'].split())} [{record['cap_thuc_hien']}; {record['linh_vuc']}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl", type=Path, default=DEFAULT_CRAWL)
    parser.add_argument("--git-rev", help="read the former bundled names from this commit")
    parser.add_argument("--section", choices=("mappings", "popular"), help="only this section (default: both)")
    args = parser.parse_args(argv)
    if not args.crawl.exists():
        print(f"Không thấy tệp crawl: {args.crawl}", file=sys.stderr)
        return 2
    crawl = load_crawl(args.crawl)
    missing = 0
    if args.section in (None, "mappings"):
        former = former_bundled_names(args.git_rev) if args.git_rev else {}
        mappings = load_mapping()
        for entry in mappings:
            record = crawl.get(entry["national_code"])
            missing += record is None
            bundled = former.get(entry["bundled_code"]) or (entry["aliases"][0] if entry["aliases"] else "")
            print(f"{entry['national_code']:<10} {_national(record)}")
            print(f"  ← {entry['bundled_code']:<14} {bundled}")
            print(f"    aliases: {', '.join(entry['aliases'][1:6])}{' …' if len(entry['aliases']) > 6 else ''}")
        print(f"\n{len(mappings)} ánh xạ từ bản ghi cũ.")
    if args.section in (None, "popular"):
        popular = load_mapping(section="popular")
        for entry in popular:
            record = crawl.get(entry["national_code"])
            missing += record is None
            print(f"{entry['national_code']:<10} {_national(record)}")
            print(f"    tên thường gọi: {', '.join(entry['aliases'])}")
        print(f"\n{len(popular)} thủ tục có tên thường gọi ({sum(len(e['aliases']) for e in popular)} tên).")
    print(f"{missing} mã quốc gia không có trong crawl.")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
