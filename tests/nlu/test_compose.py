"""Answer composer: each aspect gives its own section, plus name, agency and portal link."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base.models import Agency, DocumentItem, Fee, Procedure, Provenance
from nlu.compose import (
    ASPECT_BUTTONS,
    MAX_REPLY_CHARS,
    PORTAL_SEARCH_PAGE,
    clarify,
    compose_answer,
    compose_not_found,
    format_vnd,
    portal_search_line,
    search_keywords,
)
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
        (
            "documents",
            [
                "Hồ sơ cần chuẩn bị",
                "1. Tờ khai đăng ký khai sinh (1 bản chính)",
                "2. Giấy chứng sinh (1 bản chính, 2 bản sao) — do cơ sở y tế cấp",
            ],
            ["50.000 đồng"],
        ),
        ("fee", ["Lệ phí đăng ký khai sinh quá hạn: 50.000 đồng (đăng ký quá hạn)"], ["Giấy chứng sinh"]),
        ("duration", ["Thời hạn giải quyết: Ngay trong ngày làm việc."], ["50.000"]),
        (
            "where",
            ["Nơi nộp hồ sơ: UBND cấp xã nơi cư trú của cha hoặc mẹ.", "trực tiếp và trực tuyến"],
            ["Giấy chứng sinh"],
        ),
        ("steps", ["Các bước thực hiện:", "1. Nộp tờ khai và giấy chứng sinh.", "3. Trả kết quả."], ["50.000"]),
        ("online", ["trực tuyến toàn trình"], ["Giấy chứng sinh"]),
        (
            "eligibility",
            ["Đối tượng thực hiện: Công dân Việt Nam.", "Trẻ em sinh ra trên lãnh thổ Việt Nam"],
            ["Giấy chứng sinh"],
        ),
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
    # no place named: the generic agency and how to find the citizen's unit
    assert "Cơ quan thực hiện: Ủy ban nhân dân cấp xã của xã, phường hoặc đặc khu nơi bạn cư trú" in answer.text
    assert lines[-2] == "Trang thủ tục: " + _procedure().portal_url and "ma_thu_tuc=1.001193" in lines[-2]
    assert lines[-1].startswith("Nguồn:")
    assert all(isinstance(b, Button) and b.payload.startswith("/aspect ") for b in answer.buttons)
    assert f"/aspect {aspect}" not in [b.payload for b in answer.buttons]


def test_agency_resolved_through_directory_and_no_link_for_local_codes() -> None:
    procedure = _procedure(code="QNA.01", agency="Sở Tư pháp", agency_code="STP", national_code=False)
    answer = compose_answer(procedure, "where", KB)
    assert "Cơ quan thực hiện: Sở Tư pháp (Sở Tư pháp tỉnh Quảng Nam, điện thoại 0235 3812 345)." in answer.text
    same_name = _procedure(agency="Sở Tư pháp tỉnh Quảng Nam", agency_code="STP")
    assert (
        "Cơ quan thực hiện: Sở Tư pháp tỉnh Quảng Nam (điện thoại 0235 3812 345)."
        in compose_answer(same_name, "fee", KB).text
    )
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
    assert [b.payload for b in answer.buttons] == [
        "/procedure 1.000",
        "/procedure 1.001",
        "/procedure 1.002",
        "/not_listed",  # none of these: the bot says it does not hold it
    ]
    assert "Thủ tục số 3" not in answer.text
    assert clarify([]).buttons == []


def test_every_bundled_procedure_composes_for_every_aspect(kb) -> None:
    """National records can list dozens of page-long steps and documents: every answer fits one chat
    message (Zalo OA: 2,000 characters), begins with the name and ends with its source and date."""
    for procedure in kb.procedures:
        for aspect in list(ASPECT_BUTTONS) + ["general"]:
            text = compose_answer(procedure, aspect, kb).text
            assert text.startswith(procedure.name[:100]) and len(text) <= MAX_REPLY_CHARS, (procedure.code, aspect)
            assert text.splitlines()[-1].startswith("Nguồn: "), (procedure.code, aspect)


def test_general_fee_summary() -> None:
    two = _procedure(
        fees=[
            Fee(name="Phí A", amount_vnd=700000),
            Fee(name="Phí B", amount_vnd=1000000),
            Fee(name="Phí C", amount_vnd=None, description="theo quy mô"),
        ]
    )
    text = compose_answer(two, "general", KB).text
    assert "Phí, lệ phí: từ 700.000 đồng đến 1.000.000 đồng, một số khoản tùy trường hợp." in text
    free = _procedure(fees=[Fee(name="Lệ phí", amount_vnd=0)])
    assert "Phí, lệ phí: miễn phí." in compose_answer(free, "general", KB).text


NATIONAL = Provenance(
    source="CSDL quốc gia về TTHC",
    decision="163/QĐ-BTP",
    url="https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-aaaa",
    verified_on=date(2026, 6, 10),
)


def test_answer_ends_with_source_and_date_and_links_the_records_own_page() -> None:
    text = compose_answer(_procedure(provenance=NATIONAL), "fee", KB).text
    lines = text.splitlines()
    assert lines[-1] == "Nguồn: CSDL quốc gia về TTHC, QĐ 163/QĐ-BTP; cập nhật 10/06/2026"
    assert lines[-2] == "Trang thủ tục: https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-aaaa"
    curated = Provenance(
        source="Nghị định 151/2025/NĐ-CP", url="https://example.gov.vn/nd151", verified_on=date(2026, 11, 30)
    )
    local = compose_answer(_procedure(code="QNA.X.01", national_code=False, provenance=curated), "fee", KB).text
    assert local.splitlines()[-1] == "Nguồn: Nghị định 151/2025/NĐ-CP; cập nhật 30/11/2026"
    assert "Văn bản: https://example.gov.vn/nd151" in local


def test_caveats_are_shown() -> None:
    caveat = "Căn cứ pháp lý đã thay đổi: “Nghị định 43/2014/NĐ-CP” đã được thay thế bởi Nghị định 151/2025/NĐ-CP."
    text = compose_answer(_procedure(provenance=NATIONAL, caveats=[caveat]), "documents", KB).text
    assert "Lưu ý: " + caveat in text
    assert text.index("Lưu ý:") < text.index("Nguồn:")


def test_long_records_are_summarised_within_one_message() -> None:
    steps = [
        f"Bước {i}: " + "Cán bộ tiếp nhận kiểm tra tính đầy đủ của hồ sơ và hướng dẫn bổ sung. " * 12
        for i in range(1, 30)
    ]
    documents = [DocumentItem(name=f"Giấy tờ số {i} " + "kèm bản sao có chứng thực " * 30) for i in range(40)]
    long = _procedure(steps=steps, documents=documents, provenance=NATIONAL, conditions="Điều kiện " * 500)
    for aspect in list(ASPECT_BUTTONS) + ["general"]:
        text = compose_answer(long, aspect, KB).text
        assert len(text) <= MAX_REPLY_CHARS, aspect
        assert text.splitlines()[-1].startswith("Nguồn:")
    steps_text = compose_answer(long, "steps", KB).text
    assert "xem đầy đủ tại trang thủ tục" in steps_text and "1. Cán bộ tiếp nhận" in steps_text
    assert "Bước 1" not in steps_text  # the answer numbers the steps itself
    assert "xem đầy đủ tại trang thủ tục" in compose_answer(long, "documents", KB).text


def test_agency_localised_when_the_citizen_names_a_place() -> None:
    from knowledge_base.places import resolve_place

    police = _procedure(agency="Công an cấp Xã", where_to_submit="Công an cấp xã nơi cư trú", provenance=NATIONAL)
    units = resolve_place("em ở xã Tam Ngọc cũ")  # a former commune, merged into phường Hương Trà
    assert [u.name for u in units] == ["Ủy ban nhân dân phường Hương Trà"]
    text = compose_answer(police, "where", KB, units).text
    assert "Cơ quan thực hiện: Công an phường Hương Trà." in text
    assert "Nơi nộp hồ sơ: Công an phường Hương Trà nơi cư trú." in text
    assert "cấp xã" not in text.replace("Công an phường Hương Trà", "")
    people = compose_answer(_procedure(), "where", KB, units).text
    assert "Cơ quan thực hiện: Ủy ban nhân dân phường Hương Trà." in people
    # no place: the generic name and how to find the unit
    unnamed = compose_answer(police, "where", KB).text
    assert "Công an cấp Xã của xã, phường hoặc đặc khu nơi bạn cư trú" in unnamed
    assert "cho tôi biết tên xã, phường" in unnamed


def test_not_found_says_so_with_portal_search_hotline_and_a_person() -> None:
    reply = compose_not_found("cho em hỏi đăng ký bản quyền bài hát ở đâu ạ", "1022", "7h00–21h00")
    assert reply.text.startswith("Xin lỗi, tôi chưa có thông tin")
    # the portal's procedure search page (verified, see nlu.compose) and the words to type there
    assert "https://dichvucong.gov.vn/thu-tuc-hanh-chinh (gõ vào ô tìm kiếm: “đăng ký bản quyền bài hát”)" in reply.text
    assert "1022" in reply.text
    assert [b.payload for b in reply.buttons] == ["/handoff"]
    assert not any(b.payload.startswith("/procedure") for b in reply.buttons)


@pytest.mark.parametrize(
    ("question", "keywords"),
    [
        ("cho em hỏi thủ tục đăng ký nuôi chó mèo ở đâu vậy ạ", "đăng ký nuôi chó mèo"),
        ("lam giay phep kinh doanh karaoke mat bao lau", "giay phep kinh doanh karaoke"),
        ("xin cấp lại thẻ căn cước bị mất", "cấp lại thẻ căn cước bị mất"),
    ],
)
def test_portal_search_keeps_the_content_words(question: str, keywords: str) -> None:
    assert search_keywords(question) == keywords
    assert portal_search_line(question).endswith(f"{PORTAL_SEARCH_PAGE} (gõ vào ô tìm kiếm: “{keywords}”)")


def test_no_answer_names_a_thi_tran_without_saying_they_are_gone(kb) -> None:
    """Thị trấn were abolished on 01/7/2025. National records naming "Ủy ban Nhân dân xã, phường, thị trấn"
    read as today's cấp xã agency; any other mention left in an answer comes with the two-tier caveat."""
    from knowledge_base.caveats import TWO_TIER_CAVEAT

    caveat = f"Lưu ý: {TWO_TIER_CAVEAT}"
    shown = 0
    for procedure in kb.procedures:
        for aspect in ("general", "where", "documents", "steps"):
            text = compose_answer(procedure, aspect, kb).text
            if "thị trấn" in text.replace(caveat, "").lower():
                shown += 1
                assert caveat in text, (procedure.code, aspect)
    named = [p for p in kb.procedures if "thị trấn" in p.agency.lower()]
    assert len(named) > 30  # the published agencies this is about (2026 crawl)
    for procedure in named:
        agency_line = next(
            line for line in compose_answer(procedure, "where", kb).text.splitlines() if line.startswith("Cơ quan")
        )
        assert "thị trấn" not in agency_line, agency_line
        assert "của xã, phường hoặc đặc khu nơi bạn cư trú" in agency_line, agency_line
    assert shown < 40  # most mentions were agencies, now read as today's


