"""Short Vietnamese answers about one procedure, for the asked aspect, as chat replies (nlu.reply)
the bot sends as they are.

Plain text (no Markdown): the same answer goes to the web chat, Telegram and Zalo. Every answer names
the procedure, gives the section asked about, the implementing agency (with its hotline when the
directory has it) and the national portal link when the procedure has a national code. Buttons offer
the other aspects (`/aspect <name>`, handled by the bot with the procedure just answered).
"""
from __future__ import annotations

from knowledge_base.models import Procedure
from nlu.normalize import fold
from nlu.reply import Button, Reply

MAX_STEPS = 8
MAX_DOCUMENTS = 10

CHANNEL_NAMES = {"truc_tiep": "trực tiếp", "truc_tuyen": "trực tuyến", "buu_chinh": "qua dịch vụ bưu chính"}
ONLINE_EXPLAINED = {
    "toan_trinh": (
        "Thủ tục này có dịch vụ công trực tuyến toàn trình: bạn nộp hồ sơ, nộp phí (nếu có), theo dõi "
        "và nhận kết quả trực tuyến trên Cổng Dịch vụ công, không phải đến cơ quan."
    ),
    "mot_phan": (
        "Thủ tục này có dịch vụ công trực tuyến một phần: bạn có thể nộp hồ sơ trực tuyến trên Cổng "
        "Dịch vụ công, nhưng vẫn phải đến cơ quan để xuất trình bản chính hoặc nhận kết quả."
    ),
    "none": "Thủ tục này chưa có dịch vụ công trực tuyến.",
}
ASPECT_BUTTONS = {
    "documents": "Giấy tờ cần chuẩn bị",
    "fee": "Lệ phí",
    "duration": "Thời gian giải quyết",
    "where": "Nơi nộp hồ sơ",
    "steps": "Các bước thực hiện",
    "online": "Làm trực tuyến",
    "eligibility": "Đối tượng, điều kiện",
}
FOLLOW_UP_ORDER = ("documents", "fee", "duration", "where", "steps", "online", "eligibility")


