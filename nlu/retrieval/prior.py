"""What we know about a procedure before reading the question: how much it is used, and by whom.

- Popularity: the national portal's usage weight of each procedure (nlu/data/portal_popularity_2025-12.csv,
  crawled 2025-12-10 by the `makecolour/SongGio` project, MIT licence in the file beside it), as
  log1p(weight) / log1p(max weight) in [0, 1]. Matched by national code, else by the name (curated
  records with local codes). Procedures the list does not name get DEFAULT_POPULARITY (below the
  median of those it names: a procedure missing from the list is rarely used online).
- Audience: "citizen", "business" or "both", from the list, else from the record's target users
  (đối tượng thực hiện). A question phrased as a person's ("con em", "nhà em", no company words) should
  not get a business-only procedure first.

Pure functions over data; the retriever applies them (nlu.retrieval.fusion.apply_priors).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from nlu.normalize import fold

POPULARITY_FILE = Path(__file__).resolve().parents[1] / "data" / "portal_popularity_2025-12.csv"
DEFAULT_POPULARITY = 0.2

CITIZEN, BUSINESS, BOTH = "citizen", "business", "both"

# Target users (folded) that make a procedure one a person does for themselves.
_PERSON_USERS = ("cong dan", "ca nhan", "nguoi viet nam", "nguoi nuoc ngoai", "ho gia dinh", "nguoi dan")
_ORG_USERS = ("doanh nghiep", "to chuc", "hop tac xa", "htx", "can bo", "cong chuc", "vien chuc")

# Words that make a question one asked on behalf of an organisation (folded, whole words).
_BUSINESS_WORDS = re.compile(
    r"\b(?:cong ty|doanh nghiep|dn|hop tac xa|htx|chi nhanh|van phong dai dien|to chuc tin dung|"
    r"ngan hang thuong mai|nha dau tu|co phan|tnhh|xuat khau|nhap khau|hai quan|to khai|chung khoan|"
    r"quy dau tu|phap nhan|nha thau|du an|khu cong nghiep|to chuc)\b"
)


@lru_cache(maxsize=2)
def _popularity_table(path: str) -> tuple[dict[str, tuple[float, str]], dict[str, tuple[float, str]]]:
    by_code: dict[str, tuple[float, str]] = {}
    by_name: dict[str, tuple[float, str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    top = max((int(r["weight"] or 0) for r in rows), default=1)
    scale = math.log1p(max(top, 1))
    for row in rows:
        value = math.log1p(max(0, int(row["weight"] or 0))) / scale
        audience = {"citizen": CITIZEN, "business": BUSINESS}.get(row["audience"].strip(), BOTH)
        by_code.setdefault(row["code"].strip(), (value, audience))
        by_name.setdefault(_name_key(row["name"]), (value, audience))
    return by_code, by_name


def _name_key(name: str) -> str:
    return " ".join(fold(name).replace("thu tuc ", "", 1).split()).strip(" .")


def audience_from_users(target_users: Iterable[str]) -> str:
    folded = [fold(u) for u in target_users]
    person = any(any(k in u for k in _PERSON_USERS) for u in folded)
    org = any(any(k in u for k in _ORG_USERS) for u in folded)
    if person and not org:
        return CITIZEN
    if org and not person:
        return BUSINESS
    return BOTH


def procedure_priors(procedures: Sequence, path: Path = POPULARITY_FILE) -> tuple[np.ndarray, np.ndarray]:
    """(popularity in [0, 1], business_only flag) per procedure, in the given order."""
    try:
        by_code, by_name = _popularity_table(str(path))
    except OSError:
        by_code, by_name = {}, {}
    popularity = np.full(len(procedures), DEFAULT_POPULARITY, dtype=np.float32)
    business_only = np.zeros(len(procedures), dtype=bool)
    for i, p in enumerate(procedures):
        found = by_code.get(p.code) or by_name.get(_name_key(p.name))
        audience = None
        if found is not None:
            popularity[i], audience = found
        users = getattr(p, "target_users", None)
        if audience is None and users:  # the portal's own label first, else the record's target users
            audience = audience_from_users(users)
        business_only[i] = audience == BUSINESS
    return popularity, business_only


def asks_as_business(question: str) -> bool:
    """The question speaks for a company or organisation (otherwise we read it as a citizen's)."""
    return bool(_BUSINESS_WORDS.search(fold(question)))


def procedure_vocabulary(procedures: Sequence) -> tuple[list[frozenset[str]], dict[str, float]]:
    """Each procedure's folded syllables (name, everyday names, field) and their IDF over the KB: what a
    question's words are checked against (Retriever.question_coverage)."""
    from collections import Counter

    from nlu.normalize import syllables

    vocabulary = [
        frozenset(syllables(" ".join([p.name, getattr(p, "field", ""), *getattr(p, "aliases", ())])))
        for p in procedures
    ]
    df = Counter(t for words in vocabulary for t in words)
    n = len(vocabulary)
    return vocabulary, {t: math.log((n + 1) / (count + 0.5)) for t, count in df.items()}
