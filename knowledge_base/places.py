"""Where a place a citizen names is today: old and new place names -> today's commune-level units.

Since 01/7/2025 there is no district level, and communes were merged (NQ 1659/NQ-UBTVQH15 for Đà Nẵng).
Citizens still write the old names ("xã Tam Ngọc", "tp tam ky", "huyện Núi Thành"), with or without
diacritics. Everything place-specific is data: today's units and the former communes they absorbed are the
directory's `aliases` (agencies.yaml); former districts and their successors, the unit words and the
generic agency names ("Công an cấp xã") are in places.yaml. This module only matches text against them.

Matching follows the routing rule of feedback_api: text typed without diacritics matches by folding, but a
name typed WITH diacritics must carry the name's own ("Tam Thành" is not "Tam Thanh").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.loader import DATA_DIR, KBError, load_agencies
from knowledge_base.models import Agency
from knowledge_base.two_tier import mentions, modernise

PLACES_FILE = DATA_DIR / "places.yaml"


# --- folding (knowledge_base must not import nlu; this is the whole of it) ------------------------------
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else ch.lower() if len(ch.lower()) == 1 else ch


def fold_place(text: str) -> str:
    """Lowercase, no diacritics, đ -> d, one output char per NFC input char ("Tam Kỳ" -> "tam ky")."""
    return "".join(_fold_char(ch) for ch in unicodedata.normalize("NFC", text))


_OLD_TONE = re.compile(r"([oO])([àáảãạèéẻẽẹ])|([uU])([ỳýỷỹỵ])")
_TONED = {v: i for i, v in enumerate("àáảãạèéẻẽẹỳýỷỹỵ")}


def _tone_norm(text: str) -> str:
    """One tone-mark placement ("hoà" -> "hòa", "thuỷ" -> "thủy"), length kept, so both spellings agree."""

    def move(match: re.Match) -> str:
        head, toned = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        index = _TONED[toned]
        base = "aaaaaeeeeeyyyyy"[index]
        marks = "\u0300\u0301\u0309\u0303\u0323"[index % 5]
        return unicodedata.normalize("NFC", head + marks) + base

    return _OLD_TONE.sub(move, text)


def _squash(text: str) -> str:
    return _tone_norm(re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip())


# --- data -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormerDistrict:
    name: str  # with its kind, as citizens say it: "thành phố Tam Kỳ"
    province: str
    successors: tuple[str, ...]  # codes of today's units that took over any part of its area
    code: str | None = None  # its code in the pre-reform directory, where it had one


@dataclass(frozen=True)
class LocalAgency:
    generic: tuple[str, ...]  # "Công an cấp xã", ...
    template: str  # "Công an {unit}"


@dataclass(frozen=True)
class PlaceData:
    unit_level: str
    unit_kinds: tuple[str, ...]
    district_kinds: tuple[str, ...]
    abbreviations: dict[str, tuple[str, ...]]
    former_districts: tuple[FormerDistrict, ...]
    local_agencies: tuple[LocalAgency, ...]
    hint: str

    def former_district(self, name_or_code: str) -> FormerDistrict | None:
        """A former district by its old directory code or its name with kind ("huyện Núi Thành")."""
        key = _squash(name_or_code)
        for district in self.former_districts:
            if district.code == name_or_code or _squash(district.name) == key:
                return district
        return None


def load_places(path: str | Path | None = None) -> PlaceData:
    path = Path(path) if path is not None else PLACES_FILE
    try:
        stat = path.stat()
    except OSError as exc:
        raise KBError(path, f"không đọc được tệp ({exc.strerror or exc})") from exc
    return _load_places_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_places_cached(path: str, _mtime: int, _size: int) -> PlaceData:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KBError(path, f"YAML không hợp lệ: {exc}") from exc
    try:
        districts = tuple(
            FormerDistrict(str(d["name"]), str(d.get("province", "")), tuple(d["successors"]), d.get("code"))
            for d in data.get("former_districts") or ()
        )
        local = tuple(
            LocalAgency(tuple(item["generic"]), str(item["template"])) for item in data.get("local_agencies") or ()
        )
        return PlaceData(
            unit_level=str(data["unit_level"]),
            unit_kinds=tuple(data["unit_kinds"]),
            district_kinds=tuple(data["district_kinds"]),
            abbreviations={k: tuple(v) for k, v in (data.get("abbreviations") or {}).items()},
            former_districts=districts,
            local_agencies=local,
            hint=str(data.get("hint", "")).strip(),
        )
    except (KeyError, TypeError) as exc:
        raise KBError(path, f"thiếu hoặc sai trường {exc}") from exc


# --- matching -------------------------------------------------------------------------------------------
# Tiers, most specific first: a unit named with its kind ("xã Tam Ngọc"), a former district named with its
# kind ("thành phố Tam Kỳ"), then bare names: today's units, former communes, former districts.
_UNIT, _DISTRICT, _BARE_CURRENT, _BARE_FORMER, _BARE_DISTRICT = range(5)


@dataclass(frozen=True)
class _Entry:
    pattern: re.Pattern  # over folded text; group "name" is the place name
    name: str  # the name as written in the data, lowercased (diacritics checked against it)
    codes: tuple[str, ...]
    tier: int
    former: bool = False  # a name no longer in use (a former commune or district)
    # for a current unit's bare name that is also a former district's ("Hội An"): that district's successors
    district_codes: tuple[str, ...] = ()


def _split_kind(text: str, kinds: Sequence[str]) -> tuple[str | None, str]:
    lowered = _squash(text)
    for kind in sorted(kinds, key=len, reverse=True):
        if lowered.startswith(kind + " "):
            return kind, text.strip()[len(kind) + 1 :].strip()
    return None, text.strip()


def _kind_regex(kind: str, data: PlaceData) -> str:
    forms = [re.escape(fold_place(kind))] + [re.escape(fold_place(a)) for a in data.abbreviations.get(kind, ())]
    body = "|".join(sorted(forms, key=len, reverse=True))
    # "thị xã Điện Bàn" is not "xã Điện Bàn": a kind that ends another kind must not follow its head word
    heads = [
        fold_place(other)[: -len(fold_place(kind))]
        for other in data.unit_kinds + data.district_kinds
        if other != kind and fold_place(other).endswith(" " + fold_place(kind))
    ]
    guard = "".join(rf"(?<!{re.escape(head)})" for head in heads)
    return rf"{guard}(?<!\w)(?:{body})\s*"


def _entry(
    kind: str | None, name: str, codes: tuple[str, ...], tier: int, data: PlaceData, former: bool = False
) -> _Entry | None:
    words = fold_place(name).split()
    if not words:
        return None
    if kind is None and len(words) == 1 and len(words[0]) < 5:
        return None  # bare one-syllable names ("Ba", "Dang", "Lăng") are ordinary words
    name_re = r"\s+".join(map(re.escape, words))
    prefix = _kind_regex(kind, data) if kind else r"(?<!\w)"
    pattern = re.compile(prefix + rf"(?P<name>{name_re})(?!\w)")
    return _Entry(pattern, _squash(name), codes, tier, former)


def _unit_of(agency: Agency, data: PlaceData) -> tuple[str | None, str]:
    """("phường", "Hải Châu") from the unit's area ("Phường Hải Châu, thành phố Đà Nẵng")."""
    display = re.split(r"[,(]", agency.area or "", maxsplit=1)[0].strip()
    kind, name = _split_kind(display, data.unit_kinds)
    if kind is None:  # fall back to the name: "Ủy ban nhân dân phường Hải Châu"
        for candidate in data.unit_kinds:
            found = re.search(rf"\b{re.escape(candidate)}\s+(.+)$", agency.name, flags=re.IGNORECASE)
            if found:
                return candidate, found.group(1).strip()
    return kind, name


