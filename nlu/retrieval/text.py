"""What the retriever sees of a procedure and of a question.

Lexical side: folded syllable unigrams + bigrams (so "so do" matches "sổ đỏ" and "khai sinh" scores as a
phrase). Dense side: the original text with diacritics (the embedding model reads them).
"""

from __future__ import annotations

from collections.abc import Iterable

from nlu.normalize import fold, syllables  # noqa: F401  (fold re-exported for callers)

# Chatter citizens wrap around a question ("cho em hỏi ạ", "ad ơi", "ở đâu vậy"). They carry no
# procedure information, yet a few of them occur in some procedure texts, where their high IDF would
# pull unrelated procedures up. Folded forms.
QUERY_STOPWORDS = frozenset(
    """
    a ad ah ak anh ban be bn c cac cai can cau chi cho chu co cua da dang day de di duoc e em gi
    giup gium ha hay hoi huong in j khi khong ko la lam len luon ma minh muon nao nay ne nguoi nhe
    nha nhi nho nhu nua o oi phai ra roi sao se tai the thi thoi toi tu va vay ve vi voi vs xin
    """.split()
)

MAX_QUERY_CHARS = 500

# Question phrases about the *aspect* asked (documents, fee, time, place, how), folded. Removed from
# questions before matching: their syllables ("hồ sơ" -> "ho", "so") would otherwise match unrelated
# names ("hộ khẩu", "sổ đỏ"). The aspect itself is detected elsewhere (nlu.aspects).
_NOISE_PHRASES = (
    "mat bao lau",
    "mat bao nhieu",
    "het bao nhieu",
    "mat may ngay",
    "het bao lau",
    "bao nhieu ngay",
    "bao nhieu tien",
    "bao nhieu",
    "bao lau",
    "ho so",
    "giay to",
    "thu tuc",
    "le phi",
    "o dau",
    "nhu the nao",
    "the nao",
    "lam sao",
    "nhung gi",
    "mat phi",
    "ton phi",
    "may ngay",
    "cho em hoi",
    "cho minh hoi",
    "cho toi hoi",
    "xin hoi",
    "duoc khong",
    "co phai",
    "dich vu cong",
)
# Longest first: "mất bao lâu" (how long) goes whole, while "mất" alone (lost: "mất sổ đỏ") stays.
QUERY_NOISE_PHRASES = tuple(sorted((tuple(p.split()) for p in _NOISE_PHRASES), key=len, reverse=True))


