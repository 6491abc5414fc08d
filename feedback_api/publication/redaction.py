"""Remove personal data from PAKN text before it is published or shown publicly.

What goes: names (the citizen's known names, and names introduced by "tôi là", "tên", "họ tên", "ông",
"bà", "anh", "chị"...), phone numbers in every VN format, CCCD/CMND numbers, e-mail addresses and house
numbers ("số 12 Phan Châu Trinh", "12/3 kiệt 45", "K45/12"). What stays: dates, amounts of money,
tracking and procedure codes, street and place names without a house number — the public needs those
to understand the answer. Works with and without diacritics. Pure and idempotent: redact(redact(t)) ==
redact(t), because placeholders contain no digits or letters any rule would match.

Rules are deliberately conservative where a false positive is cheap (a 10-digit number starting with 0
is treated as a phone) and anchored where it is not (a capitalised name only after a trigger word, so
streets named after people — "Phan Châu Trinh", "Trần Phú" — survive).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from common.text import fold, fold_chars

PLACEHOLDER = "[đã ẩn]"


# --- normalisation before matching ----------------------------------------------------------------
# Written-around personal data must not slip through: "0905\u00a0123\u00a0456", full-width
# "０９０５１２３４５６", "0905_123_456", digits with zero-width characters between them, "hoa(at)gmail.com".
# The text is normalised first and the rules match (and the output is built from) the normalised text.
_INVISIBLE = {
    cp: None
    for cp in (
        0x00AD,
        0x034F,
        0x061C,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x180E,
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2060,
        0x2061,
        0x2062,
        0x2063,
        0x2064,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
        0x3164,
        0xFEFF,
        0xFFA0,
    )
}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)_+|_+(?=\d)")
_AT = r"(?:\s*[(\[{<]\s*(?:at|a\s*còng|a\s*cong)\s*[)\]}>]\s*|\s+(?:at|AT|a\s+còng|a\s+cong)\s+|\s*@\s*)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{<]\s*(?:dot|chấm|cham)\s*[)\]}>]\s*|\s+(?:dot|DOT|chấm|cham)\s+)"
# A written-out e-mail: local part, an "at" form, then labels joined by "dot" forms ending in a TLD.
_OBFUSCATED_EMAIL = re.compile(
    r"(?<![\w.+%-])[\w.+%-]+" + _AT + r"[\w-]+(?:" + _DOT + r"[\w-]+)*" + _DOT + r"[A-Za-z]{2,24}(?![\w])", re.I
)


def _fold_char_class(ch: str) -> str:
    if ch.isspace():
        return " " if ch not in "\n\r\t" else ch
    if ch.isdecimal() and not ch.isascii():
        return str(unicodedata.decimal(ch))
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII: ＠, ＋, （, ．, Ａ...
        return chr(code - 0xFEE0)
    return ch


def normalize_text(text: str) -> str:
    """The form redaction matches: NFC; invisible characters dropped; every space (NBSP, thin, ideographic)
    a plain space; digits of any script and full-width ASCII as ASCII; dashes as "-"; underscores next to
    digits as spaces (separators). Idempotent, and leaves ordinary Vietnamese text as it is."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_DASHES)
    if not text.isascii():
        text = "".join(_fold_char_class(ch) for ch in text)
    return _DIGIT_SEPARATOR.sub(" ", text)


