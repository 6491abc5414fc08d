"""The bundled → national mapping: every national code exists in the crawl, every required name stays findable."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from knowledge_base.loader import load_procedures

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "knowledge_base" / "data" / "national_aliases.yaml"
REQUIRED = Path(__file__).parent / "data" / "required_procedures.txt"
CRAWL = REPO.parent / "shared" / "tthc" / "national_procedures_2026-06.jsonl.gz"


def _mappings() -> list[dict]:
    return yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["mappings"]


def test_mapping_shape():
    mappings = _mappings()
    assert len(mappings) >= 100
    bundled = [m["bundled_code"] for m in mappings]
    assert len(bundled) == len(set(bundled)), "a bundled record is mapped twice"
    for m in mappings:
        assert set(m) == {"national_code", "bundled_code", "aliases"}, m
        assert m["national_code"].count(".") == 1 and m["national_code"].split(".")[1].isdigit(), m
        assert m["aliases"] and all(isinstance(a, str) and a.strip() for a in m["aliases"]), m


def test_replaced_bundled_records_are_gone():
    """A mapped bundled record is replaced by the national one: neither its code nor a copy stays bundled."""
    codes = {p.code for p in load_procedures()}
    mappings = _mappings()
    assert [
        m["bundled_code"] for m in mappings if m["bundled_code"] in codes and m["bundled_code"] != m["national_code"]
    ] == []
    assert [m["national_code"] for m in mappings if m["national_code"] in codes] == []


def test_every_required_name_is_bundled_or_mapped():
    required = [line.strip() for line in REQUIRED.read_text(encoding="utf-8").splitlines() if line.strip()]
    bundled = {name for p in load_procedures() for name in (p.name, *p.aliases)}
    mapped = {alias for m in _mappings() for alias in m["aliases"]}
    national_names = _crawl_names() if CRAWL.exists() else {}
    mapped |= {national_names[m["national_code"]] for m in _mappings() if m["national_code"] in national_names}
    assert [name for name in required if name not in bundled | mapped] == []


def _crawl_names() -> dict[str, str]:
    with gzip.open(CRAWL, "rt", encoding="utf-8") as lines:
        return {r["ma_thu_tuc"]: r["ten_thu_tuc"].strip() for r in map(json.loads, filter(str.strip, lines))}


def test_every_national_code_exists_in_the_crawl():
    if not CRAWL.exists():
        pytest.skip(f"crawl of the national database not available at {CRAWL}")
    names = _crawl_names()
    assert [m["national_code"] for m in _mappings() if m["national_code"] not in names] == []
