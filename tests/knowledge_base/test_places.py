"""Former place names -> today's commune-level units (knowledge_base.places), as data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from knowledge_base.loader import load_agencies
from knowledge_base.places import fold_place, load_places, localise_agency, resolve_place

AGENCIES = load_agencies()
BY_CODE = {a.code: a for a in AGENCIES}
PLACES = load_places()
UNITS = [a for a in AGENCIES if a.level == PLACES.unit_level]


def codes(text):
    return [a.code for a in resolve_place(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xã Tam Ngọc", ["P_HUONG_TRA"]),  # NQ 1659 khoản 15
        ("tam ngoc", ["P_HUONG_TRA"]),  # no diacritics, no unit word
        ("Xa Tam Ngoc, TP Tam Ky", ["P_HUONG_TRA"]),  # the more specific mention wins
        ("thành phố Tam Kỳ", ["P_TAM_KY", "P_QUANG_PHU", "P_HUONG_TRA", "P_BAN_THACH"]),
        ("tp tam ky", ["P_TAM_KY", "P_QUANG_PHU", "P_HUONG_TRA", "P_BAN_THACH"]),
        ("huyện Núi Thành", ["X_NUI_THANH", "X_TAM_MY", "X_TAM_ANH", "X_DUC_PHU", "X_TAM_XUAN", "X_TAM_HAI"]),
        ("quận Hải Châu", ["P_HAI_CHAU", "P_HOA_CUONG"]),
        (
            "thị xã Điện Bàn",
            ["P_DIEN_BAN", "P_DIEN_BAN_DONG", "P_AN_THANG", "P_DIEN_BAN_BAC", "X_DIEN_BAN_TAY", "X_GO_NOI"],
        ),
        ("phường Hải Châu", ["P_HAI_CHAU"]),  # a current name -> itself
        ("Phường Điện Bàn Đông", ["P_DIEN_BAN_DONG"]),  # not "phường Điện Bàn"
        ("hoa khanh bac", ["P_LIEN_CHIEU"]),  # not phường Hòa Khánh
        ("phường Phước Ninh", ["P_HAI_CHAU"]),  # the unit word tells the two former Phước Ninh apart
        ("xã Phước Ninh", ["X_QUE_PHUOC"]),
        ("Tam Thành", ["X_TAY_HO"]),  # diacritics typed must agree
        ("tam thanh", ["P_QUANG_PHU", "X_DUC_PHU", "X_TAY_HO"]),  # without them: every candidate
        ("xã Hòa Liên", ["P_HAI_VAN", "P_LIEN_CHIEU"]),  # split between two wards (khoản 9, 10)
        ("huyện Hoàng Sa", ["DK_HOANG_SA"]),
        ("xã A Vương", ["X_AVUONG"]),
        ("xã Duy Hoà", ["X_THU_BON"]),  # old tone placement ("Hoà") is the same name as "Hòa"
        ("12 Duy Tân, Hải Châu", ["P_HAI_CHAU"]),  # a street name is not the former xã Duy Tân
        ("Hà Nội", []),
        ("", []),
        ("rac thai dang boc mui o lang", []),  # former xã Dang / xã Lăng need their unit word
    ],
)
def test_resolve_place(text, expected):
    assert codes(text) == expected


def test_directory_shape_is_the_resolution():
    assert len(UNITS) == 94
    assert all(c in BY_CODE for d in PLACES.former_districts for c in d.successors)
    # every commune-level unit took over the area of some former district, Đà Nẵng's 8 and Quảng Nam's 18
    assert {c for d in PLACES.former_districts for c in d.successors} == {u.code for u in UNITS}
    assert len(PLACES.former_districts) == 26
    assert PLACES.former_district("UBND_TAMKY").name == "thành phố Tam Kỳ"
    assert PLACES.former_district("Huyện Núi Thành").code == "UBND_NUITHANH"


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.code)
def test_every_unit_and_alias_resolves_to_it(unit):
    label = unit.name.removeprefix("Ủy ban nhân dân ")
    assert unit in resolve_place(label)
    assert unit in resolve_place(fold_place(label))
    for alias in unit.aliases:
        assert unit in resolve_place(alias), alias


def test_localised_agency_text():
    ward = BY_CODE["P_HAI_CHAU"]
    assert localise_agency("Công an cấp xã", ward) == "Công an phường Hải Châu"
    assert localise_agency("Ủy ban nhân dân cấp xã", BY_CODE["X_TAM_MY"]) == "Ủy ban nhân dân xã Tam Mỹ"
    assert localise_agency("UBND cấp xã", BY_CODE["DK_HOANG_SA"]) == "Ủy ban nhân dân đặc khu Hoàng Sa"
    unknown = localise_agency("Công an cấp xã", None)
    assert unknown.startswith("Công an cấp xã ") and "không còn cấp huyện" in unknown
    assert localise_agency("Sở Tư pháp", ward) == "Sở Tư pháp"


def test_agency_text_published_before_the_reform_is_localised():
    """National records still say "Ủy ban Nhân dân xã, phường, thị trấn" (thị trấn no longer exist)."""
    ward = BY_CODE["P_HAI_CHAU"]
    assert localise_agency("Ủy ban Nhân dân xã, phường, thị trấn.", ward) == "Ủy ban nhân dân phường Hải Châu."
    listed = "Sở Xây dựng, Uỷ ban Nhân dân cấp xã, phường, thị trấn"
    assert localise_agency(listed, ward) == "Sở Xây dựng, Ủy ban nhân dân phường Hải Châu"
    # no place named: today's generic name and how to find the unit, right after it
    unnamed = localise_agency(listed, None)
    assert unnamed.startswith("Sở Xây dựng, Ủy ban nhân dân cấp xã của xã, phường hoặc đặc khu nơi bạn cư trú")
    assert "thị trấn" not in unnamed
    first = localise_agency("Uỷ ban Nhân dân cấp xã, phường, thị trấn, Sở Xây dựng", None)
    assert first.startswith("Ủy ban nhân dân cấp xã (của xã, phường hoặc đặc khu nơi bạn cư trú")
    assert first.endswith("), Sở Xây dựng")


WORDS = [
    "xã",
    "phường",
    "huyện",
    "tp",
    "Tam Kỳ",
    "tam ngoc",
    "Hải Châu",
    "Núi Thành",
    "Điện Bàn",
    "thị xã",
    "Hòa Khánh Bắc",
    "Duy Tân",
    ",",
    "đường",
    "12",
    "Quảng Nam",
    "đặc khu",
    "Trà My",
]


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=8).map(" ".join))
def test_resolve_place_returns_distinct_units_of_the_directory(text):
    found = resolve_place(text)
    assert all(a.level == PLACES.unit_level and BY_CODE[a.code] == a for a in found)
    assert len({a.code for a in found}) == len(found)