# --- e-mail ---------------------------------------------------------------------------------------
# Starts only at a token start (the lookbehind), so long runs without "@" cost linear time.
_EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# --- numbers: phones, CCCD/CMND -------------------------------------------------------------------
# A run of digits with the separators people use in phone numbers; judged by its digits afterwards.
_NUMBER_RUN = re.compile(r"(?<![\w/\-])(?:\(\+?84\)|\+84|\+|\()?[ .\-]?\d(?:[ .\-()]{0,2}\d){6,60}(?![\w/\-]|[.,]\d)")
_BARE_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[35789]\d{8}|2\d{9})(?!\d)")
_ID_KEYWORDS = (
    r"(?:cccd|cmnd|cmt|căn\s+cước(?:\s+công\s+dân)?|can\s+cuoc(?:\s+cong\s+dan)?|chứng\s+minh(?:\s+nhân\s+dân"
    r"|\s+thư)?|chung\s+minh(?:\s+nhan\s+dan|\s+thu)?|số\s+định\s+danh(?:\s+cá\s+nhân)?|so\s+dinh\s+danh"
    r"(?:\s+ca\s+nhan)?|hộ\s+chiếu|ho\s+chieu)"
)
# An identity number announced by its keyword, whatever the grouping ("CCCD: 049 201 001 234").
_ID_AFTER_KEYWORD = re.compile(
    _ID_KEYWORDS + r"(?P<glue>\s*(?:số|so|là|la)?\s*[:.]?\s*)(?P<num>[A-Z]?\d[\d .]{6,16}\d)(?!\d)", re.I
)


def _is_phone(digits: str) -> bool:
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits[0] == "0" and digits[1] in "35789":
        return True  # mobile: 03x, 05x, 07x, 08x, 09x
    if len(digits) == 11 and digits.startswith("02"):
        return True  # landline: 02xx + 7 digits, e.g. 0235 3812345
    if len(digits) == 10 and digits.startswith("02"):
        return True  # landline written without one digit group split, conservative
    return False


def _is_identity_number(run: str, digits: str) -> bool:
    # Only unbroken runs: "150.000.000" (money) has 9 digits too.
    return run.strip().isdigit() and len(digits) in (9, 12)


def _redact_numbers(text: str) -> str:
    text = _ID_AFTER_KEYWORD.sub(lambda m: m.group(0)[: m.start("num") - m.start()] + PLACEHOLDER, text)

    def replace(match: re.Match) -> str:
        run = match.group(0)
        lead = run[: len(run) - len(run.lstrip(" .-"))]  # keep a separator we swallowed
        if _is_personal_number(run):
            return lead + PLACEHOLDER
        # "năm 2026 0905 123 456": the run glued a year to the phone; look at its space-separated parts
        # (a personal number has at most 12 digits, which bounds the search).
        parts = re.split(r"(\s+)", run[len(lead) :])
        numbers = parts[0::2]
        counts = [sum(ch.isdigit() for ch in number) for number in numbers]
        for i in range(len(numbers)):
            found, digits = None, 0
            for j in range(i + 1, len(numbers) + 1):
                digits += counts[j - 1]
                if digits > 12:
                    break
                if digits >= 9 and j - i < len(numbers) and _is_personal_number(" ".join(numbers[i:j])):
                    found = j
            if found is not None:
                before = "".join(parts[: 2 * i])
                after = "".join(parts[2 * found - 1 :])
                return lead + before + PLACEHOLDER + replace_rest(after)
        return run

    def replace_rest(rest: str) -> str:
        return _NUMBER_RUN.sub(replace, rest)

    text = _NUMBER_RUN.sub(replace, text)
    # Phones glued to letters ("sdt0905123456") escape the run's word-boundary guard.
    return _BARE_PHONE.sub(PLACEHOLDER, text)


def _is_personal_number(run: str) -> bool:
    digits = re.sub(r"\D", "", run)
    return _is_phone(digits) or _is_identity_number(run, digits)