@dataclass(frozen=True)
class PlaceMatch:
    written: str  # the mention as the citizen typed it ("xa Tam Ngoc")
    codes: tuple[str, ...]  # today's unit(s) it names
    former: bool  # named by a former unit's or district's name


class PlaceResolver:
    """Today's commune-level units named in a text, by today's or former names."""

    def __init__(self, agencies: Sequence[Agency], data: PlaceData):
        self.data = data
        self.units = {a.code: a for a in agencies if a.level == data.unit_level}
        entries: list[_Entry | None] = []
        for code, unit in self.units.items():
            kind, name = _unit_of(unit, data)
            entries += [_entry(kind, name, (code,), _UNIT, data), _entry(None, name, (code,), _BARE_CURRENT, data)]
            for alias in unit.aliases:
                alias_kind, alias_name = _split_kind(alias, data.unit_kinds + data.district_kinds)
                if alias_kind is None:
                    entries.append(_entry(None, alias_name, (code,), _BARE_FORMER, data, former=True))
                    continue
                entries += [
                    _entry(alias_kind, alias_name, (code,), _UNIT, data, former=True),
                    _entry(None, alias_name, (code,), _BARE_FORMER, data, former=True),
                ]
        district_successors: dict[str, tuple[str, ...]] = {}
        for district in data.former_districts:
            codes = tuple(c for c in district.successors if c in self.units)
            kind, name = _split_kind(district.name, data.district_kinds)
            if codes:
                district_successors[_squash(name)] = codes
                entries += [
                    _entry(kind, name, codes, _DISTRICT, data, former=True) if kind else None,
                    _entry(None, name, codes, _BARE_DISTRICT, data, former=True),
                ]
        self.entries = [e for e in entries if e is not None]
        for index, entry in enumerate(self.entries):
            if entry.tier == _BARE_CURRENT and entry.name in district_successors:
                self.entries[index] = replace(entry, district_codes=district_successors[entry.name])
        self._last_words = [fold_place(e.name).split()[-1] for e in self.entries]

    def resolve(self, text: str | None) -> list[Agency]:
        return [self.units[code] for code in self.resolve_codes(text)]

    def mention_spans(self, text: str | None) -> list[tuple[int, int]]:
        """Where the text names a place (kind word included), as (start, end) in its NFC form."""
        return sorted({(h[0], h[1]) for h in self._kept_hits(text)})

    def _kept_hits(self, text: str | None) -> list[tuple[int, int, _Entry]]:
        original = unicodedata.normalize("NFC", text or "")
        folded = fold_place(original)
        lowered = _tone_norm(original.lower()) if len(original.lower()) == len(original) else folded
        hits: list[tuple[int, int, _Entry]] = []
        words = set(re.findall(r"\w+", folded))
        for entry, last_word in zip(self.entries, self._last_words, strict=False):
            if last_word not in words:
                continue  # cheap pre-check: the name's last word is not in the text at all
            for match in entry.pattern.finditer(folded):
                start, end = match.span("name")
                span = re.sub(r"\s+", " ", lowered[start:end])
                if fold_place(span) == span or span == entry.name:
                    hits.append((match.start(), match.end(), entry))
        return [
            h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)
        ]

    def resolve_codes(self, text: str | None) -> list[str]:
        codes: list[str] = []
        for match in self.resolve_matches(text):
            codes += [c for c in match.codes if c not in codes]
        return codes

    def resolve_matches(self, text: str | None) -> list[PlaceMatch]:
        """The mentions that decide `resolve_codes`, in text order: what was written and what it names."""
        original = unicodedata.normalize("NFC", text or "")
        folded = fold_place(original)
        lowered = _tone_norm(original.lower()) if len(original.lower()) == len(original) else folded
        hits: list[tuple[int, int, _Entry]] = []
        for entry in self.entries:
            for match in entry.pattern.finditer(folded):
                start, end = match.span("name")
                span = re.sub(r"\s+", " ", lowered[start:end])
                if fold_place(span) == span or span == entry.name:  # typed without diacritics, or exact
                    hits.append((match.start(), match.end(), entry))
        # A name inside a longer one that also matched is not meant: "Hòa Khánh" in "Hòa Khánh Bắc".
        kept = [
            h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)
        ]
        # A current unit's bare name that is also a former district's ("Cẩm Châu, Hội An") is the district
        # when a former commune of that district is named with it: the commune is the more specific.
        kept = [
            h
            for h in kept
            if not (
                h[2].district_codes
                and any(o[2].tier == _BARE_FORMER and set(o[2].codes) <= set(h[2].district_codes) for o in kept)
            )
        ]
        if not kept:
            return []
        best = min(h[2].tier for h in kept)
        return [
            PlaceMatch(original[start:end].strip(), entry.codes, entry.former)
            for start, end, entry in sorted((h for h in kept if h[2].tier == best), key=lambda h: h[0])
        ]


