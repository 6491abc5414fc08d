"""Routing: categories from keywords, category × place rules over the agency directory."""
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from feedback_api.routing.rules import RulesError, classify_category, load_rules, route
from knowledge_base.loader import load_agencies

LEGACY = Path(__file__).resolve().parents[2] / "knowledge_base" / "data" / "legacy" / "quangnam_2024.yaml"
OLD = load_agencies(LEGACY)  # pre-reform Quảng Nam (districts)
NEW = load_agencies()  # the default: Thành phố Đà Nẵng 2026, no district level
RULES = load_rules()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Rác thải đổ bừa bãi, bốc mùi hôi thối", "moi_truong"),
        ("rac thai do bua bai, boc mui hoi thoi", "moi_truong"),
        ("Nước thải từ nhà máy chảy ra sông", "moi_truong"),
        ("Đường hư, nhiều ổ gà rất nguy hiểm", "giao_thong"),
        ("Đèn tín hiệu ở ngã tư bị hỏng", "giao_thong"),
        ("Đèn đường không sáng cả tháng nay", "dien_chieu_sang"),
        ("den duong khong sang", "dien_chieu_sang"),
        ("Mưa là ngập, cống bị tắc", "cap_thoat_nuoc"),
        ("Lấn chiếm vỉa hè để buôn bán", "trat_tu_do_thi"),
        ("Nhà bên cạnh xây dựng trái phép", "trat_tu_do_thi"),
        ("Tranh chấp đất với hàng xóm, chưa được cấp sổ đỏ", "dat_dai"),
        ("Quán karaoke hát tới 12 giờ đêm, tiếng ồn không ngủ được", "an_ninh_trat_tu"),
        ("Trạm y tế không có bác sĩ trực", "y_te"),
        ("Trường học lạm thu học phí", "giao_duc"),
        ("Hồ sơ bị chậm trả, trễ hẹn 2 tuần", "thu_tuc_hanh_chinh"),
        ("Thái độ cán bộ một cửa không đúng mực", "thu_tuc_hanh_chinh"),
        ("Chưa nhận được trợ cấp hộ nghèo", "an_sinh_xa_hoi"),
        ("Cháy rừng ở núi, lâm tặc chặt phá", "nong_lam_nghiep"),
        ("Quán nhậu mở nhạc to tới khuya", "an_ninh_trat_tu"),
        ("Làm căn cước công dân chờ lâu quá", "thu_tuc_hanh_chinh"),
        ("den duong hu", "dien_chieu_sang"),  # tie "đèn đường"/"đường hư": the more specific category
    ],
)
def test_classify(text, category):
    assert classify_category(text) == category


def test_classify_nothing():
    assert classify_category("Xin hỏi giá vàng hôm nay") is None
    assert classify_category("") is None


def test_diacritics_must_agree_when_present():
    # "công an" is not "cống" (drain) and "tháng bình thường" is not "Thăng Bình".
    assert classify_category("anh công an phường") != "cap_thoat_nuoc"
    assert classify_category("cong bi tac") == "cap_thoat_nuoc"  # no diacritics: folded match
    decision = route("Rác bốc mùi suốt tháng bình thường", None, None, NEW, None, "TTPVHCC")
    assert decision.agency_code == "SNNMT" and decision.place is None


@pytest.mark.parametrize(
    ("content", "location", "agency", "rule"),
    [
        ("Rác thải gây ô nhiễm", "phường An Mỹ, Tam Kỳ", "P_TAM_KY", "R04"),  # former ward -> today's ward
        ("rac thai gay o nhiem", "tp tam ky", "P_TAM_KY", "R04"),
        ("Đèn đường không sáng ở Hội An", None, "P_HOI_AN", "R04"),
        ("Quán karaoke ồn ào", "Điện Bàn", "P_DIEN_BAN", "R04"),
        ("Ngập nước, cống tắc", "huyện Núi Thành", "X_NUI_THANH", "R04"),
        ("Đường liên thôn có ổ gà", "xã Tam Thanh", "P_QUANG_PHU", "R04"),  # former commune, absorbed 2025
        ("Rác thải ở chợ", "xã Tam Ngọc", "P_HUONG_TRA", "R04"),
        ("Đường có nhiều ổ gà", "Quốc lộ 1A đoạn qua huyện Núi Thành", "SXD", "R02"),  # SGTVT merged into SXD
        ("Hồ sơ bị trễ hẹn, cán bộ gây khó khăn", "Tam Kỳ", "TTPVHCC", "R01"),
        ("Rác thải gây ô nhiễm", None, "SNNMT", "R05"),  # STNMT merged into SNNMT
        ("Đường hư hỏng nặng", None, "SXD", "R06"),
        ("Lấn chiếm vỉa hè", None, "SXD", "R07"),
        ("Quán karaoke ồn ào", None, "CAT", "R09"),
        ("Trạm y tế không có bác sĩ", "Tam Kỳ", "SYT", "R10"),
        ("Chưa nhận được trợ cấp hộ nghèo", None, "SNV", "R12"),  # SLDTBXH -> SNV
        ("Cháy rừng ở núi", "huyện Nam Giang", "SNNMT", "R13"),  # SNNPTNT -> SNNMT
        ("Rác thải gây ô nhiễm", "123 Duy Tân, phường Hải Châu", "P_HAI_CHAU", "R04"),  # a street is not "xã Duy Tân"
    ],
)
def test_route_default_directory(content, location, agency, rule):
    decision = route(content, location, None, NEW, RULES, "TTPVHCC")
    assert (decision.agency_code, decision.matched_rule) == (agency, rule)
    assert f"quy tắc {rule}" in decision.reason