# --- house numbers ---------------------------------------------------------------------------------
_HOUSE = r"\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?){0,3}"
_ALLEY = r"(?:kiệt|kiet|hẻm|hem|ngõ|ngo|ngách|ngach)"
_STREET_WORD = r"(?:đường|duong|phố|pho|" + _ALLEY[3:-1] + r")"
# "K45/12", "kiệt 45/12", "hẻm 12/3": an alley plus a house number.
_ALLEY_HOUSE = re.compile(
    r"(?<!\w)(?:K|k|H|h)\d{1,4}(?:/\d{1,4}[A-Za-z]?){1,3}(?!\w)|(?<!\w)"
    + _ALLEY
    + r"\s+\d{1,4}(?:/\d{1,4}[A-Za-z]?){1,3}(?![\w/])",
    re.I,
)
# "12/3 kiệt 45", "45 đường Phan Châu Trinh": a house number before an alley or street keyword.
_HOUSE_BEFORE_STREET = re.compile(r"(?<![\w/.,\-])(?P<num>" + _HOUSE + r")(?=\s+" + _STREET_WORD + r"\b)", re.I)
_POSSESSIVE = r"(?:\s+(?:tôi|em|mình|chúng\s+tôi|toi|minh|chung\s+toi))?(?:\s+(?:ở|tại|o|tai))?"
# Explicit house-number words: what follows is a house number.
_EXPLICIT_ANCHOR = re.compile(
    r"(?<!\w)(?:số\s+nhà|nhà\s+số|so\s+nha|nha\s+so|địa\s+chỉ(?:\s+nhà)?(?:\s+(?:là|tại|ở))?|dia\s+chi"
    r"(?:\s+nha)?(?:\s+(?:la|tai|o))?|(?:căn\s+nhà|can\s+nha|nhà|nha)" + _POSSESSIVE + r"\s+(?:số|so))"
    r"\s*:?\s*(?P<num>" + _HOUSE + r")(?![\w/])",
    re.I,
)
# "nhà (tôi) (ở) 45 ...": a house number unless a (lowercase) unit follows ("nhà 3 tầng", "nhà 5 người");
# units are matched case-sensitively so streets like "Hồ Xuân Hương" / "Nam Kỳ" are not taken for them.
_UNITS = (
    r"(?-i:(?:tầng|tang|người|nguoi|phòng|phong|ngày|ngay|tháng|thang|năm|nam|lần|lan|căn|can|cái|cai|hộ|ho|"
    r"m|m2|mét|met|km|tuổi|tuoi|giờ|gio|h|con|chiếc|chiec|xe)\b)"
)
_HOME_ANCHOR = re.compile(
    r"(?<!\w)(?:căn\s+nhà|can\s+nha|nhà|nha)"
    + _POSSESSIVE
    + r"\s*:?\s*(?P<num>"
    + _HOUSE
    + r")(?![\w/])(?!\s+"
    + _UNITS
    + r")",
    re.I,
)
# Weak anchors ("số", "ở", "tại"): only when a street follows (capitalised word or street keyword),
# so "số 12/2026/NĐ-CP" and "tại 3 xã" stay.
_WEAK_ANCHOR = re.compile(
    r"(?<!\w)(?i:số|so|ở|o|tại|tai)\s+(?P<num>" + _HOUSE + r")(?![\w/])(?=,?\s+(?P<next>[^\W\d_]+))"
)
# A slashed number right before a capitalised street ("45/12 Phan Châu Trinh").
_SLASHED_BEFORE_NAME = re.compile(
    r"(?<![\w/.,\-])(?P<num>\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?){1,3})(?=\s+(?P<next>[^\W\d_]+))"
)
_STREET_WORDS = frozenset({"duong", "pho", "kiet", "hem", "ngo", "ngach"})
_DATE_WORDS = {"ngay", "hom", "tu", "den", "thang", "luc", "vao", "truoc", "sau", "nam"}


def _street_follows(match: re.Match) -> bool:
    following = match.group("next")
    if fold(following) in _TITLE_BLOCK:  # "12/3 UBND phường ..." is a date, not an address
        return False
    return following[0].isupper() or fold(following) in _STREET_WORDS


def _redact_houses(text: str) -> str:
    text = _ALLEY_HOUSE.sub(PLACEHOLDER, text)
    text = _EXPLICIT_ANCHOR.sub(_replace_group, text)
    text = _HOME_ANCHOR.sub(_replace_group, text)
    text = _HOUSE_BEFORE_STREET.sub(_replace_group, text)
    for pattern in (_WEAK_ANCHOR, _SLASHED_BEFORE_NAME):
        text = pattern.sub(lambda m: _replace_group(m) if _street_follows(m) else m.group(0), text)
    return text