@lru_cache(maxsize=8)
def _resolver(key: tuple, places_path: str) -> PlaceResolver:
    # the index depends only on these fields; callers map codes back to their own Agency objects
    agencies = [Agency(code=c, name=n, level=lv, area=ar, aliases=list(al)) for c, n, lv, ar, al in key]
    return PlaceResolver(agencies, load_places(places_path))


def resolver_for(agencies: Sequence[Agency] | None = None, places_path: str | Path | None = None) -> PlaceResolver:
    agencies = load_agencies() if agencies is None else agencies
    key = tuple((a.code, a.name, a.level, a.area, tuple(a.aliases)) for a in agencies)
    return _resolver(key, str(places_path or PLACES_FILE))


def resolve_place(
    text: str | None, agencies: Sequence[Agency] | None = None, places_path: str | Path | None = None
) -> list[Agency]:
    """Today's commune-level unit(s) a citizen's text names, by today's or a former name.

    "xã Tam Ngọc" / "tam ngoc" -> [phường Hương Trà]; "thành phố Tam Kỳ" -> its four successor wards;
    a current name -> itself; nothing recognisable -> []. Several units come back when the text names a
    former district or an ambiguous name; the more specific mention wins ("phường An Mỹ, tp Tam Kỳ" ->
    [phường Tam Kỳ]). `agencies` defaults to the bundled directory; pass the loaded KB's directory.
    """
    agencies = load_agencies() if agencies is None else agencies
    by_code = {a.code: a for a in agencies}
    return [by_code[code] for code in resolver_for(agencies, places_path).resolve_codes(text)]


