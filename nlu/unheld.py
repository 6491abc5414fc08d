"""Questions no procedure answers, known by what they ask: how big a fine is, or exam dates and results.

The KB holds procedures (how to get something done), not penalty tables or exam calendars; retrieval
would only find a procedure near the subject ("không đăng ký tạm trú bị phạt bao nhiêu" -> đăng ký tạm
trú). Such a question gets a plain "not found" that says why, unless it also asks how to do something
(documents, place, steps, online, time, who may): "làm tạm trú thế nào, không làm có bị phạt không" is a
question about the procedure. Cues are matched on the folded text; "phat" alone is also "phát" (phát
sóng, cấp phát), so a fine is recognised only with the words around it.
"""

from __future__ import annotations

import re

from nlu.aspects import aspect_scores
from nlu.normalize import fold

# kind -> what asks for it (folded regular expressions, matched on word boundaries)
ASKS: dict[str, tuple[str, ...]] = {
    "penalty": (
        # (not "thiết bị phát tín hiệu"; "tiền phạt", "nộp phạt" may be a procedure's own words)
        r"(?<!thiet )(bi|muc|xu|khung) phat(( khoang| tam| la)? (bao nhieu|may)( tien)?)?( (khong|ko|k|gi))?",
        r"phat( khoang| tam| la)? (bao nhieu|may)( tien)?",
        r"phat (nguoi|hanh chinh)",
        r"tru (diem|may diem) (bang lai|gplx)",
    ),
    "exam": (
        # (not "thi hành án", "thi công", "thi đua"; "ngày thì", "kết quả thì" are "then": an exam word
        # must follow them)
        r"(lich|diem) thi(?! (hanh|cong|dua)\b)( (tot nghiep|vao lop \d+|thpt))?",
        r"(ngay|ket qua) thi (tot nghiep|vao lop \d+|thpt|dai hoc)",
        r"diem chuan",
        r"(xem|tra|tra cuu|coi) diem",
        r"khi nao (co|bao) diem",
    ),
}
# An aspect of the remaining text at least this strong asks about a procedure ("giấy tờ gì" 3, "ở đâu"
# 2.5, "thế nào" 1.5); a fee needs more than a bare "bao nhiêu" (1) or "tiền" (1.5) left over from the
# fine or the score.
PROCEDURE_ASK = 1.5
FEE_ASK = 2.0

_PATTERNS = {kind: re.compile(r"\b(?:" + "|".join(cues) + r")\b") for kind, cues in ASKS.items()}


def unheld_cues(text: str) -> set[str]:
    """The unheld asks `text` mentions at all, as the folded words that ask them ("diem thi tot nghiep"),
    whatever else it asks."""
    folded = fold(text)
    return {match.group(0) for pattern in _PATTERNS.values() for match in pattern.finditer(folded)}


def unheld_ask(text: str) -> str | None:
    """ "penalty" or "exam" when that is all the question asks; None otherwise. (A procedure whose own
    name asks it in the same words, "phúc khảo điểm thi", holds it: the parser checks the names.)"""
    folded = fold(text)
    kind = None
    for name, pattern in _PATTERNS.items():
        if pattern.search(folded):
            kind = kind or name
            folded = pattern.sub(" ", folded)
    if kind is None:
        return None
    asks_procedure = any(
        score >= (FEE_ASK if aspect == "fee" else PROCEDURE_ASK) for aspect, score in aspect_scores(folded).items()
    )
    return None if asks_procedure else kind
