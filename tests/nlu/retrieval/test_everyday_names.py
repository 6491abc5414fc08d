"""The everyday names citizens use for the most used national procedures rank the right record first
(knowledge_base/data/national_aliases.yaml, section `popular`), on the bundled KB indexed once per session.

The right record is the variant a citizen at a 1022 desk means: căn cước at Công an cấp xã (not the
provincial or central twin, nor the certificate for people of Vietnamese origin without nationality),
the first registration of a vehicle, the transfer (which now includes the former "rút hồ sơ gốc").
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
]


@pytest.mark.parametrize("query,code", KEY_PHRASINGS)
def test_everyday_name_ranks_the_national_record_first(bundled_retriever, query, code):
    hits = bundled_retriever.search(query, k=3)
    assert hits and hits[0].code == code, [(h.code, h.name[:60]) for h in hits]
