"""Whether a question names a procedure (ParseResult.names_procedure, ProcedureHit.named): the signal the
bot uses to tell a follow-up about the procedure just answered from a new question about another."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.pipeline import NAMED_HITS, IntentScore, ParseResult, ProcedureHit
from nlu.retrieval.text import names_procedure

LAND_NAME = "Đăng ký đất đai, tài sản gắn liền với đất lần đầu"
LAND_ALIASES = ["làm sổ đỏ", "cấp sổ đỏ lần đầu", "xin cấp sổ đỏ"]


@pytest.mark.parametrize(
    ("question", "name", "aliases"),
    [
        ("còn kết hôn thì sao?", "Đăng ký kết hôn", []),  # the name's distinctive words
        ("con ket hon thi sao", "Đăng ký kết hôn", []),  # without diacritics
        ("sổ đỏ mất bao lâu", LAND_NAME, LAND_ALIASES),  # an everyday name, chatter ("làm") removed
        ("so do mat bao lau", LAND_NAME, LAND_ALIASES),
        ("làm hộ khẩu ở đâu", "Đăng ký thường trú", ["hộ khẩu", "nhập hộ khẩu"]),
        ("đăng ký kết hôn cần giấy tờ gì", "Đăng ký kết hôn", []),
    ],
)
def test_questions_that_name_the_procedure(question: str, name: str, aliases: list[str]) -> None:
    assert names_procedure(question, name, aliases)


@pytest.mark.parametrize(
    ("question", "name", "aliases"),
    [
        ("còn lệ phí thì sao?", "Đăng ký kết hôn", ["làm giấy kết hôn"]),  # a follow-up: aspect only
        ("nộp ở đâu", LAND_NAME, LAND_ALIASES),
        ("thủ tục đó mất bao lâu", "Đăng ký khai tử", ["khai tử"]),  # one-word alias never counts alone
        # Only words every official name shares ("cấp giấy chứng nhận"): resembles, does not name.
        ("cấp giấy chứng nhận", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", []),
        ("sổ mất bao lâu", LAND_NAME, LAND_ALIASES),  # half an everyday name
    ],
)
def test_questions_that_do_not_name_the_procedure(question: str, name: str, aliases: list[str]) -> None:
    assert not names_procedure(question, name, aliases)


@given(st.text(max_size=200), st.text(max_size=80), st.lists(st.text(max_size=40), max_size=4))
def test_names_procedure_is_total(question: str, name: str, aliases: list[str]) -> None:
    assert names_procedure(question, name, aliases) in (True, False)


def test_parse_result_serialises_to_the_parse_contract_only() -> None:
    result = ParseResult(
        "sổ đỏ mất bao lâu",
        IntentScore("ask_procedure", 0.91),
        "duration",
        (ProcedureHit("DD-QNA-001", LAND_NAME, 0.52, named=True), ProcedureHit("DD-QNA-003", "Cấp đổi", 0.4)),
    )
    assert result.names_procedure
    assert json.dumps(result.as_json(), ensure_ascii=False) == json.dumps(
        {
            "text": "sổ đỏ mất bao lâu",
            "intent": {"name": "ask_procedure", "confidence": 0.91},
            "aspect": "duration",
            "procedures": [
                {"code": "DD-QNA-001", "name": LAND_NAME, "score": 0.52},
                {"code": "DD-QNA-003", "name": "Cấp đổi", "score": 0.4},
            ],
        },
        ensure_ascii=False,
    )
    assert not ParseResult("xin chào", IntentScore("greet", 0.9)).names_procedure


# --- through the real parser -------------------------------------------------------------------------------
def test_short_follow_up_names_no_procedure(parser) -> None:
    result = parser.parse("còn lệ phí thì sao?")
    assert not result.names_procedure
    assert not any(h.named for h in result.procedures)


def test_everyday_name_of_another_procedure_is_named(parser) -> None:
    result = parser.parse("sổ đỏ mất bao lâu")
    assert result.intent.name == "ask_procedure" and result.aspect == "duration"
    assert result.names_procedure
    named = [h.code for h in result.procedures if h.named]
    # 1.013978: the national record of the first land-use certificate, whose everyday name is "sổ đỏ"
    assert "1.013978" in named


def test_official_name_is_named(parser) -> None:
    result = parser.parse("đăng ký kết hôn mất bao lâu")
    assert result.intent.name == "ask_procedure"
    assert any(h.named and h.code == "1.000894" for h in result.procedures)


def test_only_the_top_hits_are_checked(parser) -> None:
    result = parser.parse("thủ tục đăng ký kết hôn cần giấy tờ gì")
    assert all(not h.named for h in result.procedures[NAMED_HITS:])


def test_parser_without_a_readable_kb_still_parses(parser, monkeypatch) -> None:
    """A broken KB (the retriever serving its last good index) only loses the everyday names."""
    from nlu.pipeline import Parser

    def broken(settings):
        raise RuntimeError("kb unreadable")

    monkeypatch.setattr("knowledge_base.loader.load_knowledge_base", broken)
    fresh = Parser(parser.settings, retriever=parser.retriever, intent_backend=parser.intents)
    assert fresh.parse("đăng ký kết hôn mất bao lâu").names_procedure  # official-name words still count
    fresh.parse("so do mat bao lau")  # everyday names unavailable: no error
