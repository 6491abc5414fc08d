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


def _popular() -> list[dict]:
    return yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["popular"]


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


def test_popular_section_shape():
    """Everyday names of the most used procedures: one entry per national code, names not empty."""
    popular = _popular()
    assert len(popular) >= 100
    codes = [p["national_code"] for p in popular]
    assert len(codes) == len(set(codes)), "a national code has two entries in `popular`"
    for entry in popular:
        assert set(entry) == {"national_code", "aliases"}, entry
        assert entry["national_code"].count(".") == 1 and entry["national_code"].split(".")[1].isdigit(), entry
        assert entry["aliases"] and all(isinstance(a, str) and a.strip() for a in entry["aliases"]), entry
    if CRAWL.exists():
        names = _crawl_names()
        assert [code for code in codes if code not in names] == []


def test_an_everyday_name_points_to_one_procedure():
    """The same words attached to two national codes would make the answer a coin toss."""
    from common.text import fold_diacritics

    def fold(text: str) -> str:
        return " ".join(fold_diacritics(text.casefold()).split())

    owners: dict[str, set[str]] = {}
    for entry in _mappings() + _popular():
        for alias in entry["aliases"]:
            owners.setdefault(fold(alias), set()).add(entry["national_code"])
    popular_names = {fold(a) for entry in _popular() for a in entry["aliases"]}
    assert {name: codes for name, codes in owners.items() if len(codes) > 1 and name in popular_names} == {}


def test_everyday_names_reach_the_variant_citizens_use(seed_kb):
    """Plain names go to the commune-level / first-registration record, not to its twins."""
    aliases = {alias.casefold(): p.code for p in seed_kb.procedures for alias in p.aliases}
    assert aliases["làm căn cước"] == "1.014061"  # Công an cấp xã, from 14 years old
    assert aliases["cấp căn cước cho con"] == "1.014062"  # under 14
    assert aliases["đổi căn cước"] == "1.014063"
    assert aliases["mất căn cước"] == "1.014064"
    assert aliases["đăng ký xe máy"] == "1.013067"  # first registration
    assert aliases["sang tên xe"] == aliases["rút hồ sơ gốc xe"] == "1.013076"  # transfer (thu hồi + sang tên)
    assert aliases["nhận con nuôi"] == "2.001263"
    # the provincial and central twins only get names that say where
    twins = {"2.000200", "2.001195", "2.001194", "1.001247", "1.000889", "1.000757", "1.001471"}
    for code in twins:
        procedure = seed_kb.procedure(code)
        assert all(("tỉnh" in a or "Bộ Công an" in a or "Cục" in a) for a in procedure.aliases), procedure.aliases
