"""Loader validation, error reporting (file + record), layering, the 2025 reorganisation as data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from knowledge_base.loader import (
    KBError,
    load_agencies,
    load_knowledge_base,
    load_procedures,
)

KB_DATA = Path(__file__).resolve().parents[2] / "knowledge_base" / "data"
LEGACY = KB_DATA / "legacy" / "quangnam_2024.yaml"

GOOD = """\
- code: T-001
  name: Thủ tục thử nghiệm một
  field: Thử nghiệm
  level: xã
  agency: Ủy ban nhân dân cấp xã
  steps: [Nộp hồ sơ]
  submission_channels: [truc_tiep]
  processing_time: 03 ngày làm việc
  processing_days: 3
"""


def _write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_broken_record_names_file_and_record(tmp_path):
    broken = GOOD + textwrap.dedent("""\
    - code: T-002
      name: Thủ tục thiếu các bước
      field: Thử nghiệm
      level: xã
      agency: Ủy ban nhân dân cấp xã
      submission_channels: [fax]
      processing_time: 01 ngày
    """)
    path = _write(tmp_path / "broken.yaml", broken)
    with pytest.raises(KBError) as info:
        load_procedures([path])
    err = info.value
    assert err.file == str(path)
    assert err.index == 2 and err.code == "T-002"
    message = str(err)
    assert "broken.yaml" in message and "#2" in message and "T-002" in message
    assert "steps" in message and "submission_channels" in message


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = _write(tmp_path / "syntax.yaml", GOOD + "- code: [unclosed\n")
    with pytest.raises(KBError) as info:
        load_procedures([path])
    assert info.value.file == str(path)
    assert "dòng" in str(info.value)


def test_file_must_be_a_list(tmp_path):
    path = _write(tmp_path / "mapping.yaml", "code: T-1\nname: x\n")
    with pytest.raises(KBError, match="danh sách"):
        load_procedures([path])


def test_duplicate_code_across_files_names_both(tmp_path):
    first = _write(tmp_path / "a.yaml", GOOD)
    second = _write(tmp_path / "b.yaml", GOOD.replace("Thủ tục thử nghiệm một", "Bản khác"))
    with pytest.raises(KBError) as info:
        load_procedures([tmp_path])
    message = str(info.value)
    assert info.value.file == str(second) and str(first) in message and "T-001" in message


def test_unknown_agency_code_is_an_error(make_settings, tmp_path):
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    _write(
        kb_dir / "extra.yaml", GOOD.replace("  processing_days: 3\n", "  processing_days: 3\n  agency_code: NO_SUCH\n")
    )
    with pytest.raises(KBError) as info:
        load_knowledge_base(make_settings(kb_dir=kb_dir))
    assert "NO_SUCH" in str(info.value) and info.value.code == "T-001"


def test_kb_dir_layers_over_seed_by_code(make_settings, tmp_path, seed_kb):
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    birth = seed_kb.procedure("1.001193")
    override = birth.model_copy(update={"processing_time": "Trong ngày (địa phương)"})
    import yaml

    (kb_dir / "local.yaml").write_text(
        yaml.safe_dump([override.model_dump(mode="json")], allow_unicode=True) + GOOD, encoding="utf-8"
    )
    kb = load_knowledge_base(make_settings(kb_dir=kb_dir))
    assert kb.procedure("1.001193").processing_time == "Trong ngày (địa phương)"
    assert kb.procedure("T-001") is not None
    assert len(kb.procedures) == len(seed_kb.procedures) + 1
    assert kb.content_hash() != seed_kb.content_hash()


def test_content_hash_stable_and_order_independent(seed_kb, make_settings):
    again = load_knowledge_base(make_settings())
    assert again.content_hash() == seed_kb.content_hash()
    from knowledge_base.loader import KnowledgeBase

    reversed_kb = KnowledgeBase(list(reversed(seed_kb.procedures)), seed_kb.agencies)
    assert reversed_kb.content_hash() == seed_kb.content_hash()
    changed = KnowledgeBase(
        [seed_kb.procedures[0].model_copy(update={"name": "Tên khác hẳn"})] + seed_kb.procedures[1:], seed_kb.agencies
    )
    assert changed.content_hash() != seed_kb.content_hash()


def test_parsed_seed_cache_is_reused_and_invalidated(make_settings, tmp_path, monkeypatch):
    import knowledge_base.loader as loader

    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    local = _write(kb_dir / "local.yaml", GOOD)
    settings = make_settings(kb_dir=kb_dir)
    first = load_knowledge_base(settings)
    assert (settings.data_dir / "cache" / "kb_parsed.json").exists()

    # a fresh process (empty in-process caches) must not need the YAML parser at all
    loader._raw_cache.clear()
    loader._model_cache.clear()

    def no_yaml(*args, **kwargs):
        raise AssertionError("YAML parsed although the snapshot is fresh")

    monkeypatch.setattr(loader.yaml, "load", no_yaml)
    assert load_knowledge_base(settings).content_hash() == first.content_hash()
    monkeypatch.undo()

    # an edited file is parsed again, not served stale
    _write(local, GOOD.replace("Thủ tục thử nghiệm một", "Thủ tục thử nghiệm đã sửa"))
    assert load_knowledge_base(settings).procedure("T-001").name == "Thủ tục thử nghiệm đã sửa"


def test_agency_directory_errors(tmp_path):
    path = _write(
        tmp_path / "agencies.yaml",
        """\
    - {code: ROOT, name: Ủy ban gốc, level: tỉnh}
    - {code: CHILD, name: Cơ quan con, level: huyện, parent: MISSING}
    """,
    )
    with pytest.raises(KBError) as info:
        load_agencies(path)
    assert info.value.code == "CHILD" and "MISSING" in str(info.value)
    dup = _write(
        tmp_path / "dup.yaml",
        """\
    - {code: ROOT, name: Ủy ban gốc, level: tỉnh}
    - {code: ROOT, name: Ủy ban gốc hai, level: tỉnh}
    """,
    )
    with pytest.raises(KBError, match="trùng"):
        load_agencies(dup)
    bad = _write(tmp_path / "bad.yaml", "- {code: lower case, name: Sai mã, level: tỉnh}\n")
    with pytest.raises(KBError) as info:
        load_agencies(bad)
    assert info.value.index == 1


def test_legacy_directory_is_a_data_change_only(make_settings, seed_kb, tmp_path):
    # The pre-reform Quảng Nam directory still loads through kb_dir: only data differs, procedures do not.
    legacy_dir = tmp_path / "legacy_kb"
    legacy_dir.mkdir()
    (legacy_dir / "agencies.yaml").write_text(LEGACY.read_text(encoding="utf-8"), encoding="utf-8")
    kb = load_knowledge_base(make_settings(kb_dir=legacy_dir))
    assert {"tỉnh", "huyện", "xã"} <= {a.level for a in kb.agencies}
    assert kb.content_hash() == seed_kb.content_hash()
    for procedure in kb.procedures:
        if procedure.agency_code:
            assert kb.agency(procedure.agency_code) is not None, procedure.code


def test_default_directory_resolves_former_codes(seed_kb):
    # the bundled directory is today's (two-tier) one; former codes resolve through `replaces`
    levels = {a.level for a in seed_kb.agencies}
    assert "huyện" not in levels and {"tỉnh", "xã"} <= levels
    for procedure in seed_kb.procedures:
        if procedure.agency_code:
            assert seed_kb.agency(procedure.agency_code) is not None, procedure.code
    assert seed_kb.agency("STNMT").code == "SNNMT"
    assert seed_kb.agency("SNNPTNT").code == "SNNMT"
    assert seed_kb.agency("SGTVT").code == "SXD"
    assert seed_kb.agency("UBND_QUANGNAM").code == "UBND_DANANG"
    assert seed_kb.agency("UBXA_MINHAN_HOIAN").name == "Ủy ban nhân dân phường Hội An"
    assert seed_kb.agency("UBND_TAMKY") is None  # district level abolished: no single successor (places.yaml)
    assert seed_kb.agency("TTPVHCC") is not None  # the 1022 coordinator keeps its code
    assert all(a.parent == "UBND_DANANG" for a in seed_kb.agencies if a.level == "xã")


def test_legacy_directory_loads_standalone():
    agencies = load_agencies(LEGACY)
    assert len(agencies) == 56
    assert {a.code for a in agencies} >= {"UBND_QUANGNAM", "UBND_TAMKY", "STNMT", "UBXA_ANMY_TAMKY"}


def test_load_directory_follows_kb_dir(make_settings, tmp_path):
    from knowledge_base.loader import load_directory

    legacy_dir = tmp_path / "legacy_kb"
    legacy_dir.mkdir()
    (legacy_dir / "agencies.yaml").write_text(LEGACY.read_text(encoding="utf-8"), encoding="utf-8")
    bundled = {a.code for a in load_directory(make_settings())}
    legacy = {a.code for a in load_directory(make_settings(kb_dir=legacy_dir))}
    assert "UBND_TAMKY" in legacy and "UBND_TAMKY" not in bundled
    assert "UBND_DANANG" in bundled and "UBND_DANANG" not in legacy
