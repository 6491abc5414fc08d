"""Everything the bot says, in Vietnamese, in one place (easy to review and to change wording)."""

from __future__ import annotations

CAPABILITIES = (
    "Tôi có thể:\n"
    "• Giải đáp thủ tục hành chính (hồ sơ, lệ phí, thời hạn, nơi nộp, các bước, nộp trực tuyến...)\n"
    "• Tiếp nhận phản ánh, kiến nghị và cho bạn mã theo dõi\n"
    "• Tra cứu tình trạng phản ánh theo mã (ví dụ PA-2026-000123)\n"
    "• Kết nối với tổng đài viên 1022"
)

GREET = "Xin chào! Tôi là trợ lý ảo của Tổng đài 1022.\n" + CAPABILITIES + "\nBạn cần hỗ trợ gì ạ?"
THANK = "Dạ, rất vui được hỗ trợ bạn! Bạn cần thêm thông tin gì cứ nhắn cho tôi nhé."
GOODBYE = "Cảm ơn bạn đã liên hệ Tổng đài 1022. Chúc bạn một ngày tốt lành!"
OUT_OF_SCOPE = "Xin lỗi, câu hỏi này nằm ngoài phạm vi tôi hỗ trợ.\n" + CAPABILITIES
EMPTY = "Bạn vui lòng nhập câu hỏi hoặc nội dung cần hỗ trợ nhé.\n" + CAPABILITIES
IMAGE_OUTSIDE_FORM = (
    'Tôi đã nhận được ảnh. Nếu bạn muốn gửi phản ánh kèm ảnh, hãy bấm "Gửi phản ánh" rồi gửi ảnh ở bước đính kèm.'
)


def handoff(phone: str, hours: str) -> str:
    return (
        "Tôi đã ghi nhận yêu cầu gặp tổng đài viên và báo cho Tổng đài 1022. "
        "Tổng đài viên sẽ nhắn cho bạn ngay trong cuộc trò chuyện này.\n"
        f"Để được hỗ trợ ngay, bạn vui lòng gọi số {phone} ({hours})."
    )


OPERATOR_JOINED = "Tổng đài viên 1022 đã tham gia cuộc trò chuyện và sẽ trả lời bạn tại đây."
OPERATOR_LEFT = (
    "Tổng đài viên đã kết thúc hỗ trợ. Trợ lý ảo tiếp tục giúp bạn; "
    "bạn có thể hỏi thủ tục, gửi phản ánh hoặc tra cứu mã phản ánh."
)


# --- satisfaction ---------------------------------------------------------------------------------
BTN_SATISFIED = "Hài lòng"
BTN_UNSATISFIED = "Không hài lòng"
RATE_QUESTION = "Bạn có hài lòng với câu trả lời này không?"
RATE_ASK_REASON = "Bạn vui lòng cho biết vì sao chưa hài lòng (một vài câu), để cơ quan xem xét trả lời lại:"
RATE_THANKS = "Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp cơ quan phục vụ tốt hơn."


def rate_reopened(code: str, agency: str | None, due: str | None) -> str:
    who = agency or "Cơ quan xử lý"
    when = f" chậm nhất {due}" if due else ""
    return (
        f"Đã ghi nhận bạn chưa hài lòng. Phản ánh {code} được mở lại; {who} sẽ xem xét và trả lời lại{when}. "
        "Bạn sẽ nhận được thông báo tại đây."
    )


def hotline_hint(phone: str, hours: str) -> str:
    return f"Nếu cần hỗ trợ thêm, bạn có thể gọi Tổng đài {phone} ({hours})."


# --- procedure Q&A ------------------------------------------------------------------------------
NO_PROCEDURE = (
    "Tôi chưa tìm thấy thủ tục phù hợp với câu hỏi của bạn. Bạn có thể nói rõ tên thủ tục hoặc giấy tờ cần làm "
    'không? Ví dụ: "đăng ký khai sinh cần giấy tờ gì", "cấp đổi giấy phép lái xe mất bao lâu".'
)
UNKNOWN_PROCEDURE = "Xin lỗi, tôi không tìm thấy thủ tục này. Bạn vui lòng hỏi lại bằng tên thủ tục nhé."

