"""The bundled seed: size, coverage, required names, agency directory."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.loader import DATA_DIR, load_agencies, load_procedures

LEGACY = DATA_DIR / "legacy" / "quangnam_2024.yaml"
REQUIRED = Path(__file__).parent / "data" / "required_procedures.txt"

PROVINCIAL_CODES = [
    "VPUBND",
    "TTPVHCC",
    "STP",
    "SXD",
    "STNMT",
    "SKHDT",
    "SCT",
    "SGTVT",
    "SLDTBXH",
    "SGDDT",
    "SYT",
    "SVHTTDL",
    "SNV",
    "SNNPTNT",
    "STTTT",
    "STC",
    "SKHCN",
    "CAT",
    "BHXH",
]
DISTRICT_CODES = [
    "UBND_TAMKY",
    "UBND_HOIAN",
    "UBND_DIENBAN",
    "UBND_NUITHANH",
    "UBND_PHUNINH",
    "UBND_THANGBINH",
    "UBND_QUESON",
    "UBND_DUYXUYEN",
    "UBND_DAILOC",
    "UBND_NONGSON",
    "UBND_HIEPDUC",
    "UBND_TIENPHUOC",
    "UBND_BACTRAMY",
    "UBND_NAMTRAMY",
    "UBND_PHUOCSON",
    "UBND_NAMGIANG",
    "UBND_DONGGIANG",
    "UBND_TAYGIANG",
]


def test_seed_size_fields_and_levels(seed_kb):
    assert len(seed_kb.procedures) >= 150
    assert len(seed_kb.fields) >= 15
    assert {"tỉnh", "xã"} <= set(seed_kb.levels) and "huyện" not in seed_kb.levels  # two-tier since 01/07/2025


def test_seed_codes_unique_and_looked_up(seed_kb):
    codes = [p.code for p in seed_kb.procedures]
    assert len(codes) == len(set(codes))
    sample = seed_kb.procedures[len(codes) // 2]
    assert seed_kb.procedure(sample.code) is sample
    assert seed_kb.procedure("no-such-code") is None


def test_every_required_procedure_present_with_exact_name(seed_kb):
    required = [line.strip() for line in REQUIRED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(required) >= 40
    names = {name for p in seed_kb.procedures for name in (p.name, *p.aliases)}
    missing = [name for name in required if name not in names]
    assert missing == []


def test_every_procedure_has_aliases_and_agency_codes_resolve(seed_kb):
    from knowledge_base.caveats import is_national

    # Curated records all carry everyday names; national ones have them where citizens use other words.
    assert [p.code for p in seed_kb.procedures if not p.aliases and not is_national(p)] == []
    assert sum(1 for p in seed_kb.procedures if is_national(p) and p.aliases) >= 100
    for procedure in seed_kb.procedures:
        if procedure.agency_code:
            assert seed_kb.agency(procedure.agency_code) is not None, procedure.code


def test_everyday_names_are_aliases(seed_kb):
    aliases = {alias.lower(): p for p in seed_kb.procedures for alias in p.aliases}
    # national codes per knowledge_base/data/national_aliases.yaml
    assert aliases["làm sổ đỏ"].code == "1.013978"
    assert aliases["hộ khẩu"].code == "1.004222"
    assert aliases["làm giấy khai sinh"].code == "1.001193"
    assert aliases["đổi bằng lái"].code == "3.000347"
    assert aliases["làm hộ chiếu"].code == "1.001456"
    assert aliases["sao y"].code == "2.000815"
    assert aliases["trợ cấp thất nghiệp"].name == "Giải quyết hưởng trợ cấp thất nghiệp"


def test_well_known_record_content(seed_kb):
    birth = seed_kb.procedure("1.001193")
    assert "Đăng ký khai sinh" in birth.aliases and birth.level == "xã"
    assert birth.portal_url.startswith("https://dichvucong.gov.vn/")
    local = next(p for p in seed_kb.procedures if not p.national_code)
    assert local.portal_url is None


def test_default_loaders_read_the_bundled_seed():
    assert len(load_procedures()) >= 60  # curated records only; national ones come from the import
    agencies = load_agencies()
    assert len(agencies) >= 30


def test_legacy_agency_directory_quang_nam():
    # the pre-reform directory, kept as the mapping of old codes
    agencies = {a.code: a for a in load_agencies(LEGACY)}
    assert all(code in agencies for code in PROVINCIAL_CODES)
    assert all(agencies[code].level == "tỉnh" for code in PROVINCIAL_CODES)
    for code in DISTRICT_CODES:
        assert agencies[code].level == "huyện"
        assert agencies[code].area
    communes = [a for a in agencies.values() if a.level == "xã"]
    assert len(communes) >= 8
    assert all(c.parent in DISTRICT_CODES for c in communes)
    assert agencies["UBXA_ANMY_TAMKY"].parent == "UBND_TAMKY"
    assert agencies["STP"].email == "sotuphap@quangnam.gov.vn"


CITY_CODES = [
    "UBND_DANANG",
    "VPUBND",
    "TTPVHCC",
    "SNV",
    "STC",
    "SXD",
    "SNNMT",
    "SKHCN",
    "SVHTTDL",
    "STP",
    "SCT",
    "SGDDT",
    "SYT",
    "SNGV",
    "SDTTG",
    "TTT",
    "CAT",
    "BHXH",
    "VPDKDD",
]


def test_agency_directory_da_nang_2026():
    agencies = load_agencies()
    by_code = {a.code: a for a in agencies}
    assert all(by_code[code].level == "tỉnh" for code in CITY_CODES)
    communes = [a for a in agencies if a.level == "xã"]
    # NQ 1659/NQ-UBTVQH15: 94 commune-level units, 23 phường, 70 xã, 1 đặc khu
    assert len(communes) == 94
    kinds = [a.name.removeprefix("Ủy ban nhân dân ").split(" ")[0] for a in communes]
    assert (kinds.count("phường"), kinds.count("xã"), kinds.count("đặc")) == (23, 70, 1)
    assert all(a.parent == "UBND_DANANG" and a.source.startswith("Nghị quyết 1659/NQ-UBTVQH15") for a in communes)
    assert "huyện" not in {a.level for a in agencies}
    assert "xã Tam Ngọc" in by_code["P_HUONG_TRA"].aliases
    assert by_code["P_HAI_CHAU"].name == "Ủy ban nhân dân phường Hải Châu"
    # merged departments keep the old codes
    assert set(by_code["SNNMT"].replaces) == {"STNMT", "SNNPTNT"}
    assert "SGTVT" in by_code["SXD"].replaces and "SLDTBXH" in by_code["SNV"].replaces
    # every old code of the legacy directory resolves, except districts (places.yaml) and the one unverified
    resolvable = set(by_code) | {old for a in agencies for old in a.replaces}
    legacy = {a.code: a for a in load_agencies(LEGACY)}
    missing = {code for code, a in legacy.items() if code not in resolvable and a.level != "huyện"}
    assert missing == {"BQLKKT"}
    # no invented contact data
    assert all(not a.hotline and not a.email for a in agencies)
