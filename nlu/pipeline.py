"""The NLU pipeline behind `hotline parse` and the bot: intent, aspect and candidate procedures.

    parser = get_parser(settings)
    parser.parse("lam giay khai sinh o dau")
    # {"text": ..., "intent": {"name": "ask_procedure", "confidence": 0.93}, "aspect": "where",
    #  "procedures": [{"code": "1.001193", "name": "Đăng ký khai sinh", "score": 0.71}, ...]}

Models (intent classifier, retrieval index and embedding model) load once, in the constructor.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from common.settings import Settings
from nlu.aspects import detect_aspect
from nlu.normalize import fold

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2000
MAX_PROCEDURES = 5


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
        try:
            from nlu.rasa_backend import RasaIntentBackend
        except ImportError as exc:
            raise NLUBackendError(
                "nlu_backend=rasa but nlu.rasa_backend is not available "
                f"({exc}); use HOTLINE_NLU_BACKEND=builtin or install the Rasa backend"
            ) from exc
        return RasaIntentBackend(settings.rasa_url)
    raise NLUBackendError(f"unknown nlu_backend {name!r}; expected 'builtin' or 'rasa'")


class Parser:
    """Parses one message into the `hotline parse` object (see DESIGN.md)."""

    def __init__(self, settings: Settings, *, kb=None, retriever=None,
                 intent_backend: IntentBackend | None = None) -> None:
        self.settings = settings
        if retriever is None:
            from nlu.retrieval import get_retriever

            retriever = get_retriever(settings, kb)
        self.retriever = retriever
        if intent_backend is None:
            encoder = retriever.encoder if getattr(retriever, "dense_available", False) else None
            intent_backend = make_intent_backend(settings, encoder)
        self.intents = intent_backend

    def parse(self, text: str) -> dict[str, Any]:
        text = (text or "")[:MAX_INPUT_CHARS]
        if not fold(text):
            name, confidence = "out_of_scope", 1.0
        else:
            name, confidence = self.intents.predict(text)
        aspect = None
        procedures: list[dict[str, Any]] = []
        if name == "ask_procedure":
            aspect = detect_aspect(text)
            procedures = [
                {"code": hit.code, "name": hit.name, "score": round(min(1.0, max(0.0, float(hit.score))), 4)}
                for hit in self.retriever.search(text, k=MAX_PROCEDURES)[:MAX_PROCEDURES]
            ]
        return {
            "text": text,
            "intent": {"name": name, "confidence": round(min(1.0, max(0.0, float(confidence))), 4)},
            "aspect": aspect,
            "procedures": procedures,
        }


_parsers: dict[tuple[str, ...], Parser] = {}
_lock = threading.Lock()


def get_parser(settings: Settings, kb=None) -> Parser:
    """The process-wide Parser for these settings (built on first use, on `kb` when given, else on the
    settings' knowledge base)."""
    key = (str(settings.data_dir), str(settings.kb_dir), str(settings.embedding_model),
           str(settings.nlu_backend), str(settings.rasa_url))
    with _lock:
        parser = _parsers.get(key)
        if parser is None:
            parser = _parsers[key] = Parser(settings, kb=kb)
        return parser


def clear_parsers() -> None:
    """Forget cached parsers (with nlu.retrieval.clear_cache(), after the KB changed in-process)."""
    with _lock:
        _parsers.clear()