# --- feedback form ------------------------------------------------------------------------------
FORM_START = (
    'Tôi sẽ giúp bạn gửi phản ánh, kiến nghị tới cơ quan có thẩm quyền. Bạn có thể gõ "hủy" bất cứ lúc nào để dừng.\n'
)
ASK_CONTENT = "Bạn vui lòng mô tả nội dung phản ánh, kiến nghị (sự việc gì, từ khi nào...)."
CONTENT_TOO_SHORT = "Nội dung hơi ngắn, bạn vui lòng mô tả rõ hơn sự việc để cơ quan xử lý được nhanh nhé."
CONTENT_TOO_LONG = "Nội dung quá dài (tối đa {limit} ký tự). Bạn vui lòng rút gọn lại giúp tôi."
ASK_LOCATION = "Sự việc xảy ra ở đâu? (tên đường, thôn/khối phố, xã/phường, huyện/thị xã/thành phố)"
LOCATION_TOO_SHORT = (
    "Bạn vui lòng cho biết địa điểm cụ thể hơn (ví dụ: đường Phan Chu Trinh, phường Tân Thạnh, Tam Kỳ)."
)
ASK_NAME = 'Bạn vui lòng cho biết họ tên (không bắt buộc — bấm "Bỏ qua" nếu không muốn cung cấp).'
NAME_INVALID = 'Họ tên không hợp lệ. Bạn nhập lại họ tên, hoặc bấm "Bỏ qua".'
ASK_PHONE = (
    "Số điện thoại để cơ quan liên hệ khi cần (không bắt buộc). Số điện thoại chỉ dùng để xử lý phản ánh, "
    "không được công khai."
)
PHONE_INVALID = (
    "Số điện thoại chưa đúng định dạng Việt Nam (ví dụ: 0905 123 456 hoặc +84 905 123 456). "
    'Bạn nhập lại, hoặc bấm "Bỏ qua".'
)
ASK_PHOTO = 'Bạn có ảnh chụp hiện trường không? Gửi ảnh ngay bây giờ, hoặc bấm "Bỏ qua".'
ASK_PHOTO_WEB = 'Bạn có ảnh chụp hiện trường không? Bấm nút đính kèm ảnh 📎 trong khung chat, hoặc bấm "Bỏ qua".'
PHOTO_EXPECTED = 'Tôi đang chờ ảnh. Bạn gửi ảnh, hoặc bấm "Bỏ qua" để tiếp tục.'
PHOTO_SAVED = "Đã nhận ảnh ({count}/{limit})."
PHOTO_MORE = 'Bạn gửi thêm ảnh, hoặc bấm "Xong" để tiếp tục.'
PHOTO_LIMIT = "Mỗi phản ánh kèm tối đa {limit} ảnh; tôi đã nhận đủ."
BTN_DONE = "Xong"
PHOTO_FAILED = (
    'Xin lỗi, tôi chưa lưu được ảnh này (ảnh phải là JPEG/PNG, tối đa 5 MB). Bạn gửi lại ảnh khác hoặc bấm "Bỏ qua".'
)
ASK_CONSENT = (
    "Bạn có đồng ý để câu trả lời của cơ quan được công khai (đã ẩn họ tên, số điện thoại, địa chỉ nhà) "
    "để người khác cùng tham khảo không?"
)
CONSENT_INVALID = 'Bạn vui lòng chọn "Có" hoặc "Không".'
CONFIRM_HINT = 'Bấm "Gửi" để gửi, "Sửa" + tên mục để sửa (ví dụ: "sửa địa điểm"), hoặc "Hủy".'
CANCELLED = "Đã hủy phản ánh, thông tin bạn nhập chưa được gửi đi. Bạn cần hỗ trợ gì thêm không?"
NOTHING_TO_CANCEL = "Hiện không có yêu cầu nào đang thực hiện để hủy. Bạn cần hỗ trợ gì ạ?"
EDIT_WHICH = 'Bạn muốn sửa mục nào? Gõ "sửa" kèm tên mục: nội dung, địa điểm, họ tên, số điện thoại, ảnh, công khai.'
SUBMIT_UNAVAILABLE = (
    "Xin lỗi, hệ thống tiếp nhận đang bận nên chưa gửi được. Thông tin của bạn vẫn được giữ nguyên — "
    'bạn bấm "Gửi" lại sau ít phút nhé.'
)
SUBMIT_REJECTED = 'Hệ thống chưa nhận được phản ánh: {detail}. Bạn sửa lại thông tin rồi bấm "Gửi".'
KIND_LABEL = {"complaint": "Phản ánh", "recommendation": "Kiến nghị"}


def submitted(code: str, agency: str | None, due: str | None) -> str:
    lines = [f"Đã tiếp nhận! Mã theo dõi của bạn: {code}"]
    if agency:
        lines.append(f"Cơ quan xử lý: {agency}")
    if due:
        lines.append(f"Hạn trả lời dự kiến: {due}")
    lines.append(
        f"Bạn có thể gửi mã {code} cho tôi bất cứ lúc nào để tra cứu. Khi có trả lời, tôi sẽ nhắn cho bạn tại đây."
    )
    return "\n".join(lines)


