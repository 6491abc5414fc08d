"""Aspect rules: each aspect from phrasing with and without diacritics, and the tie/default rules."""

from __future__ import annotations

import pytest

from nlu.aspects import ASPECT_CUES, ASPECTS, aspect_scores, detect_aspect


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("làm căn cước cần những giấy tờ gì", "documents"),
        ("lam can cuoc can mang theo gi", "documents"),
        ("thành phần hồ sơ đăng ký hộ kinh doanh", "documents"),
        ("lệ phí cấp hộ chiếu", "fee"),
        ("lam ho chieu het bn tien", "fee"),
        ("chứng thực có mất phí không", "fee"),
        ("làm sổ đỏ mất bao lâu", "duration"),
        ("bao nhieu ngay thi co ket qua", "duration"),
        ("mấy ngày thì xong", "duration"),
        ("nộp hồ sơ khai sinh ở đâu", "where"),
        ("dang ky tam tru o cho nao", "where"),
        ("nộp ở ubnd xã hay huyện", "where"),
        ("thủ tục tách thửa thế nào", "steps"),
        ("cac buoc dang ky ket hon", "steps"),
        ("quy trình cấp giấy phép xây dựng", "steps"),
        ("đăng ký kết hôn online được không", "online"),
        ("co nop qua mang duoc khong", "online"),
        ("làm trên dịch vụ công được ko", "online"),
        ("ai được hưởng trợ cấp", "eligibility"),
        ("dieu kien tach ho la gi", "eligibility"),
        ("đối tượng nào được cấp thẻ bhyt miễn phí", "eligibility"),
        ("thủ tục đăng ký giám hộ", "general"),
        ("thu tuc cap giay phep lao dong", "general"),
        ("", "general"),
    ],
)
def test_detect_aspect(text: str, aspect: str) -> None:
    assert detect_aspect(text) == aspect


def test_fee_beats_online_when_both_are_asked() -> None:
    scores = aspect_scores("làm online thì lệ phí bao nhiêu")
    assert set(scores) >= {"fee", "online"}
    assert detect_aspect("làm online thì lệ phí bao nhiêu") == "fee"


def test_cues_are_data_for_every_aspect() -> None:
    assert set(ASPECT_CUES) == set(ASPECTS) - {"general"}
    assert all(cues for cues in ASPECT_CUES.values())


def test_amounts_count_as_fee_but_a_lone_word_dong_does_not() -> None:
    assert detect_aspect("có phải nộp 50.000 đồng không") == "fee"
    assert detect_aspect("cấp giấy phép lao động") == "general"


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("di lam cccd can dem theo gi", "documents"),
        ("mở tiệm thuốc cần giấy phép gì", "documents"),
        ("lam so do mat may bua", "duration"),
        ("có thu phí không", "fee"),
        ("nộp ở xã nào", "where"),
        ("làm trên app vneid được không", "online"),
        ("ai được làm thủ tục này", "eligibility"),
        ("nghỉ bán thì làm thủ tục gì", "steps"),
        ("giấy phép bán rượu xin ở sở nào", "where"),
        ("chứng thực mỗi trang bao nhiêu", "fee"),
        ("người bao nhiêu tuổi thì được hưởng", "eligibility"),
    ],
)
def test_informal_cues(text: str, aspect: str) -> None:
    assert detect_aspect(text) == aspect
