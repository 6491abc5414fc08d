"""`hotline kb check` and the caveats national records carry when their published text is out of date."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from knowledge_base.caveats import (
    NATIONAL_SOURCE,
    TWO_TIER_CAVEAT,
    Repeal,
    caveats_for,
    findings_for,
    load_repeals,
)
from knowledge_base.directory import Directory
from knowledge_base.models import Agency, Procedure, Provenance

TODAY = date(2026, 12, 1)
DIRECTORY = Directory([Agency(code="STP", name="Sở Tư pháp thành phố Đà Nẵng", level="tỉnh")])
LAND_2013 = Repeal(("Luật Đất đai năm 2013",), "Luật Đất đai số 31/2024/QH15", None, "test")


def record(source: str | None = "Nghị định 151/2025/NĐ-CP", verified: date = date(2026, 11, 1), **fields) -> Procedure:
    values = dict(
        code="X.1",
        name="Đăng ký thử",
        field="Hộ tịch",
        level="xã",
        agency="Ủy ban nhân dân cấp xã",
        steps=["Nộp hồ sơ tại Bộ phận Một cửa UBND cấp xã"],
        submission_channels=["truc_tiep"],
        processing_time="03 ngày làm việc",
    )
    values.update(fields)
    if source:
        values["provenance"] = Provenance(source=source, verified_on=verified)
    return Procedure(**values)


def kinds(procedure: Procedure, repeals=(LAND_2013,)) -> list[str]:
    return [f.kind for f in findings_for(procedure, DIRECTORY, list(repeals), TODAY, 365)]


def test_an_up_to_date_curated_record_has_no_findings():
    assert kinds(record()) == []


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"source": None}, ["no_source"]),
        ({"verified": date(2025, 11, 30)}, ["stale"]),  # 366 days before today
        ({"agency_code": "SKHDT"}, ["unknown_agency"]),
        ({"legal_basis": ["Luật Đất đai năm 2013"]}, ["repealed"]),
        ({"where_to_submit": "Bộ phận Một cửa UBND cấp huyện"}, ["former_unit"]),
        ({"steps": ["Nộp tại Ủy ban nhân dân huyện Núi Thành"]}, ["former_unit"]),
        ({"agency": "Sở Tư pháp tỉnh Quảng Nam"}, ["former_unit"]),
        # thị trấn were abolished with the district level
        ({"agency": "Ủy ban nhân dân xã, phường, thị trấn"}, []),  # an agency: read as today's (two_tier)
        ({"conditions": "Cư trú tại thị trấn Núi Thành"}, ["former_unit"]),
    ],
)
def test_each_kind_of_finding(fields, expected):
    assert kinds(record(**fields)) == expected


def test_a_record_verified_exactly_a_year_ago_is_not_stale():
    assert kinds(record(verified=date(2025, 12, 1))) == []


def test_national_records_are_annotated_not_reported():
    outdated = record(
        source=NATIONAL_SOURCE,
        where_to_submit="Công an cấp huyện nơi thường trú",
        legal_basis=["Luật Đất đai năm 2013", "Luật Cư trú 2020"],
    )
    assert kinds(outdated) == []  # the portal's text is kept as published...
    caveats = caveats_for(outdated, [LAND_2013])
    assert caveats[0] == TWO_TIER_CAVEAT  # ...and the answer warns the citizen instead
    assert "Luật Đất đai số 31/2024/QH15" in caveats[1]
    assert caveats_for(record(source=NATIONAL_SOURCE), [LAND_2013]) == []


def test_a_national_record_naming_thi_tran_agencies_needs_no_caveat_but_other_mentions_do():
    agencies = record(
        source=NATIONAL_SOURCE,
        agency="Uỷ ban Nhân dân cấp xã, phường, thị trấn",
        steps=["Nộp hồ sơ cho Công an xã, phường, thị trấn nơi cư trú"],
    )
    assert caveats_for(agencies, []) == []  # answers name them as today's cấp xã agencies
    story = record(source=NATIONAL_SOURCE, conditions="Đang chấp hành biện pháp giáo dục tại xã, phường, thị trấn")
    assert caveats_for(story, []) == [TWO_TIER_CAVEAT]
    assert "thị trấn" in TWO_TIER_CAVEAT


def test_repeal_table_rows_have_a_source():
    repeals = load_repeals()
    assert repeals and all(r.source.startswith("http") and r.repealed and r.replaced_by for r in repeals)


def test_land_law_2024_in_force_from_1_august_2024():
    """Luật Đất đai 31/2024/QH15: brought forward from 01/01/2025 by Luật 43/2024/QH15 (sources in the table)."""
    land = next(r for r in load_repeals() if r.cited_in("Luật Đất đai số 45/2013/QH13"))
    assert land.effective_from == date(2024, 8, 1)
    caveats = caveats_for(record(source=NATIONAL_SOURCE, legal_basis=["Luật Đất đai năm 2013"]), [land])
    assert caveats == [
        "Căn cứ pháp lý đã thay đổi: “Luật Đất đai số 45/2013/QH13” đã được thay thế bởi "
        "Luật Đất đai số 31/2024/QH15 (Luật Đất đai năm 2024) từ 01/08/2024."
    ]


def test_bundled_kb_has_no_findings(tmp_path, monkeypatch):
    """What CI asks of the shipped data: every record sourced, checked within a year, two-tier, current."""
    from common.settings import get_settings
    from hotline.cli import app

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HOTLINE_KB_DIR", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["kb", "check", "--today", "2026-12-01"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Phát hiện: 0" in result.output
    annotated = int(result.output.split("(văn bản trên Cổng đã cũ): ")[1].split()[0])
    assert annotated > 0  # the national crawl still says "cấp huyện" in places: those answers carry a caveat


def test_check_fails_on_a_curated_file_naming_the_district_level(tmp_path, monkeypatch):
    import yaml

    from common.settings import get_settings
    from hotline.cli import app

    bad = record(where_to_submit="UBND cấp huyện").model_dump(mode="json", exclude_defaults=True)
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "bad.yaml").write_text(yaml.safe_dump([bad], allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HOTLINE_KB_DIR", str(tmp_path / "kb"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["kb", "check", "--today", "2026-12-01"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "X.1: còn nhắc “cấp huyện”" in result.output
