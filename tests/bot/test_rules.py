"""Pure rules of the bot: tracking codes, phone numbers, form words, the per-conversation lock, notices.
The channels' pure rules are in channels/test_channel_rules.py, the form's in flows/test_form_rules.py."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import KeyedLocks
from bot.notify import OutboxEvent, notice_for, parse_event
from bot.rules import (
    find_tracking_code,
    infer_kind,
    is_cancel,
    is_skip,
    looks_like_follow_up,
    mask_phone,
    normalize_phone,
    parse_edit,
    parse_yes_no,
    strip_feedback_lead_in,
    wants_own_items,
)

# --- tracking codes ----------------------------------------------------------------------------------
years = st.integers(min_value=2000, max_value=2099)
seqs = st.integers(min_value=0, max_value=999_999)
separators = st.sampled_from(["-", " ", "", " - ", ".", "_"])


@given(
    years, seqs, separators, separators, st.sampled_from(["PA", "pa", "Pa"]), st.sampled_from(["", "mã ", "tra cứu "])
)
def test_tracking_code_found_in_any_spelling(year, seq, sep1, sep2, prefix, lead):
    text = f"{lead}{prefix}{sep1}{year}{sep2}{seq:06d} giúp tôi"
    assert find_tracking_code(text) == f"PA-{year}-{seq:06d}"


@pytest.mark.parametrize("text", ["PA-26-000123", "PA-2026-1234567", "SPA-2026-000123x", "mã 2026-000123", ""])
def test_no_tracking_code(text):
    assert find_tracking_code(text) is None


# --- phone numbers -------------------------------------------------------------------------------------
mobile_prefixes = st.sampled_from(["3", "5", "7", "8", "9"])
digits = st.text(alphabet="0123456789", min_size=8, max_size=8)


@given(mobile_prefixes, digits, st.sampled_from(["national", "spaced", "dotted", "plus84", "84", "dashed"]))
def test_valid_mobile_numbers_normalise_to_one_form(prefix, rest, style):
    national = "0" + prefix + rest
    body = prefix + rest
    written = {
        "national": national,
        "spaced": f"{national[:4]} {national[4:7]} {national[7:]}",
        "dotted": f"{national[:4]}.{national[4:7]}.{national[7:]}",
        "plus84": f"+84 {body[:3]} {body[3:6]} {body[6:]}",
        "84": "84" + body,
        "dashed": f"{national[:4]}-{national[4:]}",
    }[style]
    assert normalize_phone(written) == national


@pytest.mark.parametrize(
    "text",
    [
        "0123456789",  # 01x is no longer a valid mobile prefix
        "090512345",  # too short
        "09051234567",  # too long
        "+1 415 555 0100",
        "abc0905123456",
        "0905 123 45a",
        "",
        "tôi không có",
    ],
)
def test_invalid_phone_numbers(text):
    assert normalize_phone(text) is None


def test_landline_with_area_code():
    assert normalize_phone("(0235) 3812345") == "02353812345"
    assert normalize_phone("0235.3812.345") == "02353812345"


@given(mobile_prefixes, digits)
def test_masked_phone_hides_the_middle(prefix, rest):
    phone = "0" + prefix + rest
    masked = mask_phone(phone)
    assert masked.startswith(phone[:4]) and masked.endswith(phone[-3:])
    assert phone[4:7] not in masked[4:-3]
    assert len(masked) == len(phone)


# --- form words ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["hủy", "Huỷ", "huy", "HỦY BỎ", "hủy phản ánh", "/cancel", "thôi"])
def test_cancel_words(text):
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["hủy hoại môi trường ở bờ sông", "đường bị hư", "không có đèn đường"])
def test_cancel_needs_the_whole_message(text):
    assert not is_cancel(text)


@pytest.mark.parametrize(
    "text,field",
    [
        ("sửa địa điểm", "location"),
        ("sua dia diem", "location"),
        ("sửa sđt", "phone"),
        ("sua so dien thoai", "phone"),
        ("Sửa lại nội dung", "content"),
        ("sửa họ tên", "name"),
        ("sửa tên", "name"),
        ("sửa ảnh", "photo"),
        ("sửa công khai", "consent"),
        ("đổi địa chỉ", "location"),
    ],
)
def test_edit_commands_name_the_field(text, field):
    assert parse_edit(text) == field


@pytest.mark.parametrize("text", ["sửa chữa đường ống nước bị vỡ", "đường cần sửa gấp", "sửa"])
def test_edit_needs_a_known_field(text):
    assert parse_edit(text) is None


def test_yes_no_and_skip():
    assert parse_yes_no("Có") is True and parse_yes_no("dong y") is True
    assert parse_yes_no("không") is False and parse_yes_no("ko") is False
    assert parse_yes_no("có lẽ mai tôi hỏi") is None
    assert is_skip("bỏ qua") and is_skip("bo qua") and is_skip("/skip")
    assert not is_skip("Nguyễn Văn A")


def test_kind_and_lead_in():
    assert infer_kind("tôi muốn kiến nghị lắp thêm đèn đường") == "recommendation"
    assert infer_kind("de nghi lam them cau") == "recommendation"
    assert infer_kind("phản ánh đường bị ngập") == "complaint"
    assert strip_feedback_lead_in("Tôi muốn phản ánh: đường Hùng Vương bị ngập sâu") == "đường Hùng Vương bị ngập sâu"
    assert strip_feedback_lead_in("toi muon phan anh ve viec rac thai o cho") == "rac thai o cho"
    assert strip_feedback_lead_in("tôi muốn phản ánh") == ""


def test_follow_up_and_own_items():
    assert looks_like_follow_up("còn lệ phí thì sao?")
    assert looks_like_follow_up("nop o dau")
    assert not looks_like_follow_up(
        "cho tôi hỏi thủ tục đăng ký kinh doanh hộ cá thể ở thành phố Tam Kỳ cần chuẩn bị những gì ạ"
    )
    assert wants_own_items("phản ánh của tôi") and wants_own_items("cac kien nghi toi da gui")
    assert not wants_own_items("tra cứu phản ánh")


# --- per-conversation lock ----------------------------------------------------------------------------------
def test_keyed_lock_orders_one_conversation_and_not_others():
    locks = KeyedLocks()
    events: list[str] = []

    async def work(key, name, delay):
        async with locks.hold(key):
            events.append(f"{name}-start")
            await asyncio.sleep(delay)
            events.append(f"{name}-end")

    async def main():
        await asyncio.gather(work(("web", "a"), "a1", 0.05), work(("web", "a"), "a2", 0), work(("web", "b"), "b1", 0))

    asyncio.run(main())
    assert events.index("a1-end") < events.index("a2-start")  # same person: in order
    assert events.index("b1-start") < events.index("a1-end")  # another person: not blocked
    assert len(locks) == 0  # no lock kept once idle


# --- notices ------------------------------------------------------------------------------------------------
def test_notice_only_for_citizen_facing_events():
    fb = {
        "code": "PA-2026-000001",
        "status": "answered",
        "kind": "complaint",
        "channel": "web",
        "agency": "STP",
        "answer": "Đã sửa đèn.",
        "reply_to": {"channel": "web", "chat_id": "s1"},
    }

    def event(kind: str, **feedback) -> OutboxEvent:
        return OutboxEvent.model_validate(
            {"id": "e1", "occurred_at": "2026-01-05T10:00:00+07:00", "event": kind, "feedback": {**fb, **feedback}}
        )

    notice = notice_for(event("feedback.answered"), lambda c: "Sở Tư pháp")
    assert notice.channel == "web" and notice.chat_id == "s1"
    assert (
        "PA-2026-000001" in notice.reply.text
        and "Đã sửa đèn." in notice.reply.text
        and "Sở Tư pháp" in notice.reply.text
    )
    assert notice_for(event("feedback.assigned")) is None
    assert notice_for(event("feedback.answered", reply_to=None)) is None
    assert notice_for(event("feedback.status_changed", status="needs_info")) is not None
    assert notice_for(event("feedback.status_changed", status="in_progress")) is None
    # Bodies that are not an event are refused before any notice is considered.
    for raw in (
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"id": 1, "event": "feedback.answered", "feedback": {}}',
        b'{"id": "e1", "event": "feedback.answered"}',
        b'{"id": "e1", "event": "feedback.answered", "feedback": {"reply_to": "web"}}',
    ):
        assert parse_event(raw) is None, raw
    assert parse_event(b'{"id": "e1", "event": "feedback.created", "feedback": {"code": "PA-2026-000001"}}')


def test_phone_inside_a_sentence():
    from bot.rules import extract_phone

    assert extract_phone("sđt của tôi là 0905 123 456 nhé") == "0905123456"
    assert extract_phone("goi cho toi qua so +84 935.111.222") == "0935111222"
    assert extract_phone("0905123456") == "0905123456"
    assert extract_phone("nhà số 12, gọi 12345") is None


def test_numbered_choice():
    from bot.rules import parse_choice

    assert parse_choice("2", 3) == 1 and parse_choice("số 1", 3) == 0 and parse_choice("chọn 3", 3) == 2
    assert parse_choice("4", 3) is None and parse_choice("12", 3) is None and parse_choice("đăng ký 2 lần", 3) is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "e1", "event": "feedback.answered", "feedback": "x"}',
        b'{"id": "e1", "event": "feedback.answered", "feedback": {"code": "PA-2026-000001", "reply_to": "web"}}',
        b'{"id": 5, "event": "feedback.answered", "feedback": {}}',
        b'{"id": "e1", "event": ["x"], "feedback": {}}',
        b"[]",
    ],
)
def test_malformed_events_are_rejected(raw):
    from bot.notify import parse_event

    assert parse_event(raw) is None
