"""The everyday names citizens use for the most used national procedures rank the right record first
(knowledge_base/data/national_aliases.yaml, section `popular`), on the bundled KB indexed once per session.

The right record is the variant a citizen at a 1022 desk means: căn cước at Công an cấp xã (not the
provincial or central twin, nor the certificate for people of Vietnamese origin without nationality),
the first registration of a vehicle, the transfer (which now includes the former "rút hồ sơ gốc");
of records that had no everyday name, the domestic / commune-level one (a lưu động twin only when asked for),
the application to buy nhà ở xã hội rather than the housing-condition certificate.
"""

from __future__ import annotations

import pytest

KEY_PHRASINGS = [
    ("làm căn cước", "1.014061"),
    ("lam can cuoc gan chip o dau", "1.014061"),
    ("đổi căn cước", "1.014063"),
    ("mat can cuoc lam lai", "1.014064"),
    ("đăng ký xe máy", "1.013067"),
    ("dang ky xe may moi mua", "1.013067"),
    ("sang tên xe", "1.013076"),
    ("sang ten xe may cu", "1.013076"),
    ("rut ho so goc xe", "1.013076"),
    ("làm hộ chiếu", "1.001456"),
    ("ho chieu", "1.001456"),
    ("lý lịch tư pháp", "3.000333"),
    ("xin ly lich tu phap", "3.000333"),
    # citizen-facing records that had no everyday name before (second pass of `popular`)
    ("đổi tiền rách", "2.001077"),
    ("doi tien rach o dau", "2.001077"),
    ("luật sư miễn phí cho người nghèo", "2.000829"),
    ("tro giup phap ly mien phi", "2.000829"),
    ("thế chấp sổ đỏ vay ngân hàng", "1.011441"),
    ("the chap so do", "1.011441"),
    ("mua nhà ở xã hội", "1.115150"),
    ("xác nhận thu nhập thấp", "3.000412"),
    ("làm đơn yêu cầu thi hành án", "1.003091"),
    ("tu quyet toan thue thu nhap ca nhan", "2.002233"),
    ("đăng ký mã số thuế cá nhân", "1.008498"),
    ("lam ma so thue ca nhan", "1.008498"),
    ("khai thuế hộ kinh doanh", "1.011022"),
    ("nộp lệ phí trước bạ nhà đất", "1.007277"),
    ("le phi truoc ba xe may", "1.007700"),
    ("thuế thu nhập cá nhân khi bán đất", "1.007674"),
    ("xác nhận số chứng minh nhân dân cũ", "1.012566"),
    ("tich hop bang lai vao can cuoc", "1.014060"),
    ("bằng lái bị trừ hết điểm", "1.013211"),
    ("đăng kiểm ô tô", "1.005103"),
    ("kiem dinh khi thai xe may", "1.013101"),
    ("đăng ký cai nghiện tự nguyện", "3.000527"),
    ("bổ sung nhà vào sổ đỏ", "1.013995"),
    ("them ten vo vao so do", "1.013980"),
    ("ghi chú kết hôn", "2.002189"),
    ("xin nhập quốc tịch Việt Nam", "2.002039"),
    ("khoa can cuoc dien tu", "3.000271"),
    ("hiến đất làm đường", "1.013979"),
    ("khai tu luu dong", "1.000419"),
]


@pytest.mark.parametrize("query,code", KEY_PHRASINGS)
def test_everyday_name_ranks_the_national_record_first(bundled_retriever, query, code):
    hits = bundled_retriever.search(query, k=3)
    assert hits and hits[0].code == code, [(h.code, h.name[:60]) for h in hits]