def _replace_group(match: re.Match, group: str = "num") -> str:
    """Replace just `group` inside the match; dates ("ngày 12/3 Ông ...", "12/3/2026") are not addresses."""
    text = match.string
    if re.search(r"/(?:19|20)\d\d$", match.group(group)):
        return match.group(0)
    before = fold(text[max(0, match.start(group) - 12) : match.start(group)]).split()
    if before and before[-1] in _DATE_WORDS and "/" in match.group(group):
        return match.group(0)
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    whole = match.group(0)
    return whole[:start] + PLACEHOLDER + whole[end:]


# --- names ----------------------------------------------------------------------------------------
# Introductions that are followed by the speaker's name, capitalised or not.
_STRONG_TRIGGER = (
    r"tôi\s+tên\s+là|tôi\s+tên|tên\s+tôi\s+là|tên\s+tôi|tôi\s+là|tên\s+là|họ\s+và\s+tên|họ\s+tên|tên"
    r"|toi\s+ten\s+la|toi\s+ten|ten\s+toi\s+la|ten\s+toi|toi\s+la|ten\s+la|ho\s+va\s+ten|ho\s+ten|ten"
    r"|người\s+phản\s+ánh|nguoi\s+phan\s+anh|người\s+gửi|nguoi\s+gui"
    r"|(?:em|mình|cháu|tui|con)\s+(?:tên\s+)?là|(?:em|minh|chau|tui|con)\s+(?:ten\s+)?la"
)
# Forms of address: followed by a name only when it is capitalised ("bà Lan", not "bà con").
_WEAK_TRIGGER = (
    r"ông|bà|anh|chị|em|cô|chú|bác|cháu|ong|ba|chi|co|chu|bac|chau"
    r"|cán\s+bộ|can\s+bo|công\s+chức|cong\s+chuc|đồng\s+chí|dong\s+chi|đ/c"
)
_TRIGGER = re.compile(
    r"(?<!\w)(?:(?P<strong>" + _STRONG_TRIGGER + r")|(?P<weak>" + _WEAK_TRIGGER + r"))(?P<sep>\s*[:\-]?\s*)(?=\w)",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]+")
# Common family names; a lowercase name after "tôi là" must start with one ("tôi là nguyễn văn an").
SURNAMES_VI = frozenset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý lương đinh trịnh trương mai "
    "lâm cao hà tạ thái châu đoàn la quách lưu tống kiều văn chu giang tiêu thạch khưu tôn kha mạc".split()
)
SURNAMES = frozenset(fold(name) for name in SURNAMES_VI)


def _is_surname(word: str) -> bool:
    lowered = word.lower()
    if fold(lowered) != lowered:  # written with diacritics: they must be a surname's ("hộ" is not "Hồ")
        return lowered in SURNAMES_VI
    return lowered in SURNAMES


# Words that end a lowercase name ("toi la nguyen van an sdt ...").
_NAME_STOP = frozenset(
    "sdt so dt dien thoai o tai nha dia chi email cccd cmnd sinh song hien muon xin phan anh kien nghi "
    "la va co bi dang nam tuoi toi lien he de ve thuoc tu den cua nguoi dan khu pho thon xa phuong quan "
    "huyen tinh thanh".split()
)
# Capitalised words after ông/bà/anh... that are titles or offices, not names.
_TITLE_BLOCK = frozenset(
    "ubnd ubmttq phuong xa huyen quan tinh thon so phong cuc bo ban doan nguoi cac nhung toa".split()
)
_TITLE_PAIRS = frozenset(
    {
        "chu tich",
        "pho chu",
        "giam doc",
        "pho giam",
        "truong phong",
        "truong ban",
        "truong thon",
        "truong khu",
        "cong an",
        "can bo",
        "to truong",
        "bi thu",
        "uy ban",
        "thanh tra",
        "thu tuong",
        "hoi an",
        "hoi dong",
        "chi cuc",
        "dai dien",
        "thi xa",
        "thi tran",
        "thanh pho",
        "bac si",
        "y ta",
        "giao vien",
        "hieu truong",
        "truong hoc",
        "chien si",
        "dai bieu",
        "lanh dao",
        "chanh van",
        "ky su",
        "ba ria",
        "ba na",
        "ba den",
    }
)