def test_not_found_for_an_unheld_ask_says_why_and_may_offer_the_named_procedure() -> None:
    reply = compose_not_found("vượt đèn đỏ bị phạt bao nhiêu", "1022", unheld="penalty")
    assert reply.text.startswith("Mức phạt vi phạm hành chính không phải là một thủ tục hành chính")
    assert "dichvucong.gov.vn" not in reply.text  # the portal's procedure search does not hold fines
    assert "Bạn có thể gọi Tổng đài 1022" in reply.text
    assert [b.payload for b in reply.buttons] == ["/handoff"]
    related = _procedure()
    offered = compose_not_found("không khai sinh cho con có bị phạt không", unheld="penalty", related=related)
    assert [b.payload for b in offered.buttons] == [f"/procedure {related.code}", "/handoff"]
    assert f"“{related.name}”" in offered.text


def test_follow_up_buttons_put_what_else_was_asked_first() -> None:
    plain = compose_answer(_procedure(), "documents")
    assert [b.payload for b in plain.buttons] == ["/aspect fee", "/aspect duration", "/aspect where", "/aspect steps"]
    asked = compose_answer(_procedure(), "documents", also_asked=["documents", "online", "eligibility"])
    assert [b.payload for b in asked.buttons] == [
        "/aspect online",
        "/aspect eligibility",
        "/aspect fee",
        "/aspect duration",
    ]