def _drop_noise_phrases(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase in QUERY_NOISE_PHRASES:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _with_bigrams(tokens: list[str]) -> list[str]:
    bigrams = [
        f"{a}_{b}"
        for a, b in zip(tokens, tokens[1:], strict=False)
        if not (a in QUERY_STOPWORDS and b in QUERY_STOPWORDS)
    ]
    return tokens + bigrams


def lexical_tokens(text: str, drop_stopwords: bool = False) -> list[str]:
    """Folded syllables of `text` plus adjacent-syllable bigrams ("khai_sinh")."""
    tokens = [t for t in syllables(text) if t]
    grams = _with_bigrams(tokens)
    if drop_stopwords:
        grams = [g for g in grams if g not in QUERY_STOPWORDS]
    return grams


def question_syllables(query: str) -> list[str]:
    """Folded syllables of a question with aspect phrases ("hồ sơ", "bao lâu", "ở đâu") removed."""
    return _drop_noise_phrases([t for t in syllables(query[:MAX_QUERY_CHARS]) if t])


def query_tokens(query: str) -> list[str]:
    """Lexical tokens of a question: aspect phrases removed, chatter unigrams dropped, with bigrams,
    duplicates removed (order kept)."""
    grams = [g for g in _with_bigrams(question_syllables(query)) if g not in QUERY_STOPWORDS]
    return list(dict.fromkeys(grams))


def _body_snippet(procedure, max_chars: int) -> str:
    parts: list[str] = []
    if procedure.result:
        parts.append(procedure.result)
    parts.extend(d.name for d in procedure.documents[:3])
    return " . ".join(parts)[:max_chars]


def procedure_lexical_tokens(
    procedure, name_weight: int = 3, alias_weight: int = 2, body_chars: int = 200
) -> list[str]:
    """Tokens indexed for one procedure: name and aliases repeated (weights), field, a little body."""
    tokens: list[str] = []
    name_tokens = lexical_tokens(procedure.name)
    tokens.extend(name_tokens * name_weight)
    for alias in procedure.aliases:
        tokens.extend(lexical_tokens(alias) * alias_weight)
    tokens.extend(lexical_tokens(procedure.field))
    if body_chars:
        tokens.extend(lexical_tokens(_body_snippet(procedure, body_chars)))
    return tokens


def procedure_lexical_views(procedure) -> list[list[str]]:
    """Short lexical documents of one procedure: its name (with its field) and each alias."""
    views = [lexical_tokens(procedure.name) + lexical_tokens(procedure.field)]
    views.extend(lexical_tokens(alias) for alias in procedure.aliases)
    return views


# Words about the asker rather than the procedure ("làm căn cước cho con", "vợ em sinh", "đến đâu"):
# left out of what a question must share with a procedure (folded).
QUESTION_CONTEXT_WORDS = frozenset("con be chau vo chong bo me ong cu den tuoi nam thang".split())


def coverage_terms(text: str, question: bool = False) -> list[str]:
    """Distinct content syllables of `text` (folded, chatter dropped): what a question must mention for
    a name or alias to count as fully covered. `question`: also drop aspect phrases."""
    tokens = question_syllables(text) if question else syllables(text)
    return list(dict.fromkeys(t for t in tokens if t and t not in QUERY_STOPWORDS))


def asked_terms(question: str) -> list[str]:
    """The content syllables of a question a procedure must share to answer it (the answer gate):
    chatter, aspect phrases, numbers and words about the asker left out."""
    return [t for t in coverage_terms(question, question=True) if t not in QUESTION_CONTEXT_WORDS and not t.isdigit()]


def name_terms(text: str, question: bool = False) -> list[str]:
    """Content syllables of `text` and their adjacent pairs ("ket_hon"): a name or everyday name counts
    as mentioned only with its words in their order, so "cao hơn ... thu" does not mention "hôn thú"."""
    terms = coverage_terms(text, question)
    return terms + [f"{a}_{b}" for a, b in zip(terms, terms[1:], strict=False)]


def procedure_coverage_views(procedure) -> list[list[str]]:
    """Name terms of the name and of each alias (same views as procedure_lexical_views)."""
    return [name_terms(procedure.name)] + [name_terms(alias) for alias in procedure.aliases]


def procedure_dense_views(procedure, mode: str = "name+aliases") -> list[str]:
    """Texts embedded for one procedure; its dense score is the best over these views.

    "name+aliases": one text, name then everyday names (one encoder call per procedure keeps the
    2,000-procedure build fast). "views": name and each alias separately.
    """
    if mode == "views":
        return [procedure.name, *procedure.aliases]
    if mode == "name":
        return [procedure.name]
    aliases = "; ".join(procedure.aliases)
    return [f"{procedure.name} ({aliases})" if aliases else procedure.name]


# Syllables common to many official names ("Đăng ký ...", "Cấp giấy chứng nhận ...", "... cấp đổi, cấp
# lại"): a question that shares only these with a name does not name that procedure. Folded forms.
GENERIC_NAME_SYLLABLES = frozenset("dang ky cap thu tuc giay chung nhan doi lai phep va cho cua".split())


def names_procedure(question: str, name: str, aliases: Iterable[str] = ()) -> bool:
    """The question itself names this procedure — two distinctive syllables of its official name appear
    in it (all, when it has fewer: "còn kết hôn thì sao?"), or one of its everyday names of two
    syllables or more stands in it whole ("sổ đỏ mất bao lâu", "làm hộ khẩu") — rather than only
    resembling it. A short follow-up ("còn lệ phí thì sao?") names none."""
    # Only the words that can name something: aspect phrases ("mất bao lâu") and chatter removed.
    asked = [s for s in question_syllables(question) if s not in QUERY_STOPWORDS]
    asked_set = set(asked)
    distinctive = [s for s in syllables(name) if len(s) > 1 and s not in GENERIC_NAME_SYLLABLES]
    if distinctive and sum(s in asked_set for s in distinctive) >= min(2, len(distinctive)):
        return True
    # An everyday name without its chatter ("làm sổ đỏ" -> "sổ đỏ").
    runs = ([s for s in syllables(alias) if s not in QUERY_STOPWORDS] for alias in aliases)
    return any(len(run) >= 2 and _contains_run(asked, run) for run in runs)


def _contains_run(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))