def _name_span(text: str, start: int, strong: bool, trigger: str = "") -> tuple[int, int] | None:
    """The span of the name beginning at `start`, or None when what follows is not a name."""
    words: list[re.Match] = []
    position = start
    while len(words) < 5:
        match = _WORD.match(text, position)
        if not match:
            break
        words.append(match)
        gap = re.match(r"[ \t]+", text[match.end() :])  # names never span punctuation or lines
        if not gap:
            break
        position = match.end() + gap.end()
    if not words:
        return None
    folded = [fold(w.group(0)) for w in words]
    pair = " ".join(folded[:2])
    with_trigger = f"{fold(trigger)} {folded[0]}"  # "Bà Rịa" is a place
    if folded[0] in _TITLE_BLOCK or pair in _TITLE_PAIRS or with_trigger in _TITLE_PAIRS:
        return None  # "ông Chủ tịch", "tôi là Chủ tịch", "anh Công an"
    if words[0].group(0)[0].isupper():
        taken = list(_take_while(words, lambda w: w.group(0)[0].isupper()))
    elif strong and _is_surname(words[0].group(0)):
        taken = [words[0]]
        for w, f in zip(words[1:4], folded[1:4], strict=False):
            if f in _NAME_STOP or len(f) > 7:
                break
            taken.append(w)
        if len(taken) < 2:
            return None
    else:
        return None
    return taken[0].start(), taken[-1].end()


def _take_while(items, predicate):
    for item in items:
        if not predicate(item):
            return
        yield item


def _redact_pattern_names(text: str) -> str:
    pieces, last = [], 0
    for trigger in _TRIGGER.finditer(text):
        if trigger.start() < last:
            continue
        weak = trigger.group("weak")
        if weak:
            before = fold(text[max(0, trigger.start() - 8) : trigger.start()]).split()
            # "phan anh" is "phản ánh" without diacritics, not "anh <name>".
            if before and before[-1] == "phan" and fold(weak) == "anh":
                continue
            # Streets named "Bà Triệu", "Ông Ích Khiêm" keep their name.
            if before and before[-1] in _STREET_WORDS:
                continue
            # Without diacritics a capitalised "Chau", "Co", "Ba" is part of a name, not a title.
            if fold(weak) == weak.lower() and not weak.islower():
                continue
        span = _name_span(text, trigger.end(), strong=bool(trigger.group("strong")), trigger=weak or "")
        if span is None:
            continue
        pieces.append(text[last : span[0]])
        pieces.append(PLACEHOLDER)
        last = span[1]
    pieces.append(text[last:])
    return "".join(pieces)


def _redact_known_names(text: str, known_names: Iterable[str]) -> str:
    """Every occurrence of a known full name, any case, with or without diacritics."""
    for name in sorted({fold(n) for n in known_names if n and fold(n)}, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)")
        folded = fold_chars(text)  # same length as text, so spans carry over
        pieces, last = [], 0
        for match in pattern.finditer(folded):
            pieces += [text[last : match.start()], PLACEHOLDER]
            last = match.end()
        if pieces:
            text = "".join(pieces) + text[last:]
    return text


def redact(text: str, known_names: Iterable[str] = ()) -> str:
    """`text` with personal data replaced by "[đã ẩn]"."""
    if not text:
        return text
    text = normalize_text(text)
    text = _redact_known_names(text, known_names)
    text = _EMAIL.sub(PLACEHOLDER, text)
    text = _OBFUSCATED_EMAIL.sub(PLACEHOLDER, text)
    text = _redact_numbers(text)
    text = _redact_houses(text)
    text = _redact_pattern_names(text)
    return text
