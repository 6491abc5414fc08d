"""Vietnamese text normalisation for matching (originals are always kept for display).

- `normalize(text)`: NFC, lowercase, one tone-mark placement, punctuation/whitespace collapsed, repeated
  letters squeezed ("khongggg"), abbreviations and teencode expanded ("sđt" -> "số điện thoại",
  "ko" -> "không"); diacritics are KEPT.
- `fold_diacritics(text)`: strip every combining mark, đ/Đ -> d/D.
- `fold(text)`: `fold_diacritics(normalize(text))`, the form every matcher (intents, aspects, BM25) uses.
- `syllables(text)`: the folded tokens.

Abbreviations are looked up by the *folded* token, so "sđt" and "sdt", "đc" and "dc" behave the same and
folding twice changes nothing (fold is idempotent). The few teencode words whose folded form collides with
a real word are matched only with their marks (see `EXACT_ONLY`), e.g. "hông" -> "không" but plain
"hong" is left alone because citizens typing without marks mean "hỏng" (broken: "den duong hong") or
"hồng" ("so hong", the house ownership certificate).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from common.text import fold_diacritics

# --- data: abbreviations and teencode, keyed by the folded (ASCII) token --------------------------
ABBREVIATIONS: dict[str, str] = {
    # papers and agencies
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh thư",
    "cmtnd": "chứng minh thư nhân dân",
    "gplx": "giấy phép lái xe",
    "sdt": "số điện thoại",
    "ubnd": "ủy ban nhân dân",
    "hdnd": "hội đồng nhân dân",
    "thcs": "trung học cơ sở",
    "thpt": "trung học phổ thông",
    "bhyt": "bảo hiểm y tế",
    "bhxh": "bảo hiểm xã hội",
    "bhtn": "bảo hiểm thất nghiệp",
    "gcn": "giấy chứng nhận",
    "qsdd": "quyền sử dụng đất",
    "gcnqsdd": "giấy chứng nhận quyền sử dụng đất",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "pakn": "phản ánh kiến nghị",
    "gks": "giấy khai sinh",
    "dkkd": "đăng ký kinh doanh",
    "gpkd": "giấy phép kinh doanh",
    "mst": "mã số thuế",
    "dky": "đăng ký",
    "dki": "đăng ký",
    "tp": "thành phố",
    "tnhh": "trách nhiệm hữu hạn",
    "ctcp": "công ty cổ phần",
    "cty": "công ty",
    "dn": "doanh nghiệp",
    "hkd": "hộ kinh doanh",
    "lltp": "lý lịch tư pháp",
    "gpxd": "giấy phép xây dựng",
    "hdld": "hợp đồng lao động",
    "bds": "bất động sản",
    "kq": "kết quả",
    # negation
    "k": "không",
    "ko": "không",
    "kh": "không",
    "khg": "không",
    "hok": "không",
    "khong": "không",
    "khum": "không",
    "k0": "không",
    # particles and pronouns
    "dc": "được",
    "dk": "được",  # or "đăng ký": decided by context in _expand_token
    "j": "gì",
    "ntn": "như thế nào",
    "bn": "bao nhiêu",
    "bnhiu": "bao nhiêu",
    "bnh": "bao nhiêu",
    "z": "vậy",
    "v": "vậy",
    "zay": "vậy",
    "mik": "mình",
    "mk": "mình",
    "mjk": "mình",
    "e": "em",
    "a": "anh",  # or the particle "ạ" at the end of a message: see _expand_token
    "hk": "hộ khẩu",  # or "không" at the end of a question ("được hk"): see _expand_token
    "ng": "người",
    "mn": "mọi người",
    "vs": "với",
    "r": "rồi",
    "trc": "trước",
    "cx": "cũng",
    "ms": "mới",
    "nx": "nữa",
    "lm": "làm",
    "vk": "vợ",
    "ck": "chồng",
    "mun": "muốn",
    "bik": "biết",
    "bit": "biết",
    "nhiu": "nhiều",
    "hnay": "hôm nay",
    "thui": "thôi",
    "wa": "quá",
    "gj": "gì",
    "ji": "gì",
    "zi": "gì",
    "tks": "cảm ơn",
    "thks": "cảm ơn",
    "thx": "cảm ơn",
}

# Teencode matched only with its exact marks (the folded form is a real, common word).
EXACT_ONLY: dict[str, str] = {
    "hông": "không",
    "hem": "không",
}

# Multi-token phrases, folded tokens -> replacement.
PHRASES: dict[tuple[str, ...], str] = {
    ("bao", "nhiu"): "bao nhiêu",
    ("v/v",): "về việc",
    ("đ/c",): "địa chỉ",
    ("d/c",): "địa chỉ",  # typed without the mark: folding first must give the same form
}

# Words after which "đk" means "đăng ký" (registration) rather than "được".
_DK_REGISTER_NEXT = frozenset(
    "ket khai tam thuong xe kinh doanh ho lai cap bien quyen dat nha moi online truc cu luu giay thue "
    "ma nuoi giam nhan the hoc thi dau dien nghia giao su tu".split()
)
_DK_REGISTER_PREV = frozenset("tuc cach muon can viec phi giay phieu don mau lam di".split())
# After these words a single letter is a name, not teencode: "hạng A", "điểm e khoản 1".
_LETTER_CONTEXT = frozenset("hang loai diem muc khoan phan lop nhom mau khu khoi day tang phong bang".split())
_NEGATIONS = frozenset({"k", "ko", "kh", "khg", "hok", "khong", "khum", "k0", "hk"})

# Old vs new tone placement: "hoà"/"hòa", "thuỷ"/"thủy" — one spelling (the traditional one) when the
# cluster ends the syllable. Not after "q" ("quý": the u belongs to the consonant).
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook above, tilde, dot below

_KEEP_TOKEN = re.compile(r"[a-z]{1,5}-\d{4}-\d{1,8}|\d+(?:[.,/:-]\d+)+|[vđd]/[vc]")
_NON_WORD = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def _tone_placement(lowered: str) -> str:
    """Move the tone of a final "oa/oe/uy" onto the first vowel (works on NFD text)."""
    if not any(ch in lowered for ch in "oua"):
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)

    def fix(match: re.Match) -> str:
        first, first_tone, second, second_tone = match.groups()
        if first_tone:  # already has a tone on the first vowel; leave odd input alone
            return match.group(0)
        if first == "u" and second != "y" or first == "o" and second == "y":
            return match.group(0)
        return first + second_tone + second

    fixed = _TONE_PLACEMENT_NFD.sub(fix, decomposed)
    return unicodedata.normalize("NFC", fixed)


# Operates on NFD text: bare o/u, then a/e/y carrying the tone, at the end of the syllable.
_TONE_PLACEMENT_NFD = re.compile(r"(?<!q)([ou])([" + _TONES + r"])?([aey])([" + _TONES + r"])(?![\w\u0300-\u036f])")


def _squeeze(token: str) -> str:
    """Collapse a run of 3+ copies of one letter (marks ignored) to one, keeping the marked copy."""
    base = fold_diacritics(token)
    if len(base) != len(token) or not _REPEATS.search(base):
        return token
    out: list[str] = []
    i = 0
    while i < len(token):
        j = i
        while j < len(token) and base[j] == base[i]:
            j += 1
        run = token[i:j]
        if j - i >= 3 and base[i].isalpha():
            marked = [ch for ch in run if ch != base[i]]
            out.append(marked[0] if marked else run[0])
        else:
            out.append(run)
        i = j
    return "".join(out)


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for chunk in text.split():
        pos = 0
        for match in _KEEP_TOKEN.finditer(chunk):
            tokens.extend(_NON_WORD.sub(" ", chunk[pos : match.start()]).split())
            tokens.append(match.group(0))
            pos = match.end()
        tokens.extend(_NON_WORD.sub(" ", chunk[pos:]).split())
    return tokens


def _expand_token(tokens: list[str], folded: list[str], i: int) -> str:
    token, key = tokens[i], folded[i]
    if token in EXACT_ONLY:
        return EXACT_ONLY[token]
    if key not in ABBREVIATIONS:
        return token
    prev_key = folded[i - 1] if i > 0 else ""
    next_key = folded[i + 1] if i + 1 < len(folded) else ""
    last = i + 1 == len(folded)
    if len(key) == 1 and prev_key in _LETTER_CONTEXT:
        return token
    if key == "a":
        return "ạ" if last else "anh"
    if key == "hk":
        return "không" if last and i > 0 else "hộ khẩu"
    if key == "dk":
        if next_key in _DK_REGISTER_NEXT or (prev_key in _DK_REGISTER_PREV and next_key not in _NEGATIONS and not last):
            return "đăng ký"
        if prev_key in {"tuc", "cach", "muon", "viec", "phieu", "don", "mau"}:
            return "đăng ký"
        return "được"
    return ABBREVIATIONS[key]


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """NFC, lowercase, tone placement unified, punctuation/whitespace collapsed, abbreviations expanded.

    Diacritics are kept. Never raises on any str.
    """
    lowered = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())
    lowered = _tone_placement(lowered)
    tokens = _tokens(lowered)
    if not tokens:
        return ""
    # Squeeze "khongggg"/"nhéee" but not the abbreviations themselves ("cccd").
    tokens = [tok if fold_diacritics(tok) in ABBREVIATIONS else _squeeze(tok) for tok in tokens]
    folded = [fold_diacritics(token) for token in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens) and (folded[i], folded[i + 1]) in PHRASES:
            out.append(PHRASES[(folded[i], folded[i + 1])])
            i += 2
            continue
        if (tokens[i],) in PHRASES:
            out.append(PHRASES[(tokens[i],)])
            i += 1
            continue
        out.append(_expand_token(tokens, folded, i))
        i += 1
    return " ".join(out)


def fold(text: str) -> str:
    """The matching form: `fold_diacritics(normalize(text))` — lowercase ASCII for Vietnamese input."""
    return fold_diacritics(normalize(text))


def syllables(text: str) -> list[str]:
    """Folded tokens (Vietnamese words are written as space-separated syllables)."""
    return fold(text).split()
