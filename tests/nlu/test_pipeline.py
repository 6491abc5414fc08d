"""Parser end to end: real classifier, real retriever over the bundled KB, DESIGN.md output shape."""

from __future__ import annotations

import pytest

from nlu.intents import INTENTS
from nlu.pipeline import MAX_INPUT_CHARS, NLUBackendError, ParseResult, make_intent_backend

ASPECTS = {"documents", "fee", "duration", "where", "steps", "online", "eligibility", "general"}


def _check_shape(parsed: ParseResult) -> None:
    result = parsed.as_json()
    assert set(result) == {"text", "intent", "aspect", "procedures"}
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["intent"]["name"] in INTENTS
    assert 0.0 <= result["intent"]["confidence"] <= 1.0
    assert len(result["procedures"]) <= 5
    for procedure in result["procedures"]:
        assert set(procedure) == {"code", "name", "score"}
        assert 0.0 <= procedure["score"] <= 1.0
    scores = [p["score"] for p in result["procedures"]]
    assert scores == sorted(scores, reverse=True)
    if result["intent"]["name"] == "ask_procedure":
        assert result["aspect"] in ASPECTS
    else:
        assert result["aspect"] is None and result["procedures"] == []


@pytest.mark.parametrize(
    ("text", "aspect", "expected_code"),
    [
        ("làm giấy khai sinh cho con ở đâu", "where", "1.001193"),
        ("lam giay khai sinh cho con o dau", "where", "1.001193"),
        ("le phi dang ky ket hon bao nhieu", "fee", "1.000894"),
        ("đăng ký kết hôn cần giấy tờ gì", "documents", "1.000894"),
    ],
)
def test_ask_procedure_end_to_end(parser, text: str, aspect: str, expected_code: str) -> None:
    result = parser.parse(text)
    _check_shape(result)
    assert result.intent.name == "ask_procedure"
    assert result.aspect == aspect
    assert expected_code in [p.code for p in result.procedures[:3]]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("xin chào ad", "greet"),
        ("đèn đường ở thôn 3 bị hỏng mấy hôm nay", "submit_feedback"),
        ("tra cứu PA-2026-000123", "check_status"),
        ("cho tôi gặp tổng đài viên", "human_handoff"),
        ("cảm ơn nhiều nha", "thank"),
        ("tạm biệt nhé", "goodbye"),
    ],
)
def test_other_intents_have_no_aspect_or_procedures(parser, text: str, intent: str) -> None:
    result = parser.parse(text)
    _check_shape(result)
    assert result.intent.name == intent


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_input(parser, text: str) -> None:
    result = parser.parse(text)
    assert result.as_json()["intent"] == {"name": "out_of_scope", "confidence": 1.0}
    assert result.procedures == () and result.aspect is None


def test_long_input_is_truncated_not_fatal(parser) -> None:
    text = "thủ tục đăng ký khai sinh cần giấy tờ gì " * 200
    result = parser.parse(text)
    _check_shape(result)
    assert len(result.text) == MAX_INPUT_CHARS
    assert result.intent.name == "ask_procedure"


def test_backend_selection(nlu_settings) -> None:
    from nlu.intents import BuiltinIntentClassifier

    assert isinstance(make_intent_backend(nlu_settings), BuiltinIntentClassifier)
    with pytest.raises(NLUBackendError):
        make_intent_backend(nlu_settings.model_copy(update={"nlu_backend": "nonsense"}))


def test_rasa_backend_is_used_when_configured(nlu_settings) -> None:
    backend = make_intent_backend(nlu_settings.model_copy(update={"nlu_backend": "rasa"}))
    assert type(backend).__name__ == "RasaIntentBackend"
    assert backend.url == nlu_settings.rasa_url.rstrip("/")


def test_parser_fuses_embeddings_when_the_retriever_has_a_model(parser, nlu_data_dir) -> None:
    assert parser.intents.uses_embeddings == parser.retriever.dense_available
    if parser.retriever.dense_available:
        assert list((nlu_data_dir / "nlu").glob("intent-embeddings-*.npy"))


def test_parser_held_out_intent_and_aspect_accuracy(parser) -> None:
    import json
    from pathlib import Path

    dev = Path(__file__).resolve().parents[2] / "nlu" / "data" / "dev_intents.jsonl"
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = [parser.parse(row["text"]) for row in rows]
    intent_ok = sum(r.intent.name == row["intent"] for r, row in zip(results, rows, strict=False))
    asked = [(r, row) for r, row in zip(results, rows, strict=False) if row["intent"] == "ask_procedure"]
    aspect_ok = sum(r.aspect == row["aspect"] for r, row in asked)
    assert intent_ok / len(rows) >= 0.93
    assert aspect_ok / len(asked) >= 0.85


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(text=st.text(max_size=300))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_parse_never_raises_on_arbitrary_text(parser, text: str) -> None:
    _check_shape(parser.parse(text))


class _SaysComplaint:
    """The intent model's verdict, fixed, to pin what the parser does with it."""

    def __init__(self, confidence: float) -> None:
        self.confidence = confidence

    def predict(self, text: str) -> tuple[str, float]:
        return "submit_feedback", self.confidence


@pytest.mark.parametrize(
    ("text", "confidence", "intent"),
    [
        # unsure, and the gate finds the procedure: a question told as a story
        (
            "con em sinh ra chưa làm giấy khai sinh, giờ đăng ký khai sinh cho cháu cần giấy tờ gì",
            0.55,
            "ask_procedure",
        ),
        # sure: a complaint, whatever it mentions
        (
            "con em sinh ra chưa làm giấy khai sinh, giờ đăng ký khai sinh cho cháu cần giấy tờ gì",
            0.9,
            "submit_feedback",
        ),
        # unsure, but no procedure answers it: still a complaint
        ("đèn đường ở thôn 3 bị hỏng mấy hôm nay tối om", 0.55, "submit_feedback"),
        # sure, but it only asks how big a fine is: a question (answered "not held", nlu.unheld)
        ("vượt đèn đỏ bị phạt bao nhiêu", 0.9, "ask_procedure"),
        ("Tôi bị CSGT phạt 2 triệu vô lý, đề nghị xem xét lại", 0.9, "submit_feedback"),
    ],
)
def test_a_doubtful_complaint_that_asks_about_a_procedure_is_a_question(parser, text, confidence, intent) -> None:
    from nlu.pipeline import Parser

    result = Parser(parser.settings, retriever=parser.retriever, intent_backend=_SaysComplaint(confidence)).parse(text)
    _check_shape(result)
    assert result.intent.name == intent
    if intent == "ask_procedure":
        assert result.intent.confidence == pytest.approx(1 - confidence)
        if result.unheld is None:
            assert result.decision != "none" and "1.001193" in [p.code for p in result.procedures[:3]]
        else:
            assert (result.unheld, result.decision) == ("penalty", "none")
