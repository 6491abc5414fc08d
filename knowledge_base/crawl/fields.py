"""Short fields: level, target users, result, conditions, agency named in a text, online level."""

from __future__ import annotations

import re

from knowledge_base.crawl.text import _blank, _nfc, _squash


def parse_level(text: str) -> str:
    """ "Cấp bộ, Cấp tỉnh" -> "bộ, tỉnh"; "Cơ quan khác" -> "khác"."""
    levels = []
    for part in _nfc(text).split(","):
        part = part.strip().lower()
        part = "khác" if part == "cơ quan khác" else re.sub(r"^cấp\s+", "", part)
        if part and part not in levels:
            levels.append(part)
    return ", ".join(levels)


def split_top_level(text: str, separators: str = ",;") -> list[str]:
    """Split on separators outside parentheses: "Tổ chức (không bao gồm doanh nghiệp, HTX), Doanh nghiệp"."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in _nfc(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    seen: list[str] = []
    for part in (_squash(p) for p in parts):
        if part and part not in seen:
            seen.append(part)
    return seen


def parse_result(text: str) -> str:
    """Result names before the portal's widgets: "Giấy khai sinhMã: KQ.G15.000031Từ khóa..."."""
    text = _nfc(text)
    text = re.split(r"Từ khóa|Chọn cơ quan thực hiện", text)[0]
    names = [_squash(n) for n in re.split(r"Mã:\s*KQ\.[A-Z0-9]+\.\d+", text)]
    names = [n for n in names if n and not _blank(n)]
    return "; ".join(dict.fromkeys(names))


def parse_conditions(text: str) -> str:
    text = _squash(_nfc(text))
    return "" if _blank(text) or text.rstrip(".").lower() in ("không", "không có") else _nfc(text).strip()


_AGENCY_HEADS = (
    r"Ủy ban nhân dân|UBND|Sở|Cục|Chi cục|Công an|Bộ|Ngân hàng Nhà nước|Văn phòng đăng ký đất đai|"
    r"Tòa án|Cơ quan thuế|Thuế|Cảng vụ|Ủy ban Chứng khoán|Chủ tịch Ủy ban nhân dân|Kho bạc|"
    r"Phòng|Cơ quan Hải quan|Chi nhánh Văn phòng đăng ký đất đai"
)
_AGENCY_IN_TEXT = re.compile(
    rf"\b((?:{_AGENCY_HEADS})\b[^,.;:()\n]{{0,60}}?)(?=\s+(?:có trách nhiệm|phải|tiếp nhận|"
    rf"kiểm tra|thẩm định|xem xét|giải quyết|cấp|ra|ban hành|gửi|thông báo|nơi|theo|để|"
    rf"trong|và|hoặc|thực hiện)\b|[,.;:()\n])"
)
_NOT_AGENCY = re.compile(r"^(?:Bộ phận|Bộ hồ sơ|Bộ luật|Sở hữu|Phòng ngừa)", re.IGNORECASE)


def agency_from_text(text: str) -> str | None:
    """The first public body named in a text (the steps), e.g. "Sở Xây dựng"; None when none is."""
    for match in _AGENCY_IN_TEXT.finditer(_nfc(text)):
        name = _squash(match.group(1))
        if len(name.split()) >= 2 and not _NOT_AGENCY.match(name):
            return name
    return None


def online_level_of(channels: list[str], *texts: str) -> str:
    joined = " ".join(_nfc(t).lower() for t in texts)
    if "truc_tuyen" in channels and re.search(r"(?<!không )(?:trực tuyến|dịch vụ công)\s+toàn trình", joined):
        return "toan_trinh"
    return "mot_phan" if "truc_tuyen" in channels else "none"
