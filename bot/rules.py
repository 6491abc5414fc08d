"""Pure text rules of the dialogue: tracking codes, phone numbers, yes/no/skip/cancel words, form fields.

No I/O here; everything is matched on `nlu.normalize.fold` (lowercase, no diacritics, abbreviations
expanded), so "Hủy", "huỷ" and "huy", or "sđt" and "số điện thoại", behave the same.
"""

from __future__ import annotations

import re

from common.tracking import find_tracking_code  # noqa: F401  (loose codes "pa 2026 12"; re-exported for the flows)
from nlu.normalize import fold

# Vietnamese numbers: mobiles 0 + 9 digits starting 3/5/7/8/9; landlines 02 + 9 digits (area code + number).
_MOBILE_RE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE_RE = re.compile(r"^02\d{9}$")


def normalize_phone(text: str) -> str | None:
    """A valid Vietnamese phone number in national form ("0905123456"), else None.

    Accepts the ways people type them: "0905 123 456", "0905.123.456", "+84 905-123-456", "84905123456",
    "(0235) 3812345".
    """
    raw = (text or "").strip()
    if not raw or len(raw) > 30 or not re.fullmatch(r"[\d\s.()+\-]+", raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip().startswith("+"):
        if not digits.startswith("84"):
            return None
        digits = "0" + digits[2:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if _MOBILE_RE.match(digits) or _LANDLINE_RE.match(digits):
        return digits
    return None


_PHONE_CANDIDATE_RE = re.compile(r"(?:\+?84|0)[\d .()\-]{8,16}\d")


def extract_phone(text: str) -> str | None:
    """A valid phone number typed alone or inside a sentence ("sđt của tôi là 0905 123 456")."""
    whole = normalize_phone(text)
    if whole:
        return whole
    for candidate in _PHONE_CANDIDATE_RE.findall(text or ""):
        phone = normalize_phone(candidate.strip())
        if phone:
            return phone
    return None


def mask_phone(phone: str) -> str:
    """ "0905123456" -> "0905***456" for summaries shown back to the citizen."""
    if len(phone) < 7:
        return "***"
    return phone[:4] + "*" * (len(phone) - 7) + phone[-3:]


def _words(text: str) -> str:
    return " ".join(fold(text or "").split())


_CANCEL = {
    "huy",
    "huy bo",
    "huy di",
    "huy phan anh",
    "huy kien nghi",
    "thoi huy",
    "thoi",
    "dung lai",
    "thoat",
    "khong gui nua",
    "cancel",
    "/cancel",
}
_SKIP = {
    "bo qua",
    "khong",
    "khong co",
    "khong can",
    "thoi khong",
    "khong muon",
    "skip",
    "/skip",
    "qua",
    "tiep",
    "tiep tuc",
    "khong co anh",
    "khong gui anh",
    "an danh",
    "khong cung cap",
}
_YES = {
    "co",
    "dong y",
    "ok",
    "oke",
    "okay",
    "uh",
    "u",
    "vang",
    "da",
    "da co",
    "co dong y",
    "yes",
    "duoc",
    "dong y cong khai",
    "co cong khai",
    "/yes",
    "chac chan",
    "dung",
}
_NO = {"khong", "khong dong y", "khong cong khai", "no", "/no", "thoi khong", "khong muon", "khong can"}
_CONFIRM = {
    "gui",
    "gui di",
    "xac nhan",
    "dong y gui",
    "ok gui",
    "gui phan anh",
    "dung roi",
    "chinh xac",
    "/confirm",
    "co",
    "dong y",
    "ok",
    "oke",
}


def is_cancel(text: str) -> bool:
    return _words(text) in _CANCEL


def is_skip(text: str) -> bool:
    return _words(text) in _SKIP


def parse_yes_no(text: str) -> bool | None:
    words = _words(text)
    if words in _NO:
        return False
    if words in _YES:
        return True
    return None


def is_confirm(text: str) -> bool:
    return _words(text) in _CONFIRM


# Form fields the citizen can correct with "sửa <field>", by the words they would use (folded).
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "content": ("noi dung", "phan anh", "van de", "mo ta"),
    "location": ("dia diem", "dia chi", "noi xay ra", "cho", "vi tri", "noi"),
    "name": ("ho ten", "ten"),
    "phone": ("so dien thoai", "dien thoai", "so dt", "dt"),
    "photo": ("hinh anh", "anh", "hinh"),
    "consent": ("cong khai", "dong y cong khai", "dong y"),
    "kind": ("loai", "hinh thuc"),
}
_EDIT_VERBS = ("sua", "chinh sua", "doi", "thay doi", "cap nhat", "nhap lai", "/edit")


def parse_edit(text: str) -> str | None:
    """The form field named in "sửa <field>" / "sua sdt" / "/edit phone", else None."""
    words = _words(text)
    for verb in sorted(_EDIT_VERBS, key=len, reverse=True):
        if words == verb or words.startswith(verb + " "):
            rest = words[len(verb) :].strip()
            if rest in FIELD_WORDS:  # "/edit phone"
                return rest
            rest = re.sub(r"^(lai|phan|muc|truong)\s+", "", rest)
            for field_name, names in FIELD_WORDS.items():
                if any(rest == n or rest.startswith(n + " ") for n in names):
                    return field_name
            return None
    return None


_RECOMMENDATION_WORDS = ("kien nghi", "de nghi", "de xuat", "gop y", "kien nghi")


def infer_kind(text: str) -> str:
    """complaint (phản ánh) unless the citizen words it as a recommendation (kiến nghị, đề nghị, đề xuất)."""
    words = _words(text)
    if any(w in words for w in _RECOMMENDATION_WORDS) and "phan anh" not in words:
        return "recommendation"
    return "complaint"


# Lead-in phrases before the actual problem: "tôi muốn phản ánh: đường bị ngập" -> "đường bị ngập".
_LEAD_IN_RE = re.compile(
    r"^\s*(?:(?:xin\s+)?(?:chào|chao)[^,.:!]*[,.:!]\s*)?"
    r"(?:(?:tôi|toi|em|mình|minh|cháu|chau|chúng tôi|chung toi)\s+)?"
    r"(?:(?:muốn|muon|cần|can|xin|định|dinh)\s+)?"
    r"(?:(?:gửi|gui|làm|lam|nộp|nop)\s+)?(?:(?:một|mot|1)\s+)?"
    r"(?:phản\s*ánh|phan\s*anh|kiến\s*nghị|kien\s*nghi|góp\s*ý|gop\s*y|khiếu\s*nại|khieu\s*nai)"
    r"(?:\s*(?:,|và|va|/)\s*(?:kiến\s*nghị|kien\s*nghi))?"
    r"(?:\s+(?:về|ve|việc|viec|là|la|rằng|rang|tình\s+trạng|tinh\s+trang)(?=\s|$))*\s*[:,.\-–]?\s*",
    re.IGNORECASE,
)


def strip_feedback_lead_in(text: str) -> str:
    """The part of a first feedback message after "tôi muốn phản ánh ...", or "" when nothing follows."""
    match = _LEAD_IN_RE.match(text or "")
    if not match:
        return ""
    return text[match.end() :].strip()


def looks_like_content(text: str) -> bool:
    """Long enough to be the description of a problem (not just "tôi muốn phản ánh")."""
    return len(_words(text).split()) >= 4


# Follow-up questions that keep the procedure of the previous answer: "còn lệ phí thì sao?", "nộp ở đâu".
_FOLLOW_UP_MARKERS = (
    "con ",
    "the con",
    "vay con",
    "thi sao",
    "the thi",
    "thu tuc do",
    "thu tuc nay",
    "cai do",
    "cai nay",
    "o tren",
    "vua roi",
    "vay thi",
    "luc nay",
    "con gi",
)


def looks_like_follow_up(text: str) -> bool:
    words = _words(text)
    if not words:
        return False
    padded = f"{words} "
    return len(words.split()) <= 7 or any(padded.startswith(m) or f" {m}" in padded for m in _FOLLOW_UP_MARKERS)


def wants_own_items(text: str) -> bool:
    """ "phản ánh của tôi", "các kiến nghị tôi đã gửi": the person's own list rather than one code."""
    words = _words(text)
    return any(
        marker in words
        for marker in ("cua toi", "cua minh", "cua em", "toi da gui", "minh da gui", "em da gui", "da gui")
    )


_SUBMIT_REQUEST_RE = re.compile(
    r"^(?:(?:xin )?chao(?: \w+)? )?(?:(?:toi|em|minh|chau|chung toi|cho toi|cho em|cho minh) )?"
    r"(?:(?:muon|can|xin|dinh|se|co the) )*(?:(?:gui|lam|nop|viet|bao) )?(?:(?:mot|1|cai) )?"
    r"(?:phan anh|kien nghi|gop y|phan anh kien nghi|phan anh va kien nghi|khieu nai)"
    r"(?: (?:voi|len|toi|cho) (?:tong dai|co quan|chinh quyen|ban|ad|admin))?(?: (?:a|nhe|duoc khong|duoc ko|dc ko))?$"
)


def is_submit_request(text: str) -> bool:
    """The whole message is a request to send feedback ("tôi muốn phản ánh", "gửi kiến nghị"): the form
    starts whatever the intent model says (short messages like these sit between submit and status)."""
    return bool(_SUBMIT_REQUEST_RE.match(_words(text)))


_CHOICE_RE = re.compile(r"^(?:(?:chon|lay|xem) )?(?:(?:so|thu|cai|muc|thu tuc|thu tuc so) )?([1-9])(?: a| nhe| nha)?$")


def parse_choice(text: str, count: int) -> int | None:
    """ "2", "số 2", "chọn 2": the 0-based index of a numbered choice just offered, else None."""
    match = _CHOICE_RE.match(_words(text))
    if not match:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= count else None
