"""Route a PAKN item to the agency that must answer it: category × place -> agency, as data.

Categories (with Vietnamese keywords) and rules live in data/routing_rules.yaml; places come from the
agency directory's `area` and `aliases` (the former units a unit absorbed, e.g. "xã Tam Thanh"), so the
2025 reorganisation is a data change. Every
decision carries a Vietnamese reason kept with the item ("Phân loại 'Môi trường' tại 'Thành phố Tam
Kỳ' theo quy tắc R03"); anything no rule takes goes to the coordinator.
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


@dataclass(frozen=True)
class Rule:
    id: str
    categories: frozenset[str]
    agency: str | None = None
    place_level: str | None = None
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoutingRules:
    categories: dict[str, Category]
    rules: tuple[Rule, ...]
    place_prefixes: tuple[str, ...] = ()

    def label(self, category: str | None) -> str | None:
        found = self.categories.get(category) if category else None
        return found.label if found else None


@dataclass(frozen=True)
class RoutingDecision:
    agency_code: str
    category: str | None
    reason: str  # Vietnamese, stored with the item and shown to staff
    matched_rule: str | None
    place: str | None = None  # the matched area, e.g. "Thành phố Tam Kỳ"


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
        categories[code] = Category(code, body["label"], tuple(str(k) for k in body["keywords"]))
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
        rules.append(
            Rule(
                id=rule_id,
                categories=frozenset(body["categories"]),
                agency=body.get("agency"),
                place_level=body.get("place_level"),
                keywords=tuple(str(k) for k in body.get("keywords") or ()),
            )
        )
    prefixes = tuple(sorted((str(p) for p in data.get("place_prefixes") or ()), key=len, reverse=True))
    return RoutingRules(categories, tuple(rules), prefixes)


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
        """Start of the first whole-word occurrence of `phrase`, or None.

        Text written without diacritics matches by folding; text written with diacritics must carry
        the phrase's own diacritics, so "công an" never matches the keyword "cống".
        """
        exact, pattern, first_word = _prepared(phrase)
        if first_word not in self.folded:  # cheap substring test skips most keywords
            return None
        for match in pattern.finditer(self.folded):
            span = self.lower[match.start(): match.end()]
            if fold_chars(span) == span or re.sub(r"\s+", " ", span) == exact:
                return match.start()
        return None


@lru_cache(maxsize=8192)
def _prepared(phrase: str) -> tuple[str, re.Pattern, str]:
    """(the phrase lowercased with its diacritics, a whole-word pattern over folded text, first word)."""
    lowered = unicodedata.normalize("NFC", phrase).lower()
    words = fold(lowered).split()
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")
    return re.sub(r"\s+", " ", lowered.strip()), pattern, words[0] if words else ""


# --- categories -----------------------------------------------------------------------------------
def _category_scores(text: _Text, rules: RoutingRules) -> dict[str, int]:
    scores: dict[str, int] = {}
    for category in rules.categories.values():
        # Longer keywords are more specific ("đèn tín hiệu" beats "đèn"), so they weigh more.
        score = sum(len(k.split()) for k in category.keywords if text.find(k) is not None)
        if score:
            scores[category.code] = score
    return scores


def classify_category(text: str, rules: RoutingRules | None = None) -> str | None:
    """The best-matching category code for `text`, or None when no keyword matches.

    Ties go to the category listed first in the rules file.
    """
    rules = rules or load_rules()
    scores = _category_scores(_Text(text), rules)
    if not scores:
        return None
    order = list(rules.categories)
    return max(scores, key=lambda code: (scores[code], -order.index(code)))


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
            return display, display[len(prefix) + 1:].strip()
    return display, display


def _places(agencies: Sequence, prefixes: Sequence[str]) -> list[_Place]:
    key = tuple((a.code, a.level, getattr(a, "area", "") or "", tuple(getattr(a, "aliases", None) or ()))
                for a in agencies)
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
    code, seen = place.code, set()
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
def route(
    content: str,
    location: str | None,
    category: str | None,
    agencies: Sequence,
    rules: RoutingRules | None,
    coordinator: str,
) -> RoutingDecision:
    """Decide the owning agency. Always returns a code from `agencies` when the coordinator is in it.

    `category` given by the caller (bot, operator) is trusted when known; otherwise it is classified
    from the location and content.
    """
    rules = rules or load_rules()
    agencies = list(agencies)
    by_code = {a.code: a for a in agencies}
    texts = [_Text(location), _Text(content)]
    given = category if category in rules.categories else None
    category = given or classify_category(f"{location or ''}\n{content or ''}", rules)
    label = rules.label(category)
    coordinator_code = _resolve(coordinator, by_code, agencies) or coordinator

    if category is not None:
        places = None
        for rule in rules.rules:
            if category not in rule.categories:
                continue
            if rule.keywords and not any(t.find(k) is not None for t in texts for k in rule.keywords):
                continue
            if rule.agency:
                target = _resolve(rule.agency, by_code, agencies)
                if target is None:
                    continue
                name = by_code[target].name
                reason = f"Phân loại '{label}' theo quy tắc {rule.id}: chuyển {name}."
                return RoutingDecision(target, category, reason, rule.id)
            if places is None:
                places = _named_places(texts, _places(agencies, rules.place_prefixes))
            for place in places:
                target = _at_level(place, rule.place_level, by_code)
                if target is not None:
                    area = _place_name(by_code[target].area, rules.place_prefixes)[0] or place.area
                    reason = (f"Phân loại '{label}' tại '{area}' theo quy tắc {rule.id}: "
                              f"chuyển {by_code[target].name}.")
                    return RoutingDecision(target, category, reason, rule.id, place=area)
        reason = (f"Phân loại '{label}' nhưng chưa có quy tắc phù hợp; chuyển đầu mối "
                  f"{_name(coordinator_code, by_code)} để phân loại.")
        return RoutingDecision(coordinator_code, category, reason, None)
    reason = (f"Chưa xác định được lĩnh vực; chuyển đầu mối {_name(coordinator_code, by_code)} "
              "để phân loại và chuyển cơ quan có thẩm quyền.")
    return RoutingDecision(coordinator_code, None, reason, None)


def _name(code: str, by_code: dict) -> str:
    agency = by_code.get(code)
    return agency.name if agency is not None else code
