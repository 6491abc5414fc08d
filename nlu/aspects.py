"""Which part of a procedure a question asks about: keyword rules over the folded text, kept as data.

Each aspect has cue phrases (folded, matched on word boundaries; a phrase may be a regular expression)
with a weight (default: its number of words, so "dieu kien" outweighs a bare "duoc"). The aspect with the
largest total weight wins; ties go to the order of `ASPECTS`; no cue at all means "general".
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlu.normalize import fold

ASPECTS = ("fee", "duration", "online", "where", "documents", "eligibility", "steps", "general")

# aspect -> [(folded cue phrase or regex, weight or None for the number of words)]
ASPECT_CUES: dict[str, list[tuple[str, float | None]]] = {
    "documents": [
        ("giay to", 2),
        ("giay to gi", 3),
        ("ho so gom", 3),
        ("ho so can", 2),
        ("thanh phan ho so", 3),
        ("can mang", 2),
        ("mang theo", 2),
        ("mang gi", 2),
        ("chuan bi", 2),
        ("can nhung gi", 3),
        ("can gi", 2),
        ("gom nhung gi", 3),
        ("gom gi", 2),
        ("can nhung giay", 3),
        ("ban sao", 0.5),
        ("ban chinh", 0.5),
        ("to khai", 1.5),
        ("mau don", 1.5),
        ("nop nhung gi", 3),
        ("can co gi", 3),
        ("giay gi", 2),
        ("nhung gi", 1),
        ("phai co gi", 3),
        ("can nhung", 1.5),
        ("can nop gi", 3),
        ("ho so nhu the nao", 3),
        ("ho so the nao", 3),
        ("ho so gi", 3),
        ("can ho so", 2.5),
        ("ho so nhung gi", 3),
        ("giay to nao", 3),
        ("giay nao", 2.5),
        ("ho so gom nhung", 3),
        ("thu tuc giay to", 2),
        ("co can mang", 2.5),
        ("photo", 1),
        ("dem theo", 2),
        ("dem gi", 2),
        ("mang nhung gi", 3),
        ("chuan bi gi", 3),
        ("giay to can thiet", 3),
        ("can nhung loai", 2.5),
        ("nhung giay to", 2.5),
        ("loai giay", 2),
        (r"can (co )?giay (phep|chung nhan|to|xac nhan) gi", 2.5),
    ],
    "fee": [
        ("le phi", 3),
        ("phi", 2),
        ("bao nhieu tien", 3),
        ("may tien", 3),
        ("mat tien", 3),
        ("het bao nhieu", 2),
        ("ton bao nhieu", 2),
        ("mat bao nhieu", 1),
        ("chi phi", 3),
        ("mien phi", 3),
        ("tien", 1.5),
        (r"\d[\d.,]* ?(dong|d|vnd|k|nghin|ngan|trieu)", 2),
        ("thu tien", 3),
        ("gia bao nhieu", 3),
        ("tra tien", 3),
        ("nop tien", 3),
        ("co mat phi", 3),
        ("ton tien", 3),
        ("thu phi", 3),
        ("ton kem", 2.5),
        ("nhieu tien", 3),
        ("may dong", 3),
        ("bao nhieu dong", 3),
        ("phi bao nhieu", 3),
        ("het may", 2),
        ("bao nhieu", 1),
        ("moi trang", 2),
        ("moi ban", 2),
        ("moi lan", 1.5),
    ],
    "duration": [
        ("bao lau", 3),
        ("may ngay", 3),
        ("bao nhieu ngay", 3),
        ("thoi gian", 2),
        ("thoi han", 2),
        ("khi nao co", 2),
        ("bao gio co", 2),
        ("may hom", 3),
        ("may thang", 3),
        ("may tuan", 3),
        ("lau khong", 2),
        ("lau ko", 2),
        ("nhanh khong", 2),
        ("ngay lam viec", 2),
        ("khi nao xong", 3),
        ("bao gio xong", 3),
        ("bao gio lay", 3),
        ("khi nao lay", 3),
        ("bao nhieu lau", 3),
        ("mat may", 2),
        ("cho may", 2),
        ("lau chua", 1),
        ("tra ket qua", 1.5),
        ("khi nao nhan", 3),
        ("bao gio nhan", 3),
        ("trong bao", 2),
        ("bao nhieu thang", 3),
        ("mat bao lau", 3),
        ("may bua", 3),
        ("bao nhieu bua", 3),
        ("lau chua", 1),
        ("co nhanh", 2),
        ("khi nao duoc", 2.5),
        ("bao gio duoc", 2.5),
        ("thoi gian giai quyet", 3),
        ("han nop", 2.5),
        ("han chot", 2.5),
        ("trong ngay", 2),
    ],
    "where": [
        ("o dau", 3),
        ("cho nao", 3),
        ("noi nao", 3),
        ("co quan nao", 3),
        ("den dau", 3),
        ("di dau", 3),
        ("nop o", 2),
        ("dia chi", 2),
        ("tai dau", 3),
        ("phong nao", 3),
        ("xa hay huyen", 3),
        ("huyen hay tinh", 3),
        ("xa hay tinh", 3),
        ("cap nao", 2),
        ("noi nop", 3),
        ("lam o dau", 3),
        ("nop tai", 2),
        ("den co quan", 2),
        ("don vi nao", 3),
        ("o xa hay", 3),
        ("ben nao", 2),
        ("xa nao", 2.5),
        ("huyen nao", 2.5),
        ("so nao", 2.5),
        (r"(o|tai|den|len) (so|phong|ban|bo phan|ubnd|uy ban|co quan|trung tam) ?\w* nao", 3),
        ("o cho nao", 3),
        ("dia diem", 2.5),
        ("tru so", 1.5),
        (r"(o|tai) (xa|phuong|huyen|tinh|thi tran)\b.{0,20}\bduoc", 2.5),
        ("chỗ nào", 3),
        ("nop cho ai", 3),
        ("ai giai quyet", 2.5),
        ("ai tiep nhan", 2.5),
        ("ra dau", 3),
        ("len dau", 3),
        ("toa nao", 3),
        # "làm ở công an xã hay phải lên tỉnh", "ở phường hay lên thành phố"
        (r"(o|tai|len|ra) (cong an |ubnd )?(xa|phuong|tinh|thanh pho)( \w+)? hay\b", 2.5),
    ],
    "steps": [
        ("thu tuc the nao", 3),
        ("thu tuc nhu the nao", 3),
        ("lam the nao", 2),
        ("lam sao", 2),
        ("nhu the nao", 1.5),
        ("cac buoc", 3),
        ("quy trinh", 3),
        ("trinh tu", 3),
        ("cach lam", 2.5),
        ("huong dan", 2.5),
        ("the nao", 1.5),
        ("ra sao", 1.5),
        ("lam gi", 1.5),
        ("buoc nao", 3),
        ("nhung buoc", 3),
        ("tung buoc", 3),
        ("cach thuc", 2),
        ("cach dang ky", 2.5),
        ("cach xin", 2.5),
        ("cach nop", 2),
        ("thu tuc ra sao", 3),
        ("phai lam gi", 2.5),
        ("can lam gi", 2.5),
        ("lam nhu nao", 2),
        ("lam the nao de", 2.5),
        ("tien hanh", 2),
        ("lam thu tuc gi", 2.5),
        ("thu tuc gi", 2),
        (r"thi (phai )?(lam|bao|khai|tach) sao", 2),
        ("lam sao de", 2.5),
        ("trinh tu thu tuc", 3),
        ("thuc hien ra sao", 3),
    ],
    "online": [
        ("online", 3),
        ("onl", 3),
        ("truc tuyen", 3),
        ("qua mang", 3),
        ("dich vu cong", 3),
        ("tren mang", 3),
        ("qua internet", 3),
        ("toan trinh", 3),
        ("qua app", 3),
        ("vneid", 3),
        ("tai nha", 2),
        ("tu nha", 2),
        ("khong can den", 3),
        ("buu dien", 2.5),
        ("buu chinh", 2.5),
        ("qua dien thoai", 2),
        ("tren dien thoai", 2.5),
        ("website", 2.5),
        ("cong dich vu", 3),
        ("mot phan", 2),
        ("tren app", 3),
        ("bang dien thoai", 2.5),
        ("qua zalo", 2.5),
        ("nop tu xa", 3),
        ("khong phai den", 3),
        ("khong can di", 3),
        ("cong dvc", 3),
    ],
    "eligibility": [
        ("ai duoc", 3),
        ("dieu kien", 3),
        ("doi tuong", 3),
        ("co duoc", 1.5),
        ("truong hop nao", 3),
        ("ai co the", 3),
        ("nguoi nao", 2),
        ("duoc huong", 2),
        ("ai phai", 3),
        ("du dieu kien", 3),
        ("tieu chuan", 3),
        ("yeu cau gi", 2.5),
        ("ai la nguoi", 2),
        ("co phai", 1),
        ("duoc phep", 1.5),
        ("ai duoc huong", 3),
        ("co the duoc", 2),
        ("nguoi nuoc ngoai co", 2),
        ("bao nhieu tuoi", 2.5),
        ("du tuoi", 2.5),
        ("co can", 1),
        (r"co (can|phai) (xin|lam|dang ky|co)\b.{0,40}\bkhong", 2),
        ("doi tuong nao", 3),
        ("nhung ai", 3),
        ("ai thi duoc", 3),
        ("ai duoc lam", 3),
        ("du tieu chuan", 3),
        ("thuoc dien", 2.5),
        ("co thuoc", 1.5),
        ("duoc khong", 1.5),
        ("duoc ko", 1.5),
        ("toi thieu", 2),
    ],
}


_REGEX_CHARS = set("\\[](){}+*?|.")


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, list[tuple[str, float]], list[tuple[re.Pattern, float]]]]:
    """Per aspect: literal cues (" phrase ", matched as a padded substring: fast) and regex cues."""
    compiled = []
    for aspect in ASPECTS:
        literals: dict[str, float] = {}  # phrases that fold alike count once
        regexes: list[tuple[re.Pattern, float]] = []
        for phrase, weight in ASPECT_CUES.get(aspect, []):
            if _REGEX_CHARS & set(phrase):
                regexes.append((re.compile(rf"(?<!\w){phrase}(?!\w)"), weight or 1.0))
                continue
            phrase = fold(phrase)
            weight = weight if weight is not None else len(phrase.split())
            literals[f" {phrase} "] = max(weight, literals.get(f" {phrase} ", 0))
        compiled.append((aspect, list(literals.items()), regexes))
    return compiled


def aspect_scores(text: str) -> dict[str, float]:
    """Total cue weight per aspect (only aspects with at least one cue)."""
    folded = fold(text)
    padded = f" {folded} "
    scores: dict[str, float] = {}
    for aspect, literals, regexes in _compiled():
        total = sum(weight for phrase, weight in literals if phrase in padded)
        total += sum(weight for pattern, weight in regexes if pattern.search(folded))
        if total:
            scores[aspect] = total
    return scores


def detect_aspect(text: str) -> str:
    """documents | fee | duration | where | steps | online | eligibility | general."""
    scores = aspect_scores(text)
    if not scores:
        return "general"
    best = max(scores.values())
    return next(aspect for aspect in ASPECTS if scores.get(aspect) == best)
