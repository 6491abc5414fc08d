"""Procedure Q&A with context: follow-up questions reuse the procedure of the previous answer."""
from __future__ import annotations

from bot import texts
from bot.messages import Button, Reply
from bot.rules import looks_like_follow_up
from bot.turn import Turn
from nlu.compose import clarify as compose_clarify
from nlu.compose import compose_answer
from nlu.pipeline import ParseResult

# Below this top score we do not even offer choices: nothing in the KB resembles the question.
MIN_CHOICE_SCORE = 0.15
ASPECTS = ("documents", "fee", "duration", "where", "steps", "online", "eligibility", "general")


def answer_procedure(turn: Turn, code: str, aspect: str | None) -> list[Reply]:
    kb = turn.services.kb
    procedure = kb.procedure(code)
    if procedure is None:
        return [Reply(texts.UNKNOWN_PROCEDURE)]
    aspect = aspect if aspect in ASPECTS else "general"
    turn.state["last_procedure"] = procedure.code
    turn.state["last_aspect"] = aspect
    turn.state.pop("choices", None)
    turn.state.pop("pending_aspect", None)
    return [compose_answer(procedure, aspect, kb)]


def clarify(turn: Turn, codes: list[str], aspect: str | None) -> list[Reply]:
    kb = turn.services.kb
    procedures = [p for p in (kb.procedure(c) for c in codes[:3]) if p is not None]
    if not procedures:
        return [Reply(texts.NO_PROCEDURE)]
    turn.state["choices"] = [p.code for p in procedures]
    turn.state["pending_aspect"] = aspect or "general"
    return [compose_clarify(procedures)]


async def handle_question(turn: Turn, parsed: ParseResult) -> list[Reply]:
    hits = parsed.procedures
    aspect = parsed.aspect or "general"
    last = turn.state.get("last_procedure")
    # A short question that names another procedure ("sổ đỏ mất bao lâu" after a birth-registration
    # answer) is a new question, even when retrieval is unsure which of its procedures is meant.
    names_another = any(h.named and h.code != last for h in hits)
    follow_up = bool(last) and aspect != "general" and looks_like_follow_up(turn.text) and not names_another

    if parsed.confident and not (follow_up and hits[0].code != last):
        return answer_procedure(turn, hits[0].code, aspect)
    if follow_up:
        return answer_procedure(turn, last, aspect)
    if hits and hits[0].score >= MIN_CHOICE_SCORE:
        return clarify(turn, [h.code for h in hits], aspect)
    return [Reply(texts.NO_PROCEDURE, [Button(texts.BTN_HANDOFF, "/handoff")])]


async def handle_aspect_only(turn: Turn, aspect: str) -> list[Reply] | None:
    """A message the intent model did not take as a question ("nộp ở đâu") but that names an aspect of
    the procedure just discussed."""
    last = turn.state.get("last_procedure")
    if not last or aspect == "general" or not looks_like_follow_up(turn.text):
        return None
    return answer_procedure(turn, last, aspect)
