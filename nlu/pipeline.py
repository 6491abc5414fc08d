"""The NLU pipeline behind `hotline parse` and the bot: intent, aspect and candidate procedures.

    parser = get_parser(settings)
    result = parser.parse("lam giay khai sinh o dau")   # a ParseResult
    result.intent.name, result.aspect, result.procedures[0].code, result.names_procedure
    result.as_json()
    # {"text": ..., "intent": {"name": "ask_procedure", "confidence": 0.93}, "aspect": "where",
    #  "procedures": [{"code": "1.001193", "name": "Đăng ký khai sinh", "score": 0.71}, ...]}

Models (intent classifier, retrieval index and embedding model) load once, in the constructor.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from common.settings import Settings
from nlu.aspects import detect_aspect
from nlu.normalize import fold
from nlu.unheld import unheld_ask, unheld_cues

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2000
MAX_PROCEDURES = 5
# Hits checked for being named by the text: the ones a clarifying question would offer.
NAMED_HITS = 3
# A complaint the intent model is unsure of may be a question told as a story ("nhà bên cạnh xây tường
# lấn ranh giới đất ... tôi muốn làm gì"): when the answer gate finds procedures for it, it is taken as a
# question. On the dev split this turned 3 of the 4 in-KB questions taken for complaints into questions
# and none of the 27 complaints (all below are "not found" by the gate).
DOUBTFUL_FEEDBACK = 0.7
# A message that only asks for what no procedure holds ("vượt đèn đỏ bị phạt bao nhiêu", nlu.unheld) is a
# question however sure the intent model is that it is a complaint (it said so at 0.59-0.74 for such
# questions; none of the 184 complaints of nlu.yml and dev_intents.jsonl reads as such an ask).


class IntentBackend(Protocol):
    def predict(self, text: str) -> tuple[str, float]: ...


class NLUBackendError(RuntimeError):
    """The configured intent backend cannot be used (e.g. the Rasa backend is not installed)."""


def make_intent_backend(settings, encoder=None) -> IntentBackend:
    """The intent backend named by `settings.nlu_backend` ("builtin" or "rasa").

    The built-in one also uses `encoder` (the retriever's embedding model) when given."""
    name = getattr(settings, "nlu_backend", "builtin")
    if name == "builtin":
        from nlu.intents import BuiltinIntentClassifier, get_builtin_classifier

        if encoder is None:
            return get_builtin_classifier()
        return BuiltinIntentClassifier(encoder=encoder, cache_dir=Path(settings.data_dir) / "nlu")
    if name == "rasa":
        from nlu.rasa_backend import RasaIntentBackend  # plain HTTP client: nothing of Rasa is imported

        return RasaIntentBackend(settings.rasa_url)
    raise NLUBackendError(f"unknown nlu_backend {name!r}; expected 'builtin' or 'rasa'")


@dataclass(frozen=True)
class IntentScore:
    name: str  # one of nlu.intents.INTENTS
    confidence: float  # in [0, 1]


@dataclass(frozen=True)
class ProcedureHit:
    code: str
    name: str
    score: float  # fused retrieval score in [0, 1]
    # The text names this procedure (distinctive words of its name, or one of its everyday names),
    # rather than only resembling it; checked for the first NAMED_HITS hits.
    named: bool = False


@dataclass(frozen=True)
class ParseResult:
    """One parsed message. `as_json()` is the `hotline parse` object of DESIGN.md, unchanged."""

    text: str
    intent: IntentScore
    aspect: str | None = None  # None unless the intent is ask_procedure
    procedures: tuple[ProcedureHit, ...] = ()
    # What to do with the hits: "answer" the top one, "choose" among the top three, or "none" — no
    # procedure we hold answers this question (the retriever's calibrated gate, nlu.retrieval.gate).
    decision: str = "none"
    # What the question asks for that no procedure holds ("penalty", "exam": nlu.unheld); the decision
    # is then "none" and the reply says why.
    unheld: str | None = None

    @property
    def confident(self) -> bool:
        """The top procedure is sure enough to answer directly, not ask which."""
        return self.decision == "answer"

    @property
    def names_procedure(self) -> bool:
        """The text names one of its top procedures: a new question, not a follow-up about another."""
        return any(h.named for h in self.procedures)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": self.intent.confidence},
            "aspect": self.aspect,
            "procedures": [{"code": h.code, "name": h.name, "score": h.score} for h in self.procedures],
        }


def _unit(value: float) -> float:
    return round(min(1.0, max(0.0, float(value))), 4)


