"""Routing accuracy on the routing dev set (a benchmark, not a test): which agency each item goes to.

    .venv/bin/python scripts/routing_benchmark.py                 # dev and held-out accuracy
    .venv/bin/python scripts/routing_benchmark.py --errors dev    # and the dev items routed elsewhere
    .venv/bin/python scripts/routing_benchmark.py path/to/items.yaml --errors

Items are YAML lists of {id, content, location, agency} (tests/feedback_api/routing/data/routing_*.yaml, whose
header gives the principles the expected agencies follow). The held-out file's errors are not printed
unless asked for by path: it is not used to tune the rules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_api.routing.rules import load_rules, route  # noqa: E402
from knowledge_base.loader import load_agencies  # noqa: E402

DATA = ROOT / "tests" / "feedback_api" / "routing" / "data"
SETS = {"dev": DATA / "routing_dev.yaml", "heldout": DATA / "routing_heldout.yaml"}
COORDINATOR = "TTPVHCC"  # settings.coordinator_agency's default


def load_items(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def evaluate(items: list[dict], agencies=None, rules=None) -> tuple[float, list[tuple[dict, object]]]:
    """(accuracy, [(item, decision) for each item routed to another agency])."""
    agencies = load_agencies() if agencies is None else agencies
    rules = rules or load_rules()
    misses = []
    for item in items:
        decision = route(item["content"], item.get("location"), None, agencies, rules, COORDINATOR)
        if decision.agency_code != item["agency"]:
            misses.append((item, decision))
    return (1 - len(misses) / len(items)) if items else 0.0, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", help="dev, heldout or a YAML path (default: dev heldout)")
    parser.add_argument("--errors", action="store_true", help="print the items routed elsewhere")
    args = parser.parse_args(argv)
    for name in args.sets or ["dev", "heldout"]:
        path = SETS.get(name) or Path(name)
        items = load_items(path)
        accuracy, misses = evaluate(items)
        print(f"{name}: {len(items) - len(misses)}/{len(items)} = {accuracy:.1%}")
        show = args.errors and (name != "heldout")  # held-out errors only when given as a path
        for item, decision in misses if show else ():
            print(
                f"  {item['id']}: expected {item['agency']}, got {decision.agency_code}"
                f" [{decision.category}] {item['content'][:70]!r} @ {item.get('location')!r}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
