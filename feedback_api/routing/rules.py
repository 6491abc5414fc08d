"""Route a PAKN item to the agency that must answer it: what (category) × where (place) -> agency, as data.

Categories (Vietnamese keywords) and rules live in data/routing_rules.yaml. The category is the one with
the strongest signals, not the first keyword found: a keyword that only says where something happens
("trước cổng trường", the category's `context` words) weighs little, and the topic of the first clause
weighs double, so "đèn đường trước cổng trường tắt" is a street-light matter, not an education one.
Local matters go place first: the commune-level unit named in the location or the content, by today's or a
former name (knowledge_base.places.resolve_place over the directory), so the 2025 reorganisation is a
data change. Every decision carries a readable Vietnamese reason for staff and citizens (signals, place,
agency); the id of the rule that decided stays internal (`matched_rule`). Anything no rule takes goes to
the coordinator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from common.text import fold, fold_chars

RULES_PATH = Path(__file__).resolve().parents[1] / "data" / "routing_rules.yaml"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    keywords: tuple[str, ...]
    context: tuple[str, ...] = ()  # keywords that usually say where or who, not what: they weigh little


@dataclass(frozen=True)
class Rule:
    id: str
    categories: frozenset[str]
    agency: str | None = None
    place_level: str | None = None
    keywords: tuple[str, ...] = ()
    keywords_in: str = "all"  # "content": the keywords must be in the content (not just the location)
    reason: str | None = None  # why this agency, in Vietnamese, for the reason text


@dataclass(frozen=True)
class RoutingRules:
    categories: dict[str, Category]
    rules: tuple[Rule, ...]
    place_prefixes: tuple[str, ...] = ()
    locative_cues: tuple[str, ...] = ()  # words before a keyword that make it say where ("gần", "trước cổng")

    def label(self, category: str | None) -> str | None:
        found = self.categories.get(category) if category else None
        return found.label if found else None


@dataclass(frozen=True)
class Signal:
    """One keyword found: what it was as written, how much it weighs, and whether it only says where."""

    category: str
    written: str
    weight: float
    context: bool


@dataclass(frozen=True)
class RoutingDecision:
    agency_code: str
    category: str | None
    reason: str  # Vietnamese, stored with the item and shown to staff and citizens; never a rule id
    matched_rule: str | None  # internal: which rule decided (audit, tests)
    place: str | None = None  # the area of the unit chosen by place, e.g. "Phường Hương Trà"
    signals: tuple[Signal, ...] = ()  # the chosen category's signals, strongest first


class RulesError(ValueError):
    """The rules file is malformed (named field and rule)."""


def load_rules(path: str | Path | None = None) -> RoutingRules:
    return _load_rules_cached(str(Path(path) if path else RULES_PATH))


@lru_cache(maxsize=8)
def _load_rules_cached(path: str) -> RoutingRules:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    categories = {}
    for code, body in (data.get("categories") or {}).items():
        if not body or not body.get("label") or not body.get("keywords"):
            raise RulesError(f"{path}: danh mục {code} thiếu label hoặc keywords")
        context = tuple(str(k) for k in body.get("context") or ())
        categories[code] = Category(code, body["label"], tuple(str(k) for k in body["keywords"]) + context, context)
    rules, seen = [], set()
    for index, body in enumerate(data.get("rules") or [], start=1):
        rule_id = body.get("id") or f"#{index}"
        if rule_id in seen:
            raise RulesError(f"{path}: quy tắc {rule_id} bị trùng")
        seen.add(rule_id)
        unknown = set(body.get("categories") or ()) - set(categories)
        if unknown or not body.get("categories"):
            raise RulesError(f"{path}: quy tắc {rule_id} có danh mục không hợp lệ: {sorted(unknown)}")
        if bool(body.get("agency")) == bool(body.get("place_level")):
            raise RulesError(f"{path}: quy tắc {rule_id} cần đúng một trong 'agency' hoặc 'place_level'")
        if body.get("keywords_in", "all") not in ("all", "content"):
            raise RulesError(f"{path}: quy tắc {rule_id}: keywords_in phải là 'all' hoặc 'content'")
        rules.append(
            Rule(
                id=rule_id,
                categories=frozenset(body["categories"]),
                agency=body.get("agency"),
                place_level=body.get("place_level"),
                keywords=tuple(str(k) for k in body.get("keywords") or ()),
                keywords_in=body.get("keywords_in", "all"),
                reason=body.get("reason"),
            )
        )
    prefixes = tuple(sorted((str(p) for p in data.get("place_prefixes") or ()), key=len, reverse=True))
    cues = tuple(sorted((fold(str(c)) for c in data.get("locative_cues") or ()), key=len, reverse=True))
    return RoutingRules(categories, tuple(rules), prefixes, cues)


# --- phrase matching -------------------------------------------------------------------------------
class _Text:
    """A text prepared for diacritic-aware whole-word phrase search."""

    def __init__(self, text: str | None):
        self.original = unicodedata.normalize("NFC", text or "")
        self.folded = fold_chars(self.original)
        self.lower = self.original.lower()
        if len(self.lower) != len(self.original):  # exotic case mappings: compare folded only
            self.lower = self.folded

    def find(self, phrase: str) -> int | None:
        span = self.span(phrase)
        return span[0] if span else None

    def span(self, phrase: str) -> tuple[int, int] | None:
        """(start, end) of the first whole-word occurrence of `phrase`, or None.

        Text written without diacritics matches by folding; text written with diacritics must carry
        the phrase's own diacritics, so "công an" never matches the keyword "cống".
        """
        exact, pattern, first_word = _prepared(phrase)
        if first_word not in self.folded:  # cheap substring test skips most keywords
            return None
        for match in pattern.finditer(self.folded):
            span = self.lower[match.start() : match.end()]
            if fold_chars(span) == span or re.sub(r"\s+", " ", span) == exact:
                return match.start(), match.end()
        return None


@lru_cache(maxsize=8192)
def _prepared(phrase: str) -> tuple[str, re.Pattern, str]:
    """(the phrase lowercased with its diacritics, a whole-word pattern over folded text, first word)."""
    lowered = unicodedata.normalize("NFC", phrase).lower()
    words = fold(lowered).split()
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")
    return re.sub(r"\s+", " ", lowered.strip()), pattern, words[0] if words else ""


# --- categories: weigh the signals ---------------------------------------------------------------
CONTEXT_FACTOR = 0.3  # a keyword that only says where or who
TOPIC_FACTOR = 2.0  # a keyword in the first clause of the content: what the citizen writes about first
_TOPIC_WORDS = 10  # the first clause ends at the first punctuation mark or after this many words


def _topic_end(text: _Text) -> int:
    """Where the first clause of `text` ends (an index into the folded text)."""
    stop = re.search(r"[.,;:!?\n]", text.folded)
    words = list(re.finditer(r"\S+", text.folded))
    by_words = words[_TOPIC_WORDS - 1].end() if len(words) >= _TOPIC_WORDS else len(text.folded)
    return min(stop.start() if stop else len(text.folded), by_words)


def _after_locative(text: _Text, position: int, cues: Sequence[str]) -> bool:
    before = re.sub(r"\s+", " ", text.folded[:position]).rstrip()
    return any(before == cue or before.endswith(" " + cue) for cue in cues)


def category_signals(
    content: str | None, location: str | None = None, rules: RoutingRules | None = None
) -> dict[str, list[Signal]]:
    """Every category's signals in the texts. Weight: the keyword's number of words, × CONTEXT_FACTOR when
    it only says where or who (a `context` word, a word after a locative cue such as "gần", "trước cổng",
    or any word of the location field), else × TOPIC_FACTOR in the first clause of the content."""
    rules = rules or load_rules()
    found: dict[str, list[Signal]] = {}
    for text, is_location in ((_Text(location), True), (_Text(content), False)):
        if not text.original.strip():
            continue
        topic_end = _topic_end(text)
        for category in rules.categories.values():
            taken: list[tuple[int, int]] = []  # "cấp sổ đỏ" is one signal, not "cấp sổ" + "sổ đỏ"
            for keyword in sorted(category.keywords, key=lambda k: -len(k.split())):
                span = text.span(keyword)
                if span is None or any(span[0] < end and start < span[1] for start, end in taken):
                    continue
                taken.append(span)
                position, words = span[0], len(keyword.split())
                written = text.original[span[0] : span[1]]
                context = (
                    is_location or keyword in category.context or _after_locative(text, position, rules.locative_cues)
                )
                weight = words * (CONTEXT_FACTOR if context else TOPIC_FACTOR if position < topic_end else 1.0)
                found.setdefault(category.code, []).append(Signal(category.code, written, weight, context))
    for signals in found.values():
        signals.sort(key=lambda sig: -sig.weight)
    return found


def _best_category(found: dict[str, list[Signal]], rules: RoutingRules) -> str | None:
    if not found:
        return None
    order = list(rules.categories)
    return max(found, key=lambda code: (round(sum(s.weight for s in found[code]), 6), -order.index(code)))


def classify_category(text: str, rules: RoutingRules | None = None) -> str | None:
    """The category with the strongest signals in `text`, or None when no keyword matches.

    Ties go to the category listed first in the rules file.
    """
    rules = rules or load_rules()
    return _best_category(category_signals(text, None, rules), rules)


# --- places ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Place:
    code: str
    level: str
    area: str  # display form, e.g. "Thành phố Tam Kỳ"
    name: str  # without the unit word, e.g. "Tam Kỳ"


def _place_name(area: str, prefixes: Sequence[str]) -> tuple[str, str]:
    display = re.split(r"[,(]", area, maxsplit=1)[0].strip()
    lowered = display.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix.lower() + " "):
            return display, display[len(prefix) + 1 :].strip()
    return display, display


def _places(agencies: Sequence, prefixes: Sequence[str]) -> list[_Place]:
    key = tuple(
        (a.code, a.level, getattr(a, "area", "") or "", tuple(getattr(a, "aliases", None) or ())) for a in agencies
    )
    return _places_cached(key, tuple(prefixes))


@lru_cache(maxsize=16)
def _places_cached(agencies: tuple, prefixes: tuple[str, ...]) -> list[_Place]:
    places = []
    for code, level, area, aliases in agencies:
        if not area.strip():
            continue
        display, name = _place_name(area, prefixes)
        if len(fold(name)) >= 3:
            places.append(_Place(code, level, display, name))
        # Former units the agency absorbed ("xã Tam Thanh"): matched with their unit word only, since
        # many former names are ordinary words or street names on their own ("Duy Tân", "Bình Minh").
        for alias in aliases:
            if _place_name(alias, prefixes)[1] != alias.strip():
                places.append(_Place(code, level, display, alias.strip()))
    return places


def _named_places(texts: Iterable[_Text], places: list[_Place]) -> list[_Place]:
    """Places named in the texts, in order: location before content, earlier mention first."""
    found: list[_Place] = []
    for text in texts:
        hits = []
        for place in places:
            position = text.find(place.name)
            if position is not None:
                hits.append((position, -len(place.name), place))
        found.extend(place for _, _, place in sorted(hits, key=lambda h: (h[0], h[1])))
    return found


def _at_level(place: _Place, level: str, by_code: dict) -> str | None:
    """The agency of `level` serving `place`: itself, or its nearest ancestor of that level."""
    code: str | None = place.code
    seen: set[str] = set()
    while code and code not in seen:
        seen.add(code)
        agency = by_code.get(code)
        if agency is None:
            return None
        if agency.level == level:
            return agency.code
        code = getattr(agency, "parent", None)
    return None


def _resolve(code: str, by_code: dict, agencies: Sequence) -> str | None:
    """`code` if the directory has it, else the agency that `replaces` it (after a merger), else None."""
    if code in by_code:
        return code
    for agency in agencies:
        if code in (getattr(agency, "replaces", None) or ()):
            return agency.code
    return None


# --- routing --------------------------------------------------------------------------------------
# "đường lên Trà My": a road that leads to a place is not in it; the place is left out of the content's
# place search (the location field, if any, still decides).
_ROUTE_TO = re.compile(
    r"(?<!\w)(?:đường|duong|tuyến|tuyen|lối|loi)\s+(?:lên|len|đi|di|tới|toi|ra)\s+(?:\S+\s*){1,3}", re.IGNORECASE
)


def _unit_matches(location: str | None, content: str | None, agencies: Sequence) -> list:
    """Commune-level units named in the location, else in the content (knowledge_base.places)."""
    from knowledge_base.places import resolver_for  # the KB's resolver; imported here to keep loading light

    resolver = resolver_for(agencies)
    for text in (location, _ROUTE_TO.sub(" ", content or "")):
        matches = resolver.resolve_matches(text)
        if matches:
            return matches
    return []


def _quote(signals: Sequence[Signal], limit: int = 3) -> str:
    seen: list[str] = []
    for signal in signals:
        if signal.written.lower() not in (s.lower() for s in seen):
            seen.append(signal.written)
    return ", ".join(f"“{w}”" for w in seen[:limit])


def _what(category: str | None, found: dict[str, list[Signal]], rules: RoutingRules) -> str:
    """'Lĩnh vực: Điện, chiếu sáng công cộng (dấu hiệu “đèn đường”); “trường THCS” chỉ cho biết nơi xảy ra.'"""
    label = rules.label(category)
    chosen = found.get(category or "", [])
    strong = [s for s in chosen if not s.context] or chosen
    text = f"Lĩnh vực: {label}" + (f" (dấu hiệu {_quote(strong)})" if strong else "") + "."
    others = [s for code, signals in found.items() if code != category for s in signals]
    where_only = [s for s in others if s.context]
    if where_only:
        text += f" {_quote(where_only, 2)} chỉ cho biết nơi xảy ra hoặc người liên quan, không quyết định nơi xử lý."
    elif others:
        text += f" Nội dung cũng nhắc {_quote(others, 2)} nhưng dấu hiệu yếu hơn."
    return text


def route(
    content: str,
    location: str | None,
    category: str | None,
    agencies: Sequence,
    rules: RoutingRules | None,
    coordinator: str,
) -> RoutingDecision:
    """Decide the owning agency. Always returns a code from `agencies` when the coordinator is in it.

    `category` given by the caller (bot, operator) is trusted when known; otherwise it is the category
    with the strongest signals in the location and content.
    """
    rules = rules or load_rules()
    agencies = list(agencies)
    by_code = {a.code: a for a in agencies}
    texts = [_Text(location), _Text(content)]
    found = category_signals(content, location, rules)
    given = category if category in rules.categories else None
    category = given or _best_category(found, rules)
    signals = tuple(found.get(category or "", ()))
    coordinator_code = _resolve(coordinator, by_code, agencies) or coordinator
    what = (
        f"Lĩnh vực: {rules.label(category)} (do người gửi hoặc điện thoại viên chọn)."
        if given
        else _what(category, found, rules)
    )

    def decision(target: str, rule: Rule | None, reason: str, place: str | None = None) -> RoutingDecision:
        return RoutingDecision(target, category, reason, rule.id if rule else None, place, signals)

    if category is not None:
        unit_level = _unit_level()
        local, unit_matches, places = False, None, None
        for rule in rules.rules:
            if category not in rule.categories:
                continue
            searched = texts[1:] if rule.keywords_in == "content" else texts
            if rule.keywords and not any(t.find(k) is not None for t in searched for k in rule.keywords):
                continue
            if rule.agency:
                target = _resolve(rule.agency, by_code, agencies)
                if target is None:
                    continue
                why = rule.reason or (
                    "chưa xác định được xã, phường nơi xảy ra nên chuyển cơ quan phụ trách lĩnh vực của thành phố,"
                    if local
                    else "lĩnh vực này do cơ quan chuyên môn của thành phố phụ trách nên chuyển"
                )
                return decision(target, rule, f"{what} {_capital(why)} {by_code[target].name}.")
            level = rule.place_level
            if level is None:  # cannot happen: a rule names an agency or a place level (checked at load)
                continue
            local = True
            if level == unit_level:
                if unit_matches is None:
                    unit_matches = _unit_matches(location, content, agencies)
                for match in unit_matches:
                    codes = [c for c in match.codes if c in by_code]
                    if not codes:
                        continue
                    target = by_code[codes[0]]
                    area = _place_name(target.area, rules.place_prefixes)[0] or target.name
                    return decision(target.code, rule, f"{what} {_where(match, codes, by_code, rules, rule)}", area)
                continue
            # Directories with other local levels (the pre-2025 districts): the named area's agency.
            if places is None:
                places = _named_places(texts, _places(agencies, rules.place_prefixes))
            for place in places:
                target = _at_level(place, level, by_code)
                if target is not None:
                    area = _place_name(by_code[target].area, rules.place_prefixes)[0] or place.area
                    reason = f"{what} Địa điểm thuộc {area}; việc ở địa phương nên chuyển {by_code[target].name}."
                    return decision(target, rule, reason, area)
        reason = (
            f"{what} Chưa có cơ quan mặc định cho lĩnh vực này; chuyển đầu mối "
            f"{_name(coordinator_code, by_code)} để phân loại."
        )
        return decision(coordinator_code, None, reason)
    reason = (
        f"Chưa xác định được lĩnh vực; chuyển đầu mối {_name(coordinator_code, by_code)} "
        "để phân loại và chuyển cơ quan có thẩm quyền."
    )
    return decision(coordinator_code, None, reason)


def _where(match, codes: list[str], by_code: dict, rules: RoutingRules, rule: Rule) -> str:
    target = by_code[codes[0]]
    unit = _place_name(target.area, rules.place_prefixes)[0] or target.name
    unit = unit[:1].lower() + unit[1:]
    why = rule.reason or "việc ở địa phương do chính quyền xã, phường nơi xảy ra xử lý nên chuyển"
    if len(codes) > 1:
        names = ", ".join(_place_name(by_code[c].area, rules.place_prefixes)[0] for c in codes)
        return (
            f"Địa danh cũ “{match.written}” nay thuộc nhiều đơn vị ({names}); {why} {target.name} "
            "(nếu không đúng địa bàn, đơn vị sẽ chuyển tiếp)."
        )
    if match.former:
        return f"Địa điểm “{match.written}” (tên cũ) nay thuộc {unit}; {why} {target.name}."
    return f"Địa điểm thuộc {unit}; {why} {target.name}."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=1)
def _unit_level() -> str:
    from knowledge_base.places import load_places

    return load_places().unit_level


def _name(code: str, by_code: dict) -> str:
    agency = by_code.get(code)
    return agency.name if agency is not None else code