def test_reason_names_category_place_and_rule():
    decision = route("Rác thải gây ô nhiễm", "xã Tam Thanh", None, NEW, None, "TTPVHCC")
    assert decision.reason.startswith("Phân loại 'Môi trường' tại 'Phường Quảng Phú' theo quy tắc R04")
    assert decision.category == "moi_truong" and decision.place == "Phường Quảng Phú"


@pytest.mark.parametrize(
    ("content", "location", "agency", "rule"),
    [
        ("Rác thải gây ô nhiễm", "phường An Mỹ, Tam Kỳ", "UBND_TAMKY", "R03"),
        ("rac thai gay o nhiem", "tp tam ky", "UBND_TAMKY", "R03"),
        ("Đèn đường không sáng ở Hội An", None, "UBND_HOIAN", "R03"),
        ("Ngập nước, cống tắc", "huyện Núi Thành", "UBND_NUITHANH", "R03"),
        ("Đường liên thôn có ổ gà", "xã Tam Thanh", "UBND_TAMKY", "R03"),  # the ward's district
        ("Hồ sơ bị trễ hẹn, cán bộ gây khó khăn", "Tam Kỳ", "TTPVHCC", "R01"),
        ("Quán karaoke ồn ào", None, "CAT", "R09"),
    ],
)
def test_route_pre_2025_directory_is_a_data_change(content, location, agency, rule):
    # The legacy directory (districts) still routes by the same rules: R03 applies where districts exist.
    decision = route(content, location, None, OLD, RULES, "TTPVHCC")
    assert (decision.agency_code, decision.matched_rule) == (agency, rule)


def test_unmatched_goes_to_coordinator_with_reason():
    decision = route("Xin hỏi giá vàng hôm nay", None, None, NEW, RULES, "TTPVHCC")
    assert decision.agency_code == "TTPVHCC" and decision.matched_rule is None and decision.category is None
    assert "đầu mối" in decision.reason


def test_given_category_is_trusted_unknown_is_ignored():
    decision = route("Có việc cần phản ánh", "Hội An", "moi_truong", NEW, None, "TTPVHCC")
    assert decision.agency_code == "P_HOI_AN" and decision.category == "moi_truong"
    decision = route("Rác thải gây ô nhiễm", "Hội An", "khong_co", NEW, None, "TTPVHCC")
    assert decision.category == "moi_truong"


def test_rule_with_missing_agency_is_skipped():
    # A directory without the construction department: the transport rules fall through.
    directory = [a for a in NEW if a.code != "SXD"]
    decision = route("Đường có nhiều ổ gà", "Quốc lộ 1A", None, directory, None, "TTPVHCC")
    assert decision.agency_code == "TTPVHCC" and decision.category == "giao_thong"


def test_rules_validation(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("categories:\n  a: {label: A, keywords: [x]}\nrules:\n  - {id: R1, categories: [b], agency: X}\n")
    with pytest.raises(RulesError, match="R1"):
        load_rules(bad)
    bad.write_text("categories:\n  a: {label: A, keywords: [x]}\nrules:\n  - {id: R1, categories: [a]}\n")
    with pytest.raises(RulesError, match="agency"):
        load_rules(bad)


def test_every_rule_agency_exists_in_the_directory():
    codes = {a.code for a in NEW}
    for rule in RULES.rules:
        assert rule.agency is None or rule.agency in codes, rule.id


WORDS = ["rác", "ô nhiễm", "ổ gà", "đèn đường", "ngập", "karaoke", "hồ sơ", "trễ hẹn", "Tam Kỳ", "Hội An",
         "tam ky", "huyện Núi Thành", "quốc lộ", "xã Tam Thanh", "Đà Nẵng", "đất", "học phí", "bác sĩ",
         "xin chào", "cảm ơn", "123", ",", "trợ cấp", "vỉa hè", "Quảng Nam", "phường An Mỹ"]
texts = st.lists(st.sampled_from(WORDS) | st.text(max_size=10), max_size=8).map(" ".join)


@hsettings(max_examples=150, deadline=None)
@given(content=texts, location=st.none() | texts, category=st.none() | st.sampled_from([*RULES.categories, "x"]),
       new=st.booleans())
def test_route_always_returns_an_existing_agency(content, location, category, new):
    directory = NEW if new else OLD
    decision = route(content, location, category, directory, RULES, "TTPVHCC")
    assert decision.agency_code in {a.code for a in directory}
    assert decision.reason
    assert decision.category is None or decision.category in RULES.categories