def format_vnd(amount: int) -> str:
    """50000 -> "50.000 đồng" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " và " + items[-1]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(";,").rstrip()
    return text if text.endswith((".", "!", "?", ":", "…")) else text + "."


def _channels(procedure: Procedure) -> str:
    return _join([CHANNEL_NAMES.get(c, c) for c in procedure.submission_channels])


def _copies(item) -> str:
    parts = []
    if item.originals:
        parts.append(f"{item.originals} bản chính")
    if item.copies:
        parts.append(f"{item.copies} bản sao")
    return " (" + ", ".join(parts) + ")" if parts else ""


def _documents(procedure: Procedure) -> str:
    if not procedure.documents:
        return "Hồ sơ: chưa có thông tin về thành phần hồ sơ; bạn vui lòng liên hệ cơ quan thực hiện."
    lines = ["Hồ sơ cần chuẩn bị:"]
    for number, item in enumerate(procedure.documents[:MAX_DOCUMENTS], start=1):
        note = f" — {item.note}" if item.note else ""
        lines.append(f"{number}. {item.name}{_copies(item)}{note}")
    if len(procedure.documents) > MAX_DOCUMENTS:
        lines.append(f"... và {len(procedure.documents) - MAX_DOCUMENTS} giấy tờ khác (xem chi tiết trên Cổng).")
    return "\n".join(lines)


def _fees(procedure: Procedure) -> str:
    if not procedure.fees:
        if procedure.fee_note:
            return "Phí, lệ phí: " + _sentence(procedure.fee_note)
        return "Phí, lệ phí: chưa có thông tin công bố; bạn vui lòng hỏi cơ quan thực hiện."
    lines = ["Phí, lệ phí:"]
    for fee in procedure.fees:
        if fee.amount_vnd is None:
            detail = fee.description or "mức thu tùy trường hợp"
        elif fee.amount_vnd == 0:
            detail = "miễn phí" + (f" ({fee.description})" if fee.description else "")
        else:
            detail = format_vnd(fee.amount_vnd) + (f" ({fee.description})" if fee.description else "")
        lines.append(f"- {fee.name}: {detail}")
    if procedure.fee_note:
        lines.append(_sentence(procedure.fee_note))
    return "\n".join(lines)


def _duration(procedure: Procedure) -> str:
    return "Thời hạn giải quyết: " + _sentence(procedure.processing_time)


def _where(procedure: Procedure) -> str:
    place = procedure.where_to_submit or procedure.agency
    return f"Nơi nộp hồ sơ: {_sentence(place)}\nCách nộp: {_channels(procedure)}."


def _steps(procedure: Procedure) -> str:
    lines = ["Các bước thực hiện:"]
    lines += [f"{number}. {_sentence(step)}" for number, step in enumerate(procedure.steps[:MAX_STEPS], start=1)]
    if len(procedure.steps) > MAX_STEPS:
        lines.append("... (xem đầy đủ trên Cổng Dịch vụ công).")
    return "\n".join(lines)


def _online(procedure: Procedure) -> str:
    text = ONLINE_EXPLAINED.get(procedure.online_level, ONLINE_EXPLAINED["none"])
    if procedure.online_level == "none":
        text += f" Bạn nộp hồ sơ {_channels(procedure)}."
    else:
        text += f"\nCách nộp: {_channels(procedure)}."
    return text


def _eligibility(procedure: Procedure) -> str:
    lines = []
    if procedure.target_users:
        lines.append("Đối tượng thực hiện: " + _sentence(", ".join(procedure.target_users)))
    if procedure.conditions:
        lines.append("Yêu cầu, điều kiện: " + _sentence(procedure.conditions))
    else:
        lines.append("Yêu cầu, điều kiện: không có yêu cầu, điều kiện riêng được công bố.")
    return "\n".join(lines)


def _fee_summary(procedure: Procedure) -> str:
    amounts = sorted({f.amount_vnd for f in procedure.fees if f.amount_vnd is not None})
    varies = any(f.amount_vnd is None for f in procedure.fees)
    if not amounts:
        return "tùy trường hợp (hỏi \"lệ phí\" để xem chi tiết)."
    if len(amounts) == 1 and len(procedure.fees) == 1:
        return format_vnd(amounts[0]) + "." if amounts[0] else "miễn phí."
    low, high = amounts[0], amounts[-1]
    text = format_vnd(low) if low == high else f"từ {format_vnd(low)} đến {format_vnd(high)}"
    return text + (", một số khoản tùy trường hợp." if varies else " tùy trường hợp.")


def _general(procedure: Procedure) -> str:
    level = f", cấp {procedure.level}" if procedure.level else ""
    lines = [f"Lĩnh vực: {procedure.field}{level}.", _duration(procedure)]
    if procedure.fees:
        lines.append("Phí, lệ phí: " + _fee_summary(procedure))
    elif procedure.fee_note:
        lines.append("Phí, lệ phí: " + _sentence(procedure.fee_note))
    lines.append(f"Cách nộp: {_channels(procedure)}.")
    if procedure.result:
        lines.append("Kết quả: " + _sentence(procedure.result))
    return "\n".join(lines)


SECTIONS = {
    "documents": _documents,
    "fee": _fees,
    "duration": _duration,
    "where": _where,
    "steps": _steps,
    "online": _online,
    "eligibility": _eligibility,
    "general": _general,
}


def _agency_line(procedure: Procedure, kb) -> str:
    """The agency as published, plus the directory's full name and hotline when agency_code resolves."""
    agency = kb.agency(procedure.agency_code) if (kb is not None and procedure.agency_code) else None
    line = f"Cơ quan thực hiện: {procedure.agency}"
    if agency is not None:
        extras = [] if fold(agency.name) == fold(procedure.agency) else [agency.name]
        if agency.hotline:
            extras.append(f"điện thoại {agency.hotline}")
        if extras:
            line += f" ({', '.join(extras)})"
    return line + "."


def compose_answer(procedure: Procedure, aspect: str | None, kb=None) -> Reply:
    """The answer about `procedure` for `aspect` (unknown or None: general), with follow-up buttons."""
    aspect = aspect if aspect in SECTIONS else "general"
    parts = [procedure.name, SECTIONS[aspect](procedure), _agency_line(procedure, kb)]
    if procedure.portal_url:
        parts.append(f"Chi tiết: {procedure.portal_url}")
    buttons = [Button(ASPECT_BUTTONS[a], f"/aspect {a}") for a in FOLLOW_UP_ORDER if a != aspect][:4]
    return Reply("\n".join(parts), buttons)


def clarify(procedures: list[Procedure]) -> Reply:
    """Ask which procedure the citizen means, offering (up to) the top 3 as buttons."""
    choices = procedures[:3]
    if not choices:
        return Reply("Bạn muốn hỏi thủ tục nào? Bạn có thể nói rõ hơn tên thủ tục hoặc giấy tờ cần làm.")
    lines = ["Bạn muốn hỏi thủ tục nào?"]
    lines += [f"{number}. {p.name}" for number, p in enumerate(choices, start=1)]
    buttons = [Button(_short(p.name), f"/procedure {p.code}") for p in choices]
    return Reply("\n".join(lines), buttons)


def _short(title: str, limit: int = 60) -> str:
    """Button titles are short on every channel (Telegram, Zalo)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
