"""Procedure Q&A with context: follow-up questions reuse the procedure of the previous answer."""
from __future__ import annotations

from bot import texts
from bot.messages import Button, Reply
from bot.rules import looks_like_follow_up
from bot.turn import Turn

# The retriever's own confidence rule (threshold and margin chosen on its dev set), applied to the
# parse dicts.
from nlu.retrieval.retriever import Hit
from nlu.retrieval.retriever import is_confident as _retriever_is_confident

# Below this top score we do not even offer choices: nothing in the KB resembles the question.
MIN_CHOICE_SCORE = 0.15
ASPECTS = ("documents", "fee", "duration", "where", "steps", "online", "eligibility", "general")


def is_confident(hits: list[dict]) -> bool:
    return _retriever_is_confident([Hit(h["code"], h.get("name", ""), float(h["score"])) for h in hits])


def _convert(answer) -> Reply:
    return Reply(answer.text, [Button(b.title, b.payload) for b in answer.buttons])


def answer_procedure(turn: Turn, code: str, aspect: str | None) -> list[Reply]:
    from nlu.compose import compose_answer

    kb = turn.services.kb
    procedure = kb.procedure(code)
    if procedure is None:
        return [Reply(texts.UNKNOWN_PROCEDURE)]
    aspect = aspect if aspect in ASPECTS else "general"
    turn.state["last_procedure"] = procedure.code
    turn.state["last_aspect"] = aspect
    turn.state.pop("choices", None)
    turn.state.pop("pending_aspect", None)
    return [_convert(compose_answer(procedure, aspect, kb))]


def clarify(turn: Turn, codes: list[str], aspect: str | None) -> list[Reply]:
    from nlu.compose import clarify as compose_clarify

    kb = turn.services.kb
    procedures = [p for p in (kb.procedure(c) for c in codes[:3]) if p is not None]
    if not procedures:
        return [Reply(texts.NO_PROCEDURE)]
    turn.state["choices"] = [p.code for p in procedures]
    turn.state["pending_aspect"] = aspect or "general"
    return [_convert(compose_clarify(procedures))]


async def handle_question(turn: Turn, parsed: dict) -> list[Reply]:
    hits = parsed.get("procedures") or []
    aspect = parsed.get("aspect") or "general"
    last = turn.state.get("last_procedure")
    # A short question that names another procedure ("sổ đỏ mất bao lâu" after a birth-registration
    # answer) is a new question, even when retrieval is unsure which of its procedures is meant.
    names_another = any(h["code"] != last and _names_procedure(turn, h) for h in hits[:3])
    follow_up = bool(last) and aspect != "general" and looks_like_follow_up(turn.text) and not names_another

    if is_confident(hits) and not (follow_up and hits[0]["code"] != last):
        return answer_procedure(turn, hits[0]["code"], aspect)
    if follow_up:
        return answer_procedure(turn, last, aspect)
    if hits and hits[0]["score"] >= MIN_CHOICE_SCORE:
        return clarify(turn, [h["code"] for h in hits], aspect)
    return [Reply(texts.NO_PROCEDURE, [Button(texts.BTN_HANDOFF, "/handoff")])]


async def handle_aspect_only(turn: Turn, aspect: str) -> list[Reply] | None:
    """A message the intent model did not take as a question ("nộp ở đâu") but that names an aspect of
    the procedure just discussed."""
    last = turn.state.get("last_procedure")
    if not last or aspect == "general" or not looks_like_follow_up(turn.text):
        return None
    return answer_procedure(turn, last, aspect)


def _names_procedure(turn: Turn, hit: dict) -> bool:
    """The message itself names the procedure: several distinctive words of its name appear in it
    ("còn khai tử thì sao?"), or one of its everyday names stands in it whole ("sổ đỏ", "hộ khẩu")."""
    from nlu.normalize import syllables
    from nlu.retrieval.text import QUERY_STOPWORDS, question_syllables

    # Only the words that can name something: aspect phrases ("mất bao lâu") and chatter removed.
    asked = [s for s in question_syllables(turn.text) if s not in QUERY_STOPWORDS]
    asked_set = set(asked)
    name = [s for s in syllables(hit.get("name", "")) if len(s) > 1]
    stop = {"dang", "ky", "cap", "thu", "tuc", "giay", "chung", "nhan", "doi", "lai", "phep", "va", "cho", "cua"}
    distinctive = [s for s in name if s not in stop]
    if distinctive and sum(s in asked_set for s in distinctive) >= min(2, len(distinctive)):
        return True
    procedure = turn.services.kb.procedure(hit["code"])
    # An alias without its chatter ("làm sổ đỏ" -> "sổ đỏ").
    aliases = [[s for s in syllables(alias) if s not in QUERY_STOPWORDS] for alias in (procedure.aliases if procedure else [])]
    return any(len(alias) >= 2 and _contains_run(asked, alias) for alias in aliases)


def _contains_run(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))
