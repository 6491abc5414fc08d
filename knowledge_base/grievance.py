"""Khiếu nại and tố cáo are not PAKN: recognise them in a citizen's text and give the legal path instead.

A complaint against an administrative decision or act (Luật Khiếu nại 2011) or a denunciation of a violation
of law (Luật Tố cáo 2018) has its own competent person, time limit and form; the PAKN decree does not cover
them. The cues, the guidance texts and their sources are data (data/grievance.yaml). Pure functions: the bot
and the feedback service both call `detect_grievance` and show `legal_path`.

Matching follows the routing rule: text typed without diacritics matches by folding, but a cue typed WITH
diacritics must carry the cue's own ("tô cao" is not "tố cáo").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from common.text import fold, fold_chars
from knowledge_base.loader import DATA_DIR, KBError

GRIEVANCE_FILE = DATA_DIR / "grievance.yaml"


@dataclass(frozen=True)
class GrievanceKind:
    code: str  # "khieu_nai" | "to_cao"
    label: str
    word: tuple[str, ...]
    with_: tuple[str, ...]
    strong: tuple[str, ...]
    title: str
    intro: str
    steps: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GrievanceData:
    kinds: dict[str, GrievanceKind]
    reception: str
    confirm_hint: str
    sources: tuple[str, ...]
    not_if: tuple[str, ...]


@dataclass(frozen=True)
class Grievance:
    kind: str  # "khieu_nai" | "to_cao"
    label: str  # "khiếu nại"
    cue: str  # what in the text gave it away, as written


def load_grievance_data(path: str | Path | None = None) -> GrievanceData:
    return _load(str(Path(path) if path else GRIEVANCE_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> GrievanceData:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        kinds = {
            code: GrievanceKind(
                code=code,
                label=str(body["label"]),
                word=tuple(body["word"]),
                with_=tuple(body.get("with") or ()),
                strong=tuple(body.get("strong") or ()),
                title=str(body["title"]),
                intro=" ".join(body["intro"].split()),
                steps=tuple(" ".join(step.split()) for step in body["steps"]),
                sources=tuple(body["sources"]),
            )
            for code, body in (data.get("kinds") or {}).items()
        }
        common = data.get("common") or {}
        return GrievanceData(
            kinds,
            " ".join(str(common.get("reception", "")).split()),
            " ".join(str(common.get("confirm_hint", "")).split()),
            tuple(common.get("sources") or ()),
            tuple(common.get("not_if") or ()),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise KBError(Path(path), f"tệp khiếu nại/tố cáo không hợp lệ: {exc}") from exc


@lru_cache(maxsize=2048)
def _pattern(phrase: str) -> tuple[re.Pattern, str]:
    lowered = unicodedata.normalize("NFC", phrase).lower().strip()
    words = fold(lowered).split()
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)"), re.sub(r"\s+", " ", lowered)


def _find(original: str, folded: str, lowered: str, phrase: str) -> str | None:
    """The first whole-word occurrence of `phrase`, as written, or None. In a text typed with diacritics
    the cue must carry its own ("Thằng đó to cao lắm" is not "tố cáo"); without them it matches folded."""
    pattern, exact = _pattern(phrase)
    marked = folded != lowered
    for match in pattern.finditer(folded):
        span = lowered[match.start() : match.end()]
        if (not marked and fold_chars(span) == span) or re.sub(r"\s+", " ", span) == exact:
            return original[match.start() : match.end()]
    return None


def detect_grievance(text: str | None, data: GrievanceData | None = None) -> Grievance | None:
    """The khiếu nại / tố cáo `text` reads as, or None (an ordinary phản ánh, kiến nghị).

    A kind is recognised by one of its strong cues ("đơn khiếu nại", "nhận hối lộ"), or by its word with a
    cue of what it is about ("khiếu nại" + "quyết định xử phạt", "tố cáo" + "cán bộ"): "khiếu nại tiếng ồn
    karaoke" is a phản ánh. Tố cáo is checked first: it names a person's violation, the stronger claim.
    """
    data = data or load_grievance_data()
    original = unicodedata.normalize("NFC", text or "")
    if not original.strip():
        return None
    folded = fold_chars(original)
    lowered = original.lower() if len(original.lower()) == len(original) else folded
    if any(_find(original, folded, lowered, phrase) for phrase in data.not_if):
        return None
    for code in sorted(data.kinds, key=lambda c: c != "to_cao"):
        kind = data.kinds[code]
        for cue in kind.strong:
            found = _find(original, folded, lowered, cue)
            if found:
                return Grievance(code, kind.label, found)
        word = next((w for w in (_find(original, folded, lowered, p) for p in kind.word) if w), None)
        if word:
            about = next((w for w in (_find(original, folded, lowered, p) for p in kind.with_) if w), None)
            if about:
                return Grievance(code, kind.label, f"{word} … {about}")
    return None


def legal_path(kind: str, data: GrievanceData | None = None) -> dict:
    """The legal path for `kind` as JSON-ready data: title, intro, steps, where people are received,
    how to confirm it is a PAKN after all, and the sources of every fact."""
    data = data or load_grievance_data()
    found = data.kinds[kind]
    return {
        "kind": kind,
        "title": found.title,
        "intro": found.intro,
        "steps": list(found.steps),
        "reception": data.reception,
        "confirm_hint": data.confirm_hint,
        "sources": list(found.sources) + list(data.sources),
    }


def guidance_text(kind: str, data: GrievanceData | None = None) -> str:
    """The legal path as one Vietnamese message (chat, the API's detail)."""
    path = legal_path(kind, data)
    lines = [path["intro"], ""] + [f"• {step}" for step in path["steps"]] + ["", path["reception"]]
    return "\n".join(lines)