# --- agency text localised to the citizen's unit ----------------------------------------------------------
def unit_label(unit: Agency, data: PlaceData | None = None) -> str:
    """ "phường Hải Châu" for the unit whose area is "Phường Hải Châu, thành phố Đà Nẵng"."""
    data = data or load_places()
    kind, name = _unit_of(unit, data)
    return f"{kind} {name}" if kind else name


def localise_agency(agency_text: str, unit: Agency | None, data: PlaceData | None = None) -> str:
    """A procedure's agency text with its generic commune-level agency ("Công an cấp xã") named for the
    citizen's unit ("Công an phường Hải Châu"); without a unit, the generic name (as it reads today)
    followed by how to find the unit. Other text is returned unchanged."""
    data = data or load_places()
    if unit is not None:
        return localise_mentions(agency_text, [unit], data)
    text = modernise(agency_text.strip())
    match = mentions(tuple(g for local in data.local_agencies for g in local.generic)).search(text)
    if match is None or not data.hint:
        return text
    head, rest = text[: match.end()], text[match.end() :]
    return f"{head} {data.hint}" + rest if not rest.strip(" .;") else f"{head} ({data.hint}){rest}"


def localise_mentions(text: str, units: Sequence[Agency], data: PlaceData | None = None) -> str:
    """Every generic commune-level agency mentioned in `text` ("... nộp tại Công an cấp xã nơi cư trú")
    as it reads today (knowledge_base.two_tier.modernise) and named for the citizen's unit(s): one unit -> "Công an
    phường Hải Châu"; several (a former district) -> "Công an phường A hoặc Công an phường B"."""
    if not text:
        return text
    data = data or load_places()
    text = modernise(text)
    if not units:
        return text
    for local in data.local_agencies:
        named = " hoặc ".join(local.template.format(unit=unit_label(u, data), name=u.name) for u in units)
        text = mentions(local.generic).sub(named.replace("\\", r"\\"), text)
    return text


def without_places(text: str, agencies: Sequence[Agency] | None = None) -> str:
    """`text` with the places it names removed ("làm căn cước ở xã Tam Ngọc" -> "làm căn cước ở "): a place
    says where, not which procedure, so it must not count against a procedure's match."""
    text = unicodedata.normalize("NFC", text or "")
    spans = resolver_for(agencies).mention_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text
