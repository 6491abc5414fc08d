"""Answer composer: each aspect gives its own section, plus name, agency and portal link."""
from __future__ import annotations

import pytest

from knowledge_base.models import Agency, DocumentItem, Fee, Procedure
from nlu.compose import ASPECT_BUTTONS, clarify, compose_answer, format_vnd
from nlu.reply import Button, Reply


class _KB:
    def __init__(self, agencies):
        self._agencies = {a.code: a for a in agencies}

    def agency(self, code):
        return self._agencies.get(code)


def _procedure(**overrides) -> Procedure:
    data = dict(
        code="1.001193",
        name="Đăng ký khai sinh",
        field="Hộ tịch",
        level="xã",
        agency="Ủy ban nhân dân cấp xã",
        target_users=["Công dân Việt Nam"],
        steps=["Nộp tờ khai và giấy chứng sinh", "Công chức tư pháp kiểm tra hồ sơ", "Trả kết quả"],
        submission_channels=["truc_tiep", "truc_tuyen"],
        where_to_submit="UBND cấp xã nơi cư trú của cha hoặc mẹ",
        documents=[
            DocumentItem(name="Tờ khai đăng ký khai sinh", originals=1),
            DocumentItem(name="Giấy chứng sinh", originals=1, copies=2, note="do cơ sở y tế cấp"),
        ],
        processing_time="Ngay trong ngày làm việc",
        processing_days=1,
        fees=[Fee(name="Lệ phí đăng ký khai sinh quá hạn", amount_vnd=50000, description="đăng ký quá hạn")],
        conditions="Trẻ em sinh ra trên lãnh thổ Việt Nam",
        online_level="toan_trinh",
    )
    data.update(overrides)
    return Procedure(**data)


KB = _KB([Agency(code="STP", name="Sở Tư pháp tỉnh Quảng Nam", level="tỉnh", hotline="0235 3812 345")])


@pytest.mark.parametrize(
    ("aspect", "expected", "absent"),
    [
        ("documents", ["Hồ sơ cần chuẩn bị", "1. Tờ khai đăng ký khai sinh (1 bản chính)",
                       "2. Giấy chứng sinh (1 bản chính, 2 bản sao) — do cơ sở y tế cấp"], ["50.000 đồng"]),
        ("fee", ["Lệ phí đăng ký khai sinh quá hạn: 50.000 đồng (đăng ký quá hạn)"], ["Giấy chứng sinh"]),
        ("duration", ["Thời hạn giải quyết: Ngay trong ngày làm việc."], ["50.000"]),
        ("where", ["Nơi nộp hồ sơ: UBND cấp xã nơi cư trú của cha hoặc mẹ.", "trực tiếp và trực tuyến"],
         ["Giấy chứng sinh"]),
        ("steps", ["Các bước thực hiện:", "1. Nộp tờ khai và giấy chứng sinh.", "3. Trả kết quả."], ["50.000"]),
        ("online", ["trực tuyến toàn trình"], ["Giấy chứng sinh"]),
        ("eligibility", ["Đối tượng thực hiện: Công dân Việt Nam.", "Trẻ em sinh ra trên lãnh thổ Việt Nam"],
         ["Giấy chứng sinh"]),
        ("general", ["Lĩnh vực: Hộ tịch, cấp xã.", "Thời hạn giải quyết", "50.000 đồng"], ["Các bước"]),
    ],
)
def test_each_aspect_has_its_section(aspect: str, expected: list[str], absent: list[str]) -> None:
    answer = compose_answer(_procedure(), aspect, KB)
    assert isinstance(answer, Reply)
    lines = answer.text.splitlines()
    assert lines[0] == "Đăng ký khai sinh"
    for part in expected:
        assert part in answer.text, (aspect, answer.text)
    for part in absent:
        assert part not in answer.text, (aspect, answer.text)
    assert "Cơ quan thực hiện: Ủy ban nhân dân cấp xã." in answer.text
    assert "ma_thu_tuc=1.001193" in lines[-1]
    assert all(isinstance(b, Button) and b.payload.startswith("/aspect ") for b in answer.buttons)
    assert f"/aspect {aspect}" not in [b.payload for b in answer.buttons]


def test_agency_resolved_through_directory_and_no_link_for_local_codes() -> None:
    procedure = _procedure(code="QNA.01", agency="Sở Tư pháp", agency_code="STP", national_code=False)
    answer = compose_answer(procedure, "where", KB)
    assert "Cơ quan thực hiện: Sở Tư pháp (Sở Tư pháp tỉnh Quảng Nam, điện thoại 0235 3812 345)." in answer.text
    same_name = _procedure(agency="Sở Tư pháp tỉnh Quảng Nam", agency_code="STP")
    assert "Cơ quan thực hiện: Sở Tư pháp tỉnh Quảng Nam (điện thoại 0235 3812 345)." in compose_answer(
        same_name, "fee", KB).text
    assert "http" not in answer.text


def test_fee_note_when_no_fees_and_unknown_aspect_is_general() -> None:
    procedure = _procedure(fees=[], fee_note="Không thu phí, lệ phí")
    assert "Phí, lệ phí: Không thu phí, lệ phí." in compose_answer(procedure, "fee", KB).text
    assert "Lĩnh vực" in compose_answer(procedure, None, KB).text
    assert "Lĩnh vực" in compose_answer(procedure, "nonsense", KB).text
    unknown = compose_answer(_procedure(fees=[]), "fee", KB).text
    assert "chưa có thông tin" in unknown


def test_online_none_says_how_to_submit() -> None:
    procedure = _procedure(online_level="none", submission_channels=["truc_tiep", "buu_chinh"])
    text = compose_answer(procedure, "online", KB).text
    assert "chưa có dịch vụ công trực tuyến" in text and "qua dịch vụ bưu chính" in text


@pytest.mark.parametrize(("amount", "text"), [(0, "0 đồng"), (5000, "5.000 đồng"), (1500000, "1.500.000 đồng")])
def test_format_vnd(amount: int, text: str) -> None:
    assert format_vnd(amount) == text


def test_clarify_offers_top_three() -> None:
    procedures = [_procedure(code=f"1.00{i}", name=f"Thủ tục số {i}") for i in range(5)]
    answer = clarify(procedures)
    assert answer.text.startswith("Bạn muốn hỏi thủ tục nào?")
    assert [b.payload for b in answer.buttons] == ["/procedure 1.000", "/procedure 1.001", "/procedure 1.002"]
    assert "Thủ tục số 3" not in answer.text
    assert clarify([]).buttons == []


def test_every_bundled_procedure_composes_for_every_aspect(kb) -> None:
    for procedure in kb.procedures:
        for aspect in list(ASPECT_BUTTONS) + ["general"]:
            text = compose_answer(procedure, aspect, kb).text
            assert text.startswith(procedure.name) and len(text) < 4000


def test_general_fee_summary() -> None:
    two = _procedure(fees=[Fee(name="Phí A", amount_vnd=700000), Fee(name="Phí B", amount_vnd=1000000),
                           Fee(name="Phí C", amount_vnd=None, description="theo quy mô")])
    text = compose_answer(two, "general", KB).text
    assert "Phí, lệ phí: từ 700.000 đồng đến 1.000.000 đồng, một số khoản tùy trường hợp." in text
    free = _procedure(fees=[Fee(name="Lệ phí", amount_vnd=0)])
    assert "Phí, lệ phí: miễn phí." in compose_answer(free, "general", KB).text
