"""Published text read in the two-tier model: agencies named with thị trấn, units that no longer exist."""

from __future__ import annotations

import pytest

from knowledge_base.two_tier import former_unit, modernise


@pytest.mark.parametrize(
    "published, today",
    [
        ("Ủy ban Nhân dân xã, phường, thị trấn.", "Ủy ban nhân dân cấp xã."),
        ("Sở Xây dựng, Uỷ ban Nhân dân cấp xã, phường, thị trấn", "Sở Xây dựng, Ủy ban nhân dân cấp xã"),
        ("nộp tại Công an xã, phường, thị trấn nơi đặt trụ sở", "nộp tại Công an cấp xã nơi đặt trụ sở"),
        ("văn bản xác nhận của UBND cấp xã, phường, thị trấn nơi", "văn bản xác nhận của Ủy ban nhân dân cấp xã nơi"),
        ("CỦA ỦY BAN NHÂN DÂN XÃ ,PHƯỜNG, THỊ TRẤN NƠI CƯ TRÚ", "CỦA Ủy ban nhân dân cấp xã NƠI CƯ TRÚ"),
        ("Ủy ban nhân dân cấp xã", "Ủy ban nhân dân cấp xã"),  # already today's
        ("Sở Tư pháp", "Sở Tư pháp"),
        ("", ""),
    ],
)
def test_agencies_named_before_the_reform_read_as_today(published: str, today: str) -> None:
    assert modernise(published) == today


@pytest.mark.parametrize(
    "text, unit",
    [
        ("Nộp tại Ủy ban nhân dân xã, phường, thị trấn", None),
        ("cán bộ xã, phường, thị trấn nghỉ việc", "thị trấn"),
        ("Bộ phận Một cửa UBND cấp huyện", "cấp huyện"),
        ("Sở Nội vụ tỉnh Quảng Nam", "tỉnh Quảng Nam"),
        ("thị trấnX và cấp huyệnY", None),  # whole words only
        ("Ủy ban nhân dân cấp xã", None),
    ],
)
def test_former_unit_is_what_remains_after_modernising(text: str, unit: str | None) -> None:
    assert former_unit(text) == unit