# --- status lookup ------------------------------------------------------------------------------
STATUS_LABEL = {
    "received": "Đã tiếp nhận, đang chuyển cơ quan xử lý",
    "assigned": "Đã chuyển đến cơ quan xử lý",
    "in_progress": "Cơ quan đang xử lý",
    "answered": "Đã có trả lời",
    "published": "Đã trả lời và công khai",
    "closed": "Đã kết thúc",
    "transferred": "Đã chuyển sang cơ quan khác xử lý",
    "returned": "Đang được điều phối lại",
    "needs_info": "Cơ quan cần bạn bổ sung thông tin",
    "rejected": "Không thuộc phạm vi xử lý (đã có hướng dẫn)",
    "merged": "Đã gộp với phản ánh trùng nội dung",
}
CODE_NOT_FOUND = "Không tìm thấy phản ánh có mã {code}. Bạn kiểm tra lại mã (dạng PA-2026-000123) nhé."
ASK_CODE = "Bạn vui lòng gửi mã theo dõi (dạng PA-2026-000123) để tôi tra cứu."
NO_OWN_ITEMS = "Tôi chưa thấy phản ánh nào bạn gửi qua kênh này. " + ASK_CODE
LOOKUP_UNAVAILABLE = "Xin lỗi, hệ thống tra cứu đang bận. Bạn vui lòng thử lại sau ít phút."

# --- notifications ------------------------------------------------------------------------------


def notice_answered(code: str, agency: str | None, answer: str | None) -> str:
    who = f" từ {agency}" if agency else ""
    text = f"📬 Phản ánh {code} của bạn đã có trả lời{who}:"
    return f"{text}\n{answer}" if answer else text + " bạn gửi mã cho tôi để xem chi tiết."


def notice_published(code: str) -> str:
    return f"📢 Trả lời cho phản ánh {code} đã được công khai (đã ẩn thông tin cá nhân)."


def notice_needs_info(code: str, question: str | None) -> str:
    text = f"❓ Cơ quan xử lý phản ánh {code} cần bạn bổ sung thông tin"
    text += f":\n{question}" if question else "."
    return text + '\nBấm "Bổ sung thông tin" rồi nhắn nội dung trả lời cho tôi.'


ASK_SUPPLEMENT = 'Bạn nhắn nội dung bổ sung cho phản ánh {code} (gõ "hủy" nếu chưa muốn gửi).'
SUPPLEMENT_SENT = (
    "Đã gửi thông tin bổ sung cho phản ánh {code}. Cơ quan sẽ tiếp tục xử lý; tôi sẽ báo bạn khi có trả lời."
)
SUPPLEMENT_NOT_NEEDED = "Phản ánh {code} hiện không cần bổ sung thông tin (hoặc không phải phản ánh bạn gửi từ đây)."
SUPPLEMENT_CANCELLED = 'Đã thôi, chưa gửi thông tin bổ sung. Bạn có thể bấm "Bổ sung thông tin" lại khi cần.'
SUPPLEMENT_TOO_SHORT = 'Bạn nhắn nội dung bổ sung cụ thể hơn giúp tôi nhé (hoặc gõ "hủy").'
BTN_SUPPLEMENT = "Bổ sung thông tin"


def notice_status(code: str, status: str) -> str:
    return f"ℹ️ Phản ánh {code}: {STATUS_LABEL.get(status, status)}."


# --- buttons ------------------------------------------------------------------------------------
BTN_FEEDBACK = "Gửi phản ánh"
BTN_SKIP = "Bỏ qua"
BTN_CANCEL = "Hủy"
BTN_YES = "Có"
BTN_NO = "Không"
BTN_SEND = "Gửi"
BTN_EDIT = "Sửa"
BTN_HANDOFF = "Gặp tổng đài viên"
BTN_MY_ITEMS = "Phản ánh của tôi"

# --- khiếu nại / tố cáo (not PAKN) ---------------------------------------------------------------------
GRIEVANCE_ASK = (
    "Nội dung này có vẻ là {label} — việc có trình tự riêng theo Luật Khiếu nại / Luật Tố cáo, không gửi như "
    "một phản ánh, kiến nghị. Bạn muốn xem hướng dẫn nộp {label}, hay đây thực ra là phản ánh (báo sự việc "
    "cần xử lý) để tôi gửi tiếp?"
)
BTN_GRIEVANCE_GUIDE = "Đây là khiếu nại/tố cáo — hướng dẫn"
BTN_GRIEVANCE_PAKN = "Không, đây là phản ánh"
GRIEVANCE_AFTER_GUIDE = (
    "Tôi chưa gửi nội dung này như một phản ánh. Nếu bạn có sự việc khác cần phản ánh, bấm “Gửi phản ánh”."
)