class Parser:
    """Parses one message into a ParseResult (serialised: the `hotline parse` object of DESIGN.md).

    `kb` (knowledge_base.loader.KnowledgeBase) gives the everyday names checked for `named`; without
    it the knowledge base of `settings` is loaded when first needed."""

    def __init__(
        self, settings: Settings, *, retriever=None, intent_backend: IntentBackend | None = None, kb=None
    ) -> None:
        self.settings = settings
        if retriever is None:
            from nlu.retrieval import get_retriever

            retriever = get_retriever(settings, kb)
        self.retriever = retriever
        if intent_backend is None:
            encoder = retriever.encoder if getattr(retriever, "dense_available", False) else None
            intent_backend = make_intent_backend(settings, encoder)
        self.intents = intent_backend
        self._kb = kb
        self._kb_failed = False
        self._kb_lock = threading.Lock()

    def parse(self, text: str) -> ParseResult:
        text = (text or "")[:MAX_INPUT_CHARS]
        if not fold(text):
            name, confidence = "out_of_scope", 1.0
        else:
            self._prefetch(text)
            name, confidence = self.intents.predict(text)
        unheld = unheld_ask(text) if name in ("ask_procedure", "submit_feedback") else None
        from_feedback = name == "submit_feedback" and (confidence < DOUBTFUL_FEEDBACK or unheld is not None)
        if name != "ask_procedure" and not from_feedback:
            return ParseResult(text, IntentScore(name, _unit(confidence)))
        from nlu.retrieval.text import names_procedure  # the retrieval package imports numpy, faiss

        hits = self.retriever.search(text, k=MAX_PROCEDURES)[:MAX_PROCEDURES]
        procedures = tuple(
            ProcedureHit(
                hit.code,
                hit.name,
                _unit(hit.score),
                named=rank < NAMED_HITS and names_procedure(text, hit.name, self._aliases(hit.code)),
            )
            for rank, hit in enumerate(hits)
        )
        if unheld:
            cues = unheld_cues(text)
            if any(h.named and self._asks_as(h, cues) for h in procedures):
                unheld = None  # "phúc khảo điểm thi": a procedure named for what it asks holds it
        decision = "none" if unheld else self.retriever.decide(hits)
        if from_feedback and decision == "none" and not unheld:
            return ParseResult(text, IntentScore(name, _unit(confidence)))
        # (a complaint taken as a question: at most 1 - confidence is left for ask_procedure)
        intent = IntentScore("ask_procedure", _unit(1.0 - confidence if from_feedback else confidence))
        return ParseResult(text, intent, detect_aspect(text), procedures, decision, unheld)

    def _asks_as(self, hit: ProcedureHit, cues: set[str]) -> bool:
        """The procedure's name or an everyday name asks in the same words ("phúc khảo điểm thi tốt
        nghiệp" for "phúc khảo điểm thi tốt nghiệp môn toán"; not for "lịch thi tốt nghiệp")."""
        return any(cues & unheld_cues(name) for name in (hit.name, *self._aliases(hit.code)))

    def _prefetch(self, text: str) -> None:
        """Let the embedding model start on the question while the lexical work runs (the intent
        classifier and the retriever then find its vector in the encoder's cache)."""
        encoder = getattr(self.retriever, "encoder", None)
        if encoder is not None:
            encoder.prefetch(text)

    def _aliases(self, code: str) -> list[str]:
        kb = self._knowledge_base()
        procedure = kb.procedure(code) if kb is not None else None
        return list(procedure.aliases) if procedure is not None else []

    def _knowledge_base(self):
        # Loaded on first use: the retriever may be serving its last good index while the KB files are
        # broken, and parsing must go on then (official names still count, everyday names do not).
        with self._kb_lock:
            if self._kb is None and not self._kb_failed:
                from knowledge_base.loader import load_knowledge_base

                try:
                    self._kb = load_knowledge_base(self.settings)
                except Exception as exc:
                    log.warning("knowledge base unavailable for everyday names: %s", exc)
                    self._kb_failed = True
            return self._kb


_parsers: dict[tuple[str, ...], Parser] = {}
_lock = threading.Lock()


def get_parser(settings: Settings, kb=None) -> Parser:
    """The process-wide Parser for these settings (built on first use, on `kb` when given, else on the
    settings' knowledge base)."""
    key = (
        str(settings.data_dir),
        str(settings.kb_dir),
        str(settings.embedding_model),
        str(settings.nlu_backend),
        str(settings.rasa_url),
    )
    with _lock:
        parser = _parsers.get(key)
        if parser is None:
            parser = _parsers[key] = Parser(settings, kb=kb)
        return parser
